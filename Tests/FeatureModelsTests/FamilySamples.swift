import Foundation
@testable import FeatureModels
@testable import FileFormats
@testable import Layers
@testable import NumericCore
@testable import PreferenceData

/// One small model of every feature/item family, built deterministically, with the predictions used
/// to compare a model with one read back from a file. The committed fixtures under `Fixtures/`
/// were written from these models by the version before the unified MLP coding (format version 1).
enum FamilySamples {
    static let dimension = 6
    static let users = 3

    /// A model file of every family, keyed by the fixture's file stem.
    static func modelFiles() -> [(name: String, file: ModelFile)] {
        var rng = SeededGenerator(seed: 41)
        let heads = sampleHeads(Float.self)
        var files: [(String, ModelFile)] = [("reward-head-linear", heads[0].modelFile()), ("reward-head-mlp", heads[1].modelFile())]
        files.append(("gpm-features", featureGPM(&rng).modelFile()))
        files.append(("gpm-items", itemGPM(&rng).modelFile()))
        files.append(("maxmin-em", maxMin(&rng).modelFile))
        files.append(("pal-a", palA(&rng).modelFile))
        files.append(("pal-b", palB(&rng).modelFile))
        return files
    }

    static func randomized<S: BLASScalar, G: RandomNumberGenerator>(_ net: MLP<S>, _ rng: inout G) -> MLP<S> {
        var net = net
        net.parameters = net.parameters.map { Tensor.randomNormal(shape: $0.shape, using: &rng) }
        return net
    }

    static func featureGPM<G: RandomNumberGenerator>(_ rng: inout G) -> FeatureGPM<Float> {
        var model = FeatureGPM<Float>(featureCount: dimension, hiddenSizes: [5], activation: .tanh,
                                      configuration: GPMConfiguration(dimension: 4, eigenvalues: .learned), using: &rng)
        model.parameters = model.parameters.map { Tensor.randomNormal(shape: $0.shape, using: &rng) }
        return model
    }

    static func itemGPM<G: RandomNumberGenerator>(_ rng: inout G) -> ItemGPMModel {
        let configuration = GPMConfiguration(dimension: 4)
        return ItemGPMModel(items: ["a", "b", "c"], configuration: configuration,
                            embeddings: Tensor.randomNormal(shape: [3, 4], using: &rng),
                            eigenvalues: Tensor([1.0, 0.5]))
    }

    static func maxMin<G: RandomNumberGenerator>(_ rng: inout G) -> BradleyTerryMixtureModel<Float> {
        let components: [MLP<Float>] = [
            randomized(MLP(widths: [dimension, 4, 1], activation: .relu, outputBias: false, using: &rng), &rng),
            MLP(layers: [Linear(weight: Tensor.randomNormal(shape: [dimension, 1], using: &rng), bias: nil)]),
        ]
        return BradleyTerryMixtureModel(components: components, mixingWeights: [0.25, 0.75],
                                        responsibilities: Tensor(shape: [users, 2], scalars: [1, 0, 0, 1, 0.5, 0.5]),
                                        users: UserTable(names: ["u0", "u1", "u2"]), assignment: .soft,
                                        logLikelihoodTrace: [-3, -2], mStepIterations: [], restartObjectives: [])
    }

    static func palA<G: RandomNumberGenerator>(_ rng: inout G) -> PALIdealPointModel<Float> {
        var model = PALIdealPointModel<Float>(inputSize: dimension, projector: .mlp(hiddenSizes: [5], outputSize: 3, activation: .gelu),
                                              prototypeCount: 2, userCount: users, loss: .hinge(margin: 0.5), using: &rng)
        model.projector = randomized(model.projector, &rng)
        return model
    }

    static func palB<G: RandomNumberGenerator>(_ rng: inout G) -> PALCosineMixtureModel<Float> {
        var model = PALCosineMixtureModel<Float>(inputSize: dimension, projector: .linear(outputSize: 3), prototypeCount: 2,
                                                 userCount: users, using: &rng)
        model.projector = randomized(model.projector, &rng)
        return model
    }

    /// Fixed inputs: 8 chosen and 8 rejected rows, and user ids.
    static func inputs() -> (chosen: Tensor<Float>, rejected: Tensor<Float>, users: [Int]) {
        var rng = SeededGenerator(seed: 99)
        return (Tensor.randomNormal(shape: [8, dimension], using: &rng), Tensor.randomNormal(shape: [8, dimension], using: &rng),
                (0..<8).map { $0 % users })
    }

    /// The predictions of the model in `file` (read with the current reader) on ``inputs()``.
    static func predictions(_ file: ModelFile) throws -> [Double] {
        let (chosen, rejected, ids) = inputs()
        switch file.kind {
        case RewardHead<Float>.linearKind, RewardHead<Float>.mlpKind:
            return try RewardHead<Float>(modelFile: file).rewards(chosen).map(Double.init)
        case FeatureGPM<Float>.modelKind:
            return try FeatureGPM<Float>(modelFile: file).scores(chosen: chosen, rejected: rejected).map(Double.init)
        case ItemGPMModel.modelKind:
            return try ItemGPMModel(modelFile: file).scoreMatrix().scalars
        case BradleyTerryMixtureModel<Float>.kind:
            let model = try BradleyTerryMixtureModel<Float>(modelFile: file)
            return (model.margins(chosen: chosen, rejected: rejected).scalars + model.mixingWeights + model.responsibilities.scalars)
                .map(Double.init)
        case PALIdealPointModel<Float>.kind:
            return try PALIdealPointModel<Float>(modelFile: file).rewards(chosen, users: ids).map(Double.init)
        case PALCosineMixtureModel<Float>.kind:
            return try PALCosineMixtureModel<Float>(modelFile: file).rewards(chosen, prompts: nil, users: ids).map(Double.init)
        default:
            throw ModelFileError(file: "fixture", reason: .wrongKind(expected: "a known family", found: file.kind))
        }
    }
}
