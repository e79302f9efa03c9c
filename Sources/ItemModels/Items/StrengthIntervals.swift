import Dispatch
import Foundation
import RealModule
import NumericCore
import PreferenceData
import RewardKitInternals

/// Uncertainty of fitted strengths: standard errors and two-sided intervals at a confidence level.
public struct StrengthIntervals: Sendable, Equatable {
    /// How the intervals were computed.
    public enum Method: Sendable, Equatable {
        /// θ̂ ± z·SE with SE from the penalized Hessian under Σθ = 0.
        case hessian
        /// Percentile intervals of `samples` bootstrap refits (`failed` resamples could not be fitted
        /// and were left out).
        case bootstrap(samples: Int, failed: Int)
    }

    public let method: Method
    /// The confidence level, e.g. 0.95.
    public let level: Double
    /// Standard error of each centered strength.
    public let standardErrors: [Double]
    /// Lower interval end of each strength.
    public let lower: [Double]
    /// Upper interval end of each strength.
    public let upper: [Double]
    /// Standard error of the log tie parameter η (nil without a tie model).
    public let tieStandardError: Double?
    /// Interval of the tie parameter on its natural scale (ν or θ_RK).
    public let tieInterval: ClosedRange<Double>?
}

extension BradleyTerryModel {
    /// The covariance of the parameters (θ[, η]) from the inverse penalized Hessian under Σθ = 0.
    ///
    /// With u = (1, …, 1[, 0]) an eigenvector of H = ∇²F with eigenvalue λ, and c > 0,
    /// (H + c·uuᵀ)⁻¹ = H⁺_⊥ + uuᵀ/(n(λ + cn)), so Cov = (H + c·uuᵀ)⁻¹ − uuᵀ/(n(λ + cn)) is the
    /// covariance of the centered strengths (the Moore–Penrose inverse of H when λ = 0).
    ///
    /// - Throws: ``BradleyTerryError/numericalFailure(_:)`` if the Hessian is singular beyond the
    ///   centering direction (e.g. λ = 0 and a disconnected graph), or
    ///   ``BradleyTerryError/unsupportedConfiguration(_:)`` for more than 6,000 parameters
    ///   (use bootstrap intervals).
    public func covariance() throws(BradleyTerryError) -> Tensor<Double> {
        let x = parameters
        return try withObjective { (objective) throws(BradleyTerryError) -> Tensor<Double> in
            let n = objective.itemCount, dim = objective.dimension
            if dim > 6000 {
                throw .unsupportedConfiguration("Hessian standard errors for \(dim) parameters need an O(n³) inverse; use bootstrap intervals")
            }
            let probe = objective.denseHessian(at: x, shift: 0)
            var meanDiagonal = 0.0
            for i in 0..<n { meanDiagonal += probe.scalars[i * dim + i] }
            let shift = max(meanDiagonal / Double(n), 1e-12) / Double(n)
            let h = objective.denseHessian(at: x, shift: shift)
            let inverse: Tensor<Double>
            do {
                inverse = try h.cholesky().inverse()
            } catch {
                throw .numericalFailure("the Hessian is singular: \(error)")
            }
            var covariance = inverse
            let correction = 1 / (Double(n) * (objective.l2Penalty + shift * Double(n)))
            for i in 0..<n { for j in 0..<n { covariance.scalars[i * dim + j] -= correction } }
            return covariance
        }
    }

    /// θ̂ᵢ ± z·SEᵢ intervals with SE from ``covariance()``; the tie parameter's interval is
    /// exp(η̂ ± z·SE_η).
    public func hessianIntervals(level: Double = 0.95) throws(BradleyTerryError) -> StrengthIntervals {
        guard level > 0 && level < 1 else { throw .unsupportedConfiguration("level must be in (0, 1), got \(level)") }
        let covariance = try covariance()
        let n = items.count, dim = covariance.shape[0]
        let z = normalQuantile(0.5 + level / 2)
        let se = (0..<n).map { max(covariance.scalars[$0 * dim + $0], 0).squareRoot() }
        var tieSE: Double? = nil
        var tieInterval: ClosedRange<Double>? = nil
        if let eta = logTieParameter {
            let s = max(covariance.scalars[n * dim + n], 0).squareRoot()
            tieSE = s
            tieInterval = exp(eta - z * s)...exp(eta + z * s)
        }
        return StrengthIntervals(method: .hessian, level: level, standardErrors: se,
                                 lower: (0..<n).map { strengths[$0] - z * se[$0] },
                                 upper: (0..<n).map { strengths[$0] + z * se[$0] },
                                 tieStandardError: tieSE, tieInterval: tieInterval)
    }
}

extension BradleyTerry {
    /// Bootstrap intervals: `samples` resamples of the records (with replacement, same size), each
    /// refitted from the full-data estimate; percentile intervals and the standard deviation of the
    /// centered strengths.
    ///
    /// Resample b draws from `SeededGenerator(seed: seed ⊕ b)`, so the result depends only on
    /// `seed`, not on the number of threads. The replicates run in parallel on all cores
    /// (`DispatchQueue.concurrentPerform`). Resamples whose fit fails (e.g. λ = 0 and a resample
    /// that is not strongly connected) are left out and counted in the method.
    ///
    /// - Precondition: `model` was fitted to `comparisons` with this configuration.
    public func bootstrapIntervals(
        _ comparisons: ComparisonSet, model: BradleyTerryModel, samples: Int = 200, level: Double = 0.95,
        seed: UInt64 = 0
    ) throws(BradleyTerryError) -> StrengthIntervals {
        guard samples >= 2 else { throw .unsupportedConfiguration("bootstrap needs at least 2 samples, got \(samples)") }
        guard level > 0 && level < 1 else { throw .unsupportedConfiguration("level must be in (0, 1), got \(level)") }
        precondition(model.items == comparisons.items, "bootstrap: the model was fitted to other items")
        let base = model.data
        let n = comparisons.itemCount
        let m = comparisons.count
        let dim = model.parameters.count
        // Category of each record: which count of which pair it adds to.
        let tieHandling = configuration.tieHandling
        var slot = [Int32](repeating: -1, count: m)
        var kind = [UInt8](repeating: 0, count: m)   // 0 first wins, 1 second wins, 2 tie, 3 half each
        for k in 0..<m {
            let p = base.pairOfRecord[k]
            slot[k] = p
            guard p >= 0 else { continue }
            if comparisons.ties[k] {
                kind[k] = tieHandling == .keep ? 2 : 3
            } else {
                kind[k] = comparisons.winners[k] == Int(base.first[Int(p)]) ? 0 : 1
            }
        }
        var serial = self
        serial.configuration.parallel = false
        serial.configuration.gradientTolerance = max(configuration.gradientTolerance, 1e-8)
        let estimator = serial
        let weights = comparisons.weights
        let start = model.parameters
        let results = SharedBuffer(count: samples * dim)
        let failures = SharedBuffer(count: samples)
        let workers = max(1, min(samples, ProcessInfo.processInfo.activeProcessorCount))
        let frozenSlot = slot, frozenKind = kind
        BLASRuntime.withSingleThread {
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                var b = worker
                while b < samples {
                    var rng = SeededGenerator(seed: seed ^ (0x9E37_79B9_7F4A_7C15 &* UInt64(b + 1)))
                    var firstWins = [Double](repeating: 0, count: base.pairCount)
                    var secondWins = firstWins, ties = firstWins
                    for _ in 0..<m {
                        let k = Int.random(in: 0..<m, using: &rng)
                        let p = Int(frozenSlot[k])
                        guard p >= 0 else { continue }
                        let w = weights[k]
                        switch frozenKind[k] {
                        case 0: firstWins[p] += w
                        case 1: secondWins[p] += w
                        case 2: ties[p] += w
                        default:
                            firstWins[p] += w / 2
                            secondWins[p] += w / 2
                        }
                    }
                    let resample = AggregatedComparisons(itemCount: n, first: base.first, second: base.second,
                                                         firstWins: firstWins, secondWins: secondWins, ties: ties)
                    do {
                        let (x, _) = try estimator.fit(aggregated: resample, items: comparisons.items, initial: start)
                        for k in 0..<dim { results.pointer[b * dim + k] = x[k] }
                    } catch {
                        failures.pointer[b] = 1
                    }
                    b += workers
                }
            }
        }
        var kept: [[Double]] = []
        for b in 0..<samples where failures.pointer[b] == 0 {
            kept.append((0..<dim).map { results.pointer[b * dim + $0] })
        }
        withExtendedLifetime((results, failures)) {}
        let failed = samples - kept.count
        guard kept.count >= 2 else {
            throw .numericalFailure("only \(kept.count) of \(samples) bootstrap resamples could be fitted")
        }
        func summary(_ k: Int) -> (se: Double, lower: Double, upper: Double) {
            let values = kept.map { $0[k] }.sorted()
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
            return (variance.squareRoot(), quantile(values, (1 - level) / 2), quantile(values, (1 + level) / 2))
        }
        let parts = (0..<n).map(summary)
        var tieSE: Double? = nil
        var tieInterval: ClosedRange<Double>? = nil
        if dim > n {
            let s = summary(n)
            tieSE = s.se
            tieInterval = exp(s.lower)...exp(s.upper)
        }
        return StrengthIntervals(method: .bootstrap(samples: samples, failed: failed), level: level,
                                 standardErrors: parts.map(\.se), lower: parts.map(\.lower),
                                 upper: parts.map(\.upper), tieStandardError: tieSE, tieInterval: tieInterval)
    }
}
