import RealModule
import NumericCore

/// Which quantity a (synthetic) person compares when choosing between two segments.
public enum SegmentPreferenceModel: String, Sendable, Codable, CaseIterable {
    /// P(σ1 ≻ σ2) depends on PR(σ1) − PR(σ2), the difference of partial returns.
    case partialReturn = "partial-return"
    /// P(σ1 ≻ σ2) depends on regret(σ2) − regret(σ1) (Knox et al.).
    case regret
}

/// How a score difference Δ (= PR1 − PR2, or regret2 − regret1) becomes a label.
public enum SegmentPreferenceNoise: Sendable, Equatable {
    /// Label 1 if Δ > tieTolerance, 0 if Δ < −tieTolerance, else 0.5 (a tie).
    case deterministic(tieTolerance: Double)
    /// Label 1 with probability σ(Δ / temperature), else 0.
    case stochastic(temperature: Double)
}

/// N labelled segment pairs: pair n compares `segments[2n]` (first) with `segments[2n + 1]` (second),
/// and `labels[n]` is the target probability that the first is preferred (1, 0, or 0.5 for a tie).
public struct SegmentPreferenceSet: Sendable {
    /// The segments; pair k compares segments 2k and 2k + 1.
    public var segments: [TrajectorySegment]
    /// The target probability that the first segment of each pair is preferred (1, 0, or 0.5 for a tie).
    public var labels: [Double]

    /// A set of labelled segment pairs.
    public init(segments: [TrajectorySegment], labels: [Double]) {
        precondition(segments.count == 2 * labels.count,
                     "SegmentPreferenceSet: \(segments.count) segments for \(labels.count) pairs")
        self.segments = segments
        self.labels = labels
    }

    /// Number of pairs.
    public var count: Int { labels.count }

    /// The first `n` pairs (data sets of growing size drawn once are nested prefixes).
    public func prefix(_ n: Int) -> SegmentPreferenceSet {
        let k = Swift.min(n, count)
        return SegmentPreferenceSet(segments: Array(segments.prefix(2 * k)), labels: Array(labels.prefix(k)))
    }

    /// The fraction of tied labels.
    public var tieFraction: Double {
        count == 0 ? 0 : Double(labels.filter { $0 == 0.5 }.count) / Double(count)
    }
}

extension FiniteMDP {
    /// Draws `count` pairs of segments and labels them from the true reward.
    ///
    /// Each segment starts at a uniformly drawn non-terminal state and takes uniformly random actions;
    /// pairs whose two segments are identical are redrawn. Labels come from `model` under
    /// `trueWeights` (regret uses `optimal`, the solution for those weights) with `noise`.
    ///
    /// - Throws: ``MDPError/noStartStates`` if every state is terminal, ``MDPError/invalidWeights(expected:found:)``.
    public func samplePreferences<G: RandomNumberGenerator>(
        count: Int, segmentLength: Int = 3, model: SegmentPreferenceModel, noise: SegmentPreferenceNoise,
        trueWeights: Tensor<Double>, optimal: OptimalSolution, using generator: inout G
    ) throws(MDPError) -> SegmentPreferenceSet {
        try validate(weights: trueWeights)
        guard count >= 0 else { throw .invalidSize(what: "count", value: count) }
        guard segmentLength > 0 else { throw .invalidSize(what: "segmentLength", value: segmentLength) }
        let starts = nonterminalStates
        guard !starts.isEmpty else { throw .noStartStates }
        if case .stochastic(let temperature) = noise, !(temperature > 0) {
            throw .invalidConfiguration("stochastic preference temperature must be positive, got \(temperature)")
        }
        var segments = [TrajectorySegment]()
        var labels = [Double]()
        segments.reserveCapacity(2 * count)
        labels.reserveCapacity(count)
        func score(_ sigma: TrajectorySegment) -> Double {
            switch model {
            case .partialReturn: return sigma.partialReturn(weights: trueWeights)
            case .regret: return -regret(of: sigma, optimal: optimal)
            }
        }
        var attempts = 0
        while labels.count < count {
            let first = sampleSegment(from: starts.randomElement(using: &generator)!, length: segmentLength, using: &generator)
            let second = sampleSegment(from: starts.randomElement(using: &generator)!, length: segmentLength, using: &generator)
            attempts += 1
            if first == second && attempts < 100 * (count + 1) { continue }
            let delta = score(first) - score(second)
            let label: Double
            switch noise {
            case .deterministic(let tolerance):
                label = delta > tolerance ? 1 : (delta < -tolerance ? 0 : 0.5)
            case .stochastic(let temperature):
                label = generator.nextOpenUnit() < Double.sigmoid(delta / temperature) ? 1 : 0
            }
            segments.append(first)
            segments.append(second)
            labels.append(label)
        }
        return SegmentPreferenceSet(segments: segments, labels: labels)
    }
}
