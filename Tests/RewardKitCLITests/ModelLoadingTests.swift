import Foundation
import RewardKit
import Testing
import TestSupport

/// `LoadedModel`, the one reader of every family's model file and safetensors export.
@Suite("LoadedModel: every family's file loads back through one dispatcher")
struct ModelLoadingTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FeatureModelsTests/Fixtures")

    /// A model of every family and the same model's predictions on `x`/`y`.
    static func models() -> [(file: ModelFile, export: SafeTensorsFile, predict: (LoadedModel<Float>) -> [Float]?)] {
        var rng = SeededGenerator(seed: 5)
        let x = Tensor<Float>.randomNormal(shape: [7, 4], using: &rng), y = Tensor<Float>.randomNormal(shape: [7, 4], using: &rng)
        let ids = [0, 1, 0, 1, 0, 1, 0]
        let head = RewardHead<Float>.mlp(MLPRewardHead(inputSize: 4, hiddenSizes: [3], activation: .tanh, using: &rng))
        let linear = RewardHead<Float>.linear(LinearRewardHead(weights: Tensor.randomNormal(shape: [4], using: &rng)))
        let gpm = FeatureGPM<Float>(featureCount: 4, hiddenSizes: [5], configuration: GPMConfiguration(dimension: 4), using: &rng)
        let items = ItemGPMModel(items: ["a", "b"], configuration: GPMConfiguration(dimension: 2),
                                 embeddings: Tensor.randomNormal(shape: [2, 2], using: &rng), eigenvalues: Tensor([0.7]))
        let pairs = try! FeaturePairs<Float>(chosen: x, rejected: y, userIDs: ids, users: UserTable(names: ["u", "v"]))
        let em = try! BradleyTerryMixture<Float>(componentCount: 2, head: .mlp(hiddenSizes: [3], activation: .relu),
                                                 maximumIterations: 3).fit(pairs)
        let palA = PALIdealPointModel<Float>(inputSize: 4, projector: .mlp(hiddenSizes: [3], outputSize: 2), prototypeCount: 2,
                                             userCount: 2, using: &rng)
        let palB = PALCosineMixtureModel<Float>(inputSize: 4, projector: .linear(outputSize: 3), prototypeCount: 2, userCount: 2, using: &rng)
        return [
            (head.modelFile(), head.safeTensors(), { if case .rewardHead(let m) = $0 { m.rewards(x) == head.rewards(x) ? m.rewards(x) : nil } else { nil } }),
            (linear.modelFile(), linear.safeTensors(), { if case .rewardHead(let m) = $0 { m.rewards(x) == linear.rewards(x) ? m.rewards(x) : nil } else { nil } }),
            (gpm.modelFile(), gpm.safeTensors(), { if case .featureGPM(let m) = $0 { m.scores(chosen: x, rejected: y) == gpm.scores(chosen: x, rejected: y) ? [] : nil } else { nil } }),
            (items.modelFile(), items.safeTensors(), { if case .itemGPM(let m) = $0 { m.scoreMatrix() == items.scoreMatrix() ? [] : nil } else { nil } }),
            (em.modelFile, em.safeTensors(), { if case .maxMinEM(let m) = $0 { m.margins(chosen: x, rejected: y) == em.margins(chosen: x, rejected: y) ? [] : nil } else { nil } }),
            (palA.modelFile, palA.safeTensors(), { if case .palA(let m) = $0 { m.rewards(x, users: ids) == palA.rewards(x, users: ids) ? [] : nil } else { nil } }),
            (palB.modelFile, palB.safeTensors(), { if case .palB(let m) = $0 { m.rewards(x, prompts: nil, users: ids) == palB.rewards(x, prompts: nil, users: ids) ? [] : nil } else { nil } }),
        ]
    }

    @Test("a .rkmodel and a .safetensors export of every family load as that family and predict the same")
    func roundTrip() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for (i, model) in Self.models().enumerated() {
            let file = folder.appendingPathComponent("m\(i).rkmodel"), export = folder.appendingPathComponent("m\(i).safetensors")
            try model.file.write(to: file)
            try model.export.write(to: export)
            for url in [file, export] {
                let loaded = try LoadedModel<Float>.load(from: url)
                #expect(loaded.kind == model.file.kind, "\(url.lastPathComponent)")
                #expect(model.predict(loaded) != nil, "\(model.file.kind) from \(url.lastPathComponent) predicts differently")
            }
        }
    }

    @Test("the committed version-1 fixtures load through the dispatcher; an unknown kind is a typed error")
    func fixturesAndErrors() throws {
        let names = ["reward-head-linear", "reward-head-mlp", "gpm-features", "gpm-items", "maxmin-em", "pal-a", "pal-b"]
        let kinds = try names.map { try LoadedModel<Double>.load(from: Self.fixtures.appendingPathComponent("\($0).rkmodel")).kind }
        #expect(kinds == ["linear-reward-head", "mlp-reward-head", "gpm-features", "gpm-items", "maxmin-em-mixture", "pal-a", "pal-b"])
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let other = folder.appendingPathComponent("other.rkmodel")
        try ModelFile(kind: "something-else").write(to: other)
        #expect(throws: ModelFileError.self) { try LoadedModel<Float>.load(from: other) }
    }
}
