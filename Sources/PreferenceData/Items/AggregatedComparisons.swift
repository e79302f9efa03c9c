/// Repeated comparisons of the same unordered pair, summed into weighted counts.
///
/// Pair p joins items `first[p] < second[p]`; `firstWins[p]` is the total weight of records in
/// which `first[p]` beat `second[p]`, `secondWins[p]` the reverse, `ties[p]` the weight of ties.
/// Every item-level likelihood depends on the data only through these counts, so solvers work on
/// the (usually much shorter) pair list. Pairs are ordered by `first`, then by first appearance.
///
/// Rows may carry a block of k ≥ 0 covariates (``covariates``, oriented to `first`): the contest
/// covariates of an arena fit, P(first ≻ second) = σ(θ_first − θ_second + γ·c). With covariates a
/// pair appears once per distinct covariate pattern, so "pair" means "row" there.
///
/// Aggregation is O(records + items): a counting sort of the records by their smaller item (one
/// packed 8-byte word per record), then one pass per item with a dense scratch row (no hashing,
/// no comparison sort).
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
    /// The number of covariates k per row (0 for plain paired comparisons).
    public let covariateCount: Int
    /// c of each row oriented to `first` (c for "first beat second"), rows × k, row-major.
    public var covariates: [Double]

    /// The number of distinct pairs.
    public var pairCount: Int { first.count }

    /// Aggregates a comparison set.
    public init(_ set: ComparisonSet, ties tieHandling: TieHandling = .keep) {
        let n = set.itemCount
        let m = set.count
        precondition(n < 1 << 30 && m < 1 << 31, "AggregatedComparisons: \(n) items or \(m) records is too many (2³⁰ items, 2³¹ records)")
        itemCount = n
        covariateCount = 0
        covariates = []
        var rowStart = [Int](repeating: 0, count: n + 1)
        set.winners.withUnsafeBufferPointer { w in
            set.losers.withUnsafeBufferPointer { l in
                rowStart.withUnsafeMutableBufferPointer { rows in
                    for k in 0..<m { rows[min(w[k], l[k]) + 1] += 1 }
                }
            }
        }
        for i in 0..<n { rowStart[i + 1] += rowStart[i] }
        var unweighted = true
        set.weights.withUnsafeBufferPointer { weight in
            var different = 0
            for k in 0..<m where weight[k] != 1 { different += 1 }
            unweighted = different == 0
        }
        // Counting sort by row (stable, so pairs keep their order of first appearance). The payload
        // is one 4-byte word per record — other item << 2 | outcome seen from the row item (0 won,
        // 1 lost, 2 tie) — plus the weight when the records are weighted, so the scatter writes one
        // narrow stream and the pass below reads it sequentially.
        let packed = UnsafeMutablePointer<UInt32>.allocate(capacity: max(m, 1))
        defer { packed.deallocate() }
        let sortedWeight = UnsafeMutablePointer<Double>.allocate(capacity: unweighted ? 1 : max(m, 1))
        defer { sortedWeight.deallocate() }
        var cursor = rowStart
        set.winners.withUnsafeBufferPointer { w in
        set.losers.withUnsafeBufferPointer { l in
        set.ties.withUnsafeBufferPointer { t in
        set.weights.withUnsafeBufferPointer { weight in
        cursor.withUnsafeMutableBufferPointer { cursor in
            for k in 0..<m {
                let winner = w[k], loser = l[k]
                let rowWon = winner < loser
                let row = rowWon ? winner : loser
                let other = rowWon ? loser : winner
                let code: UInt32 = t[k] ? 2 : (rowWon ? 0 : 1)
                let position = cursor[row]
                cursor[row] = position + 1
                packed[position] = UInt32(truncatingIfNeeded: other) << 2 | code
                if !unweighted { sortedWeight[position] = weight[k] }
            }
        } } } } }
        // Pair lists are written into uninitialized buffers of the largest possible size (each
        // entry is written when its pair appears; nothing beyond the pair count is touched).
        let capacity = min(m, n * (n - 1) / 2)
        let keepTies = tieHandling == .keep, dropTies = tieHandling == .drop
        var slot = [Int32](repeating: -1, count: n)
        var pairCount = 0
        var second: [Int32] = [], firstWins: [Double] = [], secondWins: [Double] = [], tieWeights: [Double] = []
        var pairOfRecord: [Int32] = []
        let first = [Int32](unsafeUninitializedCapacity: capacity) { first, firstCount in
        second = [Int32](unsafeUninitializedCapacity: capacity) { second, secondCount in
        firstWins = [Double](unsafeUninitializedCapacity: capacity) { firstWins, firstWinsCount in
        secondWins = [Double](unsafeUninitializedCapacity: capacity) { secondWins, secondWinsCount in
        tieWeights = [Double](unsafeUninitializedCapacity: capacity) { tieWeights, tieCount in
        pairOfRecord = [Int32](unsafeUninitializedCapacity: m) { pairOfRecord, recordCount in
        rowStart.withUnsafeBufferPointer { rowStart in
        slot.withUnsafeMutableBufferPointer { slot in
            for i in 0..<n {
                let rowFirstPair = pairCount
                for position in rowStart[i]..<rowStart[i + 1] {
                    let word = packed[position]
                    let code = word & 3
                    if code == 2 && dropTies {
                        packed[position] = UInt32(bitPattern: -1)
                        continue
                    }
                    let j = Int(word >> 2)
                    var p = Int(slot[j])
                    if p < 0 {
                        p = pairCount
                        pairCount += 1
                        slot[j] = Int32(p)
                        first[p] = Int32(i)
                        second[p] = Int32(j)
                        firstWins[p] = 0
                        secondWins[p] = 0
                        tieWeights[p] = 0
                    }
                    packed[position] = UInt32(p)
                    let value = unweighted ? 1 : sortedWeight[position]
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
            // `packed` now holds the pair of each record in row order; the same stable counting
            // order maps it back to record order (a gather from one sequential stream per row,
            // rather than a scatter of every record into a random cache line).
            var cursor = rowStart.map { $0 }
            set.winners.withUnsafeBufferPointer { w in
            set.losers.withUnsafeBufferPointer { l in
            cursor.withUnsafeMutableBufferPointer { cursor in
                for k in 0..<m {
                    let row = min(w[k], l[k])
                    let position = cursor[row]
                    cursor[row] = position + 1
                    pairOfRecord[k] = Int32(bitPattern: packed[position])
                }
            } } }
        } }
            recordCount = m
        }
            tieCount = pairCount
        }
            secondWinsCount = pairCount
        }
            firstWinsCount = pairCount
        }
            secondCount = pairCount
        }
            firstCount = pairCount
        }
        self.first = first
        self.second = second
        self.firstWins = firstWins
        self.secondWins = secondWins
        self.ties = tieWeights
        self.pairOfRecord = pairOfRecord
    }

    /// Creates aggregated counts directly (for example from a bootstrap resample), optionally with
    /// `covariateCount` covariates per row in `covariates` (rows × k, row-major, oriented to `first`).
    public init(itemCount: Int, first: [Int32], second: [Int32], firstWins: [Double], secondWins: [Double],
                ties: [Double], pairOfRecord: [Int32] = [], covariateCount: Int = 0, covariates: [Double] = []) {
        let p = first.count
        precondition(second.count == p && firstWins.count == p && secondWins.count == p && ties.count == p
                     && covariateCount >= 0 && covariates.count == p * covariateCount,
                     "AggregatedComparisons: array lengths \([first.count, second.count, firstWins.count, secondWins.count, ties.count]) and \(covariates.count) covariates for k = \(covariateCount)")
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
        self.covariateCount = covariateCount
        self.covariates = covariates
    }

    /// The total weight of all pairs (wins in both directions plus ties).
    public var totalWeight: Double {
        var total = 0.0
        for p in 0..<pairCount { total += firstWins[p] + secondWins[p] + ties[p] }
        return total
    }

    /// The total tie weight.
    public var totalTies: Double { ties.reduce(0, +) }

    /// The rows between kept items with positive weight, reindexed: `newIndex[i]` is item i's new
    /// index (< 0 drops it), increasing over the kept items so that first < second still holds.
    public func restricted(to newIndex: [Int], itemCount newCount: Int) -> AggregatedComparisons {
        let k = covariateCount
        var f: [Int32] = [], s: [Int32] = [], c: [Double] = [], a: [Double] = [], b: [Double] = [], t: [Double] = []
        f.reserveCapacity(pairCount); s.reserveCapacity(pairCount); c.reserveCapacity(pairCount * k)
        a.reserveCapacity(pairCount); b.reserveCapacity(pairCount); t.reserveCapacity(pairCount)
        for u in 0..<pairCount {
            let i = newIndex[Int(first[u])], j = newIndex[Int(second[u])]
            guard i >= 0 && j >= 0, firstWins[u] + secondWins[u] + ties[u] > 0 else { continue }
            f.append(Int32(i)); s.append(Int32(j))
            c.append(contentsOf: covariates[(u * k)..<((u + 1) * k)])
            a.append(firstWins[u]); b.append(secondWins[u]); t.append(ties[u])
        }
        return AggregatedComparisons(itemCount: newCount, first: f, second: s, firstWins: a, secondWins: b, ties: t,
                                     covariateCount: k, covariates: c)
    }

    /// Whether each covariate is nonzero in some row with positive weight (otherwise the likelihood
    /// does not depend on its coefficient, which is then not identified).
    public func identifiedCovariates() -> [Bool] {
        let k = covariateCount
        var identified = [Bool](repeating: false, count: k)
        guard k > 0 else { return identified }
        for u in 0..<pairCount where firstWins[u] + secondWins[u] + ties[u] > 0 {
            for a in 0..<k where covariates[u * k + a] != 0 { identified[a] = true }
        }
        return identified
    }

    /// The same rows with only the covariate columns where `keep` is true.
    public func keepingCovariates(_ keep: [Bool]) -> AggregatedComparisons {
        precondition(keep.count == covariateCount, "\(keep.count) flags for \(covariateCount) covariates")
        let columns = (0..<covariateCount).filter { keep[$0] }
        if columns.count == covariateCount { return self }
        var c = [Double]()
        c.reserveCapacity(pairCount * columns.count)
        for u in 0..<pairCount { for a in columns { c.append(covariates[u * covariateCount + a]) } }
        return AggregatedComparisons(itemCount: itemCount, first: first, second: second, firstWins: firstWins,
                                     secondWins: secondWins, ties: ties, pairOfRecord: pairOfRecord,
                                     covariateCount: columns.count, covariates: c)
    }
}
