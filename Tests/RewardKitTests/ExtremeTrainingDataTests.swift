import Foundation
import RewardKit
import Testing
import TestSupport

/// Issue 15: test features too large for float32 and test scores that are not finite are typed
/// errors naming the test file and the row, never a trap or a NaN metric in a report.
@Suite("rewardkit train on extreme test data")
struct ExtremeTrainingDataTests {
    /// A small data folder with users and groups (300 training and 100 test pairs of 8 features).
    static func writeData(to folder: URL, testFeature: Float? = nil) throws {
        let data = SyntheticFeaturePairs.userGroups(Float.self, trainCount: 300, testCount: 100, dimension: 8, userCount: 12,
                                                    groupFractions: [0.5, 0.5], seed: 11)
        try data.train.write(to: folder)
        var test = data.test
        if let testFeature {
            var chosen = test.chosen
            chosen[3, 1] = testFeature
            test = try FeaturePairs(chosen: chosen, rejected: test.rejected, userIDs: test.userIDs, users: test.users)
        }
        try test.write(to: folder, prefix: "test_")
        guard case .userGroups(_, let groupOfUser, _) = data.truth else { return }
        var groups = "user,group\n"
        for name in data.train.users.names { groups += "\(name),g\(Int(name).map { groupOfUser[$0] } ?? 0)\n" }
        try groups.write(to: folder.appendingPathComponent("groups.csv"), atomically: true, encoding: .utf8)
    }

    @Test("a float32 test feature of 3e38 is an error naming test_chosen.npy and the row, for every family")
    func hugeTestFeatureIsAnError() throws {
        try TestFiles.withTemporaryFolder { folder in
            try Self.writeData(to: folder, testFeature: 3e38)
            let error = try #require(throws: DataError.self) { try TrainingContext.load(folder: folder, seed: 0) }
            #expect(error.file == folder.appendingPathComponent("test_chosen.npy").path)
            #expect(error.line == 3 && error.description.contains("column 1: the magnitude of 3e+38 exceeds 1.8e+13"))
        }
    }

    @Test("scores that are not finite are an evaluation error naming the test file and the pair")
    func nonFiniteScoresAreAnEvaluationError() throws {
        try TestFiles.withTemporaryFolder { folder in
            try Self.writeData(to: folder)
            let context = try TrainingContext.load(folder: folder, seed: 0)
            var outcome = TrainingOutcome(name: "x", summary: "x", fitSeconds: 0, testScores: [Double](repeating: 1, count: context.test.count),
                                          testProbabilities: nil, testRewards: nil, fitReport: nil, modelFile: nil, safeTensors: nil)
            outcome.testScores?[4] = .nan
            let error = try #require(throws: DataError.self) { try outcome.evaluate(context) }
            #expect(error.file == folder.appendingPathComponent("test_chosen.npy").path && error.line == 4)
            #expect(error.description.contains("score of pair 4 is nan"))
            outcome.testScores = nil
            outcome.testProbabilities = [Double](repeating: 0.7, count: context.test.count)
            outcome.testProbabilities?[2] = 1.5
            #expect(try #require(throws: DataError.self) { try outcome.evaluate(context) }.line == 2)
        }
    }
}
