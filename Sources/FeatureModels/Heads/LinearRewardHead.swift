import NumericCore
import PreferenceData

/// A linear Bradley–Terry reward head on frozen features: `r(x) = w·x`.
///
/// A bias would cancel in every reward difference `r(x_c) − r(x_r)`, so the head has none (with the
/// centering term the optimal bias is a fixed function of `w` and is equally pointless).
/// ``BradleyTerryObjective`` defines the loss; the head's ``parameters`` are `[w]`.
///
/// Fit it full-batch with ``fit(_:solver:objective:start:)`` (L-BFGS, or Newton with a Cholesky
/// solve in Double), or by minibatches through the trainer (it conforms to `PairwiseTrainable`).
///
/// ```swift
/// let fit = try LinearRewardHead<Float>.fit(FeaturePairsView(train), solver: .lbfgs())
/// let p = fit.head.probabilities(chosen: test.chosen, rejected: test.rejected)
/// ```
public struct LinearRewardHead<Scalar: BLASScalar>: PairwiseTrainable, ScalarRewardModel, Sendable, Equatable {
    /// `w`, shape `[d]`.
    public var weights: Tensor<Scalar> {
        didSet {
            precondition(weights.shape == [dimension], "LinearRewardHead weights must have shape [\(dimension)], got \(weights.shape)")
        }
    }
    /// The objective minimized by ``lossAndGradients(on:)``.
    public var objective: BradleyTerryObjective
    /// The feature dimension d.
    public let dimension: Int

    /// A head with the given weights `[d]`.
    public init(weights: Tensor<Scalar>, objective: BradleyTerryObjective = BradleyTerryObjective()) {
        precondition(weights.rank == 1 && weights.count > 0, "LinearRewardHead weights must be a non-empty vector, got shape \(weights.shape)")
        self.dimension = weights.count
        self.weights = weights
        self.objective = objective
    }

    /// A head with `w = 0` (the convex objective's usual starting point).
    public init(dimension: Int, objective: BradleyTerryObjective = BradleyTerryObjective()) {
        precondition(dimension > 0, "LinearRewardHead dimension must be positive, got \(dimension)")
        self.init(weights: Tensor.zeros(shape: [dimension]), objective: objective)
    }

    /// The trainer trains the head on preference pairs (listwise training wraps it in `ListwiseRewardHead`).
    public typealias Batch = PairBatch<Scalar>

    /// `[w]`.
    public var parameters: [Tensor<Scalar>] {
        get { [weights] }
        set {
            precondition(newValue.count == 1, "LinearRewardHead has 1 parameter tensor, got \(newValue.count)")
            weights = newValue[0]
        }
    }

    /// `r = X·w` for the rows of `features` (`[m, d]`), one `gemv`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func rewards(_ features: Tensor<Scalar>) -> [Scalar] {
        precondition(features.rank == 2 && features.columnCount == dimension,
                     "LinearRewardHead.rewards: features \(features.shape) for dimension \(dimension)")
        return features.matvec(weights).scalars
    }

    /// The objective and `∂L/∂w = Xᵀ·(∂L/∂r) + λ·w` over the stacked batch (two `gemv`s).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func lossAndGradients(on batch: PairBatch<Scalar>) -> (loss: Double, gradients: [Tensor<Scalar>]) {
        lossAndGradients(responses: batch.responses) { rp, g in
            objective.pairLoss(rewards: rp, margins: batch.margins, weights: batch.weights, gradient: g)
        }
    }

    /// The objective with another loss of the stacked rewards: `pairLoss(r, ∂L/∂r)` returns the data
    /// part and writes its gradient; the penalty (λ/2)‖w‖² is added (``NoisyLabelHead`` uses this).
    public func lossAndGradients(
        on batch: PairBatch<Scalar>,
        pairLoss: (UnsafeBufferPointer<Scalar>, UnsafeMutableBufferPointer<Scalar>) -> Double
    ) -> (loss: Double, gradients: [Tensor<Scalar>]) {
        precondition(batch.dimension == dimension, "LinearRewardHead: batch dimension \(batch.dimension), head dimension \(dimension)")
        return lossAndGradients(responses: batch.responses, dataLoss: pairLoss)
    }

    /// The listwise (Plackett–Luce) objective of ranked sets and its gradient (see
    /// ``BradleyTerryObjective``'s listwise loss), through the same forward and backward pass.
    public func lossAndGradients(on batch: RankedResponseBatch<Scalar>) -> (loss: Double, gradients: [Tensor<Scalar>]) {
        lossAndGradients(responses: batch.responses) { rp, g in
            objective.listwiseLoss(rewards: rp, choices: batch.choices, gradient: g)
        }
    }

    /// The objective from a data loss on the rewards of `responses` (which writes ∂L/∂r), plus the penalty.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func lossAndGradients(
        responses: Tensor<Scalar>, dataLoss: (UnsafeBufferPointer<Scalar>, UnsafeMutableBufferPointer<Scalar>) -> Double
    ) -> (loss: Double, gradients: [Tensor<Scalar>]) {
        precondition(responses.columnCount == dimension, "LinearRewardHead: batch dimension \(responses.columnCount), head dimension \(dimension)")
        let r = responses.matvec(weights)
        var dr = [Scalar](repeating: 0, count: r.count)
        let loss = r.scalars.withUnsafeBufferPointer { rp in
            dr.withUnsafeMutableBufferPointer { g in dataLoss(rp, g) }
        }
        var gradients = [responses.matvec(Tensor(dr), transposed: true)]
        objective.addPenaltyGradient(parameters, to: &gradients)
        return (loss + objective.penalty(parameters), gradients)
    }

    /// `(r_c,i − r_r,i)/τ`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func preferenceLogits(on batch: PairBatch<Scalar>) -> [Scalar] {
        let r = batch.responses.matvec(weights)
        return r.scalars.withUnsafeBufferPointer { objective.logits(rewards: $0) }
    }
}
