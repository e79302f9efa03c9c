import Foundation
import FileFormats

extension ComparisonSet {
    /// Loads a JSON Lines comparison file (see ``init(jsonl:source:)``); errors name the file by
    /// its `relativePath` (the path given to `URL(fileURLWithPath:)`).
    public init(jsonlFile url: URL) throws(DataError) {
        let bytes = try readBytes(url)
        try self.init(jsonl: bytes, source: url.relativePath)
    }

    /// Parses JSON Lines: one object per non-blank line with the keys of the CSV format,
    /// `{"winner": "a", "loser": "b", "tie": 0, "annotator": "x", "weight": 1.5, "first": "b"}`.
    ///
    /// `winner` and `loser` are strings (integers are accepted and used as names; `true` and
    /// `false` are not); `tie` is 0, 1, `"0"`, `"1"`, `true` or `false`; `weight` a finite number
    /// ≥ 0 (or its text); `annotator` a string or an integer; `first` (the item shown first) the
    /// winner's or the loser's name, `""` when not recorded. `null` is the same as a missing
    /// optional key. Each line is read by `JSONValue`.
    ///
    /// - Throws: `DataError` with the 1-based line: malformed JSON, an object with the same key
    ///   twice, or a line that is not an object, a missing `winner`/`loser` key, winner equal to
    ///   loser, a bad tie or weight, an empty file, or no records.
    public init(jsonl bytes: [UInt8], source: String) throws(DataError) {
        var builder = Builder()
        try forEachJSONLineObject(bytes, source: source) { (lineNumber, record) throws(DataError) in
            func fail(_ reason: DataError.Reason) -> DataError { DataError(file: source, line: lineNumber, reason: reason) }
            /// A member's text for a message: strings as they are, other values as JSON.
            func text(_ value: JSONValue) -> String { value.stringValue ?? value.serialized() }
            func name(_ key: String) throws(DataError) -> String {
                guard let value = record[key] else { throw fail(.missingColumn(key)) }
                switch value {
                case .string(let text):
                    if text.isEmpty { throw fail(.malformedLine("empty \(key) name")) }
                    return text
                case .number where value.intValue != nil:
                    return String(value.intValue!)
                case .bool:
                    throw fail(.malformedLine("\(key) is \(text(value)), not an item name"))
                default:
                    throw fail(.malformedLine("\(key) is not a string"))
                }
            }
            let winner = try name("winner")
            let loser = try name("loser")
            if winner == loser { throw fail(.winnerEqualsLoser(winner)) }
            var isTie = false
            switch record["tie"] {
            case nil, .null?: break
            case .bool(let flag)?: isTie = flag
            case .number(let x)? where x == 0 || x == 1: isTie = x == 1
            case .string(let s)? where s == "0" || s == "1": isTie = s == "1"
            case let other?: throw fail(.invalidTie(text(other)))
            }
            var weight = 1.0
            switch record["weight"] {
            case nil, .null?: break
            case let value?:
                let parsed: Double? = switch value {
                case .number(let x): x
                case .string(let s): Double(s)
                default: nil   // `true`/`false` are not weights
                }
                guard let parsed, parsed.isFinite, parsed >= 0 else { throw fail(.invalidWeight(text(value))) }
                weight = parsed
            }
            var annotator: String? = nil
            switch record["annotator"] {
            case nil, .null?: break
            case .string(let s)?: annotator = s
            case let value? where value.intValue != nil: annotator = String(value.intValue!)
            // Accepted as before the move to JSONValue (when booleans read as the numbers 1 and 0).
            case .bool(let flag)?: annotator = flag ? "1" : "0"
            default: throw fail(.malformedLine("annotator is not a string"))
            }
            var first: String? = nil
            switch record["first"] {
            case nil, .null?: break
            case .string(let s)?: first = s
            case let value? where value.intValue != nil: first = String(value.intValue!)
            default: throw fail(.malformedLine("first is not a string"))
            }
            let side = try ComparisonSet.side(first: first, winner: winner, loser: loser, source: source, line: lineNumber)
            let w = builder.index(ofItem: winner), l = builder.index(ofItem: loser)
            let a = annotator.map { builder.annotatorID($0) }
            builder.appendValidated(winner: w, loser: l, isTie: isTie, weight: weight, annotator: a, shownFirst: side)
        }
        if builder.count == 0 { throw DataError(file: source, reason: .emptyDataSet) }
        self = builder.build()
    }
}
