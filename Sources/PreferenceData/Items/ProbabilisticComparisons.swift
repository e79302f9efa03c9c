import Foundation
import FileFormats
import NumericCore

/// Pairwise comparisons with hard or soft labels: record k says P(`first[k]` ≻ `second[k]`) is
/// observed as `labels[k]` ∈ [0, 1], with weight `weights[k]`.
///
/// A hard win is the label 1; a tie is the label ½ (half a win each way, the soft-label reading
/// of a draw). Soft labels are probabilities, e.g. the share of samples in which a model chose
/// `first` (as in "Utility Engineering", Mazeika et al. 2025). Every likelihood in the value tools
/// uses the label as a Bernoulli target: y·log P + (1 − y)·log(1 − P).
public struct ProbabilisticComparisons: Sendable, Hashable {
    /// Item names; records refer to them by index.
    public var items: [String]
    /// The first item of each record.
    public var first: [Int]
    /// The second item of each record.
    public var second: [Int]
    /// The observed probability that `first` is preferred.
    public var labels: [Double]
    /// Each record's weight (≥ 0).
    public var weights: [Double]

    /// Records of `items` with observed probabilities `labels` that `first` is preferred, and optional weights (default 1).
    public init(items: [String], first: [Int], second: [Int], labels: [Double], weights: [Double]? = nil) {
        let m = first.count
        precondition(second.count == m && labels.count == m && (weights?.count ?? m) == m,
                     "ProbabilisticComparisons: \(m) first items, \(second.count) second items, \(labels.count) labels, \(weights?.count ?? m) weights")
        for k in 0..<m {
            precondition(first[k] >= 0 && first[k] < items.count && second[k] >= 0 && second[k] < items.count && first[k] != second[k],
                         "ProbabilisticComparisons: record \(k) has items (\(first[k]), \(second[k])) with \(items.count) items")
            precondition(labels[k] >= 0 && labels[k] <= 1, "ProbabilisticComparisons: record \(k) label \(labels[k]) outside [0, 1]")
        }
        self.items = items
        self.first = first
        self.second = second
        self.labels = labels
        self.weights = weights ?? [Double](repeating: 1, count: m)
        if let weights {
            for (k, w) in weights.enumerated() {
                precondition(w.isFinite && w >= 0, "ProbabilisticComparisons: record \(k) weight \(w) is not finite and ≥ 0")
            }
        }
    }

    /// Hard labels from a comparison set: winner ≻ loser is 1, a tie ½; weights are kept.
    public init(_ set: ComparisonSet) {
        self.init(items: set.items, first: set.winners, second: set.losers,
                  labels: set.ties.map { $0 ? 0.5 : 1 }, weights: set.weights)
    }

    /// The number of records.
    public var count: Int { first.count }
    /// The number of items.
    public var itemCount: Int { items.count }

    /// The records at `indices`.
    public func subset<C: Collection>(_ indices: C) -> ProbabilisticComparisons where C.Element == Int {
        ProbabilisticComparisons(items: items, first: indices.map { first[$0] }, second: indices.map { second[$0] },
                                 labels: indices.map { labels[$0] }, weights: indices.map { weights[$0] })
    }

    /// A seeded random split into training and held-out records (`heldOutFraction` of the records,
    /// rounded, at least one on each side when there are two or more records).
    public func split<G: RandomNumberGenerator>(heldOutFraction: Double, using generator: inout G)
        -> (training: ProbabilisticComparisons, heldOut: ProbabilisticComparisons)
    {
        precondition(heldOutFraction > 0 && heldOutFraction < 1, "heldOutFraction \(heldOutFraction) must be in (0, 1)")
        let order = generator.permutation(count)
        var h = Int((Double(count) * heldOutFraction).rounded())
        if count >= 2 { h = min(max(h, 1), count - 1) }
        return (subset(order[h...]), subset(order[..<h]))
    }

    /// Loads soft labels from CSV: columns `winner`, `loser`, `probability` (P(winner ≻ loser) in
    /// [0, 1]) and optional `weight` (finite, ≥ 0); names case-insensitive, other columns ignored.
    public init(softLabelCSVFile url: URL) throws(DataError) {
        try self.init(softLabelTable: try CSVTable(url: url))
    }

    /// Parses soft-label CSV text (see ``init(softLabelCSVFile:)``).
    public init(softLabelCSV text: String, source: String = "<memory>") throws(DataError) {
        try self.init(softLabelTable: try CSVTable(text: text, source: source))
    }

    init(softLabelTable table: CSVTable) throws(DataError) {
        let w = try table.column("winner"), l = try table.column("loser"), p = try table.column("probability")
        let weightColumn = table.optionalColumn("weight")
        var index = [String: Int]()
        var items = [String]()
        func id(_ name: String) -> Int {
            if let i = index[name] { return i }
            index[name] = items.count
            items.append(name)
            return items.count - 1
        }
        var first = [Int](), second = [Int](), labels = [Double](), weights = [Double]()
        for (line, fields) in table.rows {
            let winner = fields[w], loser = fields[l]
            if winner.isEmpty || loser.isEmpty {
                throw DataError(file: table.source, line: line, reason: .malformedLine("empty item name"))
            }
            if winner == loser { throw DataError(file: table.source, line: line, reason: .winnerEqualsLoser(winner)) }
            let probability = try table.real(fields[p], line: line, column: "probability")
            guard probability >= 0 && probability <= 1 else {
                throw DataError(file: table.source, line: line,
                                reason: .invalidValue("probability '\(fields[p])' is outside [0, 1]"))
            }
            var weight = 1.0
            if let c = weightColumn {
                guard let v = Double(fields[c]), v.isFinite, v >= 0 else {
                    throw DataError(file: table.source, line: line, reason: .invalidWeight(fields[c]))
                }
                weight = v
            }
            first.append(id(winner))
            second.append(id(loser))
            labels.append(probability)
            weights.append(weight)
        }
        self.init(items: items, first: first, second: second, labels: labels, weights: weights)
    }

    /// Records merged per unordered pair (i < j): total weight W and weighted mean label ȳ of
    /// "i ≻ j", plus the number of records. Every likelihood here depends on the data only
    /// through these.
    public func aggregated() -> (first: [Int], second: [Int], weight: [Double], label: [Double], records: [Int]) {
        var slot = [Int: Int]()
        var f = [Int](), s = [Int](), w = [Double](), y = [Double](), r = [Int]()
        let n = itemCount
        for k in 0..<count {
            let i = min(first[k], second[k]), j = max(first[k], second[k])
            let label = first[k] == i ? labels[k] : 1 - labels[k]
            let key = i * n + j
            let p: Int
            if let existing = slot[key] {
                p = existing
            } else {
                p = f.count
                slot[key] = p
                f.append(i); s.append(j); w.append(0); y.append(0); r.append(0)
            }
            w[p] += weights[k]
            y[p] += weights[k] * label
            r[p] += 1
        }
        for p in y.indices { y[p] = w[p] > 0 ? y[p] / w[p] : 0.5 }
        return (f, s, w, y, r)
    }
}
