import Layers
import NumericCore
import PreferenceData

/// A fitted mixture of K Bradley–Terry reward models with per-user responsibilities, as returned
/// by ``BradleyTerryMixture/fit(_:)``.
///
/// - Known user `u`: `P(c ≻ r | u) = Σ_k γ_uk σ(r_k(c) − r_k(r))`.
/// - Unseen user with a few comparisons: responsibilities from Bayes' rule with prior `π`
///   (``posterior(chosen:rejected:)``), then the same formula; with none, `γ = π`.
/// - MaxMin (egalitarian) aggregate reward: `r_min(x) = min_k r_k(x)`.
public struct BradleyTerryMixtureModel<Scalar: BLASScalar>: Sendable {
    /// The component reward heads `r_k` (a linear head is a one-layer MLP without bias).
    public var components: [MLP<Scalar>]
    /// `π_k`.
    public var mixingWeights: [Scalar]
    /// `γ_uk` (U×K) for the users of ``users``.
    public var responsibilities: Tensor<Scalar>
    /// The users the responsibilities refer to.
    public var users: UserTable
    /// Hard or soft assignment, as fitted.
    public var assignment: BradleyTerryMixture<Scalar>.Assignment
    /// The EM objective after every E-step (non-decreasing).
    public var logLikelihoodTrace: [Scalar]
    /// Solver iterations summed over the components, per M-step.
    public var mStepIterations: [Int]
    /// The final objective of every restart (the kept fit has the largest).
    public var restartObjectives: [Scalar]

    /// The number of components K.
    public var componentCount: Int { components.count }
    /// The number of EM iterations run.
    public var iterations: Int { logLikelihoodTrace.count }
    /// `argmax_k γ_uk` per user (ties to the lowest k).
    public var assignments: [Int] {
        let K = componentCount
        return (0..<responsibilities.rowCount).map { u in
            var best = 0
            for k in 1..<K where responsibilities[u, k] > responsibilities[u, best] { best = k }
            return best
        }
    }

    /// The linear components' weights as a K×d matrix, or `nil` for MLP heads.
    public var linearWeights: Tensor<Scalar>? {
        guard components.allSatisfy({ $0.layers.count == 1 && $0.layers[0].bias == nil }) else { return nil }
        return Tensor.concatenate(components.map { $0.layers[0].weight.transposed() })
    }

    /// `r_k(x)` for every row of `x` (n×d) and component: n×K.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func rewards(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
        if let W = linearWeights { return x.matmul(W, transposeOther: true) }
        return Tensor.concatenate(components.map { $0(x) }, axis: 1)
    }

    /// The MaxMin aggregate `min_k r_k(x)` per row.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func maxMinRewards(_ x: Tensor<Scalar>) -> [Scalar] {
        let r = rewards(x)
        return (0..<r.rowCount).map { i in r.rowArray(i).min()! }
    }

    /// `z_nk = r_k(c_n) − r_k(r_n)` (n×K).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func margins(chosen: Tensor<Scalar>, rejected: Tensor<Scalar>) -> Tensor<Scalar> {
        Self.margins(components, chosen: chosen, rejected: rejected, differences: nil)
    }

    static func margins(_ components: [MLP<Scalar>], chosen: Tensor<Scalar>?, rejected: Tensor<Scalar>?,
                        differences: Tensor<Scalar>?) -> Tensor<Scalar> {
        let linear = components.allSatisfy { $0.layers.count == 1 && $0.layers[0].bias == nil }
        if linear {
            let W = Tensor.concatenate(components.map { $0.layers[0].weight }, axis: 1)  // d×K
            if let differences { return differences.matmul(W) }
            return (chosen! - rejected!).matmul(W)
        }
        guard let chosen, let rejected else { preconditionFailure("margins: MLP components need chosen and rejected features") }
        precondition(chosen.shape == rejected.shape, "margins: chosen \(chosen.shape) and rejected \(rejected.shape) differ")
        let stacked = Tensor.concatenate([chosen, rejected])
        let n = chosen.rowCount
        let columns = components.map { head -> Tensor<Scalar> in
            let r = head(stacked)
            return Tensor(shape: [n, 1], scalars: (0..<n).map { r.scalars[$0] - r.scalars[n + $0] })
        }
        return Tensor.concatenate(columns, axis: 1)
    }

    /// `P(c ≻ r | u) = Σ_k γ_uk σ(z_k)` for known users; a user index outside ``users`` uses `π`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func preferenceProbabilities(chosen: Tensor<Scalar>, rejected: Tensor<Scalar>, users ids: [Int]) -> [Scalar] {
        precondition(ids.count == chosen.rowCount, "preferenceProbabilities: \(ids.count) users for \(chosen.rowCount) pairs")
        let Z = margins(chosen: chosen, rejected: rejected)
        let K = componentCount
        return ids.indices.map { i in
            let u = ids[i]
            var p: Scalar = 0
            for k in 0..<K {
                let weight = (u >= 0 && u < responsibilities.rowCount) ? responsibilities[u, k] : mixingWeights[k]
                p += weight * Scalar.sigmoid(Z.scalars[i * K + k])
            }
            return p
        }
    }

    /// A new user's responsibilities from their comparisons, every other parameter frozen:
    /// `γ_k ∝ π_k Π_n σ(z_nk)`, computed as `softmax_k(log π_k + Σ_n log σ(z_nk))` (soft, whatever
    /// the fitted assignment; the few-shot posterior). No comparisons give `γ = π`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func posterior(chosen: Tensor<Scalar>, rejected: Tensor<Scalar>) -> [Scalar] {
        let K = componentCount
        var logits = mixingWeights.map { $0 > 0 ? Scalar.log($0) : -Scalar.infinity }
        if chosen.rowCount > 0 {
            let Z = margins(chosen: chosen, rejected: rejected)
            for i in 0..<Z.rowCount { for k in 0..<K { logits[k] += Scalar.logSigmoid(Z.scalars[i * K + k]) } }
        }
        return softmax(logits)
    }

    /// `P(c ≻ r)` for a user with responsibilities `gamma`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func preferenceProbabilities(chosen: Tensor<Scalar>, rejected: Tensor<Scalar>, responsibilities gamma: [Scalar]) -> [Scalar] {
        precondition(gamma.count == componentCount, "\(gamma.count) responsibilities for \(componentCount) components")
        let Z = margins(chosen: chosen, rejected: rejected)
        let K = componentCount
        return (0..<Z.rowCount).map { i in
            var p: Scalar = 0
            for k in 0..<K { p += gamma[k] * Scalar.sigmoid(Z.scalars[i * K + k]) }
            return p
        }
    }
}
