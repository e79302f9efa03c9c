import Foundation

/// A small CSV reader for the id columns RewardKit loads (`users.csv`, `groups.csv`): one header
/// line, `,` separators, `\n` or `\r\n` line ends, optional double quotes (`""` inside quotes is a
/// literal quote), surrounding spaces trimmed from unquoted fields. Blank lines are skipped.
struct CSVTable {
    /// The header's column names.
    var header: [String]
    /// Each data row with its 1-based line number in the file.
    var rows: [(line: Int, fields: [String])]

    /// Parses CSV text; `source` names the file in errors.
    init(text: String, source: String) throws(DataError) {
        var header: [String]?
        var rows = [(line: Int, fields: [String])]()
        var lineNumber = 0
        // "\r\n" is one Character in Swift, so both line ends are separators.
        let text = text.first == "\u{FEFF}" ? text.dropFirst() : Substring(text)   // a UTF-8 byte-order mark
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            var line = Substring(rawLine)
            if line.last == "\r" { line.removeLast() }
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            let fields = try CSVTable.splitFields(line, source: source, line: lineNumber)
            if header == nil {
                header = fields
            } else {
                rows.append((lineNumber, fields))
            }
        }
        guard let header else { throw DataError(file: source, reason: .emptyFile) }
        self.header = header
        self.rows = rows
    }

    /// Reads and parses a CSV file.
    init(url: URL) throws(DataError) {
        let source = url.path
        let bytes: [UInt8]
        do throws(RawFile.Failure) { bytes = try RawFile.readAll(path: source) } catch {
            throw DataError(file: source, reason: .cannotRead(error.detail))
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw DataError(file: source, reason: .unsupportedFormat("the file is not UTF-8 text"))
        }
        try self.init(text: text, source: source)
    }

    /// The index of the column named `name`, or a ``DataError`` naming the missing column.
    func column(_ name: String, source: String) throws(DataError) -> Int {
        guard let index = header.firstIndex(of: name) else {
            throw DataError(file: source, line: 1, reason: .missingColumn(name))
        }
        return index
    }

    static func splitFields(_ line: Substring, source: String, line lineNumber: Int) throws(DataError) -> [String] {
        var fields = [String]()
        var current = ""
        var inQuotes = false
        var wasQuoted = false
        var iterator = line.makeIterator()
        var pending: Character? = nil
        func finish() {
            fields.append(wasQuoted ? current : current.trimmingCharacters(in: .whitespaces))
            current = ""
            wasQuoted = false
        }
        while let c = pending ?? iterator.next() {
            pending = nil
            if inQuotes {
                if c == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { current.append("\"") } else { inQuotes = false; pending = next }
                    } else {
                        inQuotes = false
                    }
                } else {
                    current.append(c)
                }
            } else if c == "," {
                finish()
            } else if c == "\"" && current.allSatisfy({ $0 == " " }) && !wasQuoted {
                current = ""
                inQuotes = true
                wasQuoted = true
            } else if wasQuoted {
                if c != " " {
                    throw DataError(file: source, line: lineNumber, reason: .malformedLine("text after a closing quote"))
                }
            } else {
                current.append(c)
            }
        }
        if inQuotes { throw DataError(file: source, line: lineNumber, reason: .malformedLine("unterminated quoted field")) }
        finish()
        return fields
    }
}
