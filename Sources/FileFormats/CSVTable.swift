import Foundation

/// A whole small CSV file read by ``CSVReader`` (users and groups files, SVO answers, soft labels):
/// the header and every data row as strings. Every row must have the header's number of fields;
/// a file without data rows is ``DataError/Reason/emptyDataSet``.
package struct CSVTable {
    /// The header; column names match case-insensitively.
    package var header: CSVHeader
    /// Each data row with its 1-based line number in the file.
    package var rows: [(line: Int, fields: [String])]
    /// The file name used in errors.
    package var source: String { header.source }

    /// Reads every record of `reader`.
    package init(reading reader: inout CSVReader) throws(DataError) {
        let header = try reader.header()
        var rows = [(line: Int, fields: [String])]()
        var fields: [CSVField] = []
        while try reader.next(into: &fields, count: header.count) {
            rows.append((reader.recordLine, fields.map(reader.string)))
        }
        guard !rows.isEmpty else { throw DataError(file: reader.source, reason: .emptyDataSet) }
        self.header = header
        self.rows = rows
    }

    /// Parses CSV bytes; `source` names the file in errors.
    package init(bytes: [UInt8], source: String) throws(DataError) {
        var reader = CSVReader(bytes: bytes, source: source)
        try self.init(reading: &reader)
    }

    /// Parses CSV text; `source` names the file in errors.
    package init(text: String, source: String) throws(DataError) {
        try self.init(bytes: Array(text.utf8), source: source)
    }

    /// Reads and parses a CSV file, which must be UTF-8 text.
    package init(url: URL) throws(DataError) {
        var reader = try CSVReader(url: url, requireUTF8: true)
        try self.init(reading: &reader)
    }

    /// The index of the column named `name` (any case), or a ``DataError`` naming the missing column.
    package func column(_ name: String) throws(DataError) -> Int { try header.column(name) }

    /// The index of the column named `name` (any case), or nil.
    package func optionalColumn(_ name: String) -> Int? { header.optionalColumn(name) }

    /// `field` as an integer, or a ``DataError`` naming the line and column.
    package func integer(_ field: String, line: Int, column: String) throws(DataError) -> Int {
        guard let v = Int(field) else {
            throw DataError(file: source, line: line, reason: .invalidValue("\(column) '\(field)' is not an integer"))
        }
        return v
    }

    /// `field` as a finite number, or a ``DataError`` naming the line and column.
    package func real(_ field: String, line: Int, column: String) throws(DataError) -> Double {
        guard let v = Double(field), v.isFinite else {
            throw DataError(file: source, line: line, reason: .invalidValue("\(column) '\(field)' is not a finite number"))
        }
        return v
    }
}
