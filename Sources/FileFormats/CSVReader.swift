import Foundation

/// One field of a CSV record as a byte range of the reader's bytes. `escaped` is true when the
/// field was quoted and contains doubled quotes (`""`), which ``CSVReader/string(_:)`` and
/// ``CSVReader/withBytes(_:_:)`` turn into single quotes.
package struct CSVField: Sendable, Equatable {
    package var start: Int
    package var end: Int
    package var escaped: Bool

    /// True for a field with no bytes (`,,` or `""`).
    package var isEmpty: Bool { end <= start }
}

/// The one CSV reader of RewardKit (see `Docs/DataFormats.md`, "CSV"). It works on the file's bytes
/// and yields each record as field byte ranges; no `String` is made unless asked for.
///
/// Rules: `,` separates fields; records end at LF or CRLF (mixed line ends are fine); a leading
/// UTF-8 byte-order mark is dropped; blank lines (only spaces, tabs or CR) are skipped; a field may
/// be quoted with `"` (a doubled `""` inside is a quote; commas, CR and LF inside are kept, so a
/// quoted field may span lines); spaces and tabs around an unquoted field, and around the quotes of
/// a quoted one, are trimmed. Bytes are never grouped into characters, so a field that starts with
/// a combining mark stays a field of its own. Errors are ``DataError``s naming the file, the line
/// and the reason (unterminated quote, text after a closing quote, wrong number of fields, missing
/// column).
package struct CSVReader: Sendable {
    /// The file's bytes (a byte-order mark included; reading starts after it).
    package let bytes: [UInt8]
    /// The file name used in errors.
    package let source: String
    /// The 1-based line the reader is on.
    package private(set) var line = 1
    /// The 1-based line on which the last record read started.
    package private(set) var recordLine = 1
    private var position: Int

    private static let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""), newline = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r"), space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")

    package init(bytes: [UInt8], source: String) {
        self.bytes = bytes
        self.source = source
        position = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    }

    /// Reads a CSV file; `requireUTF8` rejects a file that is not valid UTF-8 text.
    package init(url: URL, requireUTF8: Bool = false) throws(DataError) {
        let bytes = try Self.readFile(url.path)
        if requireUTF8 && String(validating: bytes, as: UTF8.self) == nil {
            throw DataError(file: url.path, reason: .unsupportedFormat("the file is not UTF-8 text"))
        }
        self.init(bytes: bytes, source: url.path)
    }

    /// A whole file's bytes, with I/O failures as ``DataError/Reason/cannotRead(_:)`` naming the
    /// file as `source` (default: `path`).
    package static func readFile(_ path: String, source: String? = nil) throws(DataError) -> [UInt8] {
        let name = source ?? path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError(file: name, reason: .cannotRead("no such file"))
        }
        if isDirectory.boolValue { throw DataError(file: name, reason: .cannotRead("is a directory")) }
        do throws(RawFile.Failure) { return try RawFile.readAll(path: path) } catch {
            throw DataError(file: name, reason: .cannotRead(error.detail))
        }
    }

    /// An error at `line` (the last record's line when nil) of this file.
    package func error(_ reason: DataError.Reason, line: Int? = nil) -> DataError {
        DataError(file: source, line: line ?? recordLine, reason: reason)
    }

    /// Reads the next non-blank record's fields into `fields`; false at the end of the input.
    package mutating func next(into fields: inout [CSVField]) throws(DataError) -> Bool {
        fields.removeAll(keepingCapacity: true)
        var failure: DataError?
        let more = bytes.withUnsafeBufferPointer { buffer in
            do throws(DataError) { return try read(buffer, into: &fields) } catch {
                failure = error
                return false
            }
        }
        if let failure { throw failure }
        return more
    }

    private mutating func read(_ bytes: UnsafeBufferPointer<UInt8>, into fields: inout [CSVField]) throws(DataError) -> Bool {
        let n = bytes.count
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
                var escaped = false, closed = false
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
                if !closed { throw error(.malformedLine("unterminated quoted field"), line: startLine) }
                fields.append(CSVField(start: start, end: q, escaped: escaped))
                p = q + 1
                while p < n && (bytes[p] == Self.space || bytes[p] == Self.tab || bytes[p] == Self.carriageReturn) { p += 1 }
                if p < n && bytes[p] != Self.comma && bytes[p] != Self.newline {
                    throw error(.malformedLine("text after a closing quote"), line: line)
                }
            } else {
                let start = p
                while p < n && bytes[p] != Self.comma && bytes[p] != Self.newline { p += 1 }
                var end = p
                while end > start && (bytes[end - 1] == Self.space || bytes[end - 1] == Self.tab
                                      || bytes[end - 1] == Self.carriageReturn) { end -= 1 }
                fields.append(CSVField(start: start, end: end, escaped: false))
            }
            if p >= n {
                position = n
                return true
            }
            position = p + 1
            if bytes[p] == Self.newline {
                line += 1
                return true
            }
        }
    }

    /// The field's text, doubled quotes undone.
    package func string(_ field: CSVField) -> String {
        withBytes(field) { Self.text($0) }
    }

    /// A field's text: its bytes as UTF-8 or, when they are not valid UTF-8 (a Latin-1 file from a
    /// spreadsheet), as ISO 8859-1 — never "�", so distinct fields stay distinct.
    package static func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        var scalars = String.UnicodeScalarView()
        for b in bytes { scalars.append(Unicode.Scalar(b)) }
        return String(scalars)
    }

    /// Calls `body` with the field's bytes, doubled quotes undone.
    package func withBytes<R, E: Error>(_ field: CSVField, _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R {
        if field.escaped {
            var unescaped: [UInt8] = []
            unescaped.reserveCapacity(field.end - field.start)
            var k = field.start
            while k < field.end {
                unescaped.append(bytes[k])
                k += bytes[k] == Self.quote ? 2 : 1
            }
            return try unescaped.withUnsafeBufferPointer { (b) throws(E) -> R in try body(b) }
        }
        return try bytes.withUnsafeBufferPointer { (b) throws(E) -> R in try body(UnsafeBufferPointer(rebasing: b[field.start..<field.end])) }
    }

    /// True when the field is exactly the one ASCII byte `byte`.
    package func field(_ field: CSVField, is byte: UInt8) -> Bool {
        field.end - field.start == 1 && bytes[field.start] == byte
    }

    /// Reads the header record; an empty input is ``DataError/Reason/emptyFile``.
    package mutating func header() throws(DataError) -> CSVHeader {
        var fields: [CSVField] = []
        guard try next(into: &fields) else { throw DataError(file: source, reason: .emptyFile) }
        return CSVHeader(names: fields.map(string), line: recordLine, source: source)
    }

    /// Reads the next record and checks that it has `count` fields.
    package mutating func next(into fields: inout [CSVField], count: Int) throws(DataError) -> Bool {
        guard try next(into: &fields) else { return false }
        if fields.count != count { throw error(.malformedLine("expected \(count) fields, found \(fields.count)")) }
        return true
    }
}

/// A CSV header: column names matched case-insensitively.
package struct CSVHeader: Sendable {
    /// The names as written.
    package let names: [String]
    /// The line the header is on.
    package let line: Int
    /// The file name used in errors.
    package let source: String
    private let keys: [String]

    package init(names: [String], line: Int, source: String) {
        self.names = names
        self.line = line
        self.source = source
        keys = names.map { $0.lowercased() }
    }

    /// The number of columns.
    package var count: Int { names.count }

    /// The index of the column named `name` (any case), or nil.
    package func optionalColumn(_ name: String) -> Int? { keys.firstIndex(of: name.lowercased()) }

    /// The index of the column named `name` (any case), or a ``DataError`` naming the missing column.
    package func column(_ name: String) throws(DataError) -> Int {
        guard let index = optionalColumn(name) else {
            throw DataError(file: source, line: line, reason: .missingColumn(name))
        }
        return index
    }
}
