import FileFormats

/// A set of rankings (orderings) of named items: each ranking lists its *places* from best to
/// worst, a place being one item or a tie group of several; optionally a top-k ranking also names
/// the items of its option set that it left unranked, and each ranking may carry a ranker and a
/// weight.
///
/// Items are stored once, in ``items``, and every ranking refers to them by index
/// (`0..<itemCount`), as in ``ComparisonSet``. A ranking is *partial* when it ranks a subset of
/// the items (the others simply did not take part) and *top-k* when ``Ranking/unranked`` is not
/// empty: those items were options too, ranked below every place but not among themselves, so
/// they enter the denominator of every place of the Plackett–Luce likelihood.
///
/// ```swift
/// var builder = RankingSet.Builder()
/// try builder.append(places: [["a"], ["b", "c"], ["d"]])             // b and c tie for second
/// try builder.append(places: [["c"], ["a"]], unranked: ["b", "d"])   // top-2 of four options
/// let rankings = builder.build()                                     // 4 items, 2 rankings
/// ```
public struct RankingSet: Sendable, Equatable {
    /// Item names; the index of a name is its item index.
    public private(set) var items: [String]
    /// The item indices of every place of every ranking, place after place.
    public private(set) var placeItems: [Int32]
    /// Place p holds `placeItems[placeBounds[p]..<placeBounds[p + 1]]` (one entry more than places).
    public private(set) var placeBounds: [Int]
    /// Ranking r has places `rankingBounds[r]..<rankingBounds[r + 1]` (one entry more than rankings).
    public private(set) var rankingBounds: [Int]
    /// The unranked options of every ranking (top-k rankings), ranking after ranking.
    public private(set) var unrankedItems: [Int32]
    /// Ranking r's unranked options are `unrankedItems[unrankedBounds[r]..<unrankedBounds[r + 1]]`.
    public private(set) var unrankedBounds: [Int]
    /// The weight of each ranking (all 1 when the source had no weights).
    public private(set) var weights: [Double]
    /// The ranker index of each ranking, when the source named rankers.
    public private(set) var rankers: [Int]?
    /// Ranker names; `rankers` index into this array.
    public private(set) var rankerNames: [String]

    /// One ranking of the set, by item index.
    public struct Ranking: Sendable, Equatable {
        /// The places from best to worst; a place of several items is a tie.
        public var places: [[Int]]
        /// Options ranked below every place but not among themselves (empty unless top-k).
        public var unranked: [Int]
        /// The ranking's weight.
        public var weight: Double
        /// The ranker's index, if known.
        public var ranker: Int?

        /// The number of options: ranked items plus unranked ones.
        public var optionCount: Int { places.reduce(0) { $0 + $1.count } + unranked.count }
    }

    init(validatedItems items: [String], placeItems: [Int32], placeBounds: [Int], rankingBounds: [Int],
         unrankedItems: [Int32], unrankedBounds: [Int], weights: [Double], rankers: [Int]?, rankerNames: [String]) {
        self.items = items
        self.placeItems = placeItems
        self.placeBounds = placeBounds
        self.rankingBounds = rankingBounds
        self.unrankedItems = unrankedItems
        self.unrankedBounds = unrankedBounds
        self.weights = weights
        self.rankers = rankers
        self.rankerNames = rankerNames
    }

    /// The number of rankings.
    public var count: Int { weights.count }
    /// The number of items.
    public var itemCount: Int { items.count }
    /// Whether any ranking has a tie (a place of two or more items).
    public var hasTies: Bool { maximumTieSize > 1 }
    /// The largest place (1 without ties).
    public var maximumTieSize: Int {
        var largest = 0
        for p in 0..<(placeBounds.count - 1) { largest = max(largest, placeBounds[p + 1] - placeBounds[p]) }
        return largest
    }
    /// Whether any ranking is top-k (names unranked options).
    public var hasUnranked: Bool { !unrankedItems.isEmpty }
    /// Whether any weight differs from 1.
    public var isWeighted: Bool { weights.contains { $0 != 1 } }
    /// The sum of all weights.
    public var totalWeight: Double { weights.reduce(0, +) }

    /// Ranking `r`.
    public subscript(r: Int) -> Ranking {
        precondition(r >= 0 && r < count, "ranking \(r) out of range 0..<\(count)")
        let places = (rankingBounds[r]..<rankingBounds[r + 1]).map { p in
            placeItems[placeBounds[p]..<placeBounds[p + 1]].map { Int($0) }
        }
        return Ranking(places: places, unranked: unrankedItems[unrankedBounds[r]..<unrankedBounds[r + 1]].map { Int($0) },
                       weight: weights[r], ranker: rankers?[r])
    }

    /// A dictionary from item name to item index.
    public var itemIndex: [String: Int] {
        var map = [String: Int](minimumCapacity: items.count)
        for (i, name) in items.enumerated() { map[name] = i }
        return map
    }

    /// The rankings at `indices` (repeats allowed, e.g. a bootstrap resample), with the same items.
    public func subset<C: Collection>(_ indices: C) -> RankingSet where C.Element == Int {
        var builder = Builder(items: items)
        for r in indices { builder.appendValidated(self[r], rankerName: rankers.map { rankerNames[$0[r]] }) }
        return builder.build()
    }

    /// Each ranking broken into its pairs: for every two places, each item of the higher place
    /// beats each item of the lower one, and each unranked option loses to every ranked item;
    /// items tied in one place give one tie record per pair. Weights are kept. (This overstates
    /// the evidence of a ranking; it is what "binarizing" a ranking does.)
    public func pairwiseComparisons() -> ComparisonSet {
        var builder = ComparisonSet.Builder(items: items)
        for r in 0..<count {
            let ranking = self[r]
            let ranker = rankers.map { rankerNames[$0[r]] }
            let annotator = ranker.map { builder.annotatorID($0) }
            var below: [Int] = ranking.unranked
            for place in ranking.places.reversed() {
                for a in place { for b in below { builder.appendValidated(winner: a, loser: b, isTie: false, weight: ranking.weight, annotator: annotator) } }
                for x in 0..<place.count { for y in (x + 1)..<place.count {
                    builder.appendValidated(winner: place[x], loser: place[y], isTie: true, weight: ranking.weight, annotator: annotator)
                } }
                below += place
            }
        }
        return builder.build()
    }
}

extension RankingSet {
    /// Builds a ``RankingSet`` ranking by ranking, assigning item indices in order of first appearance.
    public struct Builder: Sendable {
        var items: [String] = []
        var itemIndex: [String: Int] = [:]
        var placeItems: [Int32] = []
        var placeBounds: [Int] = [0]
        var rankingBounds: [Int] = [0]
        var unrankedItems: [Int32] = []
        var unrankedBounds: [Int] = [0]
        var weights: [Double] = []
        var rankers: [Int] = []
        var rankerNames: [String] = []
        var rankerIndex: [String: Int] = [:]
        var anyRanker = false
        var stamp: [Int] = []

        /// An empty builder; `items` pre-registers item names (so items without rankings keep their index).
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

        /// The number of rankings so far.
        public var count: Int { weights.count }

        /// Appends one ranking: `places` from best to worst (a place of several items is a tie),
        /// `unranked` options of a top-k ranking.
        ///
        /// - Throws: `DataError` (line: the 0-based ranking index) for an empty place, an item
        ///   that appears twice, fewer than two options, no place at all, or a weight that is not
        ///   finite and ≥ 0.
        public mutating func append(places: [[String]], unranked: [String] = [], weight: Double = 1,
                                    ranker: String? = nil) throws(DataError) {
            let line = count
            let indexed = places.map { $0.map { index(ofItem: $0) } }
            let rest = unranked.map { index(ofItem: $0) }
            if let problem = Self.problem(places: indexed, unranked: rest, weight: weight, items: items, stamp: &stamp) {
                throw DataError(file: "<memory>", line: line, reason: .invalidValue(problem))
            }
            appendValidated(Ranking(places: indexed, unranked: rest, weight: weight, ranker: nil), rankerName: ranker)
        }

        /// Why a ranking is not valid data, or nil. `stamp` is scratch space.
        static func problem(places: [[Int]], unranked: [Int], weight: Double, items: [String], stamp: inout [Int]) -> String? {
            if !(weight.isFinite && weight >= 0) { return "weight '\(weight)' is not a finite non-negative number" }
            if places.isEmpty { return "the ranking has no ranked item" }
            if places.contains(where: \.isEmpty) { return "the ranking has an empty tie group" }
            if stamp.count < items.count { stamp += [Int](repeating: 0, count: items.count - stamp.count) }
            var options = 0
            for i in places.joined() {
                if stamp[i] == 1 { return duplicate(items[i], stamp: &stamp, places: places, unranked: unranked) }
                stamp[i] = 1
                options += 1
            }
            for i in unranked {
                if stamp[i] == 1 { return duplicate(items[i], stamp: &stamp, places: places, unranked: unranked) }
                stamp[i] = 1
                options += 1
            }
            for i in places.joined() { stamp[i] = 0 }
            for i in unranked { stamp[i] = 0 }
            if options < 2 { return "the ranking has fewer than two items" }
            return nil
        }

        private static func duplicate(_ name: String, stamp: inout [Int], places: [[Int]], unranked: [Int]) -> String {
            for i in places.joined() { stamp[i] = 0 }
            for i in unranked { stamp[i] = 0 }
            return "item '\(name)' appears twice in one ranking"
        }

        mutating func rankerID(_ name: String) -> Int {
            if let a = rankerIndex[name] { return a }
            rankerIndex[name] = rankerNames.count
            rankerNames.append(name)
            return rankerNames.count - 1
        }

        mutating func appendValidated(_ ranking: Ranking, rankerName: String?) {
            if let rankerName {
                let id = rankerID(rankerName)
                if !anyRanker {
                    // Rankings before the first ranker get an empty-named ranker.
                    anyRanker = true
                    if !weights.isEmpty {
                        let blank = rankerID("")
                        rankers = [Int](repeating: blank, count: weights.count)
                    }
                }
                rankers.append(id)
            } else if anyRanker {
                rankers.append(rankerID(""))
            }
            for place in ranking.places {
                for i in place { placeItems.append(Int32(i)) }
                placeBounds.append(placeItems.count)
            }
            rankingBounds.append(placeBounds.count - 1)
            for i in ranking.unranked { unrankedItems.append(Int32(i)) }
            unrankedBounds.append(unrankedItems.count)
            weights.append(ranking.weight)
        }

        /// The finished set.
        public func build() -> RankingSet {
            RankingSet(validatedItems: items, placeItems: placeItems, placeBounds: placeBounds, rankingBounds: rankingBounds,
                       unrankedItems: unrankedItems, unrankedBounds: unrankedBounds, weights: weights,
                       rankers: anyRanker ? rankers : nil, rankerNames: rankerNames)
        }
    }
}
