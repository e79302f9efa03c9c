import Dispatch
import Foundation
import RealModule
import NumericCore
import PreferenceData
import RewardKitInternals

/// Uncertainty of a fitted ``BradleyTerryModel``: standard errors and two-sided intervals at a
/// confidence level for the strengths θ, the covariate coefficients γ and the tie parameter.
public struct StrengthIntervals: Sendable, Equatable {
    /// How a bootstrap interval is formed from the replicate values (q_p the p-quantile).
    public enum BootstrapInterval: String, Sendable, Equatable, CaseIterable, Codable {
        /// [q_{α/2}, q_{1−α/2}].
        case percentile
        /// The basic (reverse-percentile) interval [2θ̂ − q_{1−α/2}, 2θ̂ − q_{α/2}].
        case basic
    }

    /// How the intervals were computed.
    public enum Method: Sendable, Equatable {
        /// θ̂ ± z·SE with SE from the inverse penalized Hessian under Σθ = 0.
        case hessian
        /// Bootstrap intervals of `samples` replicates, of which `failed` could not be fitted at all.
        case bootstrap(samples: Int, failed: Int, interval: BootstrapInterval)

        /// "hessian", "bootstrap percentile" or "bootstrap basic".
        public var name: String {
            switch self {
            case .hessian: return "hessian"
            case .bootstrap(_, _, let interval): return "bootstrap \(interval.rawValue)"
            }
        }
    }

    /// What the bootstrap did with one item: replicates that gave it a value, and replicates in
    /// which it was left out because it was absent, never won or never lost (its maximum-likelihood
    /// strength would be ±∞ there).
    public struct Replicates: Sendable, Equatable {
        /// Replicates that gave the item a value.
        public var used: Int
        /// Replicates in which the item had no comparison.
        public var absent: Int
        /// Replicates in which the item never won (a tie counts as a win).
        public var neverWon: Int
        /// Replicates in which the item never lost (a tie counts as a loss).
        public var unbeaten: Int

        /// The replicates that left the item out.
        public var marked: Int { absent + neverWon + unbeaten }
    }

    /// The method.
    public let method: Method
    /// The confidence level, e.g. 0.95.
    public let level: Double
    /// Standard error of each centered strength (nil: fewer than two bootstrap values).
    public let standardErrors: [Double?]
    /// Lower interval end of each strength.
    public let lower: [Double?]
    /// Upper interval end of each strength.
    public let upper: [Double?]
    /// Per item, how the bootstrap replicates were used (nil for Hessian intervals).
    public let replicates: [Replicates]?
    /// Standard error of each covariate coefficient (nil when not identified or not computable).
    public let coefficientStandardErrors: [Double?]
    /// Interval of each covariate coefficient.
    public let coefficientIntervals: [ClosedRange<Double>?]
    /// Standard error of the log tie parameter η (nil without a tie model).
    public let tieStandardError: Double?
    /// Interval of the tie parameter on its natural scale (ν or θ_RK), exp of the η interval.
    public let tieInterval: ClosedRange<Double>?

    /// The interval of item i, when it has one.
    public func interval(_ i: Int) -> ClosedRange<Double>? {
        guard let lo = lower[i], let hi = upper[i] else { return nil }
        return lo...hi
    }
}

extension BradleyTerryModel {
    /// The covariance of the parameters (θ, γ[, η]) from the inverse penalized Hessian under Σθ = 0.
    ///
    /// With u = (1ₙ, 0, 0) an eigenvector of H = ∇²F with eigenvalue λ, and c > 0,
    /// (H + c·uuᵀ)⁻¹ = H⁺_⊥ + uuᵀ/(n(λ + cn)), so Cov = (H + c·uuᵀ)⁻¹ − uuᵀ/(n(λ + cn)) is the
    /// covariance of the centered strengths (the Moore–Penrose inverse of H when λ = 0). The row
    /// and column of a coefficient that is not identified (its covariate is zero in every record)
    /// are replaced by the identity before inverting; ``hessianIntervals(level:)`` reports no
    /// standard error for it.
    ///
    /// - Throws: ``BradleyTerryError/numericalFailure(_:)`` if the Hessian is singular beyond the
    ///   centering direction (e.g. λ = 0 and a disconnected graph), or
    ///   ``BradleyTerryError/unsupportedConfiguration(_:)`` for more than 6,000 parameters
    ///   (use bootstrap intervals).
    public func covariance() throws(BradleyTerryError) -> Tensor<Double> {
        let x = parameters
        let identified = data.identifiedCovariates()
        return try withObjective { (objective) throws(BradleyTerryError) -> Tensor<Double> in
            let n = objective.itemCount, dim = objective.dimension
            if dim > 6000 {
                throw .unsupportedConfiguration("Hessian standard errors for \(dim) parameters need an O(n³) inverse; use bootstrap intervals")
            }
            var (h, shift) = objective.centeredDenseHessian(at: x)
            for (a, isIdentified) in identified.enumerated() where !isIdentified {
                let q = n + a
                for r in 0..<dim { h.scalars[q * dim + r] = 0; h.scalars[r * dim + q] = 0 }
                h.scalars[q * dim + q] = 1
            }
            let inverse: Tensor<Double>
            do throws(LinearAlgebraError) {
                inverse = try h.cholesky().inverse()
            } catch .nonFiniteEntry {
                throw .numericalFailure("the Hessian overflows (weights or covariate values too large to invert)")
            } catch {
                throw .numericalFailure("the Hessian is singular: \(error)")
            }
            var covariance = inverse
            let correction = 1 / (Double(n) * (objective.l2Penalty + shift * Double(n)))
            for i in 0..<n { for j in 0..<n { covariance.scalars[i * dim + j] -= correction } }
            return covariance
        }
    }

    /// θ̂ᵢ ± z·SEᵢ and γ̂ₐ ± z·SEₐ intervals with SE from ``covariance()``; the tie parameter's
    /// interval is exp(η̂ ± z·SE_η).
    public func hessianIntervals(level: Double = 0.95) throws(BradleyTerryError) -> StrengthIntervals {
        guard level > 0 && level < 1 else { throw .unsupportedConfiguration("level must be in (0, 1), got \(level)") }
        let covariance = try covariance()
        let n = items.count, k = covariateCount, dim = covariance.shape[0]
        let z = normalQuantile(0.5 + level / 2)
        func standardError(_ q: Int) -> Double { max(covariance.scalars[q * dim + q], 0).squareRoot() }
        let se = (0..<n).map(standardError)
        let identified = data.identifiedCovariates()
        let coefficientSE: [Double?] = (0..<k).map { identified[$0] ? standardError(n + $0) : nil }
        var tieSE: Double? = nil
        var tieInterval: ClosedRange<Double>? = nil
        if let eta = logTieParameter {
            let s = standardError(n + k)
            tieSE = s
            tieInterval = exp(eta - z * s)...exp(eta + z * s)
        }
        return StrengthIntervals(method: .hessian, level: level, standardErrors: se,
                                 lower: (0..<n).map { strengths[$0] - z * se[$0] },
                                 upper: (0..<n).map { strengths[$0] + z * se[$0] }, replicates: nil,
                                 coefficientStandardErrors: coefficientSE,
                                 coefficientIntervals: (0..<k).map { a in
                                     coefficientSE[a].map { (coefficients[a] - z * $0)...(coefficients[a] + z * $0) }
                                 },
                                 tieStandardError: tieSE, tieInterval: tieInterval)
    }
}

extension BradleyTerry {
    /// Bootstrap intervals: `samples` resamples of the records (with replacement, same size), each
    /// refitted from the full-data estimate.
    ///
    /// The records are first deduplicated into a ``ComparisonOutcomeTable``; resampling the M
    /// records is the same as drawing the record counts of its cells (row, outcome) from
    /// Multinomial(M, nᶜ/M), each cell keeping its mean record weight. The draw is made cell by cell
    /// with conditional binomials xᶜ ~ Binomial(M − Σ_{c'<c} x_{c'}, nᶜ / Σ_{c'≥c} n_{c'}), so a
    /// replicate costs O(cells), not O(M).
    ///
    /// In each replicate, items that are absent, never won or never lost (ties count as both) are
    /// removed, repeatedly, with their comparisons (their maximum-likelihood θ would be ±∞, or very
    /// large under a small penalty); they are counted in ``StrengthIntervals/replicates`` and give no
    /// value to their interval in that replicate. The rest is refitted from the full-data estimate
    /// (warm start), and its centered θ are shifted so that their mean equals the full-data mean
    /// over the same items. A replicate whose remaining graph is still not strongly connected
    /// (λ = 0), or whose fit fails, is counted as failed.
    ///
    /// Intervals at level 1 − α from the values of a parameter: percentile [q_{α/2}, q_{1−α/2}]
    /// or basic [2θ̂ − q_{1−α/2}, 2θ̂ − q_{α/2}] (linear interpolation between order statistics);
    /// the standard error is the standard deviation of the values. Replicate b draws from the b-th
    /// generator split from `SeededGenerator(seed:)`, so results do not depend on the number of
    /// threads. Replicates run in parallel on `threads` workers (nil: every core).
    ///
    /// - Precondition: `model` was fitted to `comparisons` with this configuration.
    /// - Throws: ``BradleyTerryError/unsupportedConfiguration(_:)`` for fewer than 2 samples or a
    ///   level outside (0, 1).
    public func bootstrapIntervals(
        _ comparisons: ComparisonSet, model: BradleyTerryModel, samples: Int = 200, level: Double = 0.95,
        seed: UInt64 = 0, interval: StrengthIntervals.BootstrapInterval = .percentile, threads: Int? = nil,
        spreading: ReplicateSpreading? = nil
    ) throws(BradleyTerryError) -> StrengthIntervals {
        precondition(model.items == comparisons.items && model.covariateCount == 0,
                     "bootstrap: the model was fitted to other items or with covariates")
        return try bootstrapIntervals(ComparisonOutcomeTable(comparisons), model: model, samples: samples, level: level,
                                      seed: seed, interval: interval, threads: threads, spreading: spreading)
    }

    /// Bootstrap intervals from a deduplicated outcome table (see
    /// ``bootstrapIntervals(_:model:samples:level:seed:interval:threads:)``).
    ///
    /// With `spreading` (several processes holding the same table and model), each process fits
    /// only the replicates `b` with `b mod size = rank` and the replicate results are summed over
    /// the processes (each is written by exactly one, the others contribute zeros), so every process
    /// returns the intervals one process would, with the replicate fits divided among them.
    public func bootstrapIntervals(
        _ table: ComparisonOutcomeTable, model: BradleyTerryModel, samples: Int = 200, level: Double = 0.95,
        seed: UInt64 = 0, interval: StrengthIntervals.BootstrapInterval = .percentile, threads: Int? = nil,
        spreading: ReplicateSpreading? = nil
    ) throws(BradleyTerryError) -> StrengthIntervals {
        guard samples >= 2 else { throw .unsupportedConfiguration("bootstrap needs at least 2 samples, got \(samples)") }
        guard level > 0 && level < 1 else { throw .unsupportedConfiguration("level must be in (0, 1), got \(level)") }
        let n = model.items.count, k = model.covariateCount
        precondition(table.itemCount == n && table.covariateCount == k, "bootstrap: the table does not match the model")
        let hasTie = model.logTieParameter != nil
        let full = model.parameters
        var serial = self
        serial.configuration.parallel = false
        // A replicate is fitted to a gradient tolerance that grows with the data (1e-9 per record,
        // at least 1e-8): a strength then sits within ~tolerance/curvature of its optimum, far
        // below the replicate-to-replicate spread the intervals measure, and a 100,000-item
        // replicate needs one or two Newton steps fewer.
        serial.configuration.gradientTolerance = max(configuration.gradientTolerance, 1e-8, 1e-9 * table.recordCount)
        let estimator = serial
        // Replicates start from the full-data estimate, except on the logistic truncated-Newton
        // kernel (large plain Bradley–Terry fits), whose own start — each item's penalized log-odds —
        // is better there: a 100,000-item replicate takes 5 Newton steps from it and 15 from the
        // full-data estimate.
        let warmStart = !(configuration.link == .bradleyTerry && !configuration.hasTieParameter && k == 0
                          && configuration.resolvedSolver(parameters: n) == .truncatedNewton)
        let tieModel = configuration.ties
        var master = SeededGenerator(seed: seed)
        let generators = (0..<samples).map { _ in master.split() }
        let cellRecords = table.cellRecords.map { $0.rounded() }
        var suffix = [Double](repeating: 0, count: cellRecords.count + 1)
        for c in stride(from: cellRecords.count - 1, through: 0, by: -1) { suffix[c] = suffix[c + 1] + cellRecords[c] }
        let total = suffix[0]
        let frozenSuffix = suffix

        let thetaOut = SharedBuffer(count: samples * n)
        let gammaOut = SharedBuffer(count: samples * max(k, 1))
        let etaOut = SharedBuffer(count: samples)
        let marks = SharedBuffer<UInt8>(count: samples * n, repeating: 0)
        // The replicates this process fits (all of them in one process).
        let owned = spreading.map { share in (0..<samples).filter { $0 % share.size == share.rank } } ?? Array(0..<samples)
        let workers = max(1, min(max(owned.count, 1), threads ?? ProcessInfo.processInfo.activeProcessorCount))
        BLASRuntime.withSingleThread {
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                var position = worker
                while position < owned.count {
                    let b = owned[position]
                    var rng = generators[b]
                    var counts = [Double](repeating: 0, count: cellRecords.count)
                    var remaining = total
                    for c in 0..<cellRecords.count where remaining > 0 {
                        let draw = c == cellRecords.count - 1
                            ? remaining : binomialSample(trials: remaining, probability: cellRecords[c] / frozenSuffix[c], using: &rng)
                        counts[c] = draw
                        remaining -= draw
                    }
                    let data = table.aggregated(ties: tieModel, recordCounts: counts)
                    let (kept, itemMarks, reduced) = removingDegenerateItems(data)
                    var ok = kept.count >= 2
                    if ok {
                        var start = kept.map { full[$0] }
                        start += full[n..<(n + k)]
                        if hasTie { start.append(full[n + k]) }
                        do {
                            let (x, _) = try estimator.fit(aggregated: reduced, items: kept.map { model.items[$0] },
                                                           initial: warmStart ? start : nil)
                            var shift = 0.0
                            for i in kept { shift += full[i] }
                            shift /= Double(kept.count)
                            for (position, i) in kept.enumerated() { thetaOut.pointer[b * n + i] = x[position] + shift }
                            for a in 0..<k { gammaOut.pointer[b * k + a] = x[kept.count + a] }
                            if hasTie { etaOut.pointer[b] = x[kept.count + k] }
                        } catch {
                            ok = false
                        }
                    }
                    for i in 0..<n {
                        marks.pointer[b * n + i] = ok || itemMarks[i] != .used ? itemMarks[i].rawValue : BootstrapMark.failed.rawValue
                    }
                    if !ok { etaOut.pointer[b] = .nan; for a in 0..<k { gammaOut.pointer[b * k + a] = .nan } }
                    position += workers
                }
            }
        }
        if let spreading {
            // Each replicate's entries were written by one process; the others hold zeros.
            let gammaCount = samples * max(k, 1)
            var buffer = [Double](repeating: 0, count: samples * n * 2 + gammaCount + samples)
            for j in 0..<(samples * n) { buffer[j] = thetaOut.pointer[j]; buffer[samples * n + j] = Double(marks.pointer[j]) }
            for j in 0..<gammaCount { buffer[2 * samples * n + j] = gammaOut.pointer[j] }
            for j in 0..<samples { buffer[2 * samples * n + gammaCount + j] = etaOut.pointer[j] }
            spreading.reduce(&buffer)
            for j in 0..<(samples * n) { thetaOut.pointer[j] = buffer[j]; marks.pointer[j] = UInt8(buffer[samples * n + j]) }
            for j in 0..<gammaCount { gammaOut.pointer[j] = buffer[2 * samples * n + j] }
            for j in 0..<samples { etaOut.pointer[j] = buffer[2 * samples * n + gammaCount + j] }
        }
        var failed = 0
        var replicateOK = [Bool](repeating: true, count: samples)
        for b in 0..<samples where !(0..<n).contains(where: { marks.pointer[b * n + $0] == BootstrapMark.used.rawValue }) {
            replicateOK[b] = false
            failed += 1
        }
        func summary(estimate: Double, values: [Double]) -> (se: Double?, range: ClosedRange<Double>?) {
            bootstrapSummary(estimate: estimate, values: values, level: level, interval: interval)
        }
        var se: [Double?] = [], lower: [Double?] = [], upper: [Double?] = [], usage: [StrengthIntervals.Replicates] = []
        for i in 0..<n {
            var values: [Double] = []
            var use = StrengthIntervals.Replicates(used: 0, absent: 0, neverWon: 0, unbeaten: 0)
            for b in 0..<samples {
                switch BootstrapMark(rawValue: marks.pointer[b * n + i])! {
                case .used: values.append(thetaOut.pointer[b * n + i])
                case .absent: use.absent += 1
                case .neverWon: use.neverWon += 1
                case .unbeaten: use.unbeaten += 1
                case .failed: break
                }
            }
            use.used = values.count
            let s = summary(estimate: model.strengths[i], values: values)
            se.append(s.se)
            lower.append(s.range?.lowerBound)
            upper.append(s.range?.upperBound)
            usage.append(use)
        }
        let usable = (0..<samples).filter { replicateOK[$0] }
        let coefficientSummaries = (0..<k).map { a in
            summary(estimate: model.coefficients[a], values: usable.map { gammaOut.pointer[$0 * k + a] }.filter { !$0.isNaN })
        }
        var tieSE: Double? = nil
        var tieInterval: ClosedRange<Double>? = nil
        if let eta = model.logTieParameter {
            let s = summary(estimate: eta, values: usable.map { etaOut.pointer[$0] }.filter { !$0.isNaN })
            tieSE = s.se
            tieInterval = s.range.map { exp($0.lowerBound)...exp($0.upperBound) }
        }
        withExtendedLifetime((thetaOut, gammaOut, etaOut, marks)) {}
        return StrengthIntervals(method: .bootstrap(samples: samples, failed: failed, interval: interval), level: level,
                                 standardErrors: se, lower: lower, upper: upper, replicates: usage,
                                 coefficientStandardErrors: coefficientSummaries.map(\.se),
                                 coefficientIntervals: coefficientSummaries.map(\.range),
                                 tieStandardError: tieSE, tieInterval: tieInterval)
    }
}

/// What happened to one item in one bootstrap replicate.
enum BootstrapMark: UInt8 {
    case used = 0, absent, neverWon, unbeaten, failed
}

/// Removes items that are absent, never won or never lost (ties count as both), repeatedly, with
/// their comparisons. Returns the kept item indices, the mark of every item, and the data among the
/// kept items reindexed to 0..<kept.count.
///
/// One pass: the items' weighted wins, losses and comparisons are counted once; removing an item
/// subtracts its rows from its opponents' counts, and an opponent that thereby becomes degenerate
/// is queued (O(items + rows) in all, whatever the length of the cascade). An item is marked by
/// the first reason that applies when it is removed: absent, then never won, then unbeaten.
func removingDegenerateItems(_ data: AggregatedComparisons) -> (kept: [Int], marks: [BootstrapMark], data: AggregatedComparisons) {
    let n = data.itemCount, rows = data.pairCount
    // Per item, the number of remaining rows in which it won (ties count), lost (ties count) or
    // played with positive weight: integer counts, so removal is exact whatever the weights.
    var winRows = [Int](repeating: 0, count: n), lossRows = winRows, playedRows = winRows
    func sides(_ u: Int) -> (firstWon: Bool, secondWon: Bool, played: Bool) {
        let a = data.firstWins[u], b = data.secondWins[u], t = data.ties[u]
        return (a + t > 0, b + t > 0, a + b + t > 0)
    }
    // Rows of each item (compressed: rowsOf[start[i]..<start[i + 1]]).
    var start = [Int](repeating: 0, count: n + 1)
    for u in 0..<rows {
        let f = Int(data.first[u]), s = Int(data.second[u]), side = sides(u)
        start[f + 1] += 1
        start[s + 1] += 1
        if side.played { playedRows[f] += 1; playedRows[s] += 1 }
        if side.firstWon { winRows[f] += 1; lossRows[s] += 1 }
        if side.secondWon { winRows[s] += 1; lossRows[f] += 1 }
    }
    for i in 0..<n { start[i + 1] += start[i] }
    var rowsOf = [Int32](repeating: 0, count: 2 * rows)
    var cursor = start
    for u in 0..<rows {
        let f = Int(data.first[u]), s = Int(data.second[u])
        rowsOf[cursor[f]] = Int32(u); cursor[f] += 1
        rowsOf[cursor[s]] = Int32(u); cursor[s] += 1
    }
    var marks = [BootstrapMark](repeating: .used, count: n)
    var removedRow = [Bool](repeating: false, count: rows)
    func degenerate(_ i: Int) -> BootstrapMark? {
        playedRows[i] == 0 ? .absent : winRows[i] == 0 ? .neverWon : lossRows[i] == 0 ? .unbeaten : nil
    }
    var queue: [Int] = []
    for i in 0..<n { if let mark = degenerate(i) { marks[i] = mark; queue.append(i) } }
    var head = 0
    while head < queue.count {
        let i = queue[head]
        head += 1
        for slot in start[i]..<start[i + 1] {
            let u = Int(rowsOf[slot])
            if removedRow[u] { continue }
            removedRow[u] = true
            let f = Int(data.first[u]), s = Int(data.second[u]), side = sides(u)
            let other = f == i ? s : f
            if side.played { playedRows[other] -= 1 }
            if other == f {
                if side.firstWon { winRows[f] -= 1 }
                if side.secondWon { lossRows[f] -= 1 }
            } else {
                if side.secondWon { winRows[s] -= 1 }
                if side.firstWon { lossRows[s] -= 1 }
            }
            if marks[other] == .used, let mark = degenerate(other) {
                marks[other] = mark
                queue.append(other)
            }
        }
    }
    var newIndex = [Int](repeating: -1, count: n)
    var kept: [Int] = []
    for i in 0..<n where marks[i] == .used {
        newIndex[i] = kept.count
        kept.append(i)
    }
    return (kept, marks, data.restricted(to: newIndex, itemCount: kept.count))
}

/// The standard deviation of bootstrap `values` and their interval at `level` (percentile
/// [q_{α/2}, q_{1−α/2}] or basic [2θ̂ − q_{1−α/2}, 2θ̂ − q_{α/2}]); nil for fewer than two values.
func bootstrapSummary(estimate: Double, values: [Double], level: Double, interval: StrengthIntervals.BootstrapInterval)
    -> (se: Double?, range: ClosedRange<Double>?) {
    guard values.count >= 2 else { return (nil, nil) }
    let sorted = values.sorted()
    let lo = quantile(sorted, (1 - level) / 2), hi = quantile(sorted, (1 + level) / 2)
    let mean = sorted.reduce(0, +) / Double(sorted.count)
    let sd = (sorted.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(sorted.count - 1)).squareRoot()
    return (sd, interval == .percentile ? lo...hi : (2 * estimate - hi)...(2 * estimate - lo))
}
