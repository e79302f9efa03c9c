import Foundation
import TestSupport
import Testing
import NumericCore

@Suite("Numerically stable functions")
struct StableFunctionTests {
    static let arguments: [Double] = [-1e4, -745, -100, -30, -5, -1, -1e-8, 0, 1e-8, 0.5, 3, 30, 100, 745, 1e4]

    @Test(arguments: arguments)
    func sigmoidAndLogSigmoidAgainstReference(x: Double) {
        // Reference formulas in Double, written independently where they do not overflow.
        let s = Double.sigmoid(x)
        #expect(s.isFinite && s >= 0 && s <= 1)
        #expect(Tolerance.isClose(s + Double.sigmoid(-x), 1, rtol: 1e-15, atol: 1e-15))
        let ls = Double.logSigmoid(x)
        #expect(ls.isFinite)
        let reference = x < 0 ? x - Foundation.log1p(Foundation.exp(x)) : -Foundation.log1p(Foundation.exp(-x))
        #expect(Tolerance.isClose(ls, reference, rtol: 1e-14, atol: 1e-300))
        // softplus(x) − softplus(−x) = x holds exactly in real arithmetic.
        #expect(Tolerance.isClose(Double.softplus(x) - Double.softplus(-x), x, rtol: 1e-14, atol: 1e-15))
        if abs(x) < 30 {
            #expect(Tolerance.isClose(s, 1 / (1 + Foundation.exp(-x)), rtol: 1e-15))
            #expect(Tolerance.isClose(Double.softplus(x), Foundation.log(1 + Foundation.exp(x)), rtol: 1e-13, atol: 1e-15))
        }
    }

    @Test(arguments: arguments)
    func floatAgreesWithDouble(x: Double) {
        let xf = Float(x)
        let sf = Double(Float.sigmoid(xf))
        #expect(abs(sf - Double.sigmoid(Double(xf))) <= 2 * Double(Float.ulpOfOne))
        let lf = Float.logSigmoid(xf)
        #expect(lf.isFinite)
        #expect(Tolerance.isClose(Double(lf), Double.logSigmoid(Double(xf)), rtol: 4 * Double(Float.ulpOfOne), atol: 1e-30))
    }

    @Test func logSumExpAndSoftmax() {
        let values: [Double] = [1e4, 1e4 - 1, -1e4]
        let lse = logSumExp(values)
        #expect(Tolerance.isClose(lse, 1e4 + Foundation.log1p(Foundation.exp(-1)), rtol: 1e-15))
        let p = softmax(values)
        #expect(p.allSatisfy { $0.isFinite })
        #expect(Tolerance.isClose(p.reduce(0, +), 1, rtol: 1e-15))
        #expect(Tolerance.isClose(p[0] / p[1], Foundation.exp(1), rtol: 1e-12))
        #expect(logSumExp([Double]()) == -.infinity)
        let m = Tensor<Double>(rows: [[0, 0], [1e4, -1e4]])
        let sm = m.softmax()
        #expect(sm.scalars == [0.5, 0.5, 1, 0])
        let lsm = m.logSoftmax()
        #expect(Tolerance.isClose(lsm[0, 0], -Foundation.log(2)))
        #expect(lsm[1, 1] == -2e4)
    }

    @Test(arguments: [-1e4, -200, -40, -20.5, -19.5, -8, -1, 0, 1, 6, 30, 1e4])
    func normalCDFAndItsLogarithm(x: Double) {
        let logPhi = Double.logNormalCDF(x)
        #expect(logPhi.isFinite || x > 30)
        #expect(logPhi <= 0)
        if x > -30 && x <= 5 {
            #expect(Tolerance.isClose(logPhi, Foundation.log(0.5 * Foundation.erfc(-x / 2.0.squareRoot())), rtol: 1e-9, atol: 1e-300))
        } else if x > 5 {
            // log(1 − Q) = −Q(1 + Q/2 + …) with Q = ½ erfc(x/√2) tiny.
            let q = 0.5 * Foundation.erfc(x / 2.0.squareRoot())
            #expect(Tolerance.isClose(logPhi, -q - q * q / 2, rtol: 1e-12, atol: 1e-300))
        }
        // Continuity across the series switch at −20 and the derivative identity d log Φ/dx = φ/Φ.
        let h = 1e-5 * max(1, abs(x))
        let numeric = (Double.logNormalCDF(x + h) - Double.logNormalCDF(x - h)) / (2 * h)
        #expect(Tolerance.isClose(Double.inverseMillsRatio(x), numeric, rtol: 1e-5, atol: 1e-12))
        #expect(Tolerance.isClose(Double.normalCDF(x) + Double.normalCDF(-x), 1, rtol: 1e-15, atol: 1e-15))
    }
}
