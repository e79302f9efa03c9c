import RealModule
import Layers
import NumericCore
import PreferenceData

/// PAL-A, the ideal-point model of Chen et al. 2024 ("PAL: Pluralistic alignment framework").
///
/// A shared projector `f : R^d → R^m`, K prototypes `p_k ∈ R^d` and per-user logits `u_i ∈ R^K`
/// with weights `w_i = softmax(u_i)`. User `i`'s ideal point is the mixture of the projected
/// prototypes
///
///     a_i = Σ_k w_ik f(p_k)
///
/// (the reference code's "f(P)w" variant; with a linear `f` it equals `f(Σ_k w_ik p_k)`). This
/// choice keeps the set of ideal points the convex hull of K points, costs one projection of the
/// prototypes per batch, and makes a new user's objective smooth in `w`. The user prefers the
/// response closer to the ideal point; with squared distances the preference score is
///
///     δ = ‖f(x_r) − a_i‖² − ‖f(x_c) − a_i‖²        (δ > 0: the chosen response is closer),
///
/// and the loss is `softplus(−δ) = −log σ(δ)` (logistic, `P(c ≻ r) = σ(δ)`) or `max(0, μ − δ)`
/// (hinge). Gradients, with `g = ∂loss/∂δ`:
/// `∂/∂f(x_c) = −2g(f(x_c) − a)`, `∂/∂f(x_r) = 2g(f(x_r) − a)`, `∂/∂a = 2g(f(x_c) − f(x_r))`,
/// `∂/∂f(p_k) = Σ_b w_bk ∂/∂a_b`, `∂/∂w_bk = f(p_k)·∂/∂a_b`, then the softmax and `f`'s backward.
///
/// ```swift
/// var rng = SeededGenerator(seed: 1)
/// var pal = PALIdealPointModel<Double>(inputSize: 16, projector: .linear(outputSize: 8),
///                                       prototypeCount: 3, userCount: 50, using: &rng)
/// let (loss, grads) = pal.lossAndGradients(on: PairBatch(chosen: xc, rejected: xr, users: ids))
/// ```
public struct PALIdealPointModel<Scalar: BLASScalar>: PluralisticPreferenceModel {
    /// The loss on the distance difference `δ`.
    public enum Loss: Sendable, Equatable {
        /// `softplus(−δ)`; `P(c ≻ r) = σ(δ)`.
        case logistic
        /// `max(0, margin − δ)`; predictions use `σ(δ)` as a score.
        case hinge(margin: Scalar)
    }

    /// The shared projector `f`.
    public var projector: MLP<Scalar>
    /// `P` (K×d): the prototypes in feature space.
    public var prototypes: Tensor<Scalar>
    /// `u` (U×K).
    public var logits: Tensor<Scalar>
    /// The loss on `δ`.
    public var loss: Loss

    /// A randomly initialized model: `f` by its layers' initializers, prototypes `N(0, 1)`, logits `N(0, 0.01²)`.
    public init<G: RandomNumberGenerator>(
        inputSize: Int, projector: PALProjector, prototypeCount: Int, userCount: Int, loss: Loss = .logistic,
        using generator: inout G
    ) {
        precondition(inputSize > 0 && prototypeCount > 0 && userCount > 0,
                     "PAL-A needs positive sizes, got d = \(inputSize), K = \(prototypeCount), U = \(userCount)")
        self.projector = projector.make(inputSize: inputSize, using: &generator)
        self.prototypes = Tensor.randomNormal(shape: [prototypeCount, inputSize], using: &generator)
        self.logits = PALMath.initialLogits(users: userCount, k: prototypeCount, using: &generator)
        self.loss = loss
    }

    /// K, the number of prototypes.
    public var prototypeCount: Int { prototypes.rowCount }
    /// The index of the user-logit matrix in `parameters`.
    public var userLogitsIndex: Int { projector.parameters.count + 1 }

    /// `f`'s tensors, then `P`, then `u`.
    public var parameters: [Tensor<Scalar>] {
        get { projector.parameters + [prototypes, logits] }
        set {
            let n = projector.parameters.count
            precondition(newValue.count == n + 2, "PAL-A has \(n + 2) parameter tensors, got \(newValue.count)")
            projector.parameters = Array(newValue[0..<n])
            precondition(newValue[n].shape == prototypes.shape && newValue[n + 1].columnCount == prototypes.rowCount,
                         "PAL-A prototypes \(newValue[n].shape) / logits \(newValue[n + 1].shape) do not match K = \(prototypeCount)")
            prototypes = newValue[n]
            logits = newValue[n + 1]
        }
    }

    /// The ideal points `a_i` of all users (U×m).
    public var idealPoints: Tensor<Scalar> { userWeights.matmul(projector(prototypes)) }

    /// The user's reward `r_i(x) = −‖f(x) − a_i‖²` for each row of `x` and the user of that row.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func rewards(_ x: Tensor<Scalar>, users ids: [Int]) -> [Scalar] {
        let F = projector(x)
        let A = idealPoints
        let m = F.columnCount
        return ids.indices.map { b in
            var s: Scalar = 0
            for j in 0..<m { let v = F.scalars[b * m + j] - A.scalars[ids[b] * m + j]; s += v * v }
            return -s
        }
    }

    /// `δ = ‖f(x_r) − a_i‖² − ‖f(x_c) − a_i‖²` per pair (the log-odds of `P(c ≻ r) = σ(δ)`).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func preferenceLogits(on batch: PairBatch<Scalar>) -> [Scalar] {
        let ids = PALMath.userIDs(batch, userCount: logits.rowCount)
        let n = batch.count
        let r = rewards(batch.responses, users: ids + ids)
        return (0..<n).map { r[$0] - r[n + $0] }
    }

    /// The mean loss `(1/n) Σᵢ ωᵢ·loss(δᵢ)` (ωᵢ = 1 without batch weights) and its gradients.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func lossAndGradients(on batch: PairBatch<Scalar>) -> (loss: Double, gradients: [Tensor<Scalar>]) {
        let ids = PALMath.userIDs(batch, userCount: logits.rowCount)
        let B = batch.count, K = prototypeCount
        precondition(B > 0, "PAL-A loss on an empty batch")
        // One pass of f over [X_c; X_r; P].
        let stacked = Tensor.concatenate([batch.responses, prototypes])
        let (F, cache) = projector.forward(stacked)
        let m = F.columnCount
        let weights = logits.gatherRows(ids).softmax()                                    // B×K
        let Q = Tensor(shape: [K, m], scalars: Array(F.scalars[(2 * B * m)...]))          // f(P)
        let A = weights.matmul(Q)                                                         // B×m
        var upstream = Tensor<Scalar>.zeros(shape: [2 * B + K, m])
        var dA = Tensor<Scalar>.zeros(shape: [B, m])
        var totalWeighted: Scalar = 0
        let pairWeights = batch.weights
        let inverseB = 1 / Scalar(B)
        F.scalars.withUnsafeBufferPointer { f in
            A.scalars.withUnsafeBufferPointer { a in
                upstream.scalars.withUnsafeMutableBufferPointer { up in
                    dA.scalars.withUnsafeMutableBufferPointer { da in
                        for b in 0..<B {
                            let c = b * m, r = (B + b) * m, ab = b * m
                            var dc: Scalar = 0, dr: Scalar = 0
                            for j in 0..<m {
                                let ec = f[c + j] - a[ab + j], er = f[r + j] - a[ab + j]
                                dc += ec * ec
                                dr += er * er
                            }
                            let delta = dr - dc
                            var g: Scalar
                            let lastLoss: Scalar
                            switch loss {
                            case .logistic:
                                lastLoss = Scalar.softplus(-delta)
                                g = -Scalar.sigmoid(-delta)
                            case .hinge(let margin):
                                let slack = margin - delta
                                lastLoss = slack > 0 ? slack : 0
                                g = slack > 0 ? -1 : 0
                            }
                            g *= inverseB * (pairWeights?[b] ?? 1)
                            totalWeighted += (pairWeights?[b] ?? 1) * lastLoss
                            for j in 0..<m {
                                up[c + j] = -2 * g * (f[c + j] - a[ab + j])
                                up[r + j] = 2 * g * (f[r + j] - a[ab + j])
                                da[ab + j] = 2 * g * (f[c + j] - f[r + j])
                            }
                        }
                    }
                }
            }
        }
        // a = w·Q: ∂Q = wᵀ·∂A, ∂w = ∂A·Qᵀ.
        let dQ = weights.matmul(dA, transposeSelf: true)
        for i in 0..<(K * m) { upstream.scalars[2 * B * m + i] = dQ.scalars[i] }
        let dW = dA.matmul(Q, transposeOther: true)
        var dLogits = Tensor<Scalar>.zeros(shape: logits.shape)
        PALMath.accumulateSoftmaxBackward(weights: weights, weightGradient: dW, ids: ids, into: &dLogits)
        let (dInput, projectorGradients) = projector.backward(upstream, cache: cache)
        let dInputDim = dInput.columnCount
        let dPrototypes = Tensor(shape: [K, dInputDim], scalars: Array(dInput.scalars[(2 * B * dInputDim)...]))
        return (Double(totalWeighted * inverseB), projectorGradients + [dPrototypes, dLogits])
    }
}
