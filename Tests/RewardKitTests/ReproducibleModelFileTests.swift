import Foundation
import RewardKit
import Testing
import TestSupport

/// Issue 15: model files carry no timing, so the same seed writes byte-identical files.
@Suite("Model files are reproducible")
struct ReproducibleModelFileTests {
    /// The keys of every object in `value`, at any depth.
    static func keys(_ value: JSONValue) -> Set<String> {
        switch value {
        case .object(let members): members.keys.reduce(into: Set(members.keys)) { $0.formUnion(keys(members[$1]!)) }
        case .array(let items): items.reduce(into: Set<String>()) { $0.formUnion(keys($1)) }
        default: []
        }
    }

    @Test("every family of `train` writes the same model-file and safetensors bytes for the same seed, with no timing")
    func everyFamilyIsReproducible() throws {
        try TestFiles.withTemporaryFolder { folder in
            try ExtremeTrainingDataTests.writeData(to: folder)
            let context = try TrainingContext.load(folder: folder, seed: 7)
            #expect(context.hasUsers)
            for family in TrainingRegistry.families {
                let first = try TrainingRegistry.fit(family, on: context, observer: SilentObserver())
                let second = try TrainingRegistry.fit(family, on: context, observer: SilentObserver())
                let file = try #require(first.modelFile, "\(family.name)")
                #expect(try file.encoded() == second.modelFile?.encoded(), "\(family.name)")
                #expect(first.safeTensors?.encoded() == second.safeTensors?.encoded(), "\(family.name)")
                let timing = Self.keys(.object(file.metadata)).filter { $0 == "seconds" || $0.hasSuffix("_seconds") || $0.hasSuffix("per_second") }
                #expect(timing.isEmpty, "\(family.name): \(timing.sorted())")
                let evaluation = try #require(first.evaluation)
                #expect(evaluation.accuracy.isFinite && evaluation.logLoss.isFinite && evaluation.expectedCalibrationError.isFinite)
            }
        }
    }

    @Test("an older reward-head file whose fit summary has timing still loads (reading ignores it)")
    func olderFilesWithTimingLoad() throws {
        let head = RewardHead<Float>.linear(LinearRewardHead(weights: Tensor([0.5, -1]), objective: BradleyTerryObjective()))
        let file = head.modelFile(metadata: ["fit": ["fit_seconds": 0.25, "pairs_per_second": 1e6, "train_loss": 0.5]])
        let loaded = try RewardHead<Float>(modelFile: ModelFile.decode(file.encoded()))
        #expect(loaded.rewards(Tensor(shape: [1, 2], scalars: [1, 1])) == head.rewards(Tensor(shape: [1, 2], scalars: [1, 1])))
    }
}
