import RealModule
import Layers
import NumericCore
import PreferenceData

/// The shared projector `f` (and PAL-B's prompt maps `g_k`) of the PAL models.
public enum PALProjector: Sendable, Equatable {
    /// `f(x) = x·W` (no bias), `W` of shape d×m.
    case linear(outputSize: Int)
    /// An MLP `d → hidden… → m` with biases and the given activation.
    case mlp(hiddenSizes: [Int], outputSize: Int, activation: Activation = .relu)

    /// The output size m.
    public var outputSize: Int {
        switch self {
        case .linear(let m): return m
        case .mlp(_, let m, _): return m
        }
    }

    /// A freshly initialized network from `inputSize` features.
    public func make<Scalar: BLASScalar, G: RandomNumberGenerator>(inputSize: Int, using generator: inout G) -> MLP<Scalar> {
        switch self {
        case .linear(let m):
            return MLP(widths: [inputSize, m], outputBias: false, using: &generator)
        case .mlp(let hidden, let m, let activation):
            return MLP(widths: [inputSize] + hidden + [m], activation: activation, using: &generator)
        }
    }
}

/// What PAL-A and PAL-B have in common: per-user mixture weights `w_i = softmax(u_i)` over K
/// prototypes, a differentiable minibatch loss, and per-pair preference probabilities.
///
/// The parameters are listed as tensors in a fixed order so a first-order trainer can update them;
/// ``userLogitsIndex`` says which tensor holds the U×K user logits (the only one a few-shot fit of
/// a new user changes).
public protocol PluralisticPreferenceModel<Scalar>: PairwiseTrainable {
    /// The position of the U×K user-logit matrix in `parameters` (`PairwiseTrainable`).
    var userLogitsIndex: Int { get }
    /// K.
    var prototypeCount: Int { get }
}

extension PluralisticPreferenceModel {
    /// The U×K user logits `u`.
    public var userLogits: Tensor<Scalar> {
        get { parameters[userLogitsIndex] }
        set {
            var p = parameters
            precondition(newValue.columnCount == prototypeCount && newValue.rank == 2,
                         "user logits must be U×\(prototypeCount), got \(newValue.shape)")
            p[userLogitsIndex] = newValue
            parameters = p
        }
    }

    /// The mixture weights `w_i = softmax(u_i)` of every user (U×K).
    public var userWeights: Tensor<Scalar> { userLogits.softmax() }

    /// `P(chosen ≻ rejected | user) = σ(sᵢ)` per pair, from `PairwiseTrainable.preferenceLogits(on:)`.
    public func preferenceProbabilities(_ pairs: FeaturePairs<Scalar>) -> [Scalar] {
        preferenceLogits(on: FeaturePairsView(pairs).batch).map { Scalar.sigmoid($0) }
    }

    /// The number of users U.
    public var userCount: Int { parameters[userLogitsIndex].rowCount }

    /// `argmax_k w_ik` per user (the discovered component).
    public var dominantPrototypes: [Int] {
        let w = userLogits
        return (0..<w.rowCount).map { u in
            let row = w.rowArray(u)
            return row.indices.max { row[$0] < row[$1] }!
        }
    }
}

/// Per-row helpers shared by the PAL losses.
enum PALMath {
    /// The user ids of a batch (required), checked against `userCount`.
    static func userIDs<Scalar>(_ batch: PairBatch<Scalar>, userCount: Int) -> [Int] {
        guard let ids = batch.users else {
            preconditionFailure("PAL models need user ids on every pair (PairBatch.users is nil)")
        }
        for u in ids { precondition(u >= 0 && u < userCount, "user id \(u) out of range 0..<\(userCount)") }
        return ids
    }

    /// ∂L/∂u for `w = softmax(u)` row by row: `∂L/∂u_ij = w_ij (∂L/∂w_ij − Σ_k w_ik ∂L/∂w_ik)`,
    /// accumulated into the rows of `userGradient` named by `ids`.
    static func accumulateSoftmaxBackward<Scalar: BLASScalar>(
        weights: Tensor<Scalar>, weightGradient: Tensor<Scalar>, ids: [Int], into userGradient: inout Tensor<Scalar>
    ) {
        let K = weights.columnCount
        for (b, u) in ids.enumerated() {
            var inner: Scalar = 0
            for k in 0..<K { inner += weights.scalars[b * K + k] * weightGradient.scalars[b * K + k] }
            for k in 0..<K {
                userGradient.scalars[u * K + k] += weights.scalars[b * K + k] * (weightGradient.scalars[b * K + k] - inner)
            }
        }
    }

    /// Small random logits N(0, 0.01²) to break the symmetry between prototypes.
    static func initialLogits<Scalar: BLASScalar, G: RandomNumberGenerator>(users: Int, k: Int, using generator: inout G) -> Tensor<Scalar> {
        Tensor.randomNormal(shape: [users, k], standardDeviation: 0.01, using: &generator)
    }
}
