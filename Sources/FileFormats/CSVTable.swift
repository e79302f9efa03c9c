import Foundation

/// The CSV record reader of the small files RewardKit reads besides comparison logs (`users.csv`,
/// `groups.csv`, the arena's covariate columns): `,` separators, `\n` or `\r\n` line ends, optional
/// double quotes (`""` inside quotes is a literal quote; a quoted field may span lines), surrounding
/// spaces and tabs trimmed from unquoted fields, blank lines skipped, a leading UTF-8 byte-order mark
/// ignored. Text after a closing quote and an unterminated quote are ``DataError``s naming the line.
/// (Comparison logs have their own single-pass byte parser, `CSVComparisonParser`, which interns
/// item names as it reads.)
package struct CSVRecordReader {
    let bytes: [UInt8]
    let source: String
    var position = 0
    var line = 1

    package init(bytes: [UInt8], source: String) {
        self.bytes = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        self.source = source
    }

    /// The next non-blank record and the line it starts on, or nil at the end.
    package mutating func next() throws(DataError) -> (line: Int, fields: [String])? {
        let n = bytes.count
        let newline = UInt8(ascii: "\n"), quote = UInt8(ascii: "\""), comma = UInt8(ascii: ",")
        let cr = UInt8(ascii: "\r"), space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")
        // Skip blank lines.
        while position < n {
            var p = position
            while p < n && (bytes[p] == space || bytes[p] == tab || bytes[p] == cr) { p += 1 }
            if p < n && bytes[p] == newline {
                position = p + 1
                line += 1
            } else if p == n {
                position = n
            } else {
                break
            }
        }
        if position >= n { return nil }
        let recordLine = line
        var fields: [String] = []
        var field: [UInt8] = []
        var inQuotes = false, wasQuoted = false
        func finish() {
            if wasQuoted {
                fields.append(String(decoding: field, as: UTF8.self))
            } else {
                var lo = 0, hi = field.count
                while lo < hi && (field[lo] == space || field[lo] == tab) { lo += 1 }
                while hi > lo && (field[hi - 1] == space || field[hi - 1] == tab) { hi -= 1 }
                fields.append(String(decoding: field[lo..<hi], as: UTF8.self))
            }
            field.removeAll(keepingCapacity: true)
            wasQuoted = false
        }
        while position < n {
            let b = bytes[position]
            position += 1
            if inQuotes {
                if b == quote {
                    if position < n && bytes[position] == quote {
                        field.append(quote)
                        position += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    if b == newline { line += 1 }
                    field.append(b)
                }
                continue
            }
            if b == comma { finish(); continue }
            if b == newline { line += 1; break }
            if b == cr { continue }
            if wasQuoted {
                guard b == space || b == tab else {
                    throw DataError(file: source, line: line, reason: .malformedLine("text after a closing quote"))
                }
                continue
            }
            if b == quote && field.allSatisfy({ $0 == space || $0 == tab }) {
                field.removeAll(keepingCapacity: true)
                inQuotes = true
                wasQuoted = true
                continue
            }
            field.append(b)
        }
        if inQuotes { throw DataError(file: source, line: recordLine, reason: .malformedLine("unterminated quoted field")) }
        finish()
        return (recordLine, fields)
    }
}

/// A whole small CSV file read by ``CSVRecordReader``: the header and every data row.
package struct CSVTable {
    /// The header's column names.
    package var header: [String]
    /// Each data row with its 1-based line number in the file.
    package var rows: [(line: Int, fields: [String])]

    /// Parses CSV bytes; `source` names the file in errors.
    package init(bytes: [UInt8], source: String) throws(DataError) {
        var reader = CSVRecordReader(bytes: bytes, source: source)
        guard let first = try reader.next() else { throw DataError(file: source, reason: .emptyFile) }
        var rows = [(line: Int, fields: [String])]()
        while let record = try reader.next() { rows.append(record) }
        header = first.fields
        self.rows = rows
    }

    /// Parses CSV text; `source` names the file in errors.
    package init(text: String, source: String) throws(DataError) {
        try self.init(bytes: Array(text.utf8), source: source)
    }

    /// Reads and parses a CSV file.
    package init(url: URL) throws(DataError) {
        let source = url.path
        let bytes: [UInt8]
        do throws(RawFile.Failure) { bytes = try RawFile.readAll(path: source) } catch {
            throw DataError(file: source, reason: .cannotRead(error.detail))
        }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw DataError(file: source, reason: .unsupportedFormat("the file is not UTF-8 text"))
        }
        try self.init(bytes: bytes, source: source)
    }

    /// The index of the column named `name`, or a ``DataError`` naming the missing column.
    package func column(_ name: String, source: String) throws(DataError) -> Int {
        guard let index = header.firstIndex(of: name) else {
            throw DataError(file: source, line: 1, reason: .missingColumn(name))
        }
        return index
    }

}
