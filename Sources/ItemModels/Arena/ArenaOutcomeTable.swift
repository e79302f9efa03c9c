import NumericCore
import PreferenceData

/// Battles deduplicated into unique outcomes: rows (first < second, covariate pattern oriented to
/// `first`) with the weight of "first won", "second won" and "tie", and the bootstrap cells
/// (row, outcome) with their record counts.
///
/// Every likelihood of ``ArenaRating`` depends on the battles only through these counts, and a
/// bootstrap resample of the records is a multinomial draw of record counts over the cells.
public struct ArenaOutcomeTable: Sendable {
    /// Outcome kinds of a cell.
    public enum Outcome: UInt8, Sendable {
        case firstWins = 0, secondWins = 1, tie = 2
    }

    public let itemCount: Int
    public let covariateCount: Int
    /// The smaller item index of each row.
    public let first: [Int32]
    /// The larger item index of each row.
    public let second: [Int32]
    /// Covariates of each row oriented to `first` (c for "first beat second"), rows × k, row-major.
    public let covariates: [Double]
    /// Weight of records where `first` won, `second` won, or the two tied.
    public let firstWins: [Double]
    public let secondWins: [Double]
    public let ties: [Double]
    /// The bootstrap cells: row, outcome, number of records, mean record weight.
    public let cellRow: [Int32]
    public let cellOutcome: [Outcome]
    public let cellRecords: [Double]
    public let cellMeanWeight: [Double]

    public var rowCount: Int { first.count }
    public var cellCount: Int { cellRow.count }
    /// The number of records.
    public var recordCount: Double { cellRecords.reduce(0, +) }

    private struct Key: Hashable {
        var first: Int32
        var second: Int32
        var pattern: [UInt64]
    }

    /// Deduplicates the battles: records with the same unordered pair and the same covariate
    /// pattern (after orienting to the smaller item index; −0 and +0 are the same) share a row.
    public init(_ battles: ArenaBattles) {
        let set = battles.comparisons
        let n = set.itemCount, k = battles.covariateCount, m = set.count
        itemCount = n
        covariateCount = k
        var first: [Int32] = [], second: [Int32] = [], cov: [Double] = []
        var counts: [Double] = []      // 3 per row: records per outcome
        var weights: [Double] = []     // 3 per row: weight per outcome
        var dense = [Int32]()
        let useDense = k == 0 && n <= 4096
        if useDense { dense = [Int32](repeating: -1, count: n * n) }
        var index: [Key: Int32] = [:]
        let c = battles.covariates.scalars
        var pattern = [Double](repeating: 0, count: k)
        for r in 0..<m {
            let w = set.winners[r], l = set.losers[r]
            let i = min(w, l), j = max(w, l)
            let sign: Double = w == i ? 1 : -1
            for a in 0..<k { pattern[a] = sign * c[r * k + a] + 0 }   // + 0 turns −0 into +0
            var row: Int32
            if useDense {
                row = dense[i * n + j]
                if row < 0 { row = Int32(first.count); dense[i * n + j] = row }
            } else {
                let key = Key(first: Int32(i), second: Int32(j), pattern: pattern.map { $0.bitPattern })
                if let existing = index[key] { row = existing } else { row = Int32(first.count); index[key] = row }
            }
            if Int(row) == first.count {
                first.append(Int32(i)); second.append(Int32(j)); cov.append(contentsOf: pattern)
                counts.append(contentsOf: [0, 0, 0]); weights.append(contentsOf: [0, 0, 0])
            }
            let kind = set.ties[r] ? 2 : (w == i ? 0 : 1)
            counts[Int(row) * 3 + kind] += 1
            weights[Int(row) * 3 + kind] += set.weights[r]
        }
        self.first = first
        self.second = second
        covariates = cov
        let rows = first.count
        firstWins = (0..<rows).map { weights[$0 * 3] }
        secondWins = (0..<rows).map { weights[$0 * 3 + 1] }
        ties = (0..<rows).map { weights[$0 * 3 + 2] }
        var cellRow: [Int32] = [], cellOutcome: [Outcome] = [], cellRecords: [Double] = [], cellMean: [Double] = []
        for u in 0..<rows {
            for kind in 0..<3 where counts[u * 3 + kind] > 0 {
                cellRow.append(Int32(u))
                cellOutcome.append(Outcome(rawValue: UInt8(kind))!)
                cellRecords.append(counts[u * 3 + kind])
                cellMean.append(weights[u * 3 + kind] / counts[u * 3 + kind])
            }
        }
        self.cellRow = cellRow
        self.cellOutcome = cellOutcome
        self.cellRecords = cellRecords
        cellMeanWeight = cellMean
    }

    /// The fitting data for the tie model, with every cell's record count replaced by `recordCounts`
    /// (nil: the observed counts).
    func contestData(ties tieModel: BradleyTerry.TieModel, recordCounts: [Double]? = nil) -> ContestData {
        var a: [Double], b: [Double], t: [Double]
        if let recordCounts {
            precondition(recordCounts.count == cellCount, "\(recordCounts.count) counts for \(cellCount) cells")
            a = [Double](repeating: 0, count: rowCount); b = a; t = a
            for q in 0..<cellCount {
                let w = recordCounts[q] * cellMeanWeight[q]
                let u = Int(cellRow[q])
                switch cellOutcome[q] {
                case .firstWins: a[u] += w
                case .secondWins: b[u] += w
                case .tie: t[u] += w
                }
            }
        } else {
            a = firstWins; b = secondWins; t = ties
        }
        switch tieModel {
        case .halfWins:
            for u in 0..<rowCount { a[u] += t[u] / 2; b[u] += t[u] / 2; t[u] = 0 }
        case .drop:
            for u in 0..<rowCount { t[u] = 0 }
        case .davidson, .raoKupper:
            break
        }
        return ContestData(itemCount: itemCount, covariateCount: covariateCount, first: first, second: second,
                           covariates: covariates, firstWins: a, secondWins: b, ties: t)
    }
}

/// Rows of weighted outcomes with covariates, as the contest objective consumes them.
public struct ContestData: Sendable {
    public var itemCount: Int
    public var covariateCount: Int
    public var first: [Int32]
    public var second: [Int32]
    /// rows × k, oriented to `first`.
    public var covariates: [Double]
    public var firstWins: [Double]
    public var secondWins: [Double]
    public var ties: [Double]

    public init(itemCount: Int, covariateCount: Int, first: [Int32], second: [Int32], covariates: [Double],
                firstWins: [Double], secondWins: [Double], ties: [Double]) {
        let rows = first.count
        precondition(second.count == rows && firstWins.count == rows && secondWins.count == rows
                     && ties.count == rows && covariates.count == rows * covariateCount,
                     "ContestData: \(rows) rows but lengths \([second.count, firstWins.count, secondWins.count, ties.count]) and \(covariates.count) covariates for k = \(covariateCount)")
        self.itemCount = itemCount
        self.covariateCount = covariateCount
        self.first = first
        self.second = second
        self.covariates = covariates
        self.firstWins = firstWins
        self.secondWins = secondWins
        self.ties = ties
    }

    public var rowCount: Int { first.count }

    /// Weighted wins (ties counting as a win and a loss), losses and total battles per item.
    func itemTotals() -> (wins: [Double], losses: [Double], battles: [Double]) {
        var wins = [Double](repeating: 0, count: itemCount), losses = wins, battles = wins
        for u in 0..<rowCount {
            let i = Int(first[u]), j = Int(second[u])
            let a = firstWins[u], b = secondWins[u], t = ties[u]
            wins[i] += a + t; losses[i] += b + t
            wins[j] += b + t; losses[j] += a + t
            battles[i] += a + b + t; battles[j] += a + b + t
        }
        return (wins, losses, battles)
    }

    /// The rows among `keep` items, reindexed to 0..<keep.count (`newIndex[i]` < 0 drops item i).
    func restricted(to newIndex: [Int], itemCount newCount: Int) -> ContestData {
        let k = covariateCount
        var f: [Int32] = [], s: [Int32] = [], c: [Double] = [], a: [Double] = [], b: [Double] = [], t: [Double] = []
        for u in 0..<rowCount {
            let i = newIndex[Int(first[u])], j = newIndex[Int(second[u])]
            guard i >= 0 && j >= 0, firstWins[u] + secondWins[u] + ties[u] > 0 else { continue }
            // Reindexing keeps the order of kept items, so i < j still holds.
            f.append(Int32(i)); s.append(Int32(j))
            c.append(contentsOf: covariates[(u * k)..<((u + 1) * k)])
            a.append(firstWins[u]); b.append(secondWins[u]); t.append(ties[u])
        }
        return ContestData(itemCount: newCount, covariateCount: k, first: f, second: s, covariates: c,
                           firstWins: a, secondWins: b, ties: t)
    }
}
