import Foundation
import TestSupport
import Testing
@testable import FeatureModels
@testable import FileFormats
@testable import Layers
@testable import NumericCore
@testable import PreferenceData

func sampleHeads<S: BLASScalar>(_: S.Type) -> [RewardHead<S>] {
    var rng = SeededGenerator(seed: 17)
    let objective = BradleyTerryObjective(temperature: 0.7, centeringCoefficient: 0.01, l2Penalty: 1e-3)
    let linear = LinearRewardHead<S>(weights: Tensor.randomNormal(shape: [6], using: &rng), objective: objective)
    var mlp = MLPRewardHead<S>(inputSize: 6, hiddenSizes: [5, 4], activation: .gelu, objective: objective, using: &rng)
    mlp.parameters = mlp.parameters.map { Tensor.randomNormal(shape: $0.shape, using: &rng) }
    return [.linear(linear), .mlp(mlp)]
}

@Suite("Reward-head model files")
struct PersistenceTests {
    @Test("save → load gives identical parameters and predictions (Float and Double)")
    func roundTrip() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var rng = SeededGenerator(seed: 2)
        for head in sampleHeads(Float.self) {
            let url = folder.appendingPathComponent("\(head.family)-f32.rkmodel")
            try head.save(to: url, metadata: ["note": "test"])
            let loaded = try RewardHead<Float>.load(from: url)
            let x = Tensor<Float>.randomNormal(shape: [20, 6], using: &rng)
            #expect(loaded.parameters == head.parameters)
            #expect(loaded.rewards(x) == head.rewards(x))
            #expect(loaded.objective == head.objective && loaded.family == head.family)
        }
        for head in sampleHeads(Double.self) {
            let url = folder.appendingPathComponent("\(head.family)-f64.rkmodel")
            try head.save(to: url)
            let loaded = try RewardHead<Double>.load(from: url)
            let x = Tensor<Double>.randomNormal(shape: [20, 6], using: &rng)
            #expect(loaded.parameters == head.parameters)
            #expect(loaded.rewards(x) == head.rewards(x))
        }
    }

    @Test("safetensors export: PyTorch names, [out, in] layout, metadata")
    func safeTensorsLayout() throws {
        let heads = sampleHeads(Float.self)
        guard case .linear(let linear) = heads[0], case .mlp(let mlp) = heads[1] else { Issue.record("unexpected heads"); return }
        let linearFile = try SafeTensorsFile.decode(heads[0].safeTensors().encoded())
        #expect(linearFile.tensors.map(\.name) == ["linear.weight"])
        #expect(linearFile["linear.weight"]!.shape == [1, 6])
        #expect(linearFile["linear.weight"]!.tensor(as: Float.self).scalars == linear.weights.scalars)
        let mlpFile = try SafeTensorsFile.decode(heads[1].safeTensors().encoded())
        let shapes = Dictionary(uniqueKeysWithValues: mlpFile.tensors.map { ($0.name, $0.value.shape) })
        #expect(shapes == ["layers.0.weight": [5, 6], "layers.0.bias": [5], "layers.2.weight": [4, 5], "layers.2.bias": [4],
                           "layers.4.weight": [1, 4]])
        #expect(mlpFile["layers.0.weight"]!.tensor(as: Float.self) == mlp.network.layers[0].weight.transposed())
        #expect(mlpFile.metadata["widths"] == "6,5,4,1" && mlpFile.metadata["activation"] == "gelu" && mlpFile.metadata["format"] == "pt")
    }

    @Test("corrupt, truncated, wrong-version and wrong-kind files are errors")
    func badFiles() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let head = sampleHeads(Float.self)[1]
        let url = folder.appendingPathComponent("head.rkmodel")
        try head.save(to: url)
        let bytes = try [UInt8](Data(contentsOf: url))

        func load(_ data: [UInt8]) -> Error? {
            let bad = folder.appendingPathComponent("bad.rkmodel")
            try? Data(data).write(to: bad)
            do { _ = try RewardHead<Float>.load(from: bad); return nil } catch { return error }
        }
        // A flipped bit in the tensor data.
        var corrupt = bytes
        corrupt[bytes.count - 3] ^= 0x10
        #expect(load(corrupt) != nil)
        // Truncated.
        #expect(load(Array(bytes.prefix(bytes.count - 10))) != nil)
        #expect(load(Array(bytes.prefix(20))) != nil)
        #expect(load([]) != nil)
        // Another container version.
        var version = bytes
        version[8] = 99
        let versionError = load(version) as? ModelFileError
        #expect(versionError != nil)
        // Another head format version inside a valid container.
        var file = head.modelFile()
        file.metadata["head_format_version"] = 2
        let wrongHead = folder.appendingPathComponent("v2.rkmodel")
        try file.write(to: wrongHead)
        #expect(throws: ModelFileError(file: wrongHead.path, reason: .unsupportedVersion(found: 2, supported: 1))) {
            try RewardHead<Float>.load(from: wrongHead)
        }
        // Another kind of model.
        let other = ModelFile(kind: "something-else", metadata: ["head_format_version": 1])
        let otherURL = folder.appendingPathComponent("other.rkmodel")
        try other.write(to: otherURL)
        #expect(throws: ModelFileError.self) { try RewardHead<Float>.load(from: otherURL) }
        // A shape that disagrees with the metadata.
        var shapes = head.modelFile()
        shapes.metadata["widths"] = [6, 7, 4, 1]
        #expect(throws: ModelFileError.self) { try RewardHead<Float>(modelFile: shapes) }
        // Not a model file at all.
        #expect(load(Array("hello, world, this is not a model".utf8)) != nil)
    }
}
