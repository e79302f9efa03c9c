import NumericCore

/// A data set the minibatch trainer (`PairwiseTrainer` in Training) draws batches from: `count`
/// units (preference pairs, ranked response sets) and a batch refilled with the units at given
/// indices each step.
public protocol MinibatchSource<Batch> {
    /// The batch type the source fills.
    associatedtype Batch
    /// The number of units.
    var count: Int { get }
    /// An empty batch for the trainer to refill (its storage is reused between steps).
    func emptyBatch() -> Batch
    /// Overwrites `batch` with the units at `indices`.
    func fill(_ batch: inout Batch, indices: ArraySlice<Int>)
}

/// A model the minibatch trainer can fit on batches of type `Batch`: trainable tensors and a
/// differentiable minibatch objective. ``PairwiseTrainable`` models train on ``PairBatch``es;
/// listwise reward heads train on ``RankedResponseBatch``es with the same trainer.
public protocol MinibatchTrainable<Scalar, Batch>: Sendable {
    /// The scalar type of the features and the parameters.
    associatedtype Scalar: BLASScalar
    /// The batch type the objective is evaluated on.
    associatedtype Batch
    /// The trainable tensors in a fixed order. Setting requires the same shapes.
    var parameters: [Tensor<Scalar>] { get set }
    /// The minibatch objective and its gradient with respect to each tensor of ``parameters``.
    func lossAndGradients(on batch: Batch) -> (loss: Double, gradients: [Tensor<Scalar>])
}

extension FeaturePairsView: MinibatchSource {
    /// An empty batch of this view's dimension.
    public func emptyBatch() -> PairBatch<Scalar> { PairBatch(responses: Tensor.zeros(shape: [0, chosen.columnCount])) }
    /// Fills `batch` with the pairs at `indices` (``PairBatch/fill(from:indices:)``).
    public func fill(_ batch: inout PairBatch<Scalar>, indices: ArraySlice<Int>) { batch.fill(from: self, indices: indices) }
}
