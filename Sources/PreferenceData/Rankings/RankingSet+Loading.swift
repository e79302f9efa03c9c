import Foundation
import FileFormats

// Ranking files: a long CSV (`ranking,item,rank`, one row per ranked item) read by FileFormats'
// one CSVReader, or JSON Lines (`{"ranking": ["a", ["b", "c"], "d"]}`) read by JSONValue.

extension RankingSet {
    /// Loads a ranking file, choosing the format by extension: `.jsonl`, `.ndjson` and `.json` are
    /// JSON Lines, anything else is CSV. Errors name the file by its `relativePath`.
    public static func load(contentsOf url: URL) throws(DataError) -> RankingSet {
        let lower = url.path.lowercased()
        let bytes = try readBytes(url)
        if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") || lower.hasSuffix(".json") {
            return try RankingSet(jsonl: bytes, source: url.relativePath)
        }
        return try RankingSet(csv: bytes, source: url.relativePath)
    }

    /// Parses a long ranking CSV with a header line, read by the one CSV reader.
    ///
    /// Required columns: `ranking` (any text naming the ranking; rows of one ranking need not be
    /// adjacent), `item`, `rank` (a positive integer, 1 = best; equal ranks in one ranking are a
    /// tie; ranks need not be consecutive, only their order matters). Optional: `weight` (finite,
    /// ≥ 0, the same on every row of a ranking), `ranker` (the same on every row of a ranking) and
    /// `unranked` (`0`/`1`; a row with 1 names an option of a top-k ranking that was not ranked,
    /// and its `rank` field is ignored and may be empty). Column names match case-insensitively;
    /// other columns are ignored; quoting, CRLF line ends and a byte-order mark are handled by the
    /// reader.
    ///
    /// - Throws: `DataError` naming `source`, the 1-based line and the reason: a missing column,
    ///   a malformed line, an empty item or ranking name, a rank that is not a positive integer, an
    ///   item twice in one ranking, a ranking of fewer than two items (the line of its first row),
    ///   a ranking with only unranked rows, a bad or inconsistent weight or ranker, or no rankings.
    public init(csv bytes: [UInt8], source: String) throws(DataError) {
        try self.init(csv: bytes, source: source, rankingColumn: "ranking", itemColumn: "item", validateItem: nil)
    }

    /// The long-CSV parser with other names for the ranking and item columns (`set,row,rank` for
    /// ranked response sets); `validateItem` returns why an item name is not acceptable (checked
    /// on its first row, reported with that line), or nil.
    package init(csv bytes: [UInt8], source: String, rankingColumn rankingHeader: String, itemColumn itemHeader: String,
                 validateItem: ((String) -> String?)?) throws(DataError) {
        var reader = CSVReader(bytes: bytes, source: source)
        let header = try reader.header()
        let rankingColumn = try header.column(rankingHeader), itemColumn = try header.column(itemHeader)
        let rankColumn = try header.column("rank")
        let weightColumn = header.optionalColumn("weight"), rankerColumn = header.optionalColumn("ranker")
        let unrankedColumn = header.optionalColumn("unranked")

        var interner = ByteStringInterner()
        var rankingIndex: [String: Int] = [:]
        var rowRanking: [Int] = [], rowItem: [Int32] = [], rowRank: [Int] = [], rowLine: [Int] = []
        var rankingWeight: [Double] = [], rankingRanker: [String?] = [], rankingFirstLine: [Int] = []
        var fields: [CSVField] = []
        while try reader.next(into: &fields, count: header.count) {
            let rankingName = reader.string(fields[rankingColumn])
            if rankingName.isEmpty { throw reader.error(.malformedLine("empty \(header.names[rankingColumn].lowercased()) name")) }
            let itemField = fields[itemColumn]
            if itemField.isEmpty { throw reader.error(.malformedLine("empty \(header.names[itemColumn].lowercased()) name")) }
            let known = interner.names.count
            let item = reader.withBytes(itemField) { interner.intern($0) }
            if item == known, let validateItem, let problem = validateItem(interner.names[item]) {
                throw reader.error(.invalidValue(problem))
            }
            var isUnranked = false
            if let unrankedColumn {
                let f = fields[unrankedColumn]
                if reader.field(f, is: UInt8(ascii: "1")) {
                    isUnranked = true
                } else if !(reader.field(f, is: UInt8(ascii: "0")) || f.isEmpty) {
                    throw reader.error(.invalidValue("unranked value '\(reader.string(f))' is not 0 or 1"))
                }
            }
            var rank = 0   // 0 marks an unranked option
            if !isUnranked {
                let text = reader.string(fields[rankColumn])
                guard let value = Self.positiveInteger(text) else {
                    throw reader.error(.invalidValue("rank '\(text)' is not a positive integer"))
                }
                rank = value
            }
            var weight = 1.0
            if let weightColumn {
                let raw = reader.string(fields[weightColumn])
                guard let value = Double(raw), value.isFinite, value >= 0 else { throw reader.error(.invalidWeight(raw)) }
                weight = value
            }
            let ranker = rankerColumn.map { reader.string(fields[$0]) }
            let r: Int
            if let existing = rankingIndex[rankingName] {
                r = existing
                if rankingWeight[r] != weight {
                    throw reader.error(.invalidValue("ranking '\(rankingName)' has weight \(rankingWeight[r]) on line \(rankingFirstLine[r]) and \(weight) here"))
                }
                if rankingRanker[r] != ranker {
                    throw reader.error(.invalidValue("ranking '\(rankingName)' has two rankers, '\(rankingRanker[r] ?? "")' and '\(ranker ?? "")'"))
                }
            } else {
                r = rankingWeight.count
                rankingIndex[rankingName] = r
                rankingWeight.append(weight)
                rankingRanker.append(ranker)
                rankingFirstLine.append(reader.recordLine)
            }
            rowRanking.append(r)
            rowItem.append(Int32(item))
            rowRank.append(rank)
            rowLine.append(reader.recordLine)
        }
        let rankingCount = rankingWeight.count
        if rankingCount == 0 { throw DataError(file: source, reason: .emptyDataSet) }
        // Group the rows by ranking (a counting sort keeps file order within a ranking).
        var start = [Int](repeating: 0, count: rankingCount + 1)
        for r in rowRanking { start[r + 1] += 1 }
        for r in 0..<rankingCount { start[r + 1] += start[r] }
        var order = [Int](repeating: 0, count: rowRanking.count)
        var fill = start
        for (row, r) in rowRanking.enumerated() { order[fill[r]] = row; fill[r] += 1 }

        let names = interner.names
        var builder = Builder(items: names)
        var seenAt = [Int](repeating: -1, count: names.count)
        let rankingNames = rankingIndex.sorted { $0.value < $1.value }.map(\.key)
        for r in 0..<rankingCount {
            let rows = order[start[r]..<start[r + 1]]
            for row in rows {
                let i = Int(rowItem[row])
                if seenAt[i] == r {
                    throw DataError(file: source, line: rowLine[row],
                                    reason: .invalidValue("item '\(names[i])' appears twice in ranking '\(rankingNames[r])'"))
                }
                seenAt[i] = r
            }
            if rows.count < 2 {
                throw DataError(file: source, line: rankingFirstLine[r],
                                reason: .invalidValue("ranking '\(rankingNames[r])' has fewer than two items"))
            }
            let ranked = rows.filter { rowRank[$0] > 0 }.sorted { (rowRank[$0], $0) < (rowRank[$1], $1) }
            if ranked.isEmpty {
                throw DataError(file: source, line: rankingFirstLine[r],
                                reason: .invalidValue("ranking '\(rankingNames[r])' has no ranked item"))
            }
            var places: [[Int]] = []
            var previous = -1
            for row in ranked {
                if rowRank[row] != previous { places.append([]); previous = rowRank[row] }
                places[places.count - 1].append(Int(rowItem[row]))
            }
            let unranked = rows.filter { rowRank[$0] == 0 }.map { Int(rowItem[$0]) }
            builder.appendValidated(Ranking(places: places, unranked: unranked, weight: rankingWeight[r], ranker: nil),
                                    rankerName: rankingRanker[r])
        }
        self = builder.build()
    }

    /// `text` as a positive integer: digits (an integral decimal such as `2.0` too), at least 1.
    static func positiveInteger(_ text: String) -> Int? {
        if let value = Int(text) { return value >= 1 ? value : nil }
        guard text.first?.isNumber == true, let x = Double(text), x.isFinite, x >= 1, x == x.rounded(), x < 1e15 else { return nil }
        return Int(x)
    }

    /// Parses JSON Lines: one object per non-blank line,
    /// `{"ranking": ["a", "b", ["c", "d"], "e"], "unranked": ["f"], "ranker": "r1", "weight": 1}`.
    ///
    /// `ranking` lists the places from best to worst; a place is an item name (a string, or an
    /// integer used as a name) or a non-empty list of names (a tie). `unranked` (optional) lists
    /// the options of a top-k ranking that were not ranked; `ranker` is a string or an integer;
    /// `weight` a finite number ≥ 0. `null` is the same as a missing optional key. Each line is
    /// read by `JSONValue`.
    ///
    /// - Throws: `DataError` with the 1-based line: malformed JSON, a line that is not an object,
    ///   a missing `ranking`, a place that is neither a name nor a list of names, an empty tie
    ///   group, an item twice in one ranking, fewer than two items, a bad weight, an empty file,
    ///   or no rankings.
    public init(jsonl bytes: [UInt8], source: String) throws(DataError) {
        var builder = Builder()
        var stamp: [Int] = []
        try forEachJSONLineObject(bytes, source: source) { (lineNumber, record) throws(DataError) in
            func fail(_ reason: DataError.Reason) -> DataError { DataError(file: source, line: lineNumber, reason: reason) }
            func name(_ value: JSONValue) throws(DataError) -> Int {
                switch value {
                case .string(let text):
                    if text.isEmpty { throw fail(.malformedLine("empty item name")) }
                    return builder.index(ofItem: text)
                case .number where value.intValue != nil:
                    return builder.index(ofItem: String(value.intValue!))
                default:
                    throw fail(.malformedLine("\(value.serialized()) is not an item name"))
                }
            }
            guard let list = record["ranking"]?.arrayValue else {
                if record["ranking"] == nil || record["ranking"] == .null { throw fail(.missingColumn("ranking")) }
                throw fail(.malformedLine("ranking is not a list"))
            }
            var places: [[Int]] = []
            for place in list {
                if let group = place.arrayValue {
                    if group.isEmpty { throw fail(.invalidValue("the ranking has an empty tie group")) }
                    var members: [Int] = []
                    for member in group {
                        if member.arrayValue != nil { throw fail(.malformedLine("a tie group inside a tie group")) }
                        members.append(try name(member))
                    }
                    places.append(members)
                } else {
                    places.append([try name(place)])
                }
            }
            var unranked: [Int] = []
            switch record["unranked"] {
            case nil, .null?: break
            case .array(let others)?: for other in others { unranked.append(try name(other)) }
            default: throw fail(.malformedLine("unranked is not a list"))
            }
            var weight = 1.0
            switch record["weight"] {
            case nil, .null?: break
            case .number(let x)?:
                guard x.isFinite, x >= 0 else { throw fail(.invalidWeight("\(x)")) }
                weight = x
            case .string(let s)?:
                guard let x = Double(s), x.isFinite, x >= 0 else { throw fail(.invalidWeight(s)) }
                weight = x
            case let other?: throw fail(.invalidWeight(other.serialized()))
            }
            var ranker: String? = nil
            switch record["ranker"] {
            case nil, .null?: break
            case .string(let s)?: ranker = s
            case let v? where v.intValue != nil: ranker = String(v.intValue!)
            default: throw fail(.malformedLine("ranker is not a string"))
            }
            if let problem = Builder.problem(places: places, unranked: unranked, weight: weight, items: builder.items, stamp: &stamp) {
                throw fail(.invalidValue(problem))
            }
            builder.appendValidated(Ranking(places: places, unranked: unranked, weight: weight, ranker: nil), rankerName: ranker)
        }
        if builder.count == 0 { throw DataError(file: source, reason: .emptyDataSet) }
        self = builder.build()
    }

    /// The set as long CSV text, `ranking,item,rank` (rankings numbered from 1), plus `unranked`
    /// when any ranking is top-k, `weight` when any weight differs from 1 and `ranker` when the set
    /// has rankers; ``init(csv:source:)`` reads it back to an equal set (up to item order).
    public func csvText() -> String {
        let weighted = isWeighted, topK = hasUnranked
        var writer = CSVWriter(header: ["ranking", "item", "rank"] + (topK ? ["unranked"] : [])
                               + (weighted ? ["weight"] : []) + (rankers == nil ? [] : ["ranker"]))
        for r in 0..<count {
            let ranking = self[r]
            func row(_ item: Int, _ rank: String, _ unranked: Bool) {
                var record = ["\(r + 1)", items[item], rank]
                if topK { record.append(unranked ? "1" : "0") }
                if weighted { record.append("\(ranking.weight)") }
                if let rankers { record.append(rankerNames[rankers[r]]) }
                writer.appendRecord(record)
            }
            for (p, place) in ranking.places.enumerated() { for i in place { row(i, "\(p + 1)", false) } }
            for i in ranking.unranked { row(i, "", true) }
        }
        return writer.text
    }
}
