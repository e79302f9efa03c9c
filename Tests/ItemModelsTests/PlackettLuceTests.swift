import Foundation
import TestSupport
import Testing
@testable import ItemModels
@testable import NumericCore
@testable import PreferenceData

@Suite("Plackett–Luce")
struct PlackettLuceTests {
    static func rankings(items: Int, count: Int, length: ClosedRange<Int>, topK: Int? = nil,
                         ties: SyntheticRankings.TieModel = .none, seed: UInt64) -> (theta: [Double], set: RankingSet) {
        var rng = SeededGenerator(seed: seed)
        var theta = SyntheticComparisons.strengths(count: items, using: &rng)
        let mean = theta.reduce(0, +) / Double(items)
        theta = theta.map { $0 - mean }
        return (theta, SyntheticRankings.rankings(strengths: theta, count: count, length: length, topK: topK, ties: ties, using: &rng))
    }

    /// The set of `comparisons` as rankings of two (a tie is a tie place of both items).
    static func asRankings(_ comparisons: ComparisonSet) throws -> RankingSet {
        var builder = RankingSet.Builder(items: comparisons.items)
        for k in 0..<comparisons.count {
            let w = comparisons.items[comparisons.winners[k]], l = comparisons.items[comparisons.losers[k]]
            try builder.append(places: comparisons.ties[k] ? [[w, l]] : [[w], [l]], weight: comparisons.weights[k])
        }
        return builder.build()
    }

    @Test("objective: finite-difference gradient and Hessian, with penalty, pseudo-rankings and Davidson–Luce ties",
          arguments: [PlackettLuce.TieModel.none, .davidsonLuce])
    func derivatives(ties: PlackettLuce.TieModel) {
        let (_, set) = Self.rankings(items: 6, count: 80, length: 2...5, topK: 4, ties: .davidsonLuce(deltas: [0.5, 0.2]), seed: 4)
        let estimator = PlackettLuce(.init(l2Penalty: 0.3, pseudoRankings: 0.5, ties: ties))
        let objective = estimator.objective(for: PlackettLuceChoices(set))
        var rng = SeededGenerator(seed: 9)
        let x = (0..<objective.dimension).map { _ in rng.nextNormal() }
        #expect(FiniteDifference.check({ objective.value($0) }, gradient: { objective.evaluate($0).gradient }, at: x) <= 1e-7)
        let evaluation = objective.evaluate(x)
        let d = objective.dimension
        let hessian = objective.denseHessian(evaluation, shift: 0)
        for i in 0..<d {
            var unit = [Double](repeating: 0, count: d)
            unit[i] = 1
            let numeric = FiniteDifference.gradient(of: { objective.evaluate($0).gradient[i] }, at: x)
            #expect(FiniteDifference.relativeError(analytic: Array(hessian.scalars[(i * d)..<(i * d + d)]), numeric: numeric) <= 1e-6)
            #expect(FiniteDifference.relativeError(analytic: objective.hessianVectorProduct(evaluation, unit), numeric: numeric) <= 1e-6)
        }
    }

    @Test("a ranking of two items is a Bradley–Terry comparison: same strengths, log-likelihood and SEs",
          arguments: [0.0, 0.05])
    func rankingsOfTwoAreBradleyTerry(l2: Double) throws {
        var rng = SeededGenerator(seed: 17)
        let theta = SyntheticComparisons.strengths(count: 12, using: &rng)
        let comparisons = SyntheticComparisons.comparisons(strengths: theta, count: 1500, outcomes: .davidson(nu: 0.4), using: &rng)
        let rankings = try Self.asRankings(comparisons)
        for (bt, pl) in [(BradleyTerry.TieModel.halfWins, PlackettLuce.TieModel.none), (.davidson, .davidsonLuce)] {
            let btModel = try BradleyTerry(.init(l2Penalty: l2, ties: bt)).fit(comparisons)
            let plModel = try PlackettLuce(.init(l2Penalty: l2, ties: pl)).fit(rankings)
            #expect(Tolerance.maxAbsDifference(btModel.strengths, plModel.strengths) <= 1e-8)
            #expect(Tolerance.isClose(btModel.report.logLikelihood, plModel.report.logLikelihood, rtol: 1e-10))
            #expect(Tolerance.isClose(btModel.report.objective, plModel.report.objective, rtol: 1e-10))
            if pl == .davidsonLuce {
                #expect(Tolerance.isClose(btModel.tieParameter!, plModel.tieParameters[0], rtol: 1e-7))
            }
            let a = try btModel.hessianIntervals(), b = try plModel.hessianIntervals()
            #expect(Tolerance.maxAbsDifference(a.standardErrors.map { $0! }, b.standardErrors.map { $0! }) <= 1e-7)
        }
    }

    @Test("Newton, MM and truncated Newton agree to 1e-8", arguments: [(0.0, 0.0), (0.1, 0.0), (0.0, 1.0)])
    func solversAgree(l2: Double, pseudo: Double) throws {
        let (_, set) = Self.rankings(items: 30, count: 1500, length: 2...6, topK: 4, seed: 23)
        var fits: [PlackettLuceModel] = []
        for solver in [PlackettLuce.Solver.newtonCholesky, .minorizationMaximization, .truncatedNewton] {
            let model = try PlackettLuce(.init(l2Penalty: l2, pseudoRankings: pseudo, solver: solver)).fit(set)
            #expect(model.report.converged, "\(solver): \(model.report)")
            #expect(abs(model.strengths.reduce(0, +)) <= 1e-9)
            fits.append(model)
        }
        #expect(Tolerance.maxAbsDifference(fits[0].strengths, fits[1].strengths) <= 1e-8)
        #expect(Tolerance.maxAbsDifference(fits[0].strengths, fits[2].strengths) <= 1e-8)
        #expect(abs(fits[0].report.logLikelihood - fits[1].report.logLikelihood) <= 1e-8)
        #expect(abs(fits[0].report.logLikelihood - fits[2].report.logLikelihood) <= 1e-8)
    }

    @Test("a top-k ranking's probability is the sum over every completion of the unranked options")
    func topKIsExact() throws {
        var builder = RankingSet.Builder(items: ["a", "b", "c", "d"])
        try builder.append(places: [["b"]], unranked: ["a", "c", "d"])
        let topOne = builder.build()
        let theta = [0.3, -0.2, 0.7, -0.8]
        let nll = PlackettLuceChoices(topOne).evaluate(theta, parallel: false).negativeLogLikelihood
        // Σ over the 6 orders of a, c, d after b of the full Plackett–Luce probability.
        var total = 0.0
        for rest in [[0, 2, 3], [0, 3, 2], [2, 0, 3], [2, 3, 0], [3, 0, 2], [3, 2, 0]] {
            var remaining = [1] + rest
            var p = 1.0
            for i in [1] + rest {
                p *= exp(theta[i]) / remaining.reduce(0) { $0 + exp(theta[$1]) }
                remaining.removeAll { $0 == i }
            }
            total += p
        }
        #expect(Tolerance.isClose(nll, -log(total), rtol: 1e-12))
    }

    @Test("recovery: 200 items, 20,000 rankings of 4, Spearman ≥ 0.98")
    func recovery() throws {
        let (theta, set) = Self.rankings(items: 200, count: 20_000, length: 4...4, seed: 2026)
        let model = try PlackettLuce().fit(set)
        #expect(model.report.converged)
        let rho = spearman(model.strengths, theta)
        #expect(rho >= 0.98, "Spearman \(rho)")
    }

    @Test("95% Hessian intervals cover the truth 0.93–0.97 of the time; the pairs' intervals cover less")
    func coverage() throws {
        var covered = 0, pairCovered = 0, total = 0
        for draw in 0..<40 {
            let (theta, set) = Self.rankings(items: 30, count: 600, length: 4...4, seed: 500 + UInt64(draw))
            let intervals = try PlackettLuce().fit(set).hessianIntervals()
            let pairIntervals = try BradleyTerry().fit(set.pairwiseComparisons()).hessianIntervals()
            for i in 0..<theta.count {
                total += 1
                if let range = intervals.interval(i), range.contains(theta[i]) { covered += 1 }
                if let range = pairIntervals.interval(i), range.contains(theta[i]) { pairCovered += 1 }
            }
        }
        let rate = Double(covered) / Double(total), pairRate = Double(pairCovered) / Double(total)
        #expect(rate >= 0.93 && rate <= 0.97, "coverage \(rate)")
        #expect(pairRate < rate - 0.03, "pairs' coverage \(pairRate) vs \(rate)")
    }

    @Test("no MLE at λ = 0: the error names the items and suggests --l2 or --pseudo-rankings; pseudo-rankings fit")
    func existence() throws {
        var builder = RankingSet.Builder()
        try builder.append(places: [["a"], ["b"], ["c"]])
        try builder.append(places: [["b"], ["c"]])
        try builder.append(places: [["c"], ["b"]])
        try builder.append(places: [["a"], ["d"]], unranked: ["e"])
        let set = builder.build()
        do {
            _ = try PlackettLuce().fit(set)
            Issue.record("fit without an MLE succeeded")
        } catch {
            guard case .noMaximumLikelihood(_, let neverBeaten, let neverBeating) = error else {
                Issue.record("wrong error \(error)"); return
            }
            #expect(neverBeaten == ["a"])
            #expect(neverBeating == ["e"])   // d was ranked above the unranked e
            #expect(error.description.contains("--pseudo-rankings") && error.description.contains("--l2"))
        }
        let model = try PlackettLuce(.init(pseudoRankings: 1)).fit(set)
        #expect(model.report.converged && model.strengths.allSatisfy(\.isFinite))
        #expect(model.strength(of: "a")! > model.strength(of: "b")!)
        // The pseudo-ranked fit's intervals come from the augmented Hessian, re-centered over the real items.
        let intervals = try model.hessianIntervals()
        #expect(intervals.standardErrors.allSatisfy { ($0 ?? 0) > 0 })
    }

    @Test("a bootstrap replicate that did not draw the ranking connecting the graph has no MLE")
    func replicateConnectivity() throws {
        var builder = RankingSet.Builder()
        try builder.append(places: [["a"], ["b"], ["c"]])
        try builder.append(places: [["c"], ["a"]])
        let choices = PlackettLuceChoices(builder.build())
        try PlackettLuce.requireStronglyConnected(choices, items: ["a", "b", "c"])
        #expect(throws: PlackettLuceError.self) {
            try PlackettLuce.requireStronglyConnected(choices.reweighted([2, 0]), items: ["a", "b", "c"])
        }
    }

    @Test("Davidson–Luce: recovers δ and θ from generated ties")
    func davidsonLuceRecovery() throws {
        let (theta, set) = Self.rankings(items: 10, count: 4000, length: 3...5, ties: .davidsonLuce(deltas: [0.6, 0.25]), seed: 77)
        let model = try PlackettLuce(.init(ties: .davidsonLuce)).fit(set)
        #expect(model.report.converged)
        #expect(model.tieParameters.count == set.maximumTieSize - 1)
        #expect(abs(model.tieParameters[0] - 0.6) <= 0.06, "δ₂ \(model.tieParameters)")
        if model.tieParameters.count > 1 { #expect(abs(model.tieParameters[1] - 0.25) <= 0.08, "δ₃ \(model.tieParameters)") }
        #expect(Tolerance.maxAbsDifference(model.strengths, theta) <= 0.15)
        let newton = model.strengths
        let tn = try PlackettLuce(.init(ties: .davidsonLuce, solver: .truncatedNewton)).fit(set)
        #expect(Tolerance.maxAbsDifference(newton, tn.strengths) <= 1e-8)
    }

    @Test("bootstrap standard errors are close to the Hessian's; results do not depend on threads")
    func bootstrap() throws {
        let (_, set) = Self.rankings(items: 15, count: 800, length: 3...5, seed: 41)
        let estimator = PlackettLuce()
        let model = try estimator.fit(set)
        let hessian = try model.hessianIntervals()
        let one = try estimator.bootstrapIntervals(set, model: model, samples: 200, seed: 5, threads: 1)
        let two = try estimator.bootstrapIntervals(set, model: model, samples: 200, seed: 5, threads: 2)
        #expect(one == two)
        guard case .bootstrap(200, let failed, .percentile) = one.method else { Issue.record("method \(one.method)"); return }
        #expect(failed == 0)
        for i in 0..<15 {
            let ratio = one.standardErrors[i]! / hessian.standardErrors[i]!
            #expect(ratio > 0.8 && ratio < 1.25, "item \(i): bootstrap / Hessian SE \(ratio)")
        }
    }

    @Test("quasi-standard errors reproduce the variances of differences")
    func quasiStandardErrors() throws {
        let (_, set) = Self.rankings(items: 12, count: 500, length: 3...4, seed: 13)
        let model = try PlackettLuce().fit(set)
        let (q, worst) = try model.quasiStandardErrors()
        let c = try model.covariance()
        #expect(worst < 0.1, "relative error \(worst)")
        let v01 = c.scalars[0] + c.scalars[13] - 2 * c.scalars[1]
        #expect(abs((q[0] * q[0] + q[1] * q[1]) / v01 - 1) <= worst + 1e-9)
    }

    @Test("model file round trip")
    func modelFile() throws {
        let (_, set) = Self.rankings(items: 8, count: 300, length: 3...4, ties: .davidsonLuce(deltas: [0.5]), seed: 3)
        let model = try PlackettLuce(.init(l2Penalty: 0.01, ties: .davidsonLuce)).fit(set)
        let loaded = try PlackettLuceModel(modelFile: model.modelFile())
        #expect(loaded.items == model.items && loaded.strengths == model.strengths)
        #expect(loaded.logTieParameters == model.logTieParameters)
        #expect(loaded.configuration.l2Penalty == 0.01 && loaded.configuration.ties == .davidsonLuce)
        #expect(throws: PlackettLuceError.self) { try loaded.hessianIntervals() }
    }
}
