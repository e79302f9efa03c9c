import Foundation
import FileFormats

// Item-comparison CSV: a header naming `winner` and `loser` and optionally `tie` (0/1), `annotator`
// and `weight`, in any order; other columns are ignored. Fields may be quoted ("a, b" and "say ""hi""").
// The parser works on the file's bytes and interns item names through a byte-keyed hash table, so a
// 500,000-row file loads in tens of milliseconds.

extension ComparisonSet {
    /// Loads a comparison file, choosing the format by extension: `.jsonl`, `.ndjson` and `.json`
    /// are JSON Lines, anything else is CSV.
    public static func load(contentsOf path: String) throws(DataError) -> ComparisonSet {
        let lower = path.lowercased()
        if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") || lower.hasSuffix(".json") {
            return try ComparisonSet(jsonlFile: path)
        }
        return try ComparisonSet(csvFile: path)
    }

    /// Loads a CSV comparison file (see ``init(csv:source:)`` for the format).
    public init(csvFile path: String) throws(DataError) {
        let bytes = try readBytes(path)
        try self.init(csv: bytes, source: path)
    }

    /// Parses CSV bytes with a header line.
    ///
    /// Required columns: `winner`, `loser`. Optional: `tie` (exactly `0` or `1`), `annotator`,
    /// `weight` (finite, ≥ 0). Column names are matched case-insensitively, in any order; unknown
    /// columns are ignored. Fields may be quoted with `"` (a doubled `""` inside is a quote);
    /// unquoted fields are trimmed of spaces and tabs. Blank lines are skipped.
    ///
    /// - Throws: ``DataError`` naming `source`, the 1-based line and the reason: empty file,
    ///   missing column, malformed line (wrong field count, unterminated quote, empty item name),
    ///   winner equal to loser, bad tie value, bad weight, or no records at all.
    public init(csv bytes: [UInt8], source: String) throws(DataError) {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            try self.init(csv: Array(bytes.dropFirst(3)), source: source)
            return
        }
        let result: Result<ComparisonSet, DataError> = bytes.withUnsafeBufferPointer { buffer in
            var parser = CSVComparisonParser(bytes: buffer, source: source)
            do throws(DataError) {
                return .success(try parser.parse())
            } catch {
                return .failure(error)
            }
        }
        self = try result.get()
    }
}

/// Reads a whole text file, mapping I/O failures to ``DataError/Reason/cannotRead(_:)``. A UTF-8
/// byte-order mark (as spreadsheet programs write) is dropped, so the first header name matches.
package func readBytes(_ path: String) throws(DataError) -> [UInt8] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw DataError(file: path, reason: .cannotRead("no such file"))
    }
    if isDirectory.boolValue { throw DataError(file: path, reason: .cannotRead("is a directory")) }
    guard let data = FileManager.default.contents(atPath: path) else {
        throw DataError(file: path, reason: .cannotRead("permission denied or unreadable"))
    }
    if data.starts(with: [0xEF, 0xBB, 0xBF]) { return [UInt8](data.dropFirst(3)) }
    return [UInt8](data)
}

/// Interns byte strings to dense indices with an open-addressing table (FNV-1a hashes).
struct ByteStringInterner {
    private(set) var names: [String] = []
    private var storage: [UInt8] = []
    private var offsets: [Int] = [0]
    private var table: [Int32]
    private var hashes: [UInt64]
    private var mask: Int

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        table = [Int32](repeating: -1, count: size)
        hashes = [UInt64](repeating: 0, count: size)
        mask = size - 1
    }

    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h ^ (h >> 29)
    }

    /// The index of `bytes`, inserting it when new.
    mutating func intern(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        let h = Self.hash(bytes)
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let entry = table[slot]
            if entry < 0 { break }
            if hashes[slot] == h && equals(Int(entry), bytes) { return Int(entry) }
            slot = (slot + 1) & mask
        }
        let index = names.count
        table[slot] = Int32(index)
        hashes[slot] = h
        storage.append(contentsOf: bytes)
        offsets.append(storage.count)
        names.append(String(decoding: bytes, as: UTF8.self))
        if names.count * 2 > table.count { grow() }
        return index
    }

    private func equals(_ index: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = offsets[index], end = offsets[index + 1]
        if end - start != bytes.count { return false }
        return storage.withUnsafeBufferPointer { s in
            for k in 0..<bytes.count where s[start + k] != bytes[k] { return false }
            return true
        }
    }

    private mutating func grow() {
        let size = table.count * 2
        table = [Int32](repeating: -1, count: size)
        var newHashes = [UInt64](repeating: 0, count: size)
        mask = size - 1
        for index in names.indices {
            let h = storage.withUnsafeBufferPointer { s in
                Self.hash(UnsafeBufferPointer(rebasing: s[offsets[index]..<offsets[index + 1]]))
            }
            var slot = Int(truncatingIfNeeded: h) & mask
            while table[slot] >= 0 { slot = (slot + 1) & mask }
            table[slot] = Int32(index)
            newHashes[slot] = h
        }
        hashes = newHashes
    }
}

/// A single-pass CSV parser over raw bytes.
struct CSVComparisonParser {
    let bytes: UnsafeBufferPointer<UInt8>
    let source: String
    var position = 0
    var line = 1
    /// The line on which the last record read started.
    var recordLine = 1

    private static let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""), newline = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r"), space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")

    /// A field as a byte range; `escaped` when it was quoted and contains doubled quotes.
    struct Field {
        var start: Int
        var end: Int
        var escaped: Bool
    }

    init(bytes: UnsafeBufferPointer<UInt8>, source: String) {
        self.bytes = bytes
        self.source = source
    }

    func fail(_ reason: DataError.Reason, line: Int? = nil) -> DataError {
        DataError(file: source, line: line ?? self.line, reason: reason)
    }

    /// Reads one record's fields into `fields`; returns false at the end of input.
    /// Blank lines are skipped.
    mutating func readRecord(into fields: inout [Field]) throws(DataError) -> Bool {
        fields.removeAll(keepingCapacity: true)
        let n = bytes.count
        // Skip blank lines (only whitespace).
        while position < n {
            var p = position
            while p < n && (bytes[p] == Self.space || bytes[p] == Self.tab || bytes[p] == Self.carriageReturn) { p += 1 }
            if p < n && bytes[p] == Self.newline {
                position = p + 1
                line += 1
            } else if p == n {
                position = n
            } else {
                break
            }
        }
        if position >= n { return false }
        recordLine = line
        while true {
            var p = position
            while p < n && (bytes[p] == Self.space || bytes[p] == Self.tab) { p += 1 }
            if p < n && bytes[p] == Self.quote {
                let startLine = line
                let start = p + 1
                var q = start
                var escaped = false
                var closed = false
                while q < n {
                    let b = bytes[q]
                    if b == Self.quote {
                        if q + 1 < n && bytes[q + 1] == Self.quote {
                            escaped = true
                            q += 2
                            continue
                        }
                        closed = true
                        break
                    }
                    if b == Self.newline { line += 1 }
                    q += 1
                }
                if !closed {
                    throw fail(.malformedLine("unterminated quoted field"), line: startLine)
                }
                fields.append(Field(start: start, end: q, escaped: escaped))
                p = q + 1
                while p < n && (bytes[p] == Self.space || bytes[p] == Self.tab) { p += 1 }
                if p < n && bytes[p] != Self.comma && bytes[p] != Self.newline && bytes[p] != Self.carriageReturn {
                    throw fail(.malformedLine("unexpected character after a closing quote"), line: startLine)
                }
            } else {
                let start = p
                while p < n && bytes[p] != Self.comma && bytes[p] != Self.newline { p += 1 }
                var end = p
                while end > start && (bytes[end - 1] == Self.space || bytes[end - 1] == Self.tab
                                      || bytes[end - 1] == Self.carriageReturn) { end -= 1 }
                fields.append(Field(start: start, end: end, escaped: false))
            }
            if p < n && bytes[p] == Self.carriageReturn { p += 1 }
            if p >= n {
                position = n
                return true
            }
            if bytes[p] == Self.comma {
                position = p + 1
                continue
            }
            if bytes[p] == Self.newline {
                position = p + 1
                line += 1
                return true
            }
            throw fail(.malformedLine("unexpected character '\(Character(UnicodeScalar(bytes[p])))'"))
        }
    }

    func text(_ field: Field) -> String {
        let raw = String(decoding: UnsafeBufferPointer(rebasing: bytes[field.start..<field.end]), as: UTF8.self)
        return field.escaped ? raw.replacingOccurrences(of: "\"\"", with: "\"") : raw
    }

    mutating func parse() throws(DataError) -> ComparisonSet {
        var fields: [Field] = []
        guard try readRecord(into: &fields) else { throw DataError(file: source, reason: .emptyFile) }
        let headerLine = recordLine
        let header = fields.map { text($0).trimmingCharacters(in: .whitespaces).lowercased() }
        func column(_ name: String) -> Int? { header.firstIndex(of: name) }
        guard let winnerColumn = column("winner") else { throw fail(.missingColumn("winner"), line: headerLine) }
        guard let loserColumn = column("loser") else { throw fail(.missingColumn("loser"), line: headerLine) }
        let tieColumn = column("tie"), annotatorColumn = column("annotator"), weightColumn = column("weight")
        let columnCount = header.count

        var interner = ByteStringInterner()
        var winners: [Int] = [], losers: [Int] = [], ties: [Bool] = [], weights: [Double] = []
        let estimate = bytes.count / 8
        winners.reserveCapacity(estimate)
        losers.reserveCapacity(estimate)
        ties.reserveCapacity(estimate)
        weights.reserveCapacity(estimate)
        var annotators: [Int]? = annotatorColumn == nil ? nil : []
        var annotatorIndex: [String: Int] = [:]
        var annotatorNames: [String] = []

        while true {
            guard try readRecord(into: &fields) else { break }
            let recordLine = self.recordLine
            if fields.count != columnCount {
                throw fail(.malformedLine("expected \(columnCount) fields, found \(fields.count)"), line: recordLine)
            }
            let w = try intern(fields[winnerColumn], into: &interner, column: "winner", line: recordLine)
            let l = try intern(fields[loserColumn], into: &interner, column: "loser", line: recordLine)
            if w == l { throw fail(.winnerEqualsLoser(interner.names[w]), line: recordLine) }
            var isTie = false
            if let tieColumn {
                let f = fields[tieColumn]
                if f.end - f.start == 1 && bytes[f.start] == UInt8(ascii: "1") {
                    isTie = true
                } else if !(f.end - f.start == 1 && bytes[f.start] == UInt8(ascii: "0")) {
                    throw fail(.invalidTie(text(f)), line: recordLine)
                }
            }
            var weight = 1.0
            if let weightColumn {
                let raw = text(fields[weightColumn])
                guard let value = Double(raw), value.isFinite, value >= 0 else {
                    throw fail(.invalidWeight(raw), line: recordLine)
                }
                weight = value
            }
            if let annotatorColumn {
                let name = text(fields[annotatorColumn])
                let id: Int
                if let existing = annotatorIndex[name] {
                    id = existing
                } else {
                    id = annotatorNames.count
                    annotatorIndex[name] = id
                    annotatorNames.append(name)
                }
                annotators!.append(id)
            }
            winners.append(w)
            losers.append(l)
            ties.append(isTie)
            weights.append(weight)
        }
        if winners.isEmpty { throw DataError(file: source, reason: .emptyDataSet) }
        return ComparisonSet(validatedItems: interner.names, winners: winners, losers: losers, ties: ties,
                             weights: weights, annotators: annotators, annotatorNames: annotatorNames)
    }

    func intern(_ field: Field, into interner: inout ByteStringInterner, column: String, line: Int) throws(DataError) -> Int {
        if field.end <= field.start { throw fail(.malformedLine("empty \(column) name"), line: line) }
        if field.escaped {
            let unescaped = Array(text(field).utf8)
            return unescaped.withUnsafeBufferPointer { interner.intern($0) }
        }
        return interner.intern(UnsafeBufferPointer(rebasing: bytes[field.start..<field.end]))
    }
}

extension ComparisonSet {
    /// The set as CSV text with a header: `winner,loser,tie`, plus `weight` when any weight differs
    /// from 1 and `annotator` when the set has annotators. Fields are quoted when needed;
    /// ``init(csv:source:)`` reads the text back to an equal set.
    public func csvText() -> String {
        func field(_ text: String) -> String {
            if text.isEmpty || text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                || text.first == " " || text.last == " " {
                return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            }
            return text
        }
        let weighted = isWeighted
        let names = items.map(field)
        let annotatorFields = annotatorNames.map(field)
        var text = "winner,loser,tie" + (weighted ? ",weight" : "") + (annotators == nil ? "" : ",annotator") + "\n"
        for k in 0..<count {
            text += names[winners[k]] + "," + names[losers[k]] + (ties[k] ? ",1" : ",0")
            if weighted { text += ",\(weights[k])" }
            if let annotators { text += "," + annotatorFields[annotators[k]] }
            text += "\n"
        }
        return text
    }
}
