import Foundation
import TestSupport
import Testing
@testable import FileFormats
@testable import ItemModels
@testable import NumericCore
@testable import Optimizers
@testable import PreferenceData

@Suite("Thurstonian utilities")
struct ThurstonianTests {
    static func truth(_ n: Int, seed: UInt64, logScaleSpread: Double = 0.4) -> ThurstonianModel {
        var g = SeededGenerator(seed: seed)
        let means = (0..<n).map { _ in g.nextNormal() }
        let sds = (0..<n).map { _ in exp(logScaleSpread * g.nextNormal()) }
        return ThurstonianModel(items: (0..<n).map { "i\($0)" }, means: means, standardDeviations: sds)
    }

    /// `count` hard comparisons of uniformly random pairs drawn from `model`.
    static func sample(_ model: ThurstonianModel, count: Int, seed: UInt64) -> ProbabilisticComparisons {
        var g = SeededGenerator(seed: seed)
        let n = model.itemCount
        var first = [Int](), second = [Int](), labels = [Double]()
        for _ in 0..<count {
            let a = Int(g.next() % UInt64(n))
            var b = Int(g.next() % UInt64(n - 1))
            if b >= a { b += 1 }
            first.append(a)
            second.append(b)
            labels.append(g.nextOpenUnit() < model.probability(preferring: a, over: b) ? 1 : 0)
        }
        return ProbabilisticComparisons(items: model.items, first: first, second: second, labels: labels)
    }

    /// Every pair once, labelled with its exact model probability (soft labels).
    static func exactSoftLabels(_ model: ThurstonianModel) -> ProbabilisticComparisons {
        var first = [Int](), second = [Int](), labels = [Double]()
        for a in 0..<model.itemCount {
            for b in (a + 1)..<model.itemCount {
                first.append(a); second.append(b)
                labels.append(model.probability(preferring: a, over: b))
            }
        }
        return ProbabilisticComparisons(items: model.items, first: first, second: second, labels: labels)
    }

    /// The truth in the fit's gauge: mean μ = 0, mean log σ = 0.
    static func normalized(_ m: ThurstonianModel) -> ThurstonianModel {
        let meanLog = m.standardDeviations.map { log($0) }.reduce(0, +) / Double(m.itemCount)
        let k = exp(-meanLog)
        let mu = m.means.reduce(0, +) / Double(m.itemCount)
        return ThurstonianModel(items: m.items, means: m.means.map { ($0 - mu) * k },
                                standardDeviations: m.standardDeviations.map { $0 * k })
    }

    @Test func probabilitiesAreComplementaryAndStable() {
        let m = Self.truth(5, seed: 3)
        for a in 0..<5 {
            for b in 0..<5 where a != b {
                #expect(Tolerance.isClose(m.probability(preferring: a, over: b) + m.probability(preferring: b, over: a), 1))
            }
        }
        let far = ThurstonianModel(items: ["a", "b"], means: [0, 3000], standardDeviations: [1, 1])
        #expect(far.logProbability(preferring: 0, over: 1).isFinite)
        #expect(far.logProbability(preferring: 0, over: 1) < -1e6)
    }

    /// The per-item objective (Case V's is the Bradley–Terry probit objective, checked in
    /// DerivativeTests).
    @Test func gradientsMatchFiniteDifferences() {
        let m = Self.truth(6, seed: 11)
        var hard = Self.sample(m, count: 60, seed: 12)
        hard.weights = hard.weights.enumerated().map { 0.5 + Double($0.offset % 3) }
        let soft = Self.exactSoftLabels(m)
        var g = SeededGenerator(seed: 13)
        for data in [hard, soft] {
            let likelihood = ThurstonianLikelihood(data: data, l2Penalty: 0.1, logScalePenalty: 0.2)
            // Moderate and saturating scales (|z| up to ~40).
            for scale in [0.5, 3.0, 30.0] {
                let x = (0..<likelihood.parameterCount).map { k in
                    k < 6 ? scale * g.nextNormal() : 0.3 * g.nextNormal()
                }
                let err = FiniteDifference.check({ likelihood.valueAndGradient($0).value },
                                                 gradient: { likelihood.valueAndGradient($0).gradient }, at: x)
                #expect(err < 1e-6, "scale \(scale): relative error \(err)")
            }
        }
    }

    /// Hessian-vector products of the per-item objective against central differences of its
    /// analytic gradient (which is itself checked above), at moderate and saturating scales, with
    /// penalties, on hard weighted and soft labels; and the Gauss–Newton diagonal is the diagonal
    /// of the Hessian with the ℓ′ terms dropped (exactly the Hessian diagonal on the μ block).
    @Test func hessianVectorProductsMatchFiniteDifferences() {
        let m = Self.truth(6, seed: 17)
        var hard = Self.sample(m, count: 60, seed: 18)
        hard.weights = hard.weights.enumerated().map { 0.5 + Double($0.offset % 3) }
        var g = SeededGenerator(seed: 19)
        for data in [hard, Self.exactSoftLabels(m)] {
            let likelihood = ThurstonianLikelihood(data: data, l2Penalty: 0.1, logScalePenalty: 0.2)
            for scale in [0.5, 3.0, 10.0] {
                let x = (0..<12).map { k in k < 6 ? scale * g.nextNormal() : 0.3 * g.nextNormal() }
                var gradient = [Double]()
                var curvature: ThurstonianLikelihood.Curvature? = .init()
                _ = likelihood.evaluate(x, gradient: &gradient, curvature: &curvature)
                let v = (0..<12).map { _ in g.nextNormal() }
                let hv = likelihood.hessianVectorProduct(curvature!, v)
                // Central differences of the gradient along v, Richardson-extrapolated (error O(h⁴)).
                func difference(_ h: Double) -> [Double] {
                    let plus = likelihood.valueAndGradient(zip(x, v).map { $0 + h * $1 }).gradient
                    let minus = likelihood.valueAndGradient(zip(x, v).map { $0 - h * $1 }).gradient
                    return zip(plus, minus).map { ($0 - $1) / (2 * h) }
                }
                let numeric = zip(difference(1e-4), difference(5e-5)).map { (4 * $1 - $0) / 3 }
                let err = FiniteDifference.relativeError(analytic: hv, numeric: numeric)
                #expect(err < 1e-6, "scale \(scale): relative error \(err) \(hv) \(numeric) \(x)")
                let diagonal = likelihood.gaussNewtonDiagonal(curvature!)
                for k in 0..<6 {
                    var e = [Double](repeating: 0, count: 12)
                    e[k] = 1
                    #expect(Tolerance.isClose(likelihood.hessianVectorProduct(curvature!, e)[k], diagonal[k], rtol: 1e-10))
                }
            }
        }
    }

    /// The truncated-Newton per-item fit against an independent minimizer of the same objective:
    /// L-BFGS (Optimizers) on unconstrained x′ with x = Px′ (P centres each block), run to a tight
    /// tolerance; both reach the same point (the data are dense, so the optimum is unique here).
    @Test func perItemNewtonMatchesAnIndependentLBFGSMinimization() throws {
        let m = Self.truth(7, seed: 23, logScaleSpread: 0.5)
        var data = Self.sample(m, count: 3000, seed: 24)
        data.weights = data.weights.enumerated().map { 0.5 + Double($0.offset % 4) }
        let (lambda, lambdaS) = (0.05, 0.3)
        let fit = try ThurstonianFitter(variance: .perItem, l2Penalty: lambda, logScalePenalty: lambdaS,
                                        gradientTolerance: 1e-10).fit(data)
        #expect(fit.report.solver == .truncatedNewton && fit.report.converged && fit.report.maxAbsGradient <= 1e-10)
        let likelihood = ThurstonianLikelihood(data: data, l2Penalty: lambda, logScalePenalty: lambdaS)
        let n = data.itemCount
        let lbfgs = LBFGS<Double>(gradientTolerance: 1e-11, relativeFunctionTolerance: 0, maximumIterations: 20000)
            .minimize(from: [Double](repeating: 0, count: 2 * n)) { xPrime, gradient in
                var x = xPrime
                ThurstonianFitter.centerBlocks(&x, itemCount: n)
                let value = likelihood.evaluate(x, gradient: &gradient)
                ThurstonianFitter.centerBlocks(&gradient, itemCount: n)
                return value
            }
        var x = lbfgs.parameters
        ThurstonianFitter.centerBlocks(&x, itemCount: n)
        #expect(Tolerance.maxAbsDifference(fit.model.means, Array(x[0..<n])) < 1e-6)
        #expect(Tolerance.maxAbsDifference(fit.model.standardDeviations.map { log($0) }, Array(x[n...])) < 1e-6)
        #expect(Tolerance.isClose(fit.report.objective, lbfgs.value, rtol: 1e-12))
    }

    /// Fuzz regression: one weight of 1e28 next to weights of 1 puts the other pairs below the
    /// rounding of F, and Newton steps drove one σ to +∞ and another to 0 with F still finite.
    /// Now σ² overflowing or underflowing is outside the domain, and the fit either stays finite
    /// or throws a numerical failure.
    @Test func extremeWeightsGiveAFiniteFitOrATypedError() throws {
        let csv = "winner,loser,probability,weight\na,b,0.8,1\nb,c,0.6,2\nc,a,0.3,1\na,c,0.5,99999999999999999999999999\nb,d,0.9,1\nd,a,0.2,0.5\n"
        let data = try ProbabilisticComparisons(softLabelCSV: csv, source: "s.csv")
        let outcome = Result { () throws(BradleyTerryError) -> ThurstonianFit in try ThurstonianFitter().fit(data) }
        switch outcome {
        case .success(let fit):
            #expect(fit.model.means.allSatisfy { $0.isFinite })
            #expect(fit.model.standardDeviations.allSatisfy { $0.isFinite && $0 > 0 })
            #expect(fit.report.logLikelihood.isFinite && fit.report.objective.isFinite)
        case .failure(let error):
            let isNumerical = if case .numericalFailure = error { true } else { false }
            #expect(isNumerical, "\(error)")
        }
    }

    /// The per-item penalty is the Bradley–Terry one on θ = μ/√2: (λ/2)‖μ/√2‖² + (λ_s/2)‖log σ‖².
    @Test func perItemPenaltyIsTheBradleyTerryPenaltyOnProbitStrengths() {
        let m = Self.truth(6, seed: 14)
        let data = Self.sample(m, count: 80, seed: 15)
        let (lambda, lambdaS) = (0.3, 0.2)
        var g = SeededGenerator(seed: 16)
        let x = (0..<12).map { _ in g.nextNormal() }
        let plain = ThurstonianLikelihood(data: data).valueAndGradient(x)
        let penalized = ThurstonianLikelihood(data: data, l2Penalty: lambda, logScalePenalty: lambdaS).valueAndGradient(x)
        let theta = x[0..<6].map { $0 / 2.0.squareRoot() }
        let expected = 0.5 * lambda * theta.map { $0 * $0 }.reduce(0, +) + 0.5 * lambdaS * x[6...].map { $0 * $0 }.reduce(0, +)
        #expect(Tolerance.isClose(penalized.value - plain.value, expected, rtol: 1e-12))
        for k in 0..<6 { #expect(Tolerance.isClose(penalized.gradient[k] - plain.gradient[k], 0.5 * lambda * x[k], rtol: 1e-10)) }
    }

    @Test func exactSoftLabelsRecoverThePlantedModel() throws {
        // With every pair labelled by its true probability, the cross-entropy is minimal exactly at
        // the truth (up to the gauge): an exact check of the likelihood, its gradient and the gauge.
        let m = Self.truth(7, seed: 21)
        let fit = try ThurstonianFitter(variance: .perItem, l2Penalty: 0, logScalePenalty: 0, gradientTolerance: 1e-10)
            .fit(Self.exactSoftLabels(m))
        #expect(fit.report.solver == .truncatedNewton && fit.report.converged)
        let expected = Self.normalized(m)
        #expect(Tolerance.maxAbsDifference(fit.model.means, expected.means) < 1e-4)
        #expect(Tolerance.maxAbsDifference(fit.model.standardDeviations, expected.standardDeviations) < 1e-4)
        #expect(abs(fit.model.means.reduce(0, +)) < 1e-10)
        #expect(abs(fit.model.standardDeviations.map { log($0) }.reduce(0, +)) < 1e-10)
    }

    @Test func hardLabelsRecoverMeansAndScales() throws {
        let m = Self.truth(8, seed: 31, logScaleSpread: 0.5)
        let fit = try ThurstonianFitter().fit(Self.sample(m, count: 20000, seed: 32))
        let expected = Self.normalized(m)
        #expect(fit.report.converged)
        #expect(Tolerance.maxAbsDifference(fit.model.means, expected.means) < 0.15)
        let logError = zip(fit.model.standardDeviations, expected.standardDeviations).map { abs(log($0 / $1)) }.max()!
        #expect(logError < 0.3, "largest |log σ̂/σ| = \(logError)")
    }

    /// Case V (shared variance) against an independent probit fit written here in the means μ:
    /// Newton's method on Σ −log Φ((μ_w − μ_l)/√2) + (λ_μ/2)‖μ‖² with its closed-form Hessian, μ
    /// centred — the objective of the former L-BFGS fit with `meanPenalty` λ_μ, which is the
    /// Bradley–Terry penalty λ = 2λ_μ on θ = μ/√2.
    @Test(arguments: [0.0, 0.3])
    func sharedVarianceMatchesDirectProbitFit(meanPenalty: Double) throws {
        let m = ThurstonianModel(items: (0..<6).map { "i\($0)" }, means: [0.8, -0.4, 0.1, 1.2, -1.0, -0.7],
                                 standardDeviations: [Double](repeating: 1, count: 6))
        let data = Self.sample(m, count: 600, seed: 41)
        let fit = try ThurstonianFitter(variance: .shared, l2Penalty: 2 * meanPenalty, gradientTolerance: 1e-10).fit(data)
        let reference = try Self.probitNewton(data, meanPenalty: meanPenalty)
        #expect(Tolerance.maxAbsDifference(fit.model.means, reference) < 1e-6)
        #expect(fit.model.standardDeviations.allSatisfy { $0 == 1 })
        #expect(fit.report.solver == .newtonCholesky && fit.report.converged)
    }

    /// Case V is one estimator: `ThurstonianFitter(variance: .shared)` and
    /// `BradleyTerry(link: .thurstone)` give the same log-likelihood, objective and strengths,
    /// μ = √2·θ, with and without a penalty, on hard labels with ties and weights and on soft labels
    /// (given to Bradley–Terry as weighted records: label p of weight w is "a beat b" with weight
    /// w·p and "b beat a" with weight w·(1 − p)).
    @Test(arguments: [0.0, 0.05, 1.0])
    func sharedVarianceIsTheBradleyTerryThurstoneFit(lambda: Double) throws {
        let m = ThurstonianModel(items: (0..<7).map { "i\($0)" }, means: [0.8, -0.4, 0.1, 1.2, -1.0, -0.7, 0.3],
                                 standardDeviations: [Double](repeating: 1, count: 7))
        var g = SeededGenerator(seed: 44)
        // Hard labels with ties and weights.
        let hard = Self.sample(m, count: 800, seed: 43)
        var hardSet = ComparisonSet.Builder(items: hard.items)
        for k in 0..<hard.count {
            let (w, l) = hard.labels[k] == 1 ? (hard.first[k], hard.second[k]) : (hard.second[k], hard.first[k])
            try hardSet.append(winner: hard.items[w], loser: hard.items[l], isTie: k % 9 == 0,
                               weight: 0.5 + Double(k % 4))
        }
        // Soft labels of random pairs.
        let soft = Self.exactSoftLabels(m)
        var softData = soft
        softData.labels = soft.labels.map { min(max($0 + 0.2 * (g.nextOpenUnit() - 0.5), 0), 1) }
        softData.weights = soft.labels.indices.map { 1 + Double($0 % 3) }
        var softSet = ComparisonSet.Builder(items: soft.items)
        for k in 0..<softData.count {
            let (a, b) = (soft.items[softData.first[k]], soft.items[softData.second[k]])
            let (y, w) = (softData.labels[k], softData.weights[k])
            if y > 0 { try softSet.append(winner: a, loser: b, weight: w * y) }
            if y < 1 { try softSet.append(winner: b, loser: a, weight: w * (1 - y)) }
        }
        for (set, data) in [(hardSet.build(), ProbabilisticComparisons(hardSet.build())), (softSet.build(), softData)] {
            let bt = try BradleyTerry(.init(l2Penalty: lambda, link: .thurstone, ties: .halfWins)).fit(set)
            let fit = try ThurstonianFitter(variance: .shared, l2Penalty: lambda).fit(data)
            #expect(fit.report.solver == .newtonCholesky && fit.report.converged && bt.report.converged)
            #expect(fit.report.solver == bt.report.solver && fit.report.stopReason == bt.report.stopReason)
            #expect(abs(fit.report.logLikelihood - bt.report.logLikelihood) <= 1e-8 * max(1, abs(bt.report.logLikelihood)),
                    "λ = \(lambda): \(fit.report.logLikelihood) vs \(bt.report.logLikelihood)")
            #expect(abs(fit.report.objective - bt.report.objective) <= 1e-8 * max(1, abs(bt.report.objective)))
            #expect(fit.model.items == bt.items)
            for i in bt.items.indices {
                #expect(abs(fit.model.means[i] - 2.0.squareRoot() * bt.strengths[i]) <= 1e-8,
                        "λ = \(lambda), \(bt.items[i]): μ = \(fit.model.means[i]), √2·θ = \(2.0.squareRoot() * bt.strengths[i])")
            }
            #expect(fit.model.standardDeviations.allSatisfy { $0 == 1 })
            #expect(Tolerance.maxAbsDifference(fit.model.probitStrengths, bt.strengths) <= 1e-8)
            // At σ = 1 the per-item objective is the same function: the penalty convention is one.
            let perItem = ThurstonianLikelihood(data: data, l2Penalty: lambda, logScalePenalty: 0.7)
            let x = fit.model.means + [Double](repeating: 0, count: data.itemCount)
            #expect(Tolerance.isClose(perItem.valueAndGradient(x).value, fit.report.objective, rtol: 1e-10))
        }
    }

    @Test func fitErrorsAndWarmStart() throws {
        // Case V without a penalty on separable data: the maximum-likelihood strengths do not exist.
        let separable = ProbabilisticComparisons(items: ["a", "b", "c"], first: [0, 1, 0], second: [1, 2, 2], labels: [1, 1, 1])
        #expect(throws: BradleyTerryError.self) { try ThurstonianFitter(variance: .shared, l2Penalty: 0).fit(separable) }
        let penalized = try ThurstonianFitter(variance: .shared).fit(separable)
        #expect(penalized.model.ranking == [0, 1, 2] && penalized.report.converged)
        let one = ProbabilisticComparisons(items: ["a"], first: [], second: [], labels: [])
        let none = ProbabilisticComparisons(items: ["a", "b"], first: [0], second: [1], labels: [1], weights: [0])
        for variance in ThurstonianVariance.allCases {
            #expect(throws: BradleyTerryError.tooFewItems(1)) { try ThurstonianFitter(variance: variance).fit(one) }
            #expect(throws: BradleyTerryError.emptyData) { try ThurstonianFitter(variance: variance).fit(none) }
        }
        // A warm start from the fit itself ends where it began.
        let data = Self.sample(Self.truth(6, seed: 45), count: 400, seed: 46)
        for variance in ThurstonianVariance.allCases {
            let fitter = ThurstonianFitter(variance: variance)
            let cold = try fitter.fit(data)
            let warm = try fitter.fit(data, start: cold.model)
            #expect(warm.report.iterations <= 1, "\(variance): \(warm.report)")
            #expect(Tolerance.maxAbsDifference(warm.model.means, cold.model.means) < 1e-6)
        }
    }

    static func probitNewton(_ data: ProbabilisticComparisons, meanPenalty: Double = 0) throws -> [Double] {
        let n = data.itemCount
        var mu = [Double](repeating: 0, count: n)
        let r2 = 2.0.squareRoot()
        for _ in 0..<100 {
            var g = mu.map { meanPenalty * $0 }
            var h = Tensor<Double>.zeros(shape: [n, n])
            for i in 0..<n { h[i, i] = meanPenalty }
            for k in 0..<data.count {
                let (w, l) = data.labels[k] == 1 ? (data.first[k], data.second[k]) : (data.second[k], data.first[k])
                let z = (mu[w] - mu[l]) / r2
                let lam = Double.inverseMillsRatio(z)
                // d(−log Φ(z))/dz = −λ, d²/dz² = λ(z + λ)
                g[w] -= lam / r2; g[l] += lam / r2
                let c = lam * (z + lam) / 2
                h[w, w] += c; h[l, l] += c; h[w, l] -= c; h[l, w] -= c
            }
            // Fix the gauge: add 11ᵀ (the objective is flat along 1) and solve.
            for i in 0..<n { for j in 0..<n { h[i, j] += 1 } }
            let step = try h.solveSymmetricPositiveDefinite(Tensor(g)).scalars
            for i in 0..<n { mu[i] -= step[i] }
            let mean = mu.reduce(0, +) / Double(n)
            for i in 0..<n { mu[i] -= mean }
            if step.map(abs).max()! < 1e-13 { break }
        }
        return mu
    }

    @Test func softLabelFileAndErrors() throws {
        let data = try ProbabilisticComparisons(softLabelCSV: "winner,loser,probability,weight\na,b,0.7,2\nb,c,0.4,1\n", source: "s.csv")
        #expect(data.items == ["a", "b", "c"])
        #expect(data.labels == [0.7, 0.4])
        #expect(data.weights == [2, 1])
        #expect(throws: DataError(file: "s.csv", line: 2, reason: .invalidValue("probability '1.5' is outside [0, 1]"))) {
            try ProbabilisticComparisons(softLabelCSV: "winner,loser,probability\na,b,1.5\n", source: "s.csv")
        }
        #expect(throws: DataError(file: "s.csv", line: 1, reason: .missingColumn("probability"))) {
            try ProbabilisticComparisons(softLabelCSV: "winner,loser\na,b\n", source: "s.csv")
        }
        #expect(throws: DataError(file: "s.csv", line: 3, reason: .winnerEqualsLoser("a"))) {
            try ProbabilisticComparisons(softLabelCSV: "winner,loser,probability\na,b,0.5\na,a,0.5\n", source: "s.csv")
        }
        // Hard labels from a comparison set: wins are 1, ties ½.
        var builder = ComparisonSet.Builder()
        try builder.append(winner: "x", loser: "y")
        try builder.append(winner: "y", loser: "x", isTie: true)
        let hard = ProbabilisticComparisons(builder.build())
        #expect(hard.labels == [1, 0.5])
    }

    @Test func diagnosticsOnKnownCases() {
        // Three items in a cycle a ≻ b ≻ c ≻ a (3 records each way): the data are fully intransitive.
        let items = ["a", "b", "c"]
        let cyc = ProbabilisticComparisons(items: items, first: [0, 0, 0, 1, 1, 1, 2, 2, 2], second: [1, 1, 1, 2, 2, 2, 0, 0, 0],
                                           labels: [1, 1, 1, 1, 1, 1, 1, 1, 1])
        let flat = ThurstonianModel(items: items, means: [0, 0, 0], standardDeviations: [1, 1, 1])
        let d = ThurstonianDiagnostics(model: flat, data: cyc)
        #expect(d.decidedTriples == 1)
        #expect(d.dataIntransitiveShare == 1)
        #expect(Tolerance.isClose(d.accuracy, 0.5))             // P = ½ everywhere: half right
        #expect(Tolerance.isClose(d.logLoss, log(2)))
        // Fair coins with 3 draws per pair: a cycle is 2 of the 8 direction patterns.
        #expect(Tolerance.isClose(d.modelExpectedIntransitiveShare, 0.25))

        let ordered = ThurstonianModel(items: items, means: [1, 0, -1], standardDeviations: [1, 1, 1])
        let trans = ProbabilisticComparisons(items: items, first: [0, 1, 0], second: [1, 2, 2], labels: [1, 1, 1])
        let t = ThurstonianDiagnostics(model: ordered, data: trans)
        #expect(t.dataIntransitiveShare == 0 && t.decidedTriples == 1)
        #expect(t.accuracy == 1)
        let expectedLoss = -(log(Double.normalCDF(1 / 2.0.squareRoot())) * 2 + log(Double.normalCDF(2 / 2.0.squareRoot()))) / 3
        #expect(Tolerance.isClose(t.logLoss, expectedLoss))
        // One draw per pair: P(cycle) = p_ab p_bc (1 − p_ac) + (1 − p_ab)(1 − p_bc) p_ac.
        let (pab, pbc, pac) = (ordered.probability(preferring: 0, over: 1), ordered.probability(preferring: 1, over: 2),
                               ordered.probability(preferring: 0, over: 2))
        #expect(Tolerance.isClose(t.modelExpectedIntransitiveShare, pab * pbc * (1 - pac) + (1 - pab) * (1 - pbc) * pac))
        // A model ranking b > a > c gets a ≻ b wrong and the other two right.
        let swapped = ThurstonianModel(items: items, means: [0, 1, -1], standardDeviations: [1, 1, 1])
        #expect(Tolerance.isClose(ThurstonianDiagnostics(model: swapped, data: trans).accuracy, 2.0 / 3))

        let maj = ThurstonianDiagnostics.majorityProbabilities(draws: 3, probability: 0.7)
        #expect(Tolerance.isClose(maj.win, 0.784) && Tolerance.isClose(maj.lose, 0.216))
        let even = ThurstonianDiagnostics.majorityProbabilities(draws: 2, probability: 0.5)
        #expect(Tolerance.isClose(even.win, 0.25) && Tolerance.isClose(even.lose, 0.25))
    }

    @Test func heldOutCoherenceOfAFittedModel() throws {
        let m = Self.truth(12, seed: 51)
        var g = SeededGenerator(seed: 52)
        let (train, test) = Self.sample(m, count: 3000, seed: 53).split(heldOutFraction: 0.2, using: &g)
        #expect(test.count == 600 && train.count == 2400)
        let fit = try ThurstonianFitter().fit(train)
        let d = ThurstonianDiagnostics(model: fit.model, data: test)
        let oracle = ThurstonianDiagnostics(model: m, data: test)
        // The fitted model predicts held-out comparisons about as well as the truth.
        #expect(abs(d.accuracy - oracle.accuracy) < 0.03)
        #expect(d.logLoss < oracle.logLoss + 0.02)
        // Data drawn from a utility model have about as many cycles as the model expects by noise.
        let onTrain = ThurstonianDiagnostics(model: fit.model, data: train)
        #expect(abs(onTrain.dataIntransitiveShare - onTrain.modelExpectedIntransitiveShare) < 0.05)
    }
}
