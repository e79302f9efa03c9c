/// Accuracy broken down by user or by group, with the worst one named.
public struct GroupedAccuracy: Sendable, Equatable, Codable {
    /// Every user or group with at least one pair, in index order.
    public var groups: [GroupAccuracy]

    /// Tallies pair correctness `correct[i]` by `labelOfPair[i]` (an index into `names`).
    public init(correct: [Bool], labelOfPair: [Int], names: [String]) {
        precondition(correct.count == labelOfPair.count, "GroupedAccuracy: \(correct.count) results, \(labelOfPair.count) labels")
        var counts = [Int](repeating: 0, count: names.count)
        var hits = [Int](repeating: 0, count: names.count)
        for (i, label) in labelOfPair.enumerated() {
            precondition(label >= 0 && label < names.count, "GroupedAccuracy: label \(label) of pair \(i) outside 0..<\(names.count)")
            counts[label] += 1
            if correct[i] { hits[label] += 1 }
        }
        groups = names.indices.filter { counts[$0] > 0 }.map {
            GroupAccuracy(name: names[$0], index: $0, count: counts[$0], correct: hits[$0])
        }
    }

    /// The group with the lowest accuracy (the lower index on ties); nil when there are none.
    public var worst: GroupAccuracy? {
        groups.min { $0.accuracy < $1.accuracy || ($0.accuracy == $1.accuracy && $0.index < $1.index) }
    }

    /// The unweighted mean of the groups' accuracies (each group counts once).
    public var meanAccuracy: Double {
        groups.isEmpty ? 0 : groups.reduce(0) { $0 + $1.accuracy } / Double(groups.count)
    }
}
