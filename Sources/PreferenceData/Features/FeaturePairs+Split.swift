import FileFormats
import NumericCore

extension FeaturePairs {
    /// A seeded random train/test split.
    ///
    /// - `.pair`: a uniformly random subset of round(f·n) pairs (at least 1, at most n − 1) is the
    ///   test set.
    /// - `.user`: users are taken in a seeded random order and moved to the test set until it holds
    ///   at least f·n pairs; every user's pairs stay on one side. Needs user ids and two or more
    ///   users (at least one user stays in training).
    ///
    /// Both sides keep the original pair order and the full user table. The same seed gives the
    /// same split.
    public func split(testFraction f: Double, by unit: SplitUnit = .pair, seed: UInt64) throws(DataError) -> FeaturePairSplit<Scalar> {
        precondition(f > 0 && f < 1, "split(testFraction:) needs 0 < f < 1, got \(f)")
        var generator = SeededGenerator(seed: seed)
        let n = count
        var isTest = [Bool](repeating: false, count: n)
        switch unit {
        case .pair:
            guard n >= 2 else { throw DataError(file: "split", reason: .invalidValue("a split needs at least 2 pairs, found \(n)")) }
            let testCount = Swift.min(Swift.max(Int((f * Double(n)).rounded()), 1), n - 1)
            for i in generator.permutation(n).prefix(testCount) { isTest[i] = true }
        case .user:
            guard let userIDs else { throw DataError(file: "split", reason: .missingColumn("user")) }
            var pairsOfUser = [Int](repeating: 0, count: users.count)
            for u in userIDs { pairsOfUser[u] += 1 }
            let present = (0..<users.count).filter { pairsOfUser[$0] > 0 }
            guard present.count >= 2 else {
                throw DataError(file: "split", reason: .invalidValue("a split by user needs at least 2 users, found \(present.count)"))
            }
            let order = generator.permutation(present.count).map { present[$0] }
            var testUsers = Set<Int>()
            var testCount = 0
            let target = f * Double(n)
            for u in order.dropLast() where Double(testCount) < target {
                testUsers.insert(u)
                testCount += pairsOfUser[u]
            }
            for i in 0..<n where testUsers.contains(userIDs[i]) { isTest[i] = true }
        }
        let testIndices = (0..<n).filter { isTest[$0] }
        let trainIndices = (0..<n).filter { !isTest[$0] }
        return FeaturePairSplit(train: subset(trainIndices), test: subset(testIndices),
                                trainIndices: trainIndices, testIndices: testIndices)
    }
}
