import Foundation

/// A minimal CSV reader for the value tools' input files: one header line, `,` separators,
/// `\n` or `\r\n` line ends, optional double quotes (`""` inside quotes is a quote), spaces around
/// unquoted fields trimmed, blank lines skipped. Column names match case-insensitively.
package struct ValueCSV {
    package var header: [String]
    package var rows: [(line: Int, fields: [String])]
    package var source: String

    package init(text: String, source: String) throws(DataError) {
        self.source = source
        var header: [String]?
        var rows = [(line: Int, fields: [String])]()
        var lineNumber = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = Substring(raw)
            if line.last == "\r" { line.removeLast() }
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            let fields = try Self.split(line, source: source, line: lineNumber)
            if header == nil {
                header = fields.map { $0.lowercased() }
            } else {
                guard fields.count == header!.count else {
                    throw DataError(file: source, line: lineNumber,
                                    reason: .malformedLine("\(fields.count) fields, the header has \(header!.count)"))
                }
                rows.append((lineNumber, fields))
            }
        }
        guard let header else { throw DataError(file: source, reason: .emptyFile) }
        guard !rows.isEmpty else { throw DataError(file: source, reason: .emptyDataSet) }
        self.header = header
        self.rows = rows
    }

    package init(path: String) throws(DataError) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw DataError(file: path, reason: .cannotRead(error.localizedDescription))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DataError(file: path, reason: .unsupportedFormat("the file is not UTF-8 text"))
        }
        try self.init(text: text, source: path)
    }

    package func column(_ name: String) throws(DataError) -> Int {
        guard let i = header.firstIndex(of: name) else {
            throw DataError(file: source, line: 1, reason: .missingColumn(name))
        }
        return i
    }

    package func optionalColumn(_ name: String) -> Int? { header.firstIndex(of: name) }

    package func integer(_ field: String, line: Int, column: String) throws(DataError) -> Int {
        guard let v = Int(field) else {
            throw DataError(file: source, line: line, reason: .invalidValue("\(column) '\(field)' is not an integer"))
        }
        return v
    }

    package func real(_ field: String, line: Int, column: String) throws(DataError) -> Double {
        guard let v = Double(field), v.isFinite else {
            throw DataError(file: source, line: line, reason: .invalidValue("\(column) '\(field)' is not a finite number"))
        }
        return v
    }

    package static func split(_ line: Substring, source: String, line lineNumber: Int) throws(DataError) -> [String] {
        var fields = [String]()
        var current = ""
        var inQuotes = false
        var quoted = false
        var chars = Array(line)
        chars.append(",")
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if inQuotes {
                if c == "\"" {
                    if i + 1 < chars.count - 1 && chars[i + 1] == "\"" {
                        current.append("\"")
                        i += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    current.append(c)
                }
            } else if c == "," {
                fields.append(quoted ? current : current.trimmingCharacters(in: .whitespaces))
                current = ""
                quoted = false
            } else if c == "\"" && !quoted && current.allSatisfy({ $0 == " " }) {
                current = ""
                inQuotes = true
                quoted = true
            } else if quoted {
                if c != " " {
                    throw DataError(file: source, line: lineNumber, reason: .malformedLine("text after a closing quote"))
                }
            } else {
                current.append(c)
            }
            i += 1
        }
        if inQuotes {
            throw DataError(file: source, line: lineNumber, reason: .malformedLine("unterminated quoted field"))
        }
        return fields
    }
}
