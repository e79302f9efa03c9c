import TestSupport
import Testing
import NumericCore

/// Naive triple loop in Double: the reference for BLAS products.
private func naiveProduct<S: BLASScalar>(_ a: Tensor<S>, _ b: Tensor<S>, _ ta: Bool, _ tb: Bool) -> [Double] {
    let m = ta ? a.shape[1] : a.shape[0]
    let k = ta ? a.shape[0] : a.shape[1]
    let n = tb ? b.shape[0] : b.shape[1]
    var c = [Double](repeating: 0, count: m * n)
    for i in 0..<m {
        for j in 0..<n {
            var s = 0.0
            for p in 0..<k {
                let x = Double(ta ? a[p, i] : a[i, p])
                let y = Double(tb ? b[j, p] : b[p, j])
                s += x * y
            }
            c[i * n + j] = s
        }
    }
    return c
}

/// Checks op(A)·op(B) against the naive product with the bound |C − Ĉ| ≤ c·k·ε·(|A||B|)ᵢⱼ.
private func checkProduct<S: BLASScalar>(_ type: S.Type, m: Int, n: Int, k: Int, ta: Bool, tb: Bool, seed: UInt64) {
    var rng = SeededGenerator(seed: seed)
    let a = Tensor<S>.randomNormal(shape: ta ? [k, m] : [m, k], using: &rng)
    let b = Tensor<S>.randomNormal(shape: tb ? [n, k] : [k, n], using: &rng)
    let c = a.matmul(b, transposeSelf: ta, transposeOther: tb)
    #expect(c.shape == [m, n])
    let reference = naiveProduct(a, b, ta, tb)
    let absoluteBound = naiveProduct(a.map { abs($0) }, b.map { abs($0) }, ta, tb)
    let eps = Double(S.ulpOfOne)
    var worstRatio = 0.0
    for i in 0..<(m * n) {
        let error = abs(Double(c.scalars[i]) - reference[i])
        worstRatio = max(worstRatio, error / (Double(k) * eps * absoluteBound[i] + Double.leastNormalMagnitude))
    }
    #expect(worstRatio <= 2, "m=\(m) n=\(n) k=\(k) ta=\(ta) tb=\(tb): error is \(worstRatio)·k·ε·|A||B|")
}

@Suite("BLAS-backed products")
struct BLASTests {
    @Test(arguments: [(1, 1, 1), (3, 5, 7), (17, 9, 33), (64, 48, 130)])
    func matmulAgainstNaiveLoop(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        for ta in [false, true] {
            for tb in [false, true] {
                checkProduct(Float.self, m: m, n: n, k: k, ta: ta, tb: tb, seed: UInt64(m * 1000 + n))
                checkProduct(Double.self, m: m, n: n, k: k, ta: ta, tb: tb, seed: UInt64(m * 1000 + n + 1))
            }
        }
    }

    @Test func formMatmulAccumulatesWithBeta() {
        var rng = SeededGenerator(seed: 3)
        let a = Tensor<Double>.randomNormal(shape: [6, 4], using: &rng)
        let b = Tensor<Double>.randomNormal(shape: [4, 5], using: &rng)
        var c = Tensor<Double>.ones(shape: [6, 5])
        c.formMatmul(a, b, alpha: 2, beta: 0.5)
        let expected = a.matmul(b) * 2 + 0.5
        #expect(Tolerance.allClose(c, expected, rtol: 1e-13, atol: 1e-13))
    }

    @Test func matvecAndOuterProduct() {
        var rng = SeededGenerator(seed: 4)
        let a = Tensor<Double>.randomNormal(shape: [7, 3], using: &rng)
        let x = Tensor<Double>.randomNormal(shape: [3], using: &rng)
        let y = Tensor<Double>.randomNormal(shape: [7], using: &rng)
        let ax = a.matvec(x)
        let aty = a.matvec(y, transposed: true)
        let axRef = a.matmul(x.reshaped([3, 1])).reshaped([7])
        let atyRef = a.matmul(y.reshaped([7, 1]), transposeSelf: true).reshaped([3])
        #expect(Tolerance.allClose(ax, axRef, rtol: 1e-13, atol: 1e-13))
        #expect(Tolerance.allClose(aty, atyRef, rtol: 1e-13, atol: 1e-13))

        var outer = Tensor<Double>.zeros(shape: [7, 3])
        outer.addOuterProduct(y, x, alpha: 2)
        for i in 0..<7 { for j in 0..<3 { #expect(Tolerance.isClose(outer[i, j], 2 * y.scalars[i] * x.scalars[j])) } }

        let gram = a.gram()
        #expect(Tolerance.allClose(gram, a.matmul(a, transposeSelf: true), rtol: 1e-12, atol: 1e-12))
    }

    @Test func levelOneOperations() {
        var x = Tensor<Double>([1, 2, 3])
        x.axpy(2, Tensor<Double>([1, 1, 1]))
        #expect(x.scalars == [3, 4, 5])
        x.scale(by: 0.5)
        #expect(x.scalars == [1.5, 2, 2.5])
        #expect(Tolerance.isClose(Tensor<Double>([1, 2, 2]).norm(), 3))
    }

    @Test func floatAgreesWithDouble() {
        var rng = SeededGenerator(seed: 9)
        let a = Tensor<Double>.randomNormal(shape: [40, 30], using: &rng)
        let b = Tensor<Double>.randomNormal(shape: [30, 20], using: &rng)
        let cd = a.matmul(b)
        let cf = Tensor<Float>(shape: a.shape, scalars: a.scalars.map(Float.init))
            .matmul(Tensor<Float>(shape: b.shape, scalars: b.scalars.map(Float.init)))
        let worst = Tolerance.maxAbsDifference(cd.scalars, cf.scalars.map(Double.init))
        #expect(worst < 30 * 8 * Double(Float.ulpOfOne))
    }

    @Test func runtimeReportsCoreAndThreads() {
        #expect(!BLASRuntime.coreName.isEmpty)
        #expect(BLASRuntime.threadCount >= 1)
    }
}
