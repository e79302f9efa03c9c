@testable import FeatureModels
@testable import Layers
@testable import NumericCore
@testable import PreferenceData

/// Small seeded pairs for gradient checks: responses N(0, 1), margins U(−0.5, 0.5), weights U(0.5, 1.5).
func randomBatch(pairs n: Int, dimension d: Int, seed: UInt64, margins: Bool = false, weights: Bool = false) -> PairBatch<Double> {
    var rng = SeededGenerator(seed: seed)
    let chosen = Tensor<Double>.randomNormal(shape: [n, d], using: &rng)
    let rejected = Tensor<Double>.randomNormal(shape: [n, d], using: &rng)
    let m: [Double]? = margins ? (0..<n).map { _ in rng.nextOpenUnit() - 0.5 } : nil
    let w: [Double]? = weights ? (0..<n).map { _ in rng.nextOpenUnit() + 0.5 } : nil
    return PairBatch(chosen: chosen, rejected: rejected, margins: m, weights: w)
}

/// The view of a batch's pairs (chosen rows first, rejected rows second).
func view(of batch: PairBatch<Double>) -> FeaturePairsView<Double> {
    let n = batch.count
    return FeaturePairsView(chosen: batch.responses.gatherRows(0..<n), rejected: batch.responses.gatherRows(n..<(2 * n)),
                            margins: batch.margins, weights: batch.weights)
}

/// Flattens a model's parameters and sets them back, for finite differences over every scalar.
func flatParameters<M: PairwiseTrainable>(_ model: M) -> [Double] where M.Scalar == Double {
    model.parameters.flatMap(\.scalars)
}

func withFlatParameters<M: PairwiseTrainable>(_ model: M, _ flat: [Double]) -> M where M.Scalar == Double {
    var copy = model
    let layout = ParameterVector<Double>(describing: model.parameters)
    copy.parameters = layout.unflatten(flat)
    return copy
}

/// The objectives the gradient checks sweep: plain, margin-free with temperature, centered, penalized.
let objectivesUnderTest: [BradleyTerryObjective] = [
    BradleyTerryObjective(),
    BradleyTerryObjective(temperature: 0.5),
    BradleyTerryObjective(temperature: 2, centeringCoefficient: 0.1),
    BradleyTerryObjective(temperature: 0.7, centeringCoefficient: 0.01, l2Penalty: 0.05),
]
