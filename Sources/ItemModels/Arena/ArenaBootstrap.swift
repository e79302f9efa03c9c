import Dispatch
import Foundation
import NumericCore
import PreferenceData
import RewardKitInternals

/// Bootstrap intervals of an ``ArenaRatingModel`` computed on the deduplicated outcomes.
///
/// Replicate b resamples the M records with replacement, which is the same as drawing the record
/// counts of the table's cells (row, outcome) from Multinomial(M, nᶜ/M); each cell keeps its mean
/// record weight. The draw is made cell by cell with conditional binomials
/// xᶜ ~ Binomial(M − Σ_{c'<c} x_{c'}, nᶜ / Σ_{c'≥c} n_{c'}), so a replicate costs O(cells), not O(M).
///
/// In each replicate, items that are absent, never won or never lost (ties count as both) are
/// removed, repeatedly, with their battles (their maximum-likelihood θ would be ±∞, or very large
/// under a small penalty); they are marked and contribute no value to their interval for that
/// replicate. The rest is refitted from the full-data estimate (warm start), and its centered θ are
/// shifted so their mean equals the full-data mean over the same items. A replicate whose remaining
/// graph is still not strongly connected (λ = 0), or whose fit fails, is counted as failed.
///
/// Intervals at level 1 − α from the Q used values of a parameter (q_p the p-quantile, linear
/// interpolation): percentile [q_{α/2}, q_{1−α/2}]; basic [2θ̂ − q_{1−α/2}, 2θ̂ − q_{α/2}]. The point
/// estimate is always the full-data fit θ̂. Replicate b uses the b-th generator split from
/// `SeededGenerator(seed:)`, so results do not depend on the number of threads.
public struct ArenaBootstrap: Sendable {
    /// Interval construction.
    public enum IntervalKind: String, Sendable, Equatable, CaseIterable, Codable {
        case percentile, basic
    }

    /// What happened to one item in one replicate.
    public enum Mark: UInt8, Sendable {
        case used = 0, absent, neverWon, unbeaten, failedReplicate
    }

    /// The bootstrap distribution of one parameter.
    public struct Interval: Sendable, Equatable {
        /// The full-data estimate.
        public var estimate: Double
        /// Percentile interval (nil with fewer than 2 used replicates).
        public var percentile: ClosedRange<Double>?
        /// Basic (reverse-percentile) interval.
        public var basic: ClosedRange<Double>?
        /// Standard deviation of the used replicate values.
        public var standardDeviation: Double?
        /// Replicates that gave this parameter a value.
        public var replicatesUsed: Int
        /// Replicates in which the item was absent / never won / never lost (0 for γ and η).
        public var absent: Int
        public var neverWon: Int
        public var unbeaten: Int

        /// The interval of the given kind.
        public func interval(_ kind: IntervalKind) -> ClosedRange<Double>? {
            kind == .percentile ? percentile : basic
        }
    }

    public var replicates: Int
    public var level: Double
    public var seed: UInt64
    /// Worker threads (nil: all active processors).
    public var threads: Int?

    public init(replicates: Int = 1000, level: Double = 0.95, seed: UInt64 = 0, threads: Int? = nil) {
        self.replicates = replicates
        self.level = level
        self.seed = seed
        self.threads = threads
    }

    /// The result of a bootstrap run.
    public struct Result: Sendable {
        public var level: Double
        public var replicates: Int
        /// Replicates that could not be fitted at all.
        public var failedReplicates: Int
        /// One per item, in item order.
        public var strengths: [Interval]
        /// One per covariate.
        public var coefficients: [Interval]
        /// η = log ν (or log θ_RK), when the model has a tie parameter.
        public var logTieParameter: Interval?
        public var seconds: Double
    }

    /// Runs the bootstrap for `model` (fitted by ``ArenaRating/fit(_:)``).
    ///
    /// - Throws: ``BradleyTerryError/unsupportedConfiguration(_:)`` for fewer than 2 replicates or a
    ///   level outside (0, 1).
    public func run(_ model: ArenaRatingModel) throws(BradleyTerryError) -> Result {
        guard replicates >= 2 else { throw .unsupportedConfiguration("the bootstrap needs at least 2 replicates, got \(replicates)") }
        guard level > 0 && level < 1 else { throw .unsupportedConfiguration("level must be in (0, 1), got \(level)") }
        let clock = ContinuousClock()
        let start = clock.now
        let table = model.table
        let n = model.items.count, k = model.coefficients.count
        let hasTie = model.logTieParameter != nil
        let full = model.parameters
        let estimator = ArenaRating(model.configuration)
        let tolerance = max(model.configuration.gradientTolerance, 1e-8)
        var master = SeededGenerator(seed: seed)
        let generators = (0..<replicates).map { _ in master.split() }
        let cellRecords = table.cellRecords.map { $0.rounded() }
        var suffix = [Double](repeating: 0, count: cellRecords.count + 1)
        for c in stride(from: cellRecords.count - 1, through: 0, by: -1) { suffix[c] = suffix[c + 1] + cellRecords[c] }
        let total = suffix[0]
        let frozenSuffix = suffix

        let thetaOut = SharedBuffer(count: replicates * n)
        let gammaOut = SharedBuffer(count: replicates * max(k, 1))
        let etaOut = SharedBuffer(count: replicates)
        let marks = SharedBuffer<UInt8>(count: replicates * n, repeating: 0)
        let workers = max(1, min(replicates, threads ?? ProcessInfo.processInfo.activeProcessorCount))
        BLASRuntime.withSingleThread {
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                var b = worker
                while b < replicates {
                    var rng = generators[b]
                    var counts = [Double](repeating: 0, count: cellRecords.count)
                    var remaining = total
                    for c in 0..<cellRecords.count where remaining > 0 {
                        let draw = c == cellRecords.count - 1
                            ? remaining : binomialSample(trials: remaining, probability: cellRecords[c] / frozenSuffix[c], using: &rng)
                        counts[c] = draw
                        remaining -= draw
                    }
                    let data = table.contestData(ties: model.configuration.ties, recordCounts: counts)
                    // Remove absent, never-winning and unbeaten items until none is left.
                    var keep = [Bool](repeating: true, count: n)
                    var itemMarks = [ArenaBootstrap.Mark](repeating: .used, count: n)
                    var current = data
                    var newIndex = Array(0..<n)
                    while true {
                        let totals = current.itemTotals()
                        var changed = false
                        for i in 0..<n where keep[i] {
                            let mark: ArenaBootstrap.Mark? = totals.battles[i] == 0 ? .absent
                                : totals.wins[i] == 0 ? .neverWon : totals.losses[i] == 0 ? .unbeaten : nil
                            if let mark {
                                keep[i] = false
                                itemMarks[i] = mark
                                changed = true
                            }
                        }
                        if !changed { break }
                        var next = 0
                        for i in 0..<n { newIndex[i] = keep[i] ? next : -1; if keep[i] { next += 1 } }
                        // Zero the removed items' battles (indices stay 0..<n until the final restriction).
                        current = data.restricted(to: (0..<n).map { keep[$0] ? $0 : -1 }, itemCount: n)
                    }
                    let kept = (0..<n).filter { keep[$0] }
                    var ok = kept.count >= 2
                    if ok {
                        let reduced = data.restricted(to: newIndex, itemCount: kept.count)
                        var startX = kept.map { full[$0] }
                        startX += Array(full[n..<(n + k)])
                        if hasTie { startX.append(full[n + k]) }
                        do {
                            try estimator.checkFittable(reduced, items: kept.map { model.items[$0] })
                            let outcome = try estimator.solve(reduced, start: startX, tolerance: tolerance, parallel: false,
                                                              covariance: false)
                            var shift = 0.0
                            for i in kept { shift += full[i] }
                            shift /= Double(kept.count)
                            for (position, i) in kept.enumerated() {
                                thetaOut.pointer[b * n + i] = outcome.x[position] + shift
                            }
                            for a in 0..<k { gammaOut.pointer[b * k + a] = outcome.x[kept.count + a] }
                            if hasTie { etaOut.pointer[b] = outcome.x[kept.count + k] }
                        } catch {
                            ok = false
                        }
                    }
                    for i in 0..<n {
                        marks.pointer[b * n + i] = ok ? itemMarks[i].rawValue
                            : (itemMarks[i] == .used ? ArenaBootstrap.Mark.failedReplicate.rawValue : itemMarks[i].rawValue)
                    }
                    if !ok { etaOut.pointer[b] = .nan; for a in 0..<k { gammaOut.pointer[b * k + a] = .nan } }
                    b += workers
                }
            }
        }
        var failed = 0
        var replicateOK = [Bool](repeating: true, count: replicates)
        for b in 0..<replicates {
            var anyUsed = false
            for i in 0..<n where marks.pointer[b * n + i] == Mark.used.rawValue { anyUsed = true }
            if !anyUsed { replicateOK[b] = false; failed += 1 }
        }
        let lowerQ = (1 - level) / 2, upperQ = (1 + level) / 2
        func interval(estimate: Double, values: [Double]) -> Interval {
            let sorted = values.sorted()
            var result = Interval(estimate: estimate, percentile: nil, basic: nil, standardDeviation: nil,
                                  replicatesUsed: sorted.count, absent: 0, neverWon: 0, unbeaten: 0)
            if sorted.count >= 2 {
                let lo = quantile(sorted, lowerQ), hi = quantile(sorted, upperQ)
                result.percentile = lo...hi
                result.basic = (2 * estimate - hi)...(2 * estimate - lo)
                let mean = sorted.reduce(0, +) / Double(sorted.count)
                result.standardDeviation = (sorted.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(sorted.count - 1)).squareRoot()
            }
            return result
        }
        var strengths: [Interval] = []
        for i in 0..<n {
            var values: [Double] = []
            var absent = 0, neverWon = 0, unbeaten = 0
            for b in 0..<replicates {
                switch Mark(rawValue: marks.pointer[b * n + i])! {
                case .used: values.append(thetaOut.pointer[b * n + i])
                case .absent: absent += 1
                case .neverWon: neverWon += 1
                case .unbeaten: unbeaten += 1
                case .failedReplicate: break
                }
            }
            var entry = interval(estimate: model.strengths[i], values: values)
            entry.absent = absent
            entry.neverWon = neverWon
            entry.unbeaten = unbeaten
            strengths.append(entry)
        }
        let coefficients = (0..<k).map { a in
            interval(estimate: model.coefficients[a],
                     values: (0..<replicates).filter { replicateOK[$0] }.map { gammaOut.pointer[$0 * k + a] }.filter { !$0.isNaN })
        }
        var tie: Interval? = nil
        if let eta = model.logTieParameter {
            tie = interval(estimate: eta, values: (0..<replicates).filter { replicateOK[$0] }.map { etaOut.pointer[$0] }
                .filter { !$0.isNaN })
        }
        withExtendedLifetime((thetaOut, gammaOut, etaOut, marks)) {}
        return Result(level: level, replicates: replicates, failedReplicates: failed, strengths: strengths,
                      coefficients: coefficients, logTieParameter: tie, seconds: (clock.now - start).inSeconds)
    }
}

