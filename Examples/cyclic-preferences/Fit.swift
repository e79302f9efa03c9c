import RewardKit

/// Trains a pairwise model with the shared trainer: Adam (learning rate 3e-3), batch 256.
func fit<M: PairwiseTrainable>(_ model: M, on pairs: FeaturePairsView<Float>, epochs: Int, seed: UInt64) -> M
where M.Scalar == Float {
    var model = model
    var adam = Adam<Float>(learningRate: 3e-3)
    let trainer = PairwiseTrainer(configuration: .init(epochs: epochs, batchSize: 256, seed: seed))
    _ = trainer.fit(&model, on: pairs, optimizer: &adam)
    return model
}
