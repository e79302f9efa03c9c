import Foundation
import TestSupport
import Testing
@testable import ItemModels
@testable import NumericCore
@testable import PreferenceData

/// The specialized truncated Newton for Bradley–Terry without a tie parameter
/// (`logisticTruncatedNewton`) against the dense Newton–Cholesky optimum, and the aggregation it reads.
@Suite("Bradley–Terry truncated Newton fast path")
struct LogisticTruncatedNewtonTests {
    /// A synthetic set with ties and, when `weighted`, record weights in (0, 3] (pair totals other
    /// than 1 and 2 take the logarithm path of the log-likelihood).
    static func data(items: Int, count: Int, pairs: SyntheticComparisons.PairSampling, weighted: Bool, seed: UInt64)
        throws -> ComparisonSet {
        var rng = SeededGenerator(seed: seed)
        let truth = SyntheticComparisons.strengths(count: items, using: &rng)
        let base = SyntheticComparisons.comparisons(strengths: truth.map { 1.5 * $0 }, count: count, pairs: pairs,
                                                    outcomes: .davidson(nu: 0.3), using: &rng)
        guard weighted else { return base }
        let weights = (0..<base.count).map { _ in Double.random(in: 0.05...3, using: &rng) }
        return try ComparisonSet(items: base.items, winners: base.winners, losers: base.losers, ties: base.ties,
                                 weights: weights)
    }

    @Test("equals the Newton–Cholesky optimum to 1e-9",
          arguments: [(0.0, false), (1e-4, false), (1e-4, true), (2.0, true)])
    func agreesWithCholesky(lambda: Double, weighted: Bool) throws {
        for (index, pairs) in [SyntheticComparisons.PairSampling.uniform, .sparse(averageDegree: 12)].enumerated() {
            let data = try Self.data(items: 150, count: 20_000, pairs: pairs, weighted: weighted,
                                     seed: 11 + UInt64(index))
            for ties in [BradleyTerry.TieModel.halfWins, .drop] {
                let newton = try BradleyTerry(.init(l2Penalty: lambda, ties: ties, solver: .newtonCholesky,
                                                    gradientTolerance: 1e-11)).fit(data)
                let fast = try BradleyTerry(.init(l2Penalty: lambda, ties: ties, solver: .truncatedNewton,
                                                  gradientTolerance: 1e-9)).fit(data)
                #expect(fast.report.solver == .truncatedNewton)
                #expect(fast.report.converged && fast.report.maxAbsGradient <= 1e-9, "\(fast.report)")
                let difference = Tolerance.maxAbsDifference(fast.strengths, newton.strengths)
                #expect(difference <= 1e-9, "λ \(lambda), \(pairs), \(ties): max |Δθ| = \(difference)")
                let relative = abs(fast.report.logLikelihood - newton.report.logLikelihood)
                    / abs(newton.report.logLikelihood)
                #expect(relative <= 1e-12, "log-likelihood \(fast.report.logLikelihood) vs \(newton.report.logLikelihood)")
                #expect(abs(fast.report.objective - newton.report.objective) <= 1e-12 * abs(newton.report.objective))
                #expect(fast.report.iterations <= 12)
            }
        }
    }

    @Test("pairs in any order, warm starts far away (|θ| > 300) and the iteration limit")
    func unsortedPairsAndWarmStarts() throws {
        let data = try Self.data(items: 80, count: 6_000, pairs: .sparse(averageDegree: 10), weighted: false, seed: 5)
        let aggregated = AggregatedComparisons(data, ties: .halfWins)
        let config = BradleyTerry.Configuration(l2Penalty: 1e-3, gradientTolerance: 1e-10)
        var reference = config
        reference.solver = .newtonCholesky
        let (expected, _) = try BradleyTerry(reference).fit(aggregated: aggregated, items: data.items, initial: nil)

        var fast = config
        fast.solver = .truncatedNewton
        // The same pairs in reverse order (not grouped by their smaller item).
        let p = aggregated.pairCount
        let reversed = AggregatedComparisons(
            itemCount: aggregated.itemCount, first: Array(aggregated.first.reversed()),
            second: Array(aggregated.second.reversed()), firstWins: Array(aggregated.firstWins.reversed()),
            secondWins: Array(aggregated.secondWins.reversed()), ties: [Double](repeating: 0, count: p))
        let (shuffled, report) = try BradleyTerry(fast).fit(aggregated: reversed, items: data.items, initial: nil)
        #expect(report.converged)
        #expect(Tolerance.maxAbsDifference(shuffled, expected) <= 1e-9)

        // A warm start with strengths up to ±400: the first evaluations take e^{−|d|} per pair.
        let far = (0..<data.itemCount).map { 400 * sin(Double($0)) }
        let (warm, warmReport) = try BradleyTerry(fast).fit(aggregated: aggregated, items: data.items, initial: far)
        #expect(warmReport.converged, "\(warmReport)")
        #expect(Tolerance.maxAbsDifference(warm, expected) <= 1e-9)

        var limited = fast
        limited.maximumIterations = 1
        let (_, limitedReport) = try BradleyTerry(limited).fit(aggregated: aggregated, items: data.items, initial: nil)
        #expect(limitedReport.iterations == 1 && limitedReport.stopReason == .maximumIterations)
        #expect(!limitedReport.converged && limitedReport.logLikelihood.isFinite)
    }

    @Test("serial and two-worker evaluations agree")
    func parallelAgreement() throws {
        let data = try Self.data(items: 1000, count: 150_000, pairs: .uniform, weighted: false, seed: 21)
        let serial = try BradleyTerry(.init(l2Penalty: 1e-4, solver: .truncatedNewton, parallel: false)).fit(data)
        let parallel = try BradleyTerry(.init(l2Penalty: 1e-4, solver: .truncatedNewton, parallel: true)).fit(data)
        #expect(serial.report.converged && parallel.report.converged)
        #expect(Tolerance.maxAbsDifference(serial.strengths, parallel.strengths) <= 1e-10)
        #expect(abs(serial.report.logLikelihood - parallel.report.logLikelihood)
                <= 1e-12 * abs(serial.report.logLikelihood))
    }

    @Test("aggregation: every record maps to its pair and the counts add up",
          arguments: [AggregatedComparisons.TieHandling.keep, .halfWins, .drop])
    func aggregationConsistency(ties: AggregatedComparisons.TieHandling) throws {
        let data = try Self.data(items: 60, count: 5_000, pairs: .sparse(averageDegree: 6), weighted: true, seed: 8)
        let aggregated = AggregatedComparisons(data, ties: ties)
        var firstWins = [Double](repeating: 0, count: aggregated.pairCount)
        var secondWins = firstWins, tieWeights = firstWins
        for k in 0..<data.count {
            let p = Int(aggregated.pairOfRecord[k])
            if data.ties[k] && ties == .drop { #expect(p == -1); continue }
            let winner = data.winners[k], loser = data.losers[k]
            #expect(Int(aggregated.first[p]) == min(winner, loser) && Int(aggregated.second[p]) == max(winner, loser))
            let weight = data.weights[k]
            if data.ties[k] && ties == .keep {
                tieWeights[p] += weight
            } else if data.ties[k] {
                firstWins[p] += weight / 2
                secondWins[p] += weight / 2
            } else if winner < loser {
                firstWins[p] += weight
            } else {
                secondWins[p] += weight
            }
        }
        #expect(Tolerance.maxAbsDifference(firstWins, aggregated.firstWins) <= 1e-12)
        #expect(Tolerance.maxAbsDifference(secondWins, aggregated.secondWins) <= 1e-12)
        #expect(Tolerance.maxAbsDifference(tieWeights, aggregated.ties) <= 1e-12)
        // Pairs are grouped by their smaller item, each pair once.
        #expect(zip(aggregated.first, aggregated.first.dropFirst()).allSatisfy { $0 <= $1 })
        let keys = Set(zip(aggregated.first, aggregated.second).map { Int($0) * 1000 + Int($1) })
        #expect(keys.count == aggregated.pairCount)
    }
}
