import Foundation
import FileFormats

extension UserTable {
    /// Reads `users.csv` (a column `user`, one row per pair, in pair order) and returns each pair's
    /// user index, adding new names to the table in order of first appearance (on error the table
    /// is unchanged).
    ///
    /// User names are strings (`0`, `alice`, …). A missing `user` column, an empty name or a row
    /// with the wrong number of fields is a `DataError` naming the file and line.
    public mutating func readUserColumn(_ url: URL) throws(DataError) -> [Int] {
        try readUserColumn(CSVTable(url: url), source: url.path)
    }

    /// Parses the text of a `users.csv` file; `source` names it in errors.
    public mutating func parseUserColumn(text: String, source: String = "users.csv") throws(DataError) -> [Int] {
        try readUserColumn(CSVTable(text: text, source: source), source: source)
    }

    private mutating func readUserColumn(_ table: CSVTable, source: String) throws(DataError) -> [Int] {
        var users = self
        let column = try table.column("user")
        var ids = [Int]()
        ids.reserveCapacity(table.rows.count)
        for (line, fields) in table.rows {
            let name = fields[column]
            guard !name.isEmpty else { throw DataError(file: source, line: line, reason: .malformedLine("empty user name")) }
            ids.append(users.intern(name))
        }
        guard !ids.isEmpty else { throw DataError(file: source, reason: .emptyDataSet) }
        self = users
        return ids
    }
}
