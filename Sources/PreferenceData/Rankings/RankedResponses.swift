import Foundation
import FileFormats
import NumericCore

/// Listwise preference data: sets of responses (k per set, k varying) ranked within each set,
/// as one feature matrix of every response plus a ``RankingSet`` over its rows.
///
/// The ranking set's items are row indices of ``features`` written as decimal names (`"0"`,
/// `"17"`); ``rows`` maps each item to its row. Files: an `.npy` of all responses (`[rows, d]`,
/// float32 or float64) and a long CSV `set,row,rank` (rank 1 = best, equal ranks a tie; optional
/// `weight`, `unranked`; other columns ignored) or the rankings' JSONL with row numbers as names.
/// The trainer draws minibatches of whole sets (``MinibatchSource``).
public struct RankedResponses<Scalar: BLASScalar>: Sendable {
    /// `[rows, d]`: every response's features.
    public let features: Tensor<Scalar>
    /// The rankings; items are row names.
    public let rankings: RankingSet
    /// The row of each item of ``rankings``.
    public let rows: [Int]

    /// Pairs `features` with `rankings` whose item names are row indices.
    ///
    /// - Throws: `DataError` (naming `source`) for an item name that is not a row index of
    ///   `features`, or a non-finite feature (with its row).
    public init(features: Tensor<Scalar>, rankings: RankingSet, source: String = "<memory>") throws(DataError) {
        precondition(features.rank == 2, "RankedResponses: features must be a matrix, got shape \(features.shape)")
        var rows: [Int] = []
        rows.reserveCapacity(rankings.itemCount)
        for name in rankings.items {
            if let problem = Self.rowProblem(name, rowCount: features.rowCount) {
                throw DataError(file: source, reason: .invalidValue(problem))
            }
            rows.append(Int(name) ?? 0)
        }
        let d = features.columnCount
        for (r, value) in features.scalars.enumerated() where !value.isFinite {
            throw DataError(file: source, line: r / max(d, 1), reason: .nonFiniteValue(column: r % max(d, 1)))
        }
        self.features = features
        self.rankings = rankings
        self.rows = rows
    }

    /// Why `name` is not a row index of a matrix with `rowCount` rows, or nil.
    static func rowProblem(_ name: String, rowCount: Int) -> String? {
        guard let row = Int(name), row >= 0, name.allSatisfy(\.isASCII) else { return "row '\(name)' is not a row index" }
        return row < rowCount ? nil : "row \(row) is outside the feature matrix (\(rowCount) rows)"
    }

    /// Loads `features` (`.npy`) and `rankings` (long CSV `set,row,rank`, or JSONL by extension).
    ///
    /// - Throws: `DataError` naming the file: the `.npy` loader's errors, the ranking loader's
    ///   (with `set` and `row` in place of `ranking` and `item`; a row that is not an index of the
    ///   matrix is reported on its first line), non-finite features.
    public static func load(features: URL, rankings: URL) throws(DataError) -> RankedResponses {
        let matrix: Tensor<Scalar> = try NumPyFile.readTensor(features)
        guard matrix.rank == 2 else {
            throw DataError(file: features.relativePath, reason: .unsupportedFormat("expected a 2-D array, found shape \(matrix.shape)"))
        }
        let rowCount = matrix.rowCount
        let bytes = try readBytes(rankings)
        let lower = rankings.path.lowercased()
        let set: RankingSet
        if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") || lower.hasSuffix(".json") {
            set = try RankingSet(jsonl: bytes, source: rankings.relativePath)
        } else {
            set = try RankingSet(csv: bytes, source: rankings.relativePath, rankingColumn: "set", itemColumn: "row",
                                 validateItem: { rowProblem($0, rowCount: rowCount) })
        }
        do throws(DataError) {
            return try RankedResponses(features: matrix, rankings: set, source: rankings.relativePath)
        } catch {
            // A non-finite feature is the matrix's fault: name the .npy file (with its row).
            if case .nonFiniteValue = error.reason { throw DataError(file: features.relativePath, line: error.line, reason: error.reason) }
            throw error
        }
    }

    /// The number of sets.
    public var count: Int { rankings.count }
    /// The feature dimension d.
    public var dimension: Int { features.columnCount }

    /// The sets at `indices`, with the same features.
    public func subset<C: Collection>(_ indices: C) -> RankedResponses where C.Element == Int {
        RankedResponses(validated: features, rankings: rankings.subset(indices), rows: rows)
    }

    init(validated features: Tensor<Scalar>, rankings: RankingSet, rows: [Int]) {
        self.features = features
        self.rankings = rankings
        self.rows = rows
    }

    /// Each set binarized to its best-versus-worst pair (the first place's first item against the
    /// last option: the last unranked one, else the last place's last item), as `FeaturePairs`.
    public func bestVersusWorstPairs() -> FeaturePairs<Scalar> {
        var chosen: [Int] = [], rejected: [Int] = []
        for r in 0..<count {
            let ranking = rankings[r]
            guard let best = ranking.places.first?.first else { continue }
            let worst = ranking.unranked.last ?? ranking.places.last?.last ?? best
            if ranking.places.count < 2 && ranking.unranked.isEmpty { continue }   // all tied: no pair
            chosen.append(rows[best])
            rejected.append(rows[worst])
        }
        return FeaturePairs(unchecked: features.gatherRows(chosen), rejected: features.gatherRows(rejected), prompts: nil,
                            margins: nil, userIDs: nil, users: UserTable())
    }
}

/// A minibatch of whole ranked sets: the sets' responses stacked into one matrix and their
/// choice events over its rows, so a head scores every response with one forward pass.
public struct RankedResponseBatch<Scalar: BLASScalar>: Sendable {
    /// `[m, d]`: the responses of the batch's sets, set after set.
    public var responses: Tensor<Scalar>
    /// The batch's sets as Plackett–Luce choice events over the rows of ``responses``.
    package var choices: PlackettLuceChoices
    /// The indices of the batch's sets in their data set.
    public var indices: [Int]

    /// The number of sets.
    public var count: Int { indices.count }
    /// The sum of the sets' weights.
    public var totalWeight: Double { choices.chainWeights.reduce(0, +) }
}

extension RankedResponses: MinibatchSource {
    /// An empty batch of this data's dimension.
    public func emptyBatch() -> RankedResponseBatch<Scalar> {
        RankedResponseBatch(responses: Tensor.zeros(shape: [0, dimension]), choices: PlackettLuceChoices(dimension: 0), indices: [])
    }

    /// Fills `batch` with the sets at `indices` (their rows gathered in set order).
    public func fill(_ batch: inout RankedResponseBatch<Scalar>, indices: ArraySlice<Int>) {
        var rowList: [Int] = []
        var sets: [(places: [[Int]], unranked: [Int], weight: Double)] = []
        for r in indices {
            let ranking = rankings[r]
            var local = [Int: Int]()
            func position(_ item: Int) -> Int {
                if let p = local[item] { return p }
                local[item] = rowList.count
                rowList.append(rows[item])
                return rowList.count - 1
            }
            let places = ranking.places.map { $0.map(position) }
            let unranked = ranking.unranked.map(position)
            sets.append((places, unranked, ranking.weight))
        }
        var choices = PlackettLuceChoices(dimension: rowList.count)
        for set in sets { choices.append(places: set.places, unranked: set.unranked, weight: set.weight) }
        batch = RankedResponseBatch(responses: features.gatherRows(rowList), choices: choices, indices: Array(indices))
    }
}
