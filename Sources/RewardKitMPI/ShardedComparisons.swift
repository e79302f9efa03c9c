import PreferenceData

/// Item comparisons split over the ranks of a job, merged into the one aggregated table a fit needs.
///
/// Each rank aggregates its own records (``AggregatedComparisons``: unique pairs with weighted
/// win, loss and tie counts, under the estimator's tie handling) and its per-item totals; the ranks
/// exchange these tables (never the records) and every rank merges them in rank order. Items are
/// numbered by first appearance in rank order, so when the shards are consecutive pieces of one
/// file the items come in the order a single process reading that file gives them, and the
/// merged counts equal the single-process counts (sums of the same weights).
public struct ShardedComparisons: Sendable {
    /// Item names, by first appearance over the shards in rank order.
    public let items: [String]
    /// The merged unique-pair counts (pairs ordered by `first`, then by first appearance).
    public let aggregated: AggregatedComparisons
    /// Records over all shards.
    public let comparisonCount: Int
    /// Tie records over all shards.
    public let tieCount: Int
    /// Weighted wins, losses and ties of each item (as ``ComparisonSet/itemTotals()`` of all records).
    public let itemTotals: (wins: [Double], losses: [Double], ties: [Double])

    /// Merges every rank's `local` records; every rank calls it and receives the same result.
    public static func merge(_ local: ComparisonSet, ties tieHandling: AggregatedComparisons.TieHandling,
                             communicator: any Communicator) -> ShardedComparisons {
        let table = AggregatedComparisons(local, ties: tieHandling)
        let totals = local.itemTotals()
        var writer = WireWriter()
        writer.append(local.count)
        writer.append(local.ties.filter { $0 }.count)
        writer.append(local.itemCount)
        for i in 0..<local.itemCount {
            writer.append(local.items[i])
            writer.append(totals.wins[i])
            writer.append(totals.losses[i])
            writer.append(totals.ties[i])
        }
        writer.append(table.pairCount)
        for p in 0..<table.pairCount {
            writer.append(Int(table.first[p]))
            writer.append(Int(table.second[p]))
            writer.append(table.firstWins[p])
            writer.append(table.secondWins[p])
            writer.append(table.ties[p])
        }
        var items = [String]()
        var index = [String: Int]()
        var wins = [Double](), losses = [Double](), tieTotals = [Double]()
        var comparisons = 0, tieRecords = 0
        // Canonical pair (smaller, larger global index) → slot; counts oriented to the smaller.
        var slot = [Int: Int]()
        var first = [Int32](), second = [Int32](), firstWins = [Double](), secondWins = [Double](), pairTies = [Double]()
        for bytes in communicator.allGather(writer.bytes) {
            var reader = WireReader(bytes)
            comparisons += reader.int()
            tieRecords += reader.int()
            let itemCount = reader.int()
            var global = [Int](repeating: 0, count: itemCount)
            for i in 0..<itemCount {
                let name = reader.string()
                let g: Int
                if let known = index[name] { g = known } else {
                    g = items.count
                    index[name] = g
                    items.append(name)
                    wins.append(0); losses.append(0); tieTotals.append(0)
                }
                global[i] = g
                wins[g] += reader.double()
                losses[g] += reader.double()
                tieTotals[g] += reader.double()
            }
            let pairs = reader.int()
            for _ in 0..<pairs {
                let a = global[reader.int()], b = global[reader.int()]
                let aWins = reader.double(), bWins = reader.double(), tied = reader.double()
                let (lo, hi) = a < b ? (a, b) : (b, a)
                let key = lo << 32 | hi
                let s: Int
                if let existing = slot[key] { s = existing } else {
                    s = first.count
                    slot[key] = s
                    first.append(Int32(lo)); second.append(Int32(hi))
                    firstWins.append(0); secondWins.append(0); pairTies.append(0)
                }
                firstWins[s] += a < b ? aWins : bWins
                secondWins[s] += a < b ? bWins : aWins
                pairTies[s] += tied
            }
        }
        // Pairs by their smaller item, then by first appearance (a stable sort), as a single
        // process aggregates them.
        let order = (0..<first.count).sorted { first[$0] != first[$1] ? first[$0] < first[$1] : $0 < $1 }
        let aggregated = AggregatedComparisons(
            itemCount: items.count, first: order.map { first[$0] }, second: order.map { second[$0] },
            firstWins: order.map { firstWins[$0] }, secondWins: order.map { secondWins[$0] }, ties: order.map { pairTies[$0] })
        return ShardedComparisons(items: items, aggregated: aggregated, comparisonCount: comparisons, tieCount: tieRecords,
                                  itemTotals: (wins, losses, tieTotals))
    }
}
