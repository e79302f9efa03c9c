import Foundation
import FileFormats
import NumericCore
import PreferenceData
import RewardKitInternals

/// A reward head (linear or MLP) trained with a per-annotator reliability η_a: the noisy
/// Bradley–Terry likelihood of `NoisyBradleyTerry` (ItemModels) on feature pairs, as a
/// ``PairwiseTrainable`` that the one trainer (`PairwiseTrainer`) fits like any head.
///
/// For pair i labelled by annotator a, with zᵢ = (r(x_c) − r(x_r) − mᵢ)/τ and η_a = σ(u_a):
///
///     ℓᵢ = −log(η_a·σ(zᵢ) + (1 − η_a)·σ(−zᵢ)) + c·(r_c + r_r)²
///     L  = (1/n)·Σᵢ ωᵢ·ℓᵢ − (1/N)·Σ_a [a·log σ(u_a) + b·log σ(−u_a)] + (λ/2)‖θ‖²
///
/// over a minibatch of n of the N training pairs (so the minibatch objective is unbiased for the
/// full-data one), the logistic-Beta(a, b) prior of Docs/Annotators.md keeping every η_a inside
/// (0, 1). With Pᵢ the bracket and qᵢ = σ(z)σ(−z):
///
///     ∂ℓᵢ/∂zᵢ = −(2η_a − 1)·qᵢ/Pᵢ,   ∂ℓᵢ/∂u_a = −(σ(zᵢ) − σ(−zᵢ))·η_a(1 − η_a)/Pᵢ.
///
/// The reliabilities are trained as v = u/s (s = ``reliabilityScale``, default 20) so that Adam's
/// step of about one learning rate per parameter moves u by s learning rates: an annotator's η can
/// travel from the start 0.9 to below 0.5 within an epoch. The head's own logits (``preferenceLogits(on:)``)
/// are the careful annotator's, so validation and accuracy measure the clean reward. Position biases
/// (β) are not part of the head model: feature pairs do not record which response was shown first.
public struct NoisyLabelHead<Scalar: BLASScalar>: PairwiseTrainable, Sendable {
    /// The reward head (its objective gives τ, c and λ; margins and weights come from the batch).
    public var head: RewardHead<Scalar>
    /// v, one entry per annotator: u_a = s·v_a, η_a = σ(u_a).
    public var reliabilityParameters: Tensor<Scalar>
    /// s in u = s·v.
    public let reliabilityScale: Double
    /// (a, b) of the logistic-Beta prior on each u_a.
    public let reliabilityPrior: (a: Double, b: Double)
    /// N, the number of training pairs (the prior's weight is 1/N per pair).
    public let pairCount: Int

    /// A noisy head over `annotatorCount` annotators, every η starting at `initialReliability`.
    public init(head: RewardHead<Scalar>, annotatorCount: Int, pairCount: Int, reliabilityPrior: (a: Double, b: Double) = (9, 1),
                initialReliability: Double = 0.9, reliabilityScale: Double = 20) {
        precondition(annotatorCount >= 1 && pairCount >= 1, "NoisyLabelHead needs annotators and pairs, got \(annotatorCount), \(pairCount)")
        precondition(reliabilityPrior.a > 0 && reliabilityPrior.b > 0, "the reliability prior needs a, b > 0, got \(reliabilityPrior)")
        precondition(initialReliability > 0 && initialReliability < 1 && reliabilityScale > 0,
                     "initial reliability must be in (0, 1) and the scale > 0, got \(initialReliability), \(reliabilityScale)")
        self.head = head
        self.reliabilityScale = reliabilityScale
        self.reliabilityPrior = reliabilityPrior
        self.pairCount = pairCount
        let u = log(initialReliability / (1 - initialReliability))
        reliabilityParameters = Tensor(shape: [annotatorCount], scalars: [Scalar](repeating: Scalar(u / reliabilityScale), count: annotatorCount))
    }

    /// A noisy head for `pairs`, whose users are the annotators.
    ///
    /// - Throws: `DataError` (missing column `user`) when the pairs name no users.
    public init(head: RewardHead<Scalar>, pairs: FeaturePairs<Scalar>, reliabilityPrior: (a: Double, b: Double) = (9, 1))
        throws(DataError) {
        guard pairs.userIDs != nil else { throw DataError(file: "users", reason: .missingColumn("user")) }
        self.init(head: head, annotatorCount: Swift.max(pairs.users.count, 1), pairCount: pairs.count, reliabilityPrior: reliabilityPrior)
    }

    /// η_a for every annotator.
    public var reliabilities: [Double] {
        reliabilityParameters.scalars.map { Double.sigmoid(reliabilityScale * Double($0)) }
    }

    /// The head's parameters, then v.
    public var parameters: [Tensor<Scalar>] {
        get { head.parameters + [reliabilityParameters] }
        set {
            head.parameters = Array(newValue.dropLast())
            reliabilityParameters = newValue[newValue.count - 1]
        }
    }

    /// L and its gradient (the head's tensors through its own backward pass, then v).
    public func lossAndGradients(on batch: PairBatch<Scalar>) -> (loss: Double, gradients: [Tensor<Scalar>]) {
        guard let users = batch.users else { preconditionFailure("NoisyLabelHead: the batch has no users (annotators)") }
        let s = reliabilityScale
        let u = reliabilityParameters.scalars.map { s * Double($0) }
        var gv = [Double](repeating: 0, count: u.count)
        let objective = head.objective
        let inverseTau = 1 / objective.temperature, c = objective.centeringCoefficient
        var (loss, gradients) = head.lossAndGradients(on: batch) { rewards, g in
            let n = rewards.count / 2
            var total = 0.0
            for i in 0..<n {
                let a = users[i]
                precondition(a >= 0 && a < u.count, "NoisyLabelHead: user \(a) outside 0..<\(u.count)")
                let rc = Double(rewards[i]), rr = Double(rewards[n + i])
                let m = batch.margins.map { Double($0[i]) } ?? 0, w = batch.weights.map { Double($0[i]) } ?? 1
                let z = (rc - rr - m) * inverseTau
                let term = noisyLabelTerm(difference: z, eta: Double.sigmoid(u[a]), etaBar: Double.sigmoid(-u[a]),
                                          logEta: Double.logSigmoid(u[a]), logEtaBar: Double.logSigmoid(-u[a]))
                let sum = rc + rr
                total += w * (-(term.logProbability ?? log(term.probability)) + c * sum * sum)
                let center = 2 * c * sum
                g[i] = Scalar(w / Double(n) * (term.dDifference * inverseTau + center))
                g[n + i] = Scalar(w / Double(n) * (-term.dDifference * inverseTau + center))
                gv[a] += w / Double(n) * term.dLogit * s
            }
            return total / Double(n)
        }
        let (pa, pb) = reliabilityPrior
        let scale = 1 / Double(pairCount)
        for a in u.indices {
            loss -= scale * (pa * Double.logSigmoid(u[a]) + pb * Double.logSigmoid(-u[a]))
            gv[a] += scale * (-pa * Double.sigmoid(-u[a]) + pb * Double.sigmoid(u[a])) * s
        }
        gradients.append(Tensor(shape: [u.count], scalars: gv.map { Scalar($0) }))
        return (loss, gradients)
    }

    /// The head's logits (r_c − r_r)/τ: the careful annotator's log-odds.
    public func preferenceLogits(on batch: PairBatch<Scalar>) -> [Scalar] { head.preferenceLogits(on: batch) }
}
