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

    @Test func gradientsMatchFiniteDifferences() {
        let m = Self.truth(6, seed: 11)
        var hard = Self.sample(m, count: 60, seed: 12)
        hard.weights = hard.weights.enumerated().map { 0.5 + Double($0.offset % 3) }
        let soft = Self.exactSoftLabels(m)
        var g = SeededGenerator(seed: 13)
        for data in [hard, soft] {
            for variance in ThurstonianVariance.allCases {
                let likelihood = ThurstonianLikelihood(data: data, variance: variance, meanPenalty: 0.05, logScalePenalty: 0.2)
                // Moderate and saturating scales (|z| up to ~40).
                for scale in [0.5, 3.0, 30.0] {
                    let x = (0..<likelihood.parameterCount).map { k in
                        k < 6 ? scale * g.nextNormal() : 0.3 * g.nextNormal()
                    }
                    let err = FiniteDifference.check({ likelihood.valueAndGradient($0).value },
                                                     gradient: { likelihood.valueAndGradient($0).gradient }, at: x)
                    #expect(err < 1e-6, "\(variance), scale \(scale): relative error \(err)")
                }
            }
        }
    }

    @Test func exactSoftLabelsRecoverThePlantedModel() {
        // With every pair labelled by its true probability, the cross-entropy is minimal exactly at
        // the truth (up to the gauge): an exact check of the likelihood, its gradient and the gauge.
        let m = Self.truth(7, seed: 21)
        let fit = ThurstonianFitter(variance: .perItem, meanPenalty: 0, logScalePenalty: 0,
                                    optimizer: LBFGS(gradientTolerance: 1e-10, maximumIterations: 5000))
            .fit(Self.exactSoftLabels(m))
        let expected = Self.normalized(m)
        #expect(Tolerance.maxAbsDifference(fit.model.means, expected.means) < 1e-4)
        #expect(Tolerance.maxAbsDifference(fit.model.standardDeviations, expected.standardDeviations) < 1e-4)
        #expect(abs(fit.model.means.reduce(0, +)) < 1e-10)
        #expect(abs(fit.model.standardDeviations.map { log($0) }.reduce(0, +)) < 1e-10)
    }

    @Test func hardLabelsRecoverMeansAndScales() {
        let m = Self.truth(8, seed: 31, logScaleSpread: 0.5)
        let fit = ThurstonianFitter().fit(Self.sample(m, count: 20000, seed: 32))
        let expected = Self.normalized(m)
        #expect(fit.converged)
        #expect(Tolerance.maxAbsDifference(fit.model.means, expected.means) < 0.15)
        let logError = zip(fit.model.standardDeviations, expected.standardDeviations).map { abs(log($0 / $1)) }.max()!
        #expect(logError < 0.3, "largest |log σ̂/σ| = \(logError)")
    }

    /// Case V (shared variance) against an independent probit fit written here: Newton's method on
    /// Σ −log Φ((μ_w − μ_l)/√2) with its closed-form Hessian, μ centred, no penalty.
    @Test func sharedVarianceMatchesDirectProbitFit() throws {
        let m = ThurstonianModel(items: (0..<6).map { "i\($0)" }, means: [0.8, -0.4, 0.1, 1.2, -1.0, -0.7],
                                 standardDeviations: [Double](repeating: 1, count: 6))
        let data = Self.sample(m, count: 600, seed: 41)
        let fit = ThurstonianFitter(variance: .shared, meanPenalty: 0,
                                    optimizer: LBFGS(gradientTolerance: 1e-10, maximumIterations: 5000)).fit(data)
        let reference = try Self.probitNewton(data)
        #expect(Tolerance.maxAbsDifference(fit.model.means, reference) < 1e-6)
        #expect(fit.model.standardDeviations.allSatisfy { $0 == 1 })
    }

    /// The same Case V fit by the Bradley–Terry issue's item model with the Thurstone link, whose
    /// parameterization is P(i ≻ j) = Φ(θ_i − θ_j): θ_i = μ_i/√2.
    @Test func sharedVarianceMatchesTheItemModelsCaseV() throws {
        let m = ThurstonianModel(items: (0..<7).map { "i\($0)" }, means: [0.8, -0.4, 0.1, 1.2, -1.0, -0.7, 0.3],
                                 standardDeviations: [Double](repeating: 1, count: 7))
        let data = Self.sample(m, count: 800, seed: 43)
        var builder = ComparisonSet.Builder(items: data.items)
        for k in 0..<data.count {
            let (w, l) = data.labels[k] == 1 ? (data.first[k], data.second[k]) : (data.second[k], data.first[k])
            try builder.append(winner: data.items[w], loser: data.items[l])
        }
        let set = builder.build()
        let caseV = try BradleyTerry(.init(l2Penalty: 0, link: .thurstone, gradientTolerance: 1e-12)).fit(set)
        let fit = ThurstonianFitter(variance: .shared, meanPenalty: 0,
                                    optimizer: LBFGS(gradientTolerance: 1e-10, maximumIterations: 5000))
            .fit(ProbabilisticComparisons(set))
        for (i, name) in fit.model.items.enumerated() {
            let theta = try #require(caseV.strength(of: name))
            #expect(abs(fit.model.means[i] / 2.0.squareRoot() - theta) < 1e-6, "\(name): μ/√2 = \(fit.model.means[i] / 2.0.squareRoot()), θ = \(theta)")
        }
    }

    static func probitNewton(_ data: ProbabilisticComparisons) throws -> [Double] {
        let n = data.itemCount
        var mu = [Double](repeating: 0, count: n)
        let r2 = 2.0.squareRoot()
        for _ in 0..<100 {
            var g = [Double](repeating: 0, count: n)
            var h = Tensor<Double>.zeros(shape: [n, n])
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

    @Test func heldOutCoherenceOfAFittedModel() {
        let m = Self.truth(12, seed: 51)
        var g = SeededGenerator(seed: 52)
        let (train, test) = Self.sample(m, count: 3000, seed: 53).split(heldOutFraction: 0.2, using: &g)
        #expect(test.count == 600 && train.count == 2400)
        let fit = ThurstonianFitter().fit(train)
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
