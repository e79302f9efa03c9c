import FileFormats
/// A set of paired comparisons between named items: "winner beat loser", optionally a tie, an
/// annotator and a weight per record.
///
/// Items are stored once, in ``items``, and every record refers to them by index
/// (`0..<itemCount`). A record with `isTie == true` is a draw; the order of its winner and loser
/// is then arbitrary. Weights multiply the record's term in every likelihood (a weight of 2 is
/// the same as the record appearing twice).
///
/// ```swift
/// var builder = ComparisonSet.Builder()
/// builder.append(winner: "gpt", loser: "llama")
/// builder.append(winner: "llama", loser: "gpt", isTie: true)
/// let set = builder.build()          // 2 items, 2 comparisons, 1 tie
/// ```
public struct ComparisonSet: Sendable, Equatable {
    /// Item names; the index of a name is its item index.
    public private(set) var items: [String]
    /// The winner's item index of each record.
    public private(set) var winners: [Int]
    /// The loser's item index of each record.
    public private(set) var losers: [Int]
    /// Whether each record is a tie.
    public private(set) var ties: [Bool]
    /// The weight of each record (all 1 when the source had no weights).
    public private(set) var weights: [Double]
    /// The annotator index of each record, when the source named annotators.
    public private(set) var annotators: [Int]?
    /// Annotator names; `annotators` index into this array.
    public private(set) var annotatorNames: [String]
    /// Which item of each record was shown first (left), when the source had a `first` column:
    /// `+1` the winner, `−1` the loser, `0` not recorded for that record. The noisy Bradley–Terry
    /// model fits a per-annotator position bias from it (see `Docs/Annotators.md`).
    public private(set) var shownFirst: [Int8]?

    /// One record of the set.
    public struct Comparison: Sendable, Equatable {
        /// The winner's item index.
        public var winner: Int
        /// The loser's item index.
        public var loser: Int
        /// Whether the comparison is a tie (then winner and loser are in arbitrary order).
        public var isTie: Bool
        /// The record's weight.
        public var weight: Double
        /// The annotator's index, if known.
        public var annotator: Int?
    }

    /// Creates a set from item indices, validating the records.
    ///
    /// Lengths and index ranges are programmer errors (preconditions); a record whose winner
    /// equals its loser, a non-finite or negative weight, or a duplicate item name is bad data and
    /// throws a `DataError` whose `line` is the 0-based record index.
    public init(
        items: [String], winners: [Int], losers: [Int], ties: [Bool]? = nil, weights: [Double]? = nil,
        annotators: [Int]? = nil, annotatorNames: [String] = [], shownFirst: [Int8]? = nil, source: String = "<memory>"
    ) throws(DataError) {
        let m = winners.count
        precondition(losers.count == m, "ComparisonSet: \(m) winners but \(losers.count) losers")
        precondition(ties == nil || ties!.count == m, "ComparisonSet: \(m) records but \(ties!.count) tie flags")
        precondition(weights == nil || weights!.count == m, "ComparisonSet: \(m) records but \(weights!.count) weights")
        precondition(annotators == nil || annotators!.count == m,
                     "ComparisonSet: \(m) records but \(annotators!.count) annotator ids")
        precondition(shownFirst == nil || shownFirst!.count == m,
                     "ComparisonSet: \(m) records but \(shownFirst!.count) first-shown flags")
        var seen = Set<String>()
        for name in items where !seen.insert(name).inserted {
            throw DataError(file: source, reason: .invalidValue("duplicate item name '\(name)'"))
        }
        let n = items.count
        for k in 0..<m {
            precondition(winners[k] >= 0 && winners[k] < n && losers[k] >= 0 && losers[k] < n,
                         "ComparisonSet: record \(k) has items (\(winners[k]), \(losers[k])) outside 0..<\(n)")
            if winners[k] == losers[k] {
                throw DataError(file: source, line: k, reason: .winnerEqualsLoser(items[winners[k]]))
            }
            if let weights, !(weights[k].isFinite && weights[k] >= 0) {
                throw DataError(file: source, line: k, reason: .invalidWeight("\(weights[k])"))
            }
            if let shownFirst, !(shownFirst[k] >= -1 && shownFirst[k] <= 1) {
                throw DataError(file: source, line: k, reason: .invalidValue("first-shown flag \(shownFirst[k]) is not −1, 0 or 1"))
            }
            if let annotators {
                precondition(annotators[k] >= 0 && annotators[k] < annotatorNames.count,
                             "ComparisonSet: record \(k) has annotator \(annotators[k]) outside 0..<\(annotatorNames.count)")
            }
        }
        self.items = items
        self.winners = winners
        self.losers = losers
        self.ties = ties ?? [Bool](repeating: false, count: m)
        self.weights = weights ?? [Double](repeating: 1, count: m)
        self.annotators = annotators
        self.annotatorNames = annotatorNames
        self.shownFirst = shownFirst
    }

    /// An unchecked memberwise initializer for loaders that have already validated every record.
    init(validatedItems items: [String], winners: [Int], losers: [Int], ties: [Bool], weights: [Double],
         annotators: [Int]?, annotatorNames: [String], shownFirst: [Int8]? = nil) {
        self.items = items
        self.winners = winners
        self.losers = losers
        self.ties = ties
        self.weights = weights
        self.annotators = annotators
        self.annotatorNames = annotatorNames
        self.shownFirst = shownFirst
    }

    /// The number of records.
    public var count: Int { winners.count }
    /// The number of items.
    public var itemCount: Int { items.count }
    /// Whether any record is a tie.
    public var hasTies: Bool { ties.contains(true) }
    /// Whether any weight differs from 1.
    public var isWeighted: Bool { weights.contains { $0 != 1 } }
    /// The sum of all weights.
    public var totalWeight: Double { weights.reduce(0, +) }

    /// Record `k`.
    public subscript(k: Int) -> Comparison {
        precondition(k >= 0 && k < count, "comparison \(k) out of range 0..<\(count)")
        return Comparison(winner: winners[k], loser: losers[k], isTie: ties[k], weight: weights[k],
                          annotator: annotators?[k])
    }

    /// The index of the item called `name`, if there is one (linear search; build a dictionary
    /// with ``itemIndex`` for repeated look-ups).
    public func index(of name: String) -> Int? { items.firstIndex(of: name) }

    /// A dictionary from item name to item index.
    public var itemIndex: [String: Int] {
        var map = [String: Int](minimumCapacity: items.count)
        for (i, name) in items.enumerated() { map[name] = i }
        return map
    }

    /// The records at `indices` (repeats allowed, e.g. a bootstrap resample), with the same items.
    public func subset<C: Collection>(_ indices: C) -> ComparisonSet where C.Element == Int {
        ComparisonSet(validatedItems: items,
                      winners: indices.map { winners[$0] }, losers: indices.map { losers[$0] },
                      ties: indices.map { ties[$0] }, weights: indices.map { weights[$0] },
                      annotators: annotators.map { a in indices.map { a[$0] } }, annotatorNames: annotatorNames,
                      shownFirst: shownFirst.map { f in indices.map { f[$0] } })
    }

    /// Weighted wins, losses and ties of every item (a tie counts once for both items, not as a win).
    public func itemTotals() -> (wins: [Double], losses: [Double], ties: [Double]) {
        var wins = [Double](repeating: 0, count: itemCount)
        var losses = wins
        var tieCounts = wins
        for k in 0..<count {
            if ties[k] {
                tieCounts[winners[k]] += weights[k]
                tieCounts[losers[k]] += weights[k]
            } else {
                wins[winners[k]] += weights[k]
                losses[losers[k]] += weights[k]
            }
        }
        return (wins, losses, tieCounts)
    }
}

extension ComparisonSet {
    /// Builds a ``ComparisonSet`` record by record, assigning item indices in order of first appearance.
    public struct Builder: Sendable {
        var items: [String] = []
        var itemIndex: [String: Int] = [:]
        var winners: [Int] = []
        var losers: [Int] = []
        var ties: [Bool] = []
        var weights: [Double] = []
        var annotators: [Int] = []
        var annotatorNames: [String] = []
        var annotatorIndex: [String: Int] = [:]
        var anyAnnotator = false
        var shownFirst: [Int8] = []
        var anyShownFirst = false

        /// An empty builder; `items` pre-registers item names (so items without records keep their index).
        public init(items: [String] = []) {
            for name in items { _ = index(ofItem: name) }
        }

        /// The index of `name`, registering it when new.
        public mutating func index(ofItem name: String) -> Int {
            if let i = itemIndex[name] { return i }
            itemIndex[name] = items.count
            items.append(name)
            return items.count - 1
        }

        /// Appends one record. Winner equal to loser, a non-finite or negative weight, or a `first`
        /// (the item shown first) that names neither the winner nor the loser is bad data.
        public mutating func append(
            winner: String, loser: String, isTie: Bool = false, weight: Double = 1, annotator: String? = nil,
            first: String? = nil
        ) throws(DataError) {
            if winner == loser {
                throw DataError(file: "<memory>", line: winners.count, reason: .winnerEqualsLoser(winner))
            }
            let side = try ComparisonSet.side(first: first, winner: winner, loser: loser, source: "<memory>",
                                              line: winners.count)
            if !(weight.isFinite && weight >= 0) {
                throw DataError(file: "<memory>", line: winners.count, reason: .invalidWeight("\(weight)"))
            }
            let w = index(ofItem: winner), l = index(ofItem: loser)
            let a = annotator.map { annotatorID($0) }
            appendValidated(winner: w, loser: l, isTie: isTie, weight: weight, annotator: a, shownFirst: side)
        }

        mutating func annotatorID(_ name: String) -> Int {
            if let a = annotatorIndex[name] { return a }
            annotatorIndex[name] = annotatorNames.count
            annotatorNames.append(name)
            return annotatorNames.count - 1
        }

        mutating func appendValidated(winner: Int, loser: Int, isTie: Bool, weight: Double, annotator: Int?,
                                      shownFirst side: Int8? = nil) {
            if let side {
                if !anyShownFirst {
                    // Records before the first `first` value have it unrecorded (0).
                    anyShownFirst = true
                    shownFirst = [Int8](repeating: 0, count: winners.count)
                }
                shownFirst.append(side)
            } else if anyShownFirst {
                shownFirst.append(0)
            }
            if let annotator {
                if !anyAnnotator {
                    // Records before the first annotator get an empty-named annotator.
                    anyAnnotator = true
                    if !winners.isEmpty {
                        let blank = annotatorID("")
                        annotators = [Int](repeating: blank, count: winners.count)
                    }
                }
                annotators.append(annotator)
            } else if anyAnnotator {
                annotators.append(annotatorID(""))
            }
            winners.append(winner)
            losers.append(loser)
            ties.append(isTie)
            weights.append(weight)
        }

        /// The number of records so far.
        public var count: Int { winners.count }

        /// The finished set.
        public func build() -> ComparisonSet {
            ComparisonSet(validatedItems: items, winners: winners, losers: losers, ties: ties, weights: weights,
                          annotators: anyAnnotator ? annotators : nil, annotatorNames: annotatorNames,
                          shownFirst: anyShownFirst ? shownFirst : nil)
        }
    }
}

extension ComparisonSet {
    /// The first-shown flag of a record from its `first` field: `+1` when it names the winner,
    /// `−1` the loser, `0` when empty (not recorded), nil when there is no field at all.
    ///
    /// - Throws: `DataError` naming `source` and `line` when `first` names neither item.
    static func side(first: String?, winner: String, loser: String, source: String, line: Int?)
        throws(DataError) -> Int8? {
        guard let first else { return nil }
        if first.isEmpty { return 0 }
        if first == winner { return 1 }
        if first == loser { return -1 }
        throw DataError(file: source, line: line, reason: .invalidValue(
            "first '\(first)' names neither the winner '\(winner)' nor the loser '\(loser)'"))
    }
}
