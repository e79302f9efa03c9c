import Foundation

/// What every family is fitted on: training pairs minus a seeded 10% validation split, the
/// validation pairs (early stopping), and the test pairs (every reported number).
public struct TrainingContext: Sendable {
    /// The training pairs the families fit on (the training file minus the validation split).
    public var fit: FeaturePairs<Float>
    /// The held-out validation pairs (early stopping of minibatch families).
    public var validation: FeaturePairs<Float>
    /// The test pairs: every reported number is computed on them.
    public var test: FeaturePairs<Float>
    /// Users' groups (`groups.csv`), for per-group accuracy.
    public var groups: UserGroups?
    /// Seed of initializations, shuffles and the validation split.
    public var seed: UInt64
    /// `oracle_test_accuracy` of `meta.json`, when present.
    public var oracleTestAccuracy: Double?
    /// The folder the data came from.
    public var dataFolder: URL

    /// Loads `chosen.npy`/`rejected.npy` (+ `users.csv`), `test_*.npy` (+ `test_users.csv`, with the
    /// training users' numbering), `groups.csv` and `meta.json` (oracle accuracy) from `folder`, and
    /// holds out a seeded 10% validation split (seed `seed + 0x5EED`).
    ///
    /// Features larger than `FeaturePairs/magnitudeLimit` (float32: about 1.8·10¹³) are rejected
    /// with a `DataError` naming the file, row and column: every family fits in float32, and
    /// such values overflow its objectives.
    ///
    /// Nothing is dropped silently: a user of the training or test pairs that `groups.csv` does not
    /// name is a ``DataError`` naming `groups.csv`, and a test user that `users.csv` does not name
    /// is a ``DataError`` naming `test_users.csv` and its line, unless `allowUnknownUsers` (then
    /// per-user models score such users with their population model).
    public static func load(folder: URL, seed: UInt64, allowUnknownUsers: Bool = false) throws -> TrainingContext {
        let train = try FeaturePairs<Float>.load(folder: folder)
        try train.checkMagnitude(sources: sources(folder, prefix: ""))
        let test = try FeaturePairs<Float>.load(folder: folder, prefix: "test_", knownUsers: train.users)
        try test.checkMagnitude(sources: sources(folder, prefix: "test_"))
        guard test.dimension == train.dimension else {
            throw DataError(file: folder.appendingPathComponent("test_chosen.npy").path,
                            reason: .dimensionMismatch(expected: train.dimension, found: test.dimension))
        }
        if !allowUnknownUsers, train.userIDs != nil, let ids = test.userIDs, let row = ids.firstIndex(where: { $0 >= train.users.count }) {
            let unknown = Set(ids.filter { $0 >= train.users.count }).count
            throw DataError(file: folder.appendingPathComponent("test_users.csv").path, line: row + 2, reason: .invalidValue(
                "user '\(test.users.names[ids[row]])' is not among the \(train.users.count) users of "
                + "\(folder.appendingPathComponent("users.csv").path) (\(unknown) unknown user\(unknown == 1 ? "" : "s")); "
                + "pass --allow-unknown-users to score them with the population model"))
        }
        let groupsURL = folder.appendingPathComponent("groups.csv")
        let groups = FileManager.default.fileExists(atPath: groupsURL.path) && train.userIDs != nil ? try UserGroups.load(groupsURL) : nil
        if let groups {
            // Every user needs a group: the per-group columns are never dropped silently.
            for name in test.users.names where groups.groupOfUser[name] == nil {
                throw DataError(file: groupsURL.path, reason: .invalidValue(
                    "user '\(name)' has no group (groups.csv names \(groups.groupOfUser.count) users); every user of users.csv and test_users.csv needs one"))
            }
        }
        let split = try train.split(testFraction: 0.1, seed: seed &+ 0x5EED)
        var oracle: Double?
        if let data = try? Data(contentsOf: folder.appendingPathComponent("meta.json")),
           let meta = try? JSONValue.parse(Array(data)) {
            oracle = meta["oracle_test_accuracy"]?.doubleValue
        }
        return TrainingContext(fit: split.train, validation: split.test, test: test, groups: groups, seed: seed,
                               oracleTestAccuracy: oracle, dataFolder: folder)
    }

    /// The names of the test pairs' files, for errors.
    public var testSources: FeaturePairSources { Self.sources(dataFolder, prefix: "test_") }

    /// The files ``FeaturePairs/load(folder:prefix:knownUsers:)`` reads from `folder`.
    static func sources(_ folder: URL, prefix: String) -> FeaturePairSources {
        func path(_ name: String) -> String { folder.appendingPathComponent(prefix + name).path }
        return FeaturePairSources(chosen: path("chosen.npy"), rejected: path("rejected.npy"), prompts: path("prompt.npy"),
                                  margins: path("margin.npy"), users: path("users.csv"))
    }

    /// Whether every training and test pair has a user (users.csv and test_users.csv were present).
    public var hasUsers: Bool { fit.userIDs != nil && test.userIDs != nil }

    /// The pairs' groups (nil without groups.csv or users).
    public func grouping(_ pairs: FeaturePairs<Float>) -> PairGrouping? {
        (try? PairGrouping(pairs: pairs, groups: groups)) ?? nil
    }
}
