import Foundation
import FileFormats

extension ComparisonSet {
    /// Loads a JSON Lines comparison file (see ``init(jsonl:source:)``).
    public init(jsonlFile path: String) throws(DataError) {
        let bytes = try readBytes(path)
        try self.init(jsonl: bytes, source: path)
    }

    /// Parses JSON Lines: one object per non-blank line with the keys of the CSV format,
    /// `{"winner": "a", "loser": "b", "tie": 0, "annotator": "x", "weight": 1.5}`.
    ///
    /// `winner` and `loser` are strings (integers are accepted and used as names); `tie` is
    /// 0, 1, `true` or `false`; `weight` a finite number ≥ 0; `annotator` a string or an integer.
    ///
    /// - Throws: ``DataError`` with the 1-based line: malformed JSON or a line that is not an
    ///   object, a missing `winner`/`loser` key, winner equal to loser, a bad tie or weight,
    ///   an empty file, or no records.
    public init(jsonl bytes: [UInt8], source: String) throws(DataError) {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            try self.init(jsonl: Array(bytes.dropFirst(3)), source: source)
            return
        }
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
            throw DataError(file: source, reason: .emptyFile)
        }
        var builder = Builder()
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            lineNumber += 1
            let lineBytes = bytes[start..<end]
            start = end + 1
            if lineBytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            func fail(_ reason: DataError.Reason) -> DataError { DataError(file: source, line: lineNumber, reason: reason) }
            let object: Any
            do {
                object = try JSONSerialization.jsonObject(with: Data(lineBytes), options: [])
            } catch {
                throw fail(.malformedLine("not valid JSON"))
            }
            guard let record = object as? [String: Any] else { throw fail(.malformedLine("not a JSON object")) }
            func name(_ key: String) throws(DataError) -> String {
                guard let value = record[key] else { throw fail(.missingColumn(key)) }
                if let text = value as? String {
                    if text.isEmpty { throw fail(.malformedLine("empty \(key) name")) }
                    return text
                }
                if let number = value as? NSNumber, let integer = Int(exactly: number.doubleValue) {
                    return String(integer)
                }
                throw fail(.malformedLine("\(key) is not a string"))
            }
            let winner = try name("winner")
            let loser = try name("loser")
            if winner == loser { throw fail(.winnerEqualsLoser(winner)) }
            var isTie = false
            if let value = record["tie"], !(value is NSNull) {
                if let number = value as? NSNumber, number.doubleValue == 0 || number.doubleValue == 1 {
                    isTie = number.doubleValue == 1
                } else if let text = value as? String, text == "0" || text == "1" {
                    isTie = text == "1"
                } else {
                    throw fail(.invalidTie("\(value)"))
                }
            }
            var weight = 1.0
            if let value = record["weight"], !(value is NSNull) {
                let parsed: Double? = (value as? NSNumber)?.doubleValue ?? (value as? String).flatMap(Double.init)
                guard let parsed, parsed.isFinite, parsed >= 0 else { throw fail(.invalidWeight("\(value)")) }
                weight = parsed
            }
            var annotator: String? = nil
            if let value = record["annotator"], !(value is NSNull) {
                if let text = value as? String {
                    annotator = text
                } else if let number = value as? NSNumber, let integer = Int(exactly: number.doubleValue) {
                    annotator = String(integer)
                } else {
                    throw fail(.malformedLine("annotator is not a string"))
                }
            }
            let w = builder.index(ofItem: winner), l = builder.index(ofItem: loser)
            let a = annotator.map { builder.annotatorID($0) }
            builder.appendValidated(winner: w, loser: l, isTie: isTie, weight: weight, annotator: a)
        }
        if builder.count == 0 { throw DataError(file: source, reason: .emptyDataSet) }
        self = builder.build()
    }
}
