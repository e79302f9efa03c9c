import NumericCore
import PreferenceData

/// Comparison records deduplicated into unique outcomes: rows (an item pair first < second, with
/// its covariate pattern oriented to `first`) carrying the weight of "first won", "second won" and
/// "tie", and the bootstrap cells (row, outcome) with their record counts.
///
/// Every likelihood of ``BradleyTerry`` depends on the records only through these counts, and a
/// bootstrap resample of the records is a multinomial draw of record counts over the cells (see
/// `BradleyTerry.bootstrapIntervals(_:model:samples:level:seed:interval:threads:)`).
public struct ComparisonOutcomeTable: Sendable {
    /// Outcome kinds of a cell.
    public enum Outcome: UInt8, Sendable {
        case firstWins = 0, secondWins = 1, tie = 2
    }

    /// The number of items.
    public let itemCount: Int
    /// The number of covariates k per row.
    public let covariateCount: Int
    /// The smaller item index of each row.
    public let first: [Int32]
    /// The larger item index of each row.
    public let second: [Int32]
    /// Covariates of each row oriented to `first` (c for "first beat second"), rows × k, row-major.
    public let covariates: [Double]
    /// Weight of the records where `first` won.
    public let firstWins: [Double]
    /// Weight of the records where `second` won.
    public let secondWins: [Double]
    /// Weight of the tie records.
    public let ties: [Double]
    /// The row of each bootstrap cell.
    public let cellRow: [Int32]
    /// The outcome of each bootstrap cell.
    public let cellOutcome: [Outcome]
    /// The number of records in each cell.
    public let cellRecords: [Double]
    /// The mean record weight of each cell.
    public let cellMeanWeight: [Double]

    /// The number of rows.
    public var rowCount: Int { first.count }
    /// The number of cells.
    public var cellCount: Int { cellRow.count }
    /// The number of records.
    public var recordCount: Double { cellRecords.reduce(0, +) }

    private struct Key: Hashable {
        var pair: Int32
        var pattern: [UInt64]
    }

    /// Deduplicates `comparisons`: records of the same unordered pair (and, with `covariates` of
    /// shape [records, k], the same covariate pattern after orienting it to the smaller item index;
    /// −0 and +0 are the same) share a row. Rows are in order of first appearance.
    public init(_ comparisons: ComparisonSet, covariates: Tensor<Double>? = nil) {
        let m = comparisons.count
        let k = covariates?.shape[1] ?? 0
        if let covariates { precondition(covariates.shape == [m, k], "covariates of shape \(covariates.shape) for \(m) records") }
        let pairs = AggregatedComparisons(comparisons, ties: .keep)
        itemCount = comparisons.itemCount
        covariateCount = k
        var first: [Int32] = [], second: [Int32] = [], cov: [Double] = []
        var rowOfRecord = [Int32](repeating: 0, count: m)
        if k == 0 {
            // Rows in order of first appearance (the order of the cells fixes a seed's draws).
            var rowOfPair = [Int32](repeating: -1, count: pairs.pairCount)
            first.reserveCapacity(pairs.pairCount)
            second.reserveCapacity(pairs.pairCount)
            for r in 0..<m {
                let p = Int(pairs.pairOfRecord[r])
                if rowOfPair[p] < 0 {
                    rowOfPair[p] = Int32(first.count)
                    first.append(pairs.first[p])
                    second.append(pairs.second[p])
                }
                rowOfRecord[r] = rowOfPair[p]
            }
        } else {
            let c = covariates!.scalars
            var index: [Key: Int32] = [:]
            var pattern = [Double](repeating: 0, count: k)
            for r in 0..<m {
                let p = pairs.pairOfRecord[r]
                let sign: Double = Int32(comparisons.winners[r]) == pairs.first[Int(p)] ? 1 : -1
                for a in 0..<k { pattern[a] = sign * c[r * k + a] + 0 }   // + 0 turns −0 into +0
                let key = Key(pair: p, pattern: pattern.map(\.bitPattern))
                if let row = index[key] {
                    rowOfRecord[r] = row
                } else {
                    let row = Int32(first.count)
                    index[key] = row
                    rowOfRecord[r] = row
                    first.append(pairs.first[Int(p)])
                    second.append(pairs.second[Int(p)])
                    cov.append(contentsOf: pattern)
                }
            }
        }
        let rows = first.count
        var counts = [Double](repeating: 0, count: 3 * rows)    // records per (row, outcome)
        var weights = [Double](repeating: 0, count: 3 * rows)   // weight per (row, outcome)
        for r in 0..<m {
            let row = Int(rowOfRecord[r])
            let kind = comparisons.ties[r] ? 2 : (Int32(comparisons.winners[r]) == first[row] ? 0 : 1)
            counts[row * 3 + kind] += 1
            weights[row * 3 + kind] += comparisons.weights[r]
        }
        self.first = first
        self.second = second
        self.covariates = cov
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
    public func aggregated(ties tieModel: BradleyTerry.TieModel, recordCounts: [Double]? = nil) -> AggregatedComparisons {
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
        return AggregatedComparisons(itemCount: itemCount, first: first, second: second, firstWins: a, secondWins: b,
                                     ties: t, covariateCount: covariateCount, covariates: covariates)
    }
}
