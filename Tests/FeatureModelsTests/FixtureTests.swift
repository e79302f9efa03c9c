import Foundation
import Testing
@testable import FeatureModels
@testable import FileFormats
@testable import NumericCore

@Suite("Model files of every family: fixtures and the one MLP coding")
struct FixtureTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func recorded() throws -> ModelFile { try ModelFile.read(from: folder.appendingPathComponent("predictions.rkmodel")) }

    /// The predictions were computed in Float by the code that wrote the fixtures; the one MLP pass
    /// orders some sums differently (bias after the product, gemv column sums), so they agree to
    /// Float rounding rather than bit for bit.
    static func close(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-6 + 1e-5 * abs($1) }
    }

    @Test("every committed version-1 fixture loads and predicts what the model it came from predicted")
    func fixturesLoad() throws {
        let expected = try Self.recorded()
        let names = FamilySamples.modelFiles().map(\.name)
        #expect(names.count == 7)
        for name in names {
            let file = try ModelFile.read(from: Self.folder.appendingPathComponent("\(name).rkmodel"))
            #expect(file.metadata["format_version"] == nil, "\(name) fixture predates format_version")
            let want: Tensor<Double> = try expected.tensor(name)
            #expect(Self.close(try FamilySamples.predictions(file), want.scalars), "\(name)")
        }
    }

    @Test("every family round-trips through the current coding, with family, format_version and PyTorch MLP names")
    func roundTrip() throws {
        let expected = try Self.recorded()
        for (name, file) in FamilySamples.modelFiles() {
            let decoded = try ModelFile.decode(file.encoded())
            let want: Tensor<Double> = try expected.tensor(name)
            #expect(Self.close(try FamilySamples.predictions(decoded), want.scalars), "\(name)")
            #expect(decoded.metadata["family"]?.stringValue == decoded.kind, "\(name)")
            let isHead = name.hasPrefix("reward-head")
            #expect((isHead ? decoded.metadata["head_format_version"] : decoded.metadata["format_version"])?.intValue
                    == (isHead ? 1 : ModelFileVersion.current), "\(name)")
            // Every MLP weight is `…layers.{2l}.weight` in [out, in].
            for tensor in decoded.tensors where tensor.name.hasSuffix(".weight") && !tensor.name.hasPrefix("gate.")
                && tensor.name != "linear.weight" {
                let parts = tensor.name.split(separator: ".")
                #expect(parts.count >= 3 && parts[parts.count - 3] == "layers" && Int(parts[parts.count - 2])! % 2 == 0,
                        "\(name): \(tensor.name)")
            }
        }
    }

    @Test("every family's safetensors export reads back into the same model")
    func safeTensorsExports() throws {
        let expected = try Self.recorded()
        for (name, file) in FamilySamples.modelFiles() {
            let export = try SafeTensorsFile.decode(file.safeTensorsExport().encoded())
            #expect(export.metadata["format"] == "pt" && export.metadata["kind"] == file.kind, "\(name)")
            let back = try ModelFile(safeTensorsExport: export)
            let want: Tensor<Double> = try expected.tensor(name)
            #expect(Self.close(try FamilySamples.predictions(back), want.scalars), "\(name)")
        }
        // The reward head's export keeps its PyTorch metadata and reads back through RewardHead.
        let head = sampleHeads(Float.self)[1]
        let export = head.safeTensors()
        #expect(export.metadata["family"] == "mlp" && export.metadata["widths"] == "6,5,4,1")
        let x = FamilySamples.inputs().chosen
        #expect(try RewardHead<Float>(safeTensors: SafeTensorsFile.decode(export.encoded())).rewards(x) == head.rewards(x))
        // An export without the model-file metadata is a typed error.
        var bare = export
        bare.metadata["rkmodel_metadata"] = nil
        #expect(throws: ModelFileError.self) { try RewardHead<Float>(safeTensors: bare) }
    }

    @Test("a version-1 fixture re-saved is a version-2 file of the same model")
    func upgrade() throws {
        let old = try ModelFile.read(from: Self.folder.appendingPathComponent("gpm-features.rkmodel"))
        let model = try FeatureGPM<Float>(modelFile: old)
        let new = model.modelFile()
        #expect(new.tensors.map(\.name).contains("embedding.layers.0.weight"))
        #expect(try FeatureGPM<Float>(modelFile: new).parameters == model.parameters)
        let palOld = try ModelFile.read(from: Self.folder.appendingPathComponent("pal-a.rkmodel"))
        let pal = try PALIdealPointModel<Float>(modelFile: palOld)
        let palNew = try PALIdealPointModel<Float>(modelFile: ModelFile.decode(pal.modelFile.encoded()))
        #expect(palNew.parameters == pal.parameters)
        // A newer format version than this code writes is an error.
        var future = new
        future.metadata["format_version"] = .number(Double(ModelFileVersion.current + 1))
        #expect(throws: ModelFileError(file: "model", reason: .unsupportedVersion(found: ModelFileVersion.current + 1,
                                                                                  supported: ModelFileVersion.current))) {
            try FeatureGPM<Float>(modelFile: future)
        }
    }
}
