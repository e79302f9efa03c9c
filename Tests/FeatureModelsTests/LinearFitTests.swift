import Foundation
import TestSupport
import Testing
@testable import FeatureModels
@testable import ItemModels
@testable import NumericCore
@testable import PreferenceData

/// An independent penalized logistic regression on d = x_c − x_r with margins: Newton's method with
/// the Hessian solved by Gaussian elimination with partial pivoting, written here without the library.
func referenceLogisticRegression(differences: [[Double]], margins: [Double], lambda: Double, temperature: Double) -> [Double] {
    let n = differences.count, d = differences[0].count
    var w = [Double](repeating: 0, count: d)
    for _ in 0..<100 {
        var g = [Double](repeating: 0, count: d)
        var h = [[Double]](repeating: [Double](repeating: 0, count: d), count: d)
        for i in 0..<n {
            var u = 0.0
            for j in 0..<d { u += w[j] * differences[i][j] }
            let z = (u - margins[i]) / temperature
            let p = 1 / (1 + exp(-z))                    // σ(z)
            for j in 0..<d {
                g[j] += -(1 - p) / temperature * differences[i][j] / Double(n)
                for k in 0..<d { h[j][k] += p * (1 - p) / (temperature * temperature) * differences[i][j] * differences[i][k] / Double(n) }
            }
        }
        for j in 0..<d { g[j] += lambda * w[j]; h[j][j] += lambda }
        // Solve h·step = g.
        var a = h, b = g
        for col in 0..<d {
            let pivot = (col..<d).max { abs(a[$0][col]) < abs(a[$1][col]) }!
            a.swapAt(col, pivot); b.swapAt(col, pivot)
            for row in (col + 1)..<d {
                let f = a[row][col] / a[col][col]
                for k in col..<d { a[row][k] -= f * a[col][k] }
                b[row] -= f * b[col]
            }
        }
        var step = [Double](repeating: 0, count: d)
        for row in stride(from: d - 1, through: 0, by: -1) {
            var s = b[row]
            for k in (row + 1)..<d { s -= a[row][k] * step[k] }
            step[row] = s / a[row][row]
        }
        for j in 0..<d { w[j] -= step[j] }
        if step.map(abs).max()! < 1e-15 { break }
    }
    return w
}

@Suite("Full-batch linear head")
struct LinearFitTests {
    @Test("L-BFGS and Newton both match an independent Newton logistic regression to 1e-6", arguments: [false, true])
    func matchesReference(withMargins: Bool) throws {
        let data = SyntheticFeaturePairs.linear(Double.self, trainCount: 600, testCount: 10, dimension: 8, seed: 5)
        var rng = SeededGenerator(seed: 9)
        let margins: [Double]? = withMargins ? (0..<600).map { _ in 0.5 * rng.nextOpenUnit() } : nil
        let pairs = FeaturePairsView(chosen: data.train.chosen, rejected: data.train.rejected, margins: margins)
        let objective = BradleyTerryObjective(temperature: withMargins ? 0.8 : 1, l2Penalty: 1e-3)
        let rows = (0..<600).map { i in zip(data.train.chosen.rowArray(i), data.train.rejected.rowArray(i)).map { $0 - $1 } }
        let reference = referenceLogisticRegression(differences: rows, margins: margins ?? Array(repeating: 0, count: 600),
                                                    lambda: 1e-3, temperature: objective.temperature)
        let lbfgs = try LinearRewardHead<Double>.fit(pairs, solver: .lbfgs(gradientTolerance: 1e-11), objective: objective)
        let newton = try LinearRewardHead<Double>.fit(pairs, solver: .newton, objective: objective)
        #expect(lbfgs.converged && newton.converged)
        #expect(Tolerance.maxAbsDifference(lbfgs.weights, reference) < 1e-6)
        #expect(Tolerance.maxAbsDifference(newton.weights, reference) < 1e-6)
        #expect(newton.iterations < 15)
    }

    @Test("a Float fit on Float data agrees with the Double fit to Float precision")
    func floatMatchesDouble() throws {
        let data = SyntheticFeaturePairs.linear(Double.self, trainCount: 2000, testCount: 10, dimension: 16, seed: 6)
        let floatData = try data.train.converted(to: Float.self)
        let objective = BradleyTerryObjective(l2Penalty: 1e-4)
        let double = try LinearRewardHead<Double>.fit(FeaturePairsView(data.train), objective: objective)
        let float = try LinearRewardHead<Float>.fit(FeaturePairsView(floatData), solver: .lbfgs(gradientTolerance: 1e-5), objective: objective)
        #expect(Tolerance.maxAbsDifference(double.weights, float.weights) < 2e-3)
    }

    @Test("Float designs: L-BFGS reaches 1e-7 despite value round-off; Newton stops at the noise floor in a few steps")
    func floatDesignNoise() throws {
        let data = SyntheticFeaturePairs.linear(Double.self, trainCount: 4000, testCount: 10, dimension: 32, seed: 8)
        let floatData = try data.train.converted(to: Float.self)
        let objective = BradleyTerryObjective(l2Penalty: 1e-4)
        let double = try LinearRewardHead<Double>.fit(FeaturePairsView(data.train), solver: .newton, objective: objective)
        let lbfgs = try LinearRewardHead<Float>.fit(FeaturePairsView(floatData), solver: .lbfgs(gradientTolerance: 1e-7), objective: objective)
        #expect(lbfgs.converged && lbfgs.maximumAbsoluteGradient <= 1e-7, "\(lbfgs.stopReason), max|g| \(lbfgs.maximumAbsoluteGradient)")
        #expect(lbfgs.functionEvaluations < 3 * lbfgs.iterations + 5)
        // Asking Newton for 1e-12 on float32 data: it cannot get there, and says so after a few steps.
        let newton = try LinearRewardHead<Float>.fit(FeaturePairsView(floatData), solver: .newton(gradientTolerance: 1e-12), objective: objective)
        #expect(newton.stopReason == .newton(.noiseFloor) && newton.stopReason.description == "noise-floor" && !newton.converged, "\(newton.stopReason)")
        #expect(newton.functionEvaluations < 20, "\(newton.functionEvaluations) evaluations")
        #expect(newton.maximumAbsoluteGradient < 1e-6)
        for fit in [lbfgs, newton] { #expect(Tolerance.maxAbsDifference(double.weights, fit.weights) < 1e-4) }
    }

    @Test("on data with a known linear reward, held-out accuracy is within 0.5 points of the oracle's")
    func oracleAccuracy() throws {
        let data = SyntheticFeaturePairs.linear(Double.self, trainCount: 40_000, testCount: 10_000, dimension: 16, seed: 7)
        let fit = try LinearRewardHead<Double>.fit(FeaturePairsView(data.train))
        let probabilities = fit.head.probabilities(chosen: data.test.chosen, rejected: data.test.rejected)
        let accuracy = Double(probabilities.filter { $0 > 0.5 }.count) / Double(probabilities.count)
        #expect(abs(accuracy - data.oracleTestAccuracy) < 0.005, "accuracy \(accuracy), oracle \(data.oracleTestAccuracy)")
    }

    @Test("centering: the fitted rewards of chosen + rejected shrink toward 0 as c grows, and the fit is the optimum (gradient ≈ 0)")
    func centeringShrinksOffset() throws {
        var data = SyntheticFeaturePairs.linear(Double.self, trainCount: 1500, testCount: 10, dimension: 6, seed: 8)
        // Shift every response so plain BT leaves a large common offset in r_c + r_r.
        let shift = Tensor<Double>(shape: [1500, 6], repeating: 1)
        data.train = try FeaturePairs(chosen: data.train.chosen + shift, rejected: data.train.rejected + shift)
        func meanSquaredSum(_ c: Double) throws -> (Double, Double) {
            let fit = try LinearRewardHead<Double>.fit(FeaturePairsView(data.train), solver: .newton,
                                                       objective: BradleyTerryObjective(centeringCoefficient: c, l2Penalty: 1e-4))
            let rc = fit.head.rewards(data.train.chosen), rr = fit.head.rewards(data.train.rejected)
            return (zip(rc, rr).reduce(0) { $0 + ($1.0 + $1.1) * ($1.0 + $1.1) } / 1500, fit.maximumAbsoluteGradient)
        }
        let (none, _) = try meanSquaredSum(0)
        let (small, g1) = try meanSquaredSum(0.01)
        let (large, g2) = try meanSquaredSum(1)
        #expect(small < none && large < small)
        #expect(g1 < 1e-9 && g2 < 1e-9)
    }

    @Test("empty data is an error")
    func emptyIsError() {
        let pairs = FeaturePairsView(chosen: Tensor<Double>.zeros(shape: [0, 3]), rejected: Tensor<Double>.zeros(shape: [0, 3]))
        #expect(throws: LinearHeadFitError.emptyData) { try LinearRewardHead<Double>.fit(pairs) }
    }
}
