import TestSupport
import Testing
import NumericCore

@Suite("Tensor value semantics and shape operations")
struct TensorTests {
    @Test func copyIsUnchangedWhenOriginalMutates() {
        var original = Tensor<Double>(rows: [[1, 2], [3, 4]])
        let copy = original
        original[0, 0] = 99
        original += Tensor<Double>.ones(shape: [2, 2])
        original.scale(by: 3)
        #expect(copy == Tensor<Double>(rows: [[1, 2], [3, 4]]))
        #expect(original[0, 0] == 300)
    }

    @Test func mutatingCopyLeavesOriginalUnchanged() {
        let original = Tensor<Float>(rows: [[1, 2, 3]])
        var copy = original
        copy.axpy(2, Tensor<Float>(rows: [[1, 1, 1]]))
        copy.setRow(0, to: [7, 8, 9])
        #expect(original.scalars == [1, 2, 3])
        #expect(copy.scalars == [7, 8, 9])
    }

    @Test func transposeGatherScatterConcatenate() {
        var rng = SeededGenerator(seed: 1)
        let a = Tensor<Double>.randomNormal(shape: [37, 45], using: &rng)
        let t = a.transposed()
        #expect(t.shape == [45, 37])
        for i in 0..<37 { for j in 0..<45 { #expect(t[j, i] == a[i, j]) } }
        #expect(t.transposed() == a)

        let g = a.gatherRows([3, 0, 3])
        #expect(g.shape == [3, 45])
        #expect(g.row(0) == a.row(3) && g.row(1) == a.row(0) && g.row(2) == a.row(3))

        var z = Tensor<Double>.zeros(shape: [4, 45])
        z.scatterAddRows(g, at: [1, 1, 2])
        #expect(Tolerance.allClose(z.row(1), a.row(3) + a.row(0)))
        #expect(z.row(2) == a.row(3))
        #expect(z.row(0) == Tensor<Double>.zeros(shape: [45]))

        let rows = Tensor<Double>.concatenate([a, g], axis: 0)
        #expect(rows.shape == [40, 45])
        #expect(rows.row(37) == a.row(3))
        let columns = Tensor<Double>.concatenate([a, a.gatherRows(Array(0..<37))], axis: 1)
        #expect(columns.shape == [37, 90])
        #expect(columns[5, 50] == a[5, 5])
    }

    @Test func reductions() {
        let a = Tensor<Double>(rows: [[1, -2, 3], [4, 5, -6]])
        #expect(a.sum() == 5)
        #expect(a.mean() == 5.0 / 6.0)
        #expect(a.max() == 5)
        #expect(a.min() == -6)
        #expect(a.sum(alongAxis: 0).scalars == [5, 3, -3])
        #expect(a.sum(alongAxis: 1).scalars == [2, 3])
        #expect(a.max(alongAxis: 1).scalars == [3, 5])
        #expect(a.mean(alongAxis: 0).scalars == [2.5, 1.5, -1.5])
        #expect(a.reshaped([3, 2])[2, 1] == -6)
    }

    @Test func elementwiseArithmetic() {
        let a = Tensor<Float>([1, 2, 3])
        let b = Tensor<Float>([4, 5, 6])
        #expect((a + b).scalars == [5, 7, 9])
        #expect((b - a).scalars == [3, 3, 3])
        #expect((a * b).scalars == [4, 10, 18])
        #expect((b / a).scalars == [4, 2.5, 2])
        #expect((2 * a + 1).scalars == [3, 5, 7])
        #expect((-a).scalars == [-1, -2, -3])
        #expect(a.dot(b) == 32)
        #expect(Tolerance.isClose(Tensor<Float>([3, 4]).norm(), 5, rtol: 1e-6))
    }

    @Test func seededGeneratorIsReproducible() {
        var r1 = SeededGenerator(seed: 42)
        var r2 = SeededGenerator(seed: 42)
        let a = Tensor<Double>.randomNormal(shape: [100], using: &r1)
        let b = Tensor<Double>.randomNormal(shape: [100], using: &r2)
        #expect(a == b)
        var r3 = SeededGenerator(seed: 43)
        #expect(Tensor<Double>.randomNormal(shape: [100], using: &r3) != a)
    }

    @Test func normalDrawsHaveUnitMoments() {
        var rng = SeededGenerator(seed: 7)
        let n = 200_000
        let x = Tensor<Double>.randomNormal(shape: [n], using: &rng)
        let mean = x.mean()
        let variance = (x - mean).map { $0 * $0 }.mean()
        // Standard errors: 1/√n ≈ 0.0022 for the mean, √(2/n) ≈ 0.0032 for the variance.
        #expect(abs(mean) < 0.01)
        #expect(abs(variance - 1) < 0.015)
        let u = Tensor<Double>.randomUniform(shape: [n], in: 2...4, using: &rng)
        #expect(u.min() >= 2 && u.max() <= 4)
        #expect(abs(u.mean() - 3) < 0.01)
    }
}
