import Layers
import NumericCore
import PreferenceData

/// A Bradley–Terry reward head of either family, for programs that pick the family at run time
/// (the `rewardkit` tool) and for model files, which store either.
public enum RewardHead<Scalar: BLASScalar>: PairwiseTrainable, ScalarRewardModel, Sendable {
    /// `r(x) = w·x`.
    case linear(LinearRewardHead<Scalar>)
    /// `r(x) = MLP(x)`.
    case mlp(MLPRewardHead<Scalar>)

    /// The trainer trains the head on preference pairs (listwise training wraps it in `ListwiseRewardHead`).
    public typealias Batch = PairBatch<Scalar>

    /// `"linear"` or `"mlp"`.
    public var family: String {
        switch self {
        case .linear: return "linear"
        case .mlp: return "mlp"
        }
    }

    /// The feature dimension d.
    public var dimension: Int {
        switch self {
        case .linear(let head): return head.dimension
        case .mlp(let head): return head.dimension
        }
    }

    /// The objective the head was (or will be) trained with.
    public var objective: BradleyTerryObjective {
        get {
            switch self {
            case .linear(let head): return head.objective
            case .mlp(let head): return head.objective
            }
        }
        set {
            switch self {
            case .linear(var head): head.objective = newValue; self = .linear(head)
            case .mlp(var head): head.objective = newValue; self = .mlp(head)
            }
        }
    }

    /// The number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// The wrapped head's parameters.
    public var parameters: [Tensor<Scalar>] {
        get {
            switch self {
            case .linear(let head): return head.parameters
            case .mlp(let head): return head.parameters
            }
        }
        set {
            switch self {
            case .linear(var head): head.parameters = newValue; self = .linear(head)
            case .mlp(var head): head.parameters = newValue; self = .mlp(head)
            }
        }
    }

    /// `r(x)` for each row of `features` (`[m, d]`).
    public func rewards(_ features: Tensor<Scalar>) -> [Scalar] {
        switch self {
        case .linear(let head): return head.rewards(features)
        case .mlp(let head): return head.rewards(features)
        }
    }

    /// The wrapped head's loss and gradients on `batch`.
    public func lossAndGradients(on batch: PairBatch<Scalar>) -> (loss: Double, gradients: [Tensor<Scalar>]) {
        switch self {
        case .linear(let head): return head.lossAndGradients(on: batch)
        case .mlp(let head): return head.lossAndGradients(on: batch)
        }
    }

    /// The wrapped head's objective with another loss of the stacked rewards (see
    /// ``LinearRewardHead/lossAndGradients(on:pairLoss:)``).
    public func lossAndGradients(
        on batch: PairBatch<Scalar>,
        pairLoss: (UnsafeBufferPointer<Scalar>, UnsafeMutableBufferPointer<Scalar>) -> Double
    ) -> (loss: Double, gradients: [Tensor<Scalar>]) {
        switch self {
        case .linear(let head): return head.lossAndGradients(on: batch, pairLoss: pairLoss)
        case .mlp(let head): return head.lossAndGradients(on: batch, pairLoss: pairLoss)
        }
    }

    /// The wrapped head's listwise (Plackett–Luce) loss and gradients on ranked sets.
    public func lossAndGradients(on batch: RankedResponseBatch<Scalar>) -> (loss: Double, gradients: [Tensor<Scalar>]) {
        switch self {
        case .linear(let head): return head.lossAndGradients(on: batch)
        case .mlp(let head): return head.lossAndGradients(on: batch)
        }
    }

    /// The wrapped head's logits r(chosen) − r(rejected) (over the temperature) on `batch`.
    public func preferenceLogits(on batch: PairBatch<Scalar>) -> [Scalar] {
        switch self {
        case .linear(let head): return head.preferenceLogits(on: batch)
        case .mlp(let head): return head.preferenceLogits(on: batch)
        }
    }
}
