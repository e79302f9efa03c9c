import RealModule
import NumericCore
import PreferenceData

/// The Bradley–Terry objective of a reward head on a batch of n pairs with stacked rewards
/// `r = (r_c,1 … r_c,n, r_r,1 … r_r,n)`:
///
///     zᵢ = (r_c,i − r_r,i − mᵢ)/τ
///     L  = (1/n)·Σᵢ ωᵢ·[ −log σ(zᵢ) + c·(r_c,i + r_r,i)² ]  +  (λ/2)·‖θ‖²
///
/// with margin `mᵢ` (0 when absent), temperature `τ > 0`, centering coefficient `c ≥ 0`, pair
/// weights `ωᵢ` (1 when absent) and L2 penalty `λ ≥ 0` on all trainable parameters θ.
///
/// The centering term is TRL's `center_rewards_coefficient` (`RewardTrainer.compute_loss`:
/// `loss += c · mean((rewards_chosen + rewards_rejected)²)`, from Eisenstein et al. 2023,
/// "Helping or Herding?", who use c = 0.01): it pins the otherwise free offset of the rewards near 0.
/// With τ = 1, no margins, no weights, c = 0 and λ = 0 this is exactly the mean −log σ(r_c − r_r) that
/// TRL and the benchmark peers minimize.
///
/// The derivative with respect to the rewards, with `qᵢ = σ(−zᵢ) = 1 − σ(zᵢ)` and `sᵢ = r_c,i + r_r,i`:
///
///     ∂L/∂r_c,i = (ωᵢ/n)·(−qᵢ/τ + 2c·sᵢ)
///     ∂L/∂r_r,i = (ωᵢ/n)·( qᵢ/τ + 2c·sᵢ)
///
/// and the penalty adds `λ·θ` to each parameter gradient. The derivation is in `Docs/RewardHeads.md`.
///
/// The probability the fitted head assigns to "chosen ≻ rejected" is `σ((r_c − r_r)/τ)`; margins
/// shape training only and are not part of the prediction.
public struct BradleyTerryObjective: Sendable, Equatable, Codable {
    /// `τ > 0`: the reward difference is divided by τ before the logistic function.
    public var temperature: Double
    /// `c ≥ 0`: the weight of the centering term `(r_c + r_r)²` (TRL's `center_rewards_coefficient`).
    public var centeringCoefficient: Double
    /// `λ ≥ 0`: the L2 penalty `(λ/2)·‖θ‖²` on every trainable parameter.
    public var l2Penalty: Double

    /// The objective; the defaults give the plain mean negative log-likelihood.
    public init(temperature: Double = 1, centeringCoefficient: Double = 0, l2Penalty: Double = 0) {
        precondition(temperature > 0 && temperature.isFinite, "BradleyTerryObjective temperature must be positive and finite, got \(temperature)")
        precondition(centeringCoefficient >= 0 && centeringCoefficient.isFinite,
                     "BradleyTerryObjective centering coefficient must be ≥ 0, got \(centeringCoefficient)")
        precondition(l2Penalty >= 0 && l2Penalty.isFinite, "BradleyTerryObjective L2 penalty must be ≥ 0, got \(l2Penalty)")
        self.temperature = temperature
        self.centeringCoefficient = centeringCoefficient
        self.l2Penalty = l2Penalty
    }

    /// The data part of `L` (everything but the L2 penalty) from stacked rewards `[2n]`; when
    /// `gradient` is given, writes `∂L/∂r` (without the penalty) into it.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func pairLoss<S: BLASScalar>(
        rewards: UnsafeBufferPointer<S>, margins: [S]?, weights: [S]?, gradient: UnsafeMutableBufferPointer<S>?
    ) -> Double {
        precondition(rewards.count % 2 == 0, "pairLoss: rewards must hold 2n entries, got \(rewards.count)")
        let n = rewards.count / 2
        precondition(gradient == nil || gradient!.count == rewards.count,
                     "pairLoss: gradient holds \(gradient!.count) entries for \(rewards.count) rewards")
        if n == 0 { return 0 }
        precondition(margins == nil || margins!.count == n, "pairLoss: \(margins!.count) margins for \(n) pairs")
        precondition(weights == nil || weights!.count == n, "pairLoss: \(weights!.count) weights for \(n) pairs")
        let inverseTau = S(1 / temperature)
        let c = S(centeringCoefficient)
        let scale = S(1) / S(n)
        let centering = centeringCoefficient > 0
        var total = 0.0
        for i in 0..<n {
            let rc = rewards[i], rr = rewards[n + i]
            let m = margins?[i] ?? 0
            let w = weights?[i] ?? 1
            let z = (rc - rr - m) * inverseTau
            var loss = S.softplus(-z)
            let s = rc + rr
            if centering { loss += c * s * s }
            total += Double(w * loss)
            if let gradient {
                let q = S.sigmoid(-z) * inverseTau
                let center = centering ? 2 * c * s : 0
                gradient[i] = w * scale * (center - q)
                gradient[n + i] = w * scale * (center + q)
            }
        }
        return total / Double(n)
    }

    /// The listwise (Plackett–Luce) data loss of ranked sets from the rewards of their responses:
    /// the kernel's negative log-likelihood of the scores r/τ (`PlackettLuceChoices`, the one
    /// Plackett–Luce likelihood), divided by the sets' total weight; when `gradient` is given,
    /// writes `∂L/∂r` into it. (The centering term and margins are pairwise only.)
    package func listwiseLoss<S: BLASScalar>(
        rewards: UnsafeBufferPointer<S>, choices: PlackettLuceChoices, gradient: UnsafeMutableBufferPointer<S>?
    ) -> Double {
        precondition(rewards.count == choices.dimension, "listwiseLoss: \(rewards.count) rewards for \(choices.dimension) responses")
        let total = choices.chainWeights.reduce(0, +)
        guard total > 0 else {
            if let gradient { for k in 0..<gradient.count { gradient[k] = 0 } }
            return 0
        }
        let inverseTau = 1 / temperature
        let scores = rewards.map { Double($0) * inverseTau }
        let evaluation = choices.evaluate(scores, parallel: false)
        if let gradient {
            for k in 0..<gradient.count { gradient[k] = S(evaluation.gradient[k] * inverseTau / total) }
        }
        return evaluation.negativeLogLikelihood / total
    }

    /// `(λ/2)·Σₖ‖θₖ‖²`.
    public func penalty<S: BLASScalar>(_ parameters: [Tensor<S>]) -> Double {
        guard l2Penalty > 0 else { return 0 }
        var squares = 0.0
        for p in parameters where p.count > 0 {
            let norm = Double(p.norm())
            squares += norm * norm
        }
        return 0.5 * l2Penalty * squares
    }

    /// Adds `λ·θₖ` to each gradient (BLAS `axpy`).
    public func addPenaltyGradient<S: BLASScalar>(_ parameters: [Tensor<S>], to gradients: inout [Tensor<S>]) {
        guard l2Penalty > 0 else { return }
        precondition(parameters.count == gradients.count, "addPenaltyGradient: \(parameters.count) parameters, \(gradients.count) gradients")
        for k in parameters.indices where parameters[k].count > 0 {
            gradients[k].axpy(S(l2Penalty), parameters[k])
        }
    }

    /// The log-odds `(r_c,i − r_r,i)/τ` from stacked rewards `[2n]`.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func logits<S: BLASScalar>(rewards: UnsafeBufferPointer<S>) -> [S] {
        let n = rewards.count / 2
        let inverseTau = S(1 / temperature)
        return (0..<n).map { (rewards[$0] - rewards[n + $0]) * inverseTau }
    }
}
