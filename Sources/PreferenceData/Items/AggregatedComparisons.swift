/// Repeated comparisons of the same unordered pair, summed into weighted counts.
///
/// Pair p joins items `first[p] < second[p]`; `firstWins[p]` is the total weight of records in
/// which `first[p]` beat `second[p]`, `secondWins[p]` the reverse, `ties[p]` the weight of ties.
/// Every item-level likelihood depends on the data only through these counts, so solvers work on
/// the (usually much shorter) pair list. Pairs are ordered by `first`, then by first appearance.
///
/// Aggregation is O(records + items): a counting sort of the records by their smaller item, then
/// one pass per item with a dense scratch row (no hashing, no comparison sort).
public struct AggregatedComparisons: Sendable, Equatable {
    /// How tie records enter the counts.
    public enum TieHandling: Sendable, Equatable {
        /// Ties are kept in ``ties`` (for models with a tie probability).
        case keep
        /// A tie counts as half a win for each side (the Elo / Chatbot Arena convention).
        case halfWins
        /// Tie records are left out.
        case drop
    }

    /// The number of items (indices `0..<itemCount`).
    public let itemCount: Int
    /// The smaller item index of each pair.
    public var first: [Int32]
    /// The larger item index of each pair.
    public var second: [Int32]
    /// Weight of records where `first` beat `second`.
    public var firstWins: [Double]
    /// Weight of records where `second` beat `first`.
    public var secondWins: [Double]
    /// Weight of tie records (zero unless ties are kept).
    public var ties: [Double]
    /// For each source record, its pair index (−1 for a dropped tie).
    public let pairOfRecord: [Int32]

    /// The number of distinct pairs.
    public var pairCount: Int { first.count }

    /// Aggregates a comparison set.
    public init(_ set: ComparisonSet, ties tieHandling: TieHandling = .keep) {
        let n = set.itemCount
        let m = set.count
        itemCount = n
        var rowStart = [Int](repeating: 0, count: n + 1)
        set.winners.withUnsafeBufferPointer { w in
            set.losers.withUnsafeBufferPointer { l in
                rowStart.withUnsafeMutableBufferPointer { rows in
                    for k in 0..<m { rows[min(w[k], l[k]) + 1] += 1 }
                }
            }
        }
        for i in 0..<n { rowStart[i + 1] += rowStart[i] }
        // Counting sort by row; the payload (record index, the other item, the outcome seen from
        // the row item, the weight) is copied so the pass below reads memory sequentially.
        var order = [Int32](repeating: 0, count: m)
        var other = [Int32](repeating: 0, count: m)
        var outcome = [UInt8](repeating: 0, count: m)   // 0 row item won, 1 row item lost, 2 tie
        var sortedWeight = [Double](repeating: 0, count: m)
        var cursor = rowStart
        set.winners.withUnsafeBufferPointer { w in
        set.losers.withUnsafeBufferPointer { l in
        set.ties.withUnsafeBufferPointer { t in
        set.weights.withUnsafeBufferPointer { weight in
        order.withUnsafeMutableBufferPointer { order in
        other.withUnsafeMutableBufferPointer { other in
        outcome.withUnsafeMutableBufferPointer { outcome in
        sortedWeight.withUnsafeMutableBufferPointer { sortedWeight in
        cursor.withUnsafeMutableBufferPointer { cursor in
            for k in 0..<m {
                let winner = w[k], loser = l[k]
                let rowWon = winner < loser
                let row = rowWon ? winner : loser
                let position = cursor[row]
                cursor[row] = position + 1
                order[position] = Int32(k)
                other[position] = Int32(rowWon ? loser : winner)
                outcome[position] = t[k] ? 2 : (rowWon ? 0 : 1)
                sortedWeight[position] = weight[k]
            }
        } } } } } } } } }
        // Pair lists are filled through raw buffers of the largest possible size, then trimmed.
        let capacity = min(m, n * (n - 1) / 2)
        var first = [Int32](repeating: 0, count: capacity), second = first
        var firstWins = [Double](repeating: 0, count: capacity), secondWins = firstWins, tieWeights = firstWins
        var pairOfRecord = [Int32](repeating: -1, count: m)
        var slot = [Int32](repeating: -1, count: n)
        var pairCount = 0
        let keepTies = tieHandling == .keep, dropTies = tieHandling == .drop
        order.withUnsafeBufferPointer { order in
        other.withUnsafeBufferPointer { other in
        outcome.withUnsafeBufferPointer { outcome in
        sortedWeight.withUnsafeBufferPointer { sortedWeight in
        rowStart.withUnsafeBufferPointer { rowStart in
        slot.withUnsafeMutableBufferPointer { slot in
        pairOfRecord.withUnsafeMutableBufferPointer { pairOfRecord in
        first.withUnsafeMutableBufferPointer { first in
        second.withUnsafeMutableBufferPointer { second in
        firstWins.withUnsafeMutableBufferPointer { firstWins in
        secondWins.withUnsafeMutableBufferPointer { secondWins in
        tieWeights.withUnsafeMutableBufferPointer { tieWeights in
            for i in 0..<n {
                let rowFirstPair = pairCount
                for position in rowStart[i]..<rowStart[i + 1] {
                    let code = outcome[position]
                    if code == 2 && dropTies { continue }
                    let j = Int(other[position])
                    var p = Int(slot[j])
                    if p < 0 {
                        p = pairCount
                        pairCount += 1
                        slot[j] = Int32(p)
                        first[p] = Int32(i)
                        second[p] = Int32(j)
                    }
                    pairOfRecord[Int(order[position])] = Int32(p)
                    let value = sortedWeight[position]
                    if code == 0 {
                        firstWins[p] += value
                    } else if code == 1 {
                        secondWins[p] += value
                    } else if keepTies {
                        tieWeights[p] += value
                    } else {
                        firstWins[p] += value / 2
                        secondWins[p] += value / 2
                    }
                }
                for p in rowFirstPair..<pairCount { slot[Int(second[p])] = -1 }
            }
        } } } } } } } } } } } }
        first.removeLast(capacity - pairCount)
        second.removeLast(capacity - pairCount)
        firstWins.removeLast(capacity - pairCount)
        secondWins.removeLast(capacity - pairCount)
        tieWeights.removeLast(capacity - pairCount)
        self.first = first
        self.second = second
        self.firstWins = firstWins
        self.secondWins = secondWins
        self.ties = tieWeights
        self.pairOfRecord = pairOfRecord
    }

    /// Creates aggregated counts directly (for example from a bootstrap resample).
    public init(itemCount: Int, first: [Int32], second: [Int32], firstWins: [Double], secondWins: [Double],
                ties: [Double], pairOfRecord: [Int32] = []) {
        let p = first.count
        precondition(second.count == p && firstWins.count == p && secondWins.count == p && ties.count == p,
                     "AggregatedComparisons: array lengths \([first.count, second.count, firstWins.count, secondWins.count, ties.count])")
        for k in 0..<p {
            precondition(first[k] >= 0 && first[k] < second[k] && Int(second[k]) < itemCount,
                         "AggregatedComparisons: pair \(k) = (\(first[k]), \(second[k])) is not 0 ≤ first < second < \(itemCount)")
        }
        self.itemCount = itemCount
        self.first = first
        self.second = second
        self.firstWins = firstWins
        self.secondWins = secondWins
        self.ties = ties
        self.pairOfRecord = pairOfRecord
    }

    /// The total weight of all pairs (wins in both directions plus ties).
    public var totalWeight: Double {
        var total = 0.0
        for p in 0..<pairCount { total += firstWins[p] + secondWins[p] + ties[p] }
        return total
    }

    /// The total tie weight.
    public var totalTies: Double { ties.reduce(0, +) }
}
