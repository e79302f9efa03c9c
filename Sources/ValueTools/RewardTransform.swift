import RealModule
import NumericCore
import RewardKitInternals

/// The log-sigmoid reward transform and its sum across properties ("Transforming and Combining
/// Rewards for Aligning Large Language Models", Wang et al. 2024).
///
/// For a Bradley–Terry reward r(x, y), σ(r(x, y) − r_ref(x)) is the probability that response y
/// beats a reference response for prompt x, and
///
///     u(x, y) = log σ(r(x, y) − r_ref(x)) = −softplus(r_ref(x) − r(x, y))
///
/// is its logarithm: u ≤ 0, u = −log 2 at r = r_ref, u ≈ r − r_ref far below the reference and
/// u → 0 far above it (diminishing returns, which discourages reward hacking one property), and
/// du/dr = σ(r_ref − r). For several properties (e.g. helpful and harmless) the combined reward
///
///     U(x, y) = Σ_p log σ(r_p(x, y) − r_ref,p(x)) = log Π_p σ(r_p − r_ref,p)
///
/// is the log-probability that y beats the reference on every property (independence assumed):
/// a soft logical AND, dominated by the property furthest below its reference.
///
/// The reference reward of a prompt is a stated quantile of reference rewards for that prompt
/// (e.g. rewards of samples from the base policy), by linear interpolation between order
/// statistics: with sorted values v_0 ≤ … ≤ v_{m−1}, h = q·(m − 1),
/// Q(q) = v_⌊h⌋ + (h − ⌊h⌋)(v_⌊h⌋+1 − v_⌊h⌋) (numpy's default, Hyndman–Fan type 7).
public struct RewardTransform: Sendable, Hashable, Codable {
    /// The quantile q ∈ [0, 1] of the reference rewards used as r_ref.
    public var referenceQuantile: Double

    /// The transform whose r_ref is the `referenceQuantile` quantile (in [0, 1]) of the reference rewards.
    public init(referenceQuantile: Double) {
        precondition(referenceQuantile >= 0 && referenceQuantile <= 1,
                     "RewardTransform: referenceQuantile \(referenceQuantile) outside [0, 1]")
        self.referenceQuantile = referenceQuantile
    }

    /// u = log σ(r − r_ref).
    public static func logSigmoid(_ reward: Double, reference: Double) -> Double {
        Double.logSigmoid(reward - reference)
    }

    /// du/dr = σ(r_ref − r).
    public static func derivative(_ reward: Double, reference: Double) -> Double {
        Double.sigmoid(reference - reward)
    }

    /// The type-7 quantile of `values` (non-empty, finite).
    public static func quantile(_ q: Double, of values: [Double]) -> Double {
        precondition(!values.isEmpty, "RewardTransform.quantile of no values")
        precondition(q >= 0 && q <= 1, "RewardTransform.quantile: q = \(q) outside [0, 1]")
        return RewardKitInternals.quantile(values.sorted(), q)
    }

    /// r_ref of one prompt: the configured quantile of its reference rewards.
    public func referenceReward(_ referenceRewards: [Double]) -> Double {
        Self.quantile(referenceQuantile, of: referenceRewards)
    }

    /// u = log σ(r − r_ref) for each reward of one prompt, r_ref from that prompt's reference rewards.
    public func transform(_ rewards: [Double], referenceRewards: [Double]) -> [Double] {
        let ref = referenceReward(referenceRewards)
        return rewards.map { Self.logSigmoid($0, reference: ref) }
    }

    /// The combined reward of one response: Σ_p log σ(r_p − r_ref,p), with `rewards[p]` the
    /// response's reward for property p and `referenceRewards[p]` that property's reference
    /// rewards for the prompt.
    public func combined(rewards: [Double], referenceRewards: [[Double]]) -> Double {
        precondition(rewards.count == referenceRewards.count,
                     "RewardTransform.combined: \(rewards.count) property rewards, \(referenceRewards.count) reference sets")
        var total = 0.0
        for p in rewards.indices {
            total += Self.logSigmoid(rewards[p], reference: referenceReward(referenceRewards[p]))
        }
        return total
    }

    /// Combined rewards of many responses to one prompt: `rewards[k][p]` is response k's reward
    /// for property p.
    public func combined(rewards: [[Double]], referenceRewards: [[Double]]) -> [Double] {
        let refs = referenceRewards.map { referenceReward($0) }
        return rewards.map { r in
            precondition(r.count == refs.count, "RewardTransform.combined: \(r.count) property rewards, \(refs.count) references")
            var total = 0.0
            for p in r.indices { total += Self.logSigmoid(r[p], reference: refs[p]) }
            return total
        }
    }
}
