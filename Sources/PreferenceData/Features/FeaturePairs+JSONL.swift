import Foundation
import FileFormats
import NumericCore

extension FeaturePairs {
    /// Reads pairs from a JSON Lines file, one record per line:
    /// `{"chosen": [...], "rejected": [...], "user": ..., "margin": ..., "prompt": [...]}`.
    ///
    /// `chosen` and `rejected` are required arrays of numbers of one common length; `user` (a string
    /// or an integer), `margin` (a number) and `prompt` (an array of numbers) are optional but must
    /// be present in every record or in none. Other keys are ignored; blank lines are skipped.
    /// Errors name the file and the 1-based line (and the column for a value that is not finite
    /// in `Scalar`).
    public static func loadJSONL(_ url: URL, knownUsers: UserTable = UserTable()) throws(DataError) -> FeaturePairs {
        let bytes: [UInt8]
        do throws(RawFile.Failure) { bytes = try RawFile.readAll(path: url.path) } catch {
            throw DataError(file: url.path, reason: .cannotRead(error.detail))
        }
        return try parseJSONL(bytes: bytes, source: url.path, knownUsers: knownUsers)
    }

    /// Parses JSON Lines text; `source` names it in errors.
    public static func parseJSONL(_ text: String, source: String = "pairs.jsonl", knownUsers: UserTable = UserTable()) throws(DataError) -> FeaturePairs {
        try parseJSONL(bytes: Array(text.utf8), source: source, knownUsers: knownUsers)
    }

    static func parseJSONL(bytes: [UInt8], source: String, knownUsers: UserTable) throws(DataError) -> FeaturePairs {
        if bytes.isEmpty { throw DataError(file: source, reason: .emptyFile) }
        var chosen = [Scalar](), rejected = [Scalar](), prompts = [Scalar](), margins = [Scalar]()
        var userIDs = [Int]()
        var table = knownUsers
        var dimension: Int?, promptDimension: Int?
        var hasUser: Bool?, hasMargin: Bool?, hasPrompt: Bool?
        var count = 0

        func numbers(_ value: JSONValue?, key: String, line: Int, expected: Int?, into out: inout [Scalar]) throws(DataError) -> Int {
            guard let items = value?.arrayValue else {
                throw DataError(file: source, line: line, reason: .malformedLine("'\(key)' must be an array of numbers"))
            }
            if let expected, items.count != expected {
                throw DataError(file: source, line: line, reason: .dimensionMismatch(expected: expected, found: items.count))
            }
            for (j, item) in items.enumerated() {
                guard let x = item.doubleValue else {
                    throw DataError(file: source, line: line, reason: .malformedLine("'\(key)'[\(j)] is not a number"))
                }
                let s = Scalar(x)
                guard s.isFinite else { throw DataError(file: source, line: line, reason: .nonFiniteValue(column: j)) }
                out.append(s)
            }
            return items.count
        }

        func presence(_ present: Bool, _ seen: inout Bool?, key: String, line: Int) throws(DataError) {
            if let seen, seen != present {
                throw DataError(file: source, line: line, reason: present
                    ? .malformedLine("'\(key)' is present but earlier records have none")
                    : .missingColumn(key))
            }
            seen = present
        }

        var lineNumber = 0
        var start = 0
        while start <= bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            lineNumber += 1
            defer { start = end + 1 }
            var lineEnd = end
            if lineEnd > start, bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            if bytes[start..<lineEnd].allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            let record: JSONValue
            do throws(JSONValue.ParseError) {
                record = try bytes.withUnsafeBufferPointer { (all) throws(JSONValue.ParseError) -> JSONValue in
                    try JSONValue.parse(UnsafeBufferPointer(rebasing: all[start..<lineEnd]))
                }
            } catch {
                throw DataError(file: source, line: lineNumber, reason: .malformedLine("invalid JSON: \(error)"))
            }
            guard record.objectValue != nil else {
                throw DataError(file: source, line: lineNumber, reason: .malformedLine("a record must be a JSON object"))
            }
            guard record["chosen"] != nil else { throw DataError(file: source, line: lineNumber, reason: .missingColumn("chosen")) }
            guard record["rejected"] != nil else { throw DataError(file: source, line: lineNumber, reason: .missingColumn("rejected")) }
            let d = try numbers(record["chosen"], key: "chosen", line: lineNumber, expected: dimension, into: &chosen)
            if d == 0 { throw DataError(file: source, line: lineNumber, reason: .malformedLine("'chosen' is empty")) }
            dimension = d
            _ = try numbers(record["rejected"], key: "rejected", line: lineNumber, expected: d, into: &rejected)

            let user = record["user"].flatMap { $0 == .null ? nil : $0 }
            try presence(user != nil, &hasUser, key: "user", line: lineNumber)
            if let user {
                let name: String
                if let s = user.stringValue { name = s } else if let n = user.intValue { name = String(n) } else {
                    throw DataError(file: source, line: lineNumber, reason: .malformedLine("'user' must be a string or an integer"))
                }
                userIDs.append(table.intern(name))
            }
            let margin = record["margin"].flatMap { $0 == .null ? nil : $0 }
            try presence(margin != nil, &hasMargin, key: "margin", line: lineNumber)
            if let margin {
                guard let m = margin.doubleValue else {
                    throw DataError(file: source, line: lineNumber, reason: .malformedLine("'margin' must be a number"))
                }
                guard Scalar(m).isFinite else { throw DataError(file: source, line: lineNumber, reason: .nonFiniteValue(column: nil)) }
                margins.append(Scalar(m))
            }
            let prompt = record["prompt"].flatMap { $0 == .null ? nil : $0 }
            try presence(prompt != nil, &hasPrompt, key: "prompt", line: lineNumber)
            if prompt != nil {
                promptDimension = try numbers(prompt, key: "prompt", line: lineNumber, expected: promptDimension, into: &prompts)
            }
            count += 1
        }
        guard count > 0, let d = dimension else { throw DataError(file: source, reason: .emptyDataSet) }
        let sources = FeaturePairSources(chosen: source, rejected: source, prompts: source, margins: source, users: source)
        return try FeaturePairs(
            chosen: Tensor(shape: [count, d], scalars: chosen),
            rejected: Tensor(shape: [count, d], scalars: rejected),
            prompts: hasPrompt == true ? Tensor(shape: [count, promptDimension ?? 0], scalars: prompts) : nil,
            margins: hasMargin == true ? margins : nil,
            userIDs: hasUser == true ? userIDs : nil, users: table, sources: sources)
    }

    /// The pairs as JSON Lines text in the format ``loadJSONL(_:knownUsers:)`` reads. Each value is
    /// written in the shortest form that reads back to the same `Scalar`, so the round trip is exact.
    public func jsonLines() -> String {
        var out = ""
        let d = dimension
        func array(_ t: Tensor<Scalar>, row: Int, columns: Int) -> String {
            "[" + (0..<columns).map { JSONNumber.format(t.scalars[row * columns + $0]) }.joined(separator: ",") + "]"
        }
        for i in 0..<count {
            out += "{\"chosen\":" + array(chosen, row: i, columns: d)
            out += ",\"rejected\":" + array(rejected, row: i, columns: d)
            if let userIDs {
                var name = ""
                JSONValue.writeString(users.names[userIDs[i]], into: &name)
                out += ",\"user\":" + name
            }
            if let margins { out += ",\"margin\":" + JSONNumber.format(margins[i]) }
            if let prompts { out += ",\"prompt\":" + array(prompts, row: i, columns: prompts.columnCount) }
            out += "}\n"
        }
        return out
    }
}

/// Shortest exact text for a finite float of either precision.
enum JSONNumber {
    static func format<S: BinaryFloatingPoint>(_ x: S) -> String {
        if x == 0 { return x.sign == .minus ? "-0.0" : "0" }
        return String(describing: x)
    }
}
