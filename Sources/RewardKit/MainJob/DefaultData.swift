import Foundation

/// The default data set shipped in `Data/embeddings` and its recipe.
public enum DefaultData {
    /// The generator seed of the shipped files.
    public static let seed: UInt64 = 20_250_601
    /// Training pairs.
    public static let trainCount = 4_000
    /// Test pairs.
    public static let testCount = 1_000
    /// Features per response.
    public static let dimension = 64
    /// Annotators.
    public static let userCount = 60
    /// Share of the users in each group.
    public static let groupFractions = [0.75, 0.25]
    /// The groups' names.
    public static let groupNames = ["majority", "minority"]

    /// `Data/embeddings` in the working directory, else in the source checkout this binary was built from.
    public static func locate() throws -> URL {
        let candidates = [
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Data/embeddings"),
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Data/embeddings"),
        ]
        for url in candidates where FileManager.default.fileExists(atPath: url.appendingPathComponent("chosen.npy").path) {
            return url
        }
        throw DataError(file: "Data/embeddings", reason: .cannotRead(
            "cannot find the default data; run from the RewardKit checkout or pass --data-dir"))
    }

    /// Writes the default data set: `SyntheticFeaturePairs.userGroups` (Float, 4,000 + 1,000 pairs,
    /// 64 features, 60 users in a 75% majority and a 25% minority group with independent linear
    /// rewards), plus groups.csv and meta.json with the oracle accuracies.
    public static func generate(into folder: URL) throws -> String {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let data = SyntheticFeaturePairs.userGroups(Float.self, trainCount: trainCount, testCount: testCount, dimension: dimension,
                                                     userCount: userCount, groupFractions: groupFractions, seed: seed)
        guard case .userGroups(_, let groupOfUser, _) = data.truth else {
            throw DataError(file: folder.path, reason: .invalidValue("the generator returned no user groups"))
        }
        try data.train.write(to: folder)
        try data.test.write(to: folder, prefix: "test_")
        var groupsCSV = "user,group\n"
        for (u, name) in data.train.users.names.enumerated() { groupsCSV += "\(name),\(groupNames[groupOfUser[Int(name) ?? u]])\n" }
        try AtomicFileWriter.write(groupsCSV, to: folder.appendingPathComponent("groups.csv"))
        // Oracle accuracy overall and by group on the test pairs.
        let test = try data.test.converted(to: Double.self)
        let logits = data.truth.logits(test.chosen, test.rejected, users: data.test.userIDs)
        var byGroup = [String: (Int, Int)]()
        for (i, s) in logits.enumerated() {
            let g = groupNames[groupOfUser[data.test.userIDs![i]]]
            let (hits, count) = byGroup[g] ?? (0, 0)
            byGroup[g] = (hits + (s > 0 ? 1 : 0), count + 1)
        }
        let meta: JSONValue = .object([
            "generator": "SyntheticFeaturePairs.userGroups (RewardKit)",
            "seed": .number(Double(seed)),
            "train_pairs": .number(Double(trainCount)), "test_pairs": .number(Double(testCount)),
            "dimension": .number(Double(dimension)), "users": .number(Double(userCount)),
            "group_fractions": .array(groupFractions.map { .number($0) }),
            "group_names": .array(groupNames.map { .string($0) }),
            "oracle_train_accuracy": .number(data.oracleTrainAccuracy),
            "oracle_test_accuracy": .number(data.oracleTestAccuracy),
            "oracle_expected_test_accuracy": .number(data.oracleExpectedTestAccuracy),
            "oracle_test_accuracy_by_group": .object(byGroup.mapValues { .number(Double($0.0) / Double($0.1)) }),
        ])
        try AtomicFileWriter.write(meta.serialized(pretty: true) + "\n", to: folder.appendingPathComponent("meta.json"))
        return "wrote \(folder.path): \(trainCount) + \(testCount) pairs × \(dimension), oracle test accuracy "
            + String(format: "%.4f", data.oracleTestAccuracy)
    }
}
