import Foundation
import TestSupport
import Testing
@testable import FeatureModels
@testable import FileFormats
@testable import Layers
@testable import NumericCore
@testable import Optimizers
@testable import PreferenceData
@testable import Training

/// Feature-level GPM trained by the shared `PairwiseTrainer`, model files, and the prompt gate.
@Suite("Feature-level GPM")
struct FeatureGPMTests {
    static func train<M: PairwiseTrainable>(_ model: inout M, _ pairs: FeaturePairsView<M.Scalar>, epochs: Int,
                                            learningRate: M.Scalar = 3e-3, batchSize: Int = 128) -> FitReport {
        var adam = Adam<M.Scalar>(learningRate: learningRate)
        return PairwiseTrainer(configuration: .init(epochs: epochs, batchSize: batchSize, seed: 5))
            .fit(&model, on: pairs, optimizer: &adam)
    }

    @Test("cyclic features (hidden skew-symmetric form): GPM nears the oracle, a BT MLP head stays near a coin")
    func cyclicFeatures() {
        let data = SyntheticFeaturePairs.cyclic(Float.self, trainCount: 6_000, testCount: 2_000, itemCount: 600,
                                                dimension: 8, blockCount: 2, strength: 10, seed: 3)
        var rng = SeededGenerator(seed: 1)
        var gpm = FeatureGPM<Float>(featureCount: 8, hiddenSizes: [32],
                                    configuration: GPMConfiguration(dimension: 4, eigenvalues: .learned), using: &rng)
        let report = Self.train(&gpm, FeaturePairsView(data.train), epochs: 15)
        #expect(report.stopReason == .completedEpochs)
        let gpmTest = PairwiseTrainer.evaluate(gpm, on: FeaturePairsView(data.test)).accuracy
        var bt = MLPRewardHead<Float>(inputSize: 8, hiddenSizes: [32], using: &rng)
        _ = Self.train(&bt, FeaturePairsView(data.train), epochs: 15)
        let btTest = PairwiseTrainer.evaluate(bt, on: FeaturePairsView(data.test)).accuracy
        #expect(gpmTest >= data.oracleTestAccuracy - 0.04, "GPM \(gpmTest), oracle \(data.oracleTestAccuracy)")
        #expect(btTest < 0.6, "BT head \(btTest)")
        // The fitted tournament is intransitive like the truth (about a quarter of triples cyclic).
        let pool = data.test.chosen.gatherRows(0..<200)
        #expect(CyclicTriples.census(scoreMatrix: gpm.scoreMatrix(pool)).cyclicFraction > 0.1)
    }

    @Test("transitive features: GPM's held-out accuracy is within one point of a BT linear head's")
    func transitiveFeatures() {
        let data = SyntheticFeaturePairs.linear(Double.self, trainCount: 8_000, testCount: 4_000, dimension: 10, seed: 4)
        var bt = LinearRewardHead<Double>(dimension: 10)
        _ = Self.train(&bt, FeaturePairsView(data.train), epochs: 10, learningRate: 1e-2)
        let btTest = PairwiseTrainer.evaluate(bt, on: FeaturePairsView(data.test)).accuracy
        var rng = SeededGenerator(seed: 2)
        var gpm = FeatureGPM<Double>(featureCount: 10, hiddenSizes: [],
                                     configuration: GPMConfiguration(dimension: 2, eigenvalues: .learned), using: &rng)
        _ = Self.train(&gpm, FeaturePairsView(data.train), epochs: 10, learningRate: 1e-2)
        let gpmTest = PairwiseTrainer.evaluate(gpm, on: FeaturePairsView(data.test)).accuracy
        #expect(abs(gpmTest - btTest) <= 0.01, "GPM \(gpmTest) vs BT \(btTest) (oracle \(data.oracleTestAccuracy))")
    }

    @Test("prompt-gated eigenvalues learn which plane a prompt selects")
    func promptGate() {
        // Two planes; prompt type 0 scores with plane 0 only, type 1 with plane 1 only (λ = (2, 0) or (0, 2)).
        var rng = SeededGenerator(seed: 8)
        let (n, d) = (6_000, 6)
        let projection = Tensor<Double>.randomNormal(shape: [d, 4], using: &rng)
        var chosen = [Double](), rejected = [Double](), prompts = [Double]()
        for _ in 0..<n {
            let a = (0..<d).map { _ in rng.nextNormal() }, b = (0..<d).map { _ in rng.nextNormal() }
            let type = Int.random(in: 0..<2, using: &rng)
            let lambda = type == 0 ? [2.0, 0] : [0, 2.0]
            let va = L2Normalization<Double>()(Tensor(shape: [1, d], scalars: a).matmul(projection))
            let vb = L2Normalization<Double>()(Tensor(shape: [1, d], scalars: b).matmul(projection))
            let s = SkewSymmetricOperator.scores(va, vb, eigenvalues: Tensor(lambda))[0]
            let aWins = rng.nextOpenUnit() < Double.sigmoid(s / 0.1)
            chosen += aWins ? a : b
            rejected += aWins ? b : a
            prompts += type == 0 ? [1, 0, 0.1 * rng.nextNormal()] : [0, 1, 0.1 * rng.nextNormal()]
        }
        let all = FeaturePairsView(chosen: Tensor(shape: [n, d], scalars: chosen), rejected: Tensor(shape: [n, d], scalars: rejected),
                                   prompts: Tensor(shape: [n, 3], scalars: prompts))
        let split = 5_000
        func part(_ range: Range<Int>) -> FeaturePairsView<Double> {
            FeaturePairsView(chosen: all.chosen.gatherRows(range), rejected: all.rejected.gatherRows(range),
                             prompts: all.prompts!.gatherRows(range))
        }
        let (train, test) = (part(0..<split), part(split..<n))
        var gated = FeatureGPM<Double>(featureCount: d, hiddenSizes: [], promptFeatureCount: 3,
                                       configuration: GPMConfiguration(dimension: 4, eigenvalues: .promptGated), using: &rng)
        var fixed = FeatureGPM<Double>(featureCount: d, hiddenSizes: [],
                                       configuration: GPMConfiguration(dimension: 4, eigenvalues: .learned), using: &rng)
        _ = Self.train(&gated, train, epochs: 20, learningRate: 1e-2)
        _ = Self.train(&fixed, train, epochs: 20, learningRate: 1e-2)
        let gatedAccuracy = PairwiseTrainer.evaluate(gated, on: test).accuracy
        let fixedAccuracy = PairwiseTrainer.evaluate(fixed, on: test).accuracy
        #expect(gatedAccuracy > fixedAccuracy + 0.05, "gated \(gatedAccuracy), prompt-blind \(fixedAccuracy)")
        // Each prompt type puts most of its eigenvalue mass on one plane, and the two types on different planes.
        let lambda = gated.eigenvalues(prompts: Tensor(rows: [[1, 0, 0], [0, 1, 0]]))
        let top0 = lambda[0, 0] > lambda[0, 1] ? 0 : 1, top1 = lambda[1, 0] > lambda[1, 1] ? 0 : 1
        #expect(top0 != top1, "λ for the two prompt types: \(lambda)")
        #expect(max(lambda[0, 0], lambda[0, 1]) > 1.5 && max(lambda[1, 0], lambda[1, 1]) > 1.5, "λ \(lambda)")
    }

    @Test("model files round-trip exactly in every eigenvalue mode", arguments: GPMEigenvalues.allCases)
    func featureModelFile(mode: GPMEigenvalues) throws {
        var rng = SeededGenerator(seed: 9)
        var model = FeatureGPM<Float>(featureCount: 5, hiddenSizes: [7], activation: .gelu,
                                      promptFeatureCount: mode == .promptGated ? 2 : 0,
                                      configuration: GPMConfiguration(dimension: 6, temperature: 0.25, margin: 0.1,
                                                                      normalizesEmbeddings: mode != .learned, eigenvalues: mode),
                                      using: &rng)
        var p = model.parameters
        for t in p.indices { p[t] += Tensor.randomNormal(shape: p[t].shape, standardDeviation: 0.5, using: &rng) }
        model.parameters = p
        let bytes = try model.modelFile().encoded()
        let loaded = try FeatureGPM<Float>(modelFile: ModelFile.decode(bytes))
        #expect(loaded.configuration == model.configuration)
        #expect(loaded.parameters == model.parameters)
        let x = Tensor<Float>.randomNormal(shape: [4, 5], using: &rng)
        let prompt: [Float]? = mode == .promptGated ? [0.5, -1] : nil
        #expect(loaded.scoreMatrix(x, prompt: prompt) == model.scoreMatrix(x, prompt: prompt))
        // In Double, from the same file.
        let asDouble = try FeatureGPM<Double>(modelFile: ModelFile.decode(bytes))
        #expect(asDouble.parameters.map(\.scalars) == model.parameters.map { $0.scalars.map(Double.init) })
        // Another kind, or a missing tensor, is a typed error.
        #expect(throws: ModelFileError.self) { try ItemGPMModel(modelFile: ModelFile.decode(bytes)) }
        var broken = ModelFile(kind: FeatureGPM<Float>.modelKind, metadata: model.modelFile().metadata)
        broken.append("layer0.weight", model.embedding.layers[0].weight)
        #expect(throws: ModelFileError.self) { try FeatureGPM<Float>(modelFile: broken) }
    }

    @Test("item model files round-trip exactly")
    func itemModelFile() throws {
        var rng = SeededGenerator(seed: 10)
        let data = try ItemGPMTests.cycle(5)
        let model = try ItemGPM(configuration: GPMConfiguration(dimension: 4, eigenvalues: .learned), restarts: 2, seed: 10).fit(data)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gpm-items-\(UInt64.random(in: 0...UInt64.max, using: &rng)).rkmodel")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.modelFile().write(to: url)
        let loaded = try ItemGPMModel(modelFile: ModelFile.read(from: url))
        #expect(loaded.items == model.items && loaded.configuration == model.configuration)
        #expect(loaded.embeddings == model.embeddings && loaded.eigenvalues == model.eigenvalues)
        #expect(loaded.scoreMatrix() == model.scoreMatrix())
    }
}
