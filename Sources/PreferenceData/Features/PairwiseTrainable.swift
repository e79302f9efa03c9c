import NumericCore

/// A model that the minibatch trainer (`PairwiseTrainer` in Training) can fit: a list of
/// trainable tensors, a differentiable objective on a ``PairBatch``, and the log-odds it assigns
/// to each pair for validation.
///
/// Conforming is all a model needs to join the trainer — seeded shuffling, epochs, validation,
/// early stopping with best-weights restore, learning-rate schedules, gradient clipping, observers
/// and the fit report come for free. `Docs/Trainer.md` walks through a conformance.
///
/// Contract:
/// - ``lossAndGradients(on:)`` returns the minibatch objective `L(θ; batch)` (including any
///   penalty the model owns) and `∂L/∂θₖ` for every tensor of ``parameters``, same order and
///   shapes.
/// - ``preferenceLogits(on:)`` returns `sᵢ = log P(chosenᵢ ≻ rejectedᵢ) − log P(rejectedᵢ ≻ chosenᵢ)`
///   for each pair, so `P = σ(sᵢ)`, the negative log-likelihood is `softplus(−sᵢ)` and the pair is
///   ranked correctly when `sᵢ > 0`.
/// - Both are pure functions of ``parameters`` and the batch (no hidden randomness), so a seeded
///   trainer run is reproducible.
public protocol PairwiseTrainable<Scalar>: MinibatchTrainable where Batch == PairBatch<Scalar> {
    /// The minibatch objective and its gradient with respect to each tensor of ``parameters``.
    func lossAndGradients(on batch: PairBatch<Scalar>) -> (loss: Double, gradients: [Tensor<Scalar>])

    /// The log-odds `sᵢ` of `P(chosenᵢ ≻ rejectedᵢ)` for each pair of the batch.
    func preferenceLogits(on batch: PairBatch<Scalar>) -> [Scalar]
}
