import Foundation
import Testing
import TestSupport
@testable import FeatureModels
@testable import FileFormats
@testable import NumericCore

/// Regression tests of issue 15: model-file metadata is validated, never cleaned, and
/// inconsistent files are ``ModelFileError``s naming the file rather than traps later on.
@Suite struct ModelFileMetadataTests {
    static let dirtyWidths: JSONValue = [6, "5", nil, 5, 4, 1]

    static func error(_ body: () throws(ModelFileError) -> Void) -> ModelFileError? {
        do { try body(); return nil } catch { return error }
    }

    static func fixture(_ name: String) throws -> ModelFile {
        try ModelFile.read(from: FixtureTests.folder.appendingPathComponent("\(name).rkmodel"))
    }

    /// `file` with `tensor` replaced (or added).
    static func replacing(_ file: ModelFile, _ tensor: NamedTensor) -> ModelFile {
        ModelFile(kind: file.kind, metadata: file.metadata, tensors: file.tensors.filter { $0.name != tensor.name } + [tensor])
    }

    @Test func mlpWidthsHoldingStringsAndNullsAreRejectedNotCleaned() throws {
        // The reward head: fixture (version 1) and the current writer.
        for var file in [try Self.fixture("reward-head-mlp"), FamilySamples.modelFiles()[1].file] {
            #expect(file.metadata["widths"] == [6, 5, 4, 1])
            file.metadata["widths"] = Self.dirtyWidths   // [6, 5, 4, 1] once strings and nulls are dropped
            let error = Self.error { () throws(ModelFileError) in _ = try RewardHead<Float>(modelFile: file, source: "head.rkmodel") }
            #expect(error?.file == "head.rkmodel")
            #expect(error?.description.contains("widths entry 1, \"5\", is not a positive integer") == true, "\(String(describing: error))")
        }
        // A mixture component's architecture.
        var mixture = try Self.fixture("maxmin-em")
        var architecture = mixture.metadata["component.0"]?.objectValue ?? [:]
        architecture["widths"] = [6, nil, 4, 1]
        mixture.metadata["component.0"] = .object(architecture)
        let mixtureError = Self.error { () throws(ModelFileError) in _ = try BradleyTerryMixtureModel<Float>(modelFile: mixture, source: "em.rkmodel") }
        #expect(mixtureError?.description.contains("network 'component.0' widths entry 1, null, is not a positive integer") == true,
                "\(String(describing: mixtureError))")
        // The feature GPM's embedding.
        var gpm = FamilySamples.modelFiles()[2].file
        gpm.metadata["widths"] = [6, 5.5, 4]
        let gpmError = Self.error { () throws(ModelFileError) in _ = try FeatureGPM<Float>(modelFile: gpm, source: "gpm.rkmodel") }
        #expect(gpmError?.description.contains("widths entry 1, 5.5, is not a positive integer") == true, "\(String(describing: gpmError))")
        for bad: JSONValue in ["6,5,4,1", [6], [6, 0, 1], [6, -5, 4, 1], [6, true, 4, 1]] {
            var file = FamilySamples.modelFiles()[1].file
            file.metadata["widths"] = bad
            #expect(Self.error { () throws(ModelFileError) in _ = try RewardHead<Float>(modelFile: file) } != nil, "\(bad)")
        }
    }

    @Test func mixtureUsersTraceAndComponentsAreValidated() throws {
        let good = FamilySamples.modelFiles()[4].file
        func rejected(_ file: ModelFile) -> ModelFileError? {
            Self.error { () throws(ModelFileError) in _ = try BradleyTerryMixtureModel<Float>(modelFile: file, source: "em.rkmodel") }
        }
        #expect(rejected(good) == nil)
        var nullUser = good
        nullUser.metadata["users"] = ["u0", nil, "u2"]
        #expect(rejected(nullUser)?.description.contains("users entry 1, null, is not a string") == true)
        var twice = good
        twice.metadata["users"] = ["u0", "u0", "u2"]
        #expect(rejected(twice)?.description.contains("lists a name twice") == true)
        var trace = good
        trace.metadata["log_likelihood_trace"] = [-3, "x"]
        #expect(rejected(trace)?.description.contains("log_likelihood_trace entry 1") == true)
        // Components of different input sizes would trap in prediction.
        var rng = SeededGenerator(seed: 1)
        var mismatched = good
        mismatched.metadata["component.1"] = ["widths": [5, 1], "activation": "relu", "output_bias": false, "normalized": false]
        mismatched = Self.replacing(mismatched, NamedTensor(name: "component.1.layers.0.weight", Tensor<Float>.randomNormal(shape: [1, 5], using: &rng)))
        #expect(rejected(mismatched)?.description.contains("do not share one input size") == true, "\(String(describing: rejected(mismatched)))")
        let negative = Self.replacing(good, NamedTensor(name: "mixing_weights", Tensor<Float>([-0.25, 1.25])))
        #expect(rejected(negative)?.description.contains("must be finite and ≥ 0") == true)
    }

    @Test func palFilesWithEmptyOrNonFiniteTensorsAreRejected() throws {
        let palA = FamilySamples.modelFiles()[5].file
        let noUsers = Self.replacing(palA, NamedTensor(name: "logits", Tensor<Float>(shape: [0, 2], scalars: [])))
        #expect(Self.error { () throws(ModelFileError) in _ = try PALIdealPointModel<Float>(modelFile: noUsers, source: "a.rkmodel") }?
            .description.hasPrefix("a.rkmodel: corrupt file: PAL-A") == true)
        var badLoss = palA
        badLoss.metadata["loss"] = "squared"
        #expect(Self.error { () throws(ModelFileError) in _ = try PALIdealPointModel<Float>(modelFile: badLoss) }?
            .description.contains("'loss' must be logistic or hinge") == true)
        let palB = FamilySamples.modelFiles()[6].file
        let nanScale = Self.replacing(palB, NamedTensor(name: "log_scale", Tensor<Float>([.nan])))
        #expect(Self.error { () throws(ModelFileError) in _ = try PALCosineMixtureModel<Float>(modelFile: nanScale) }?
            .description.contains("log_scale is not finite") == true)
        let noPrototypes = Self.replacing(palB, NamedTensor(name: "logits", Tensor<Float>(shape: [3, 0], scalars: [])))
        #expect(Self.error { () throws(ModelFileError) in _ = try PALCosineMixtureModel<Float>(modelFile: noPrototypes) } != nil)
    }
}
