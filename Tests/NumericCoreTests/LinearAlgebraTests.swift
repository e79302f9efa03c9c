import TestSupport
import Testing
import NumericCore

private func randomSPD(_ n: Int, seed: UInt64) -> Tensor<Double> {
    var rng = SeededGenerator(seed: seed)
    let a = Tensor<Double>.randomNormal(shape: [n + 3, n], using: &rng)
    return a.gram() + Tensor<Double>.identity(n) * 0.1
}

@Suite("LAPACK-backed factorizations")
struct LinearAlgebraTests {
    @Test(arguments: [1, 2, 5, 20, 64])
    func choleskyReconstructs(n: Int) throws {
        let a = randomSPD(n, seed: UInt64(n))
        let factor = try a.cholesky()
        let l = factor.lower
        for i in 0..<n { for j in (i + 1)..<max(i + 1, n) { #expect(l[i, j] == 0) } }
        let rebuilt = l.matmul(l, transposeOther: true)
        #expect(Tolerance.allClose(rebuilt, a, rtol: 1e-12, atol: 1e-11))

        var rng = SeededGenerator(seed: 99)
        let b = Tensor<Double>.randomNormal(shape: [n, 3], using: &rng)
        let x = factor.solve(b)
        #expect(Tolerance.allClose(a.matmul(x), b, rtol: 1e-9, atol: 1e-9))
        let v = Tensor<Double>.randomNormal(shape: [n], using: &rng)
        let y = try a.solveSymmetricPositiveDefinite(v)
        #expect(Tolerance.allClose(a.matvec(y), v, rtol: 1e-9, atol: 1e-9))
        let inverse = factor.inverse()
        #expect(Tolerance.allClose(a.matmul(inverse), .identity(n), rtol: 1e-9, atol: 1e-9))
    }

    @Test func notPositiveDefiniteNamesTheLeadingMinor() {
        // Leading 1×1 and 2×2 minors are positive; the 3×3 determinant is negative.
        let a = Tensor<Double>(rows: [[2, 1, 0], [1, 2, 3], [0, 3, 1]])
        #expect(throws: LinearAlgebraError.notPositiveDefinite(leadingMinor: 3)) { try a.cholesky() }
        let b = Tensor<Float>(rows: [[-1, 0], [0, 1]])
        #expect(throws: LinearAlgebraError.notPositiveDefinite(leadingMinor: 1)) { try b.cholesky() }
    }

    @Test(arguments: [2, 7, 30])
    func eigendecompositionSatisfiesAVEqualsVLambda(n: Int) throws {
        var rng = SeededGenerator(seed: UInt64(100 + n))
        let m = Tensor<Double>.randomNormal(shape: [n, n], using: &rng)
        let a = m + m.transposed()
        let eig = try a.symmetricEigendecomposition()
        let v = eig.vectors
        var vLambda = v
        for i in 0..<n { for j in 0..<n { vLambda[i, j] *= eig.values.scalars[j] } }
        #expect(Tolerance.allClose(a.matmul(v), vLambda, rtol: 1e-10, atol: 1e-10))
        #expect(Tolerance.allClose(v.matmul(v, transposeSelf: true), .identity(n), rtol: 1e-10, atol: 1e-10))
        #expect(zip(eig.values.scalars, eig.values.scalars.dropFirst()).allSatisfy { $0 <= $1 })
    }

    @Test func leastSquaresMatchesNormalEquations() throws {
        var rng = SeededGenerator(seed: 5)
        let a = Tensor<Double>.randomNormal(shape: [50, 6], using: &rng)
        let b = Tensor<Double>.randomNormal(shape: [50], using: &rng)
        let x = try a.leastSquares(b)
        let normal = try a.gram().solveSymmetricPositiveDefinite(a.matvec(b, transposed: true))
        #expect(Tolerance.allClose(x, normal, rtol: 1e-9, atol: 1e-10))
        let bm = Tensor<Double>.randomNormal(shape: [50, 2], using: &rng)
        let xm = try a.leastSquares(bm)
        #expect(xm.shape == [6, 2])
        let normalM = try a.gram().solveSymmetricPositiveDefinite(a.matmul(bm, transposeSelf: true))
        #expect(Tolerance.allClose(xm, normalM, rtol: 1e-9, atol: 1e-10))
    }

    @Test func rankDeficientLeastSquaresIsAnError() {
        // An exactly zero column makes R[2, 2] exactly zero, which LAPACK reports.
        let a = Tensor<Double>(rows: [[1, 0], [2, 0], [3, 0]])
        #expect(throws: LinearAlgebraError.rankDeficient(index: 2)) { try a.leastSquares(Tensor<Double>([1, 2, 3])) }
    }
}
