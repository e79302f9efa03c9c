/// Why input data was rejected, with the file, the line or row, and the reason.
///
/// Every loader in RewardKit reports bad input through this one type so that programs can print
/// a precise diagnosis (`chosen.npy, row 17, column 3: value is not finite`) and never crash
/// or silently fit a wrong model.
public struct DataError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What kind of problem was found.
    public enum Reason: Equatable, Sendable {
        /// The file could not be read (the system's reason).
        case cannotRead(String)
        /// The file holds nothing.
        case emptyFile
        /// The data hold no comparisons or pairs.
        case emptyDataSet
        /// A required column is missing (its name).
        case missingColumn(String)
        /// A line or record cannot be parsed (why).
        case malformedLine(String)
        /// A record names the same item as winner and loser (the item).
        case winnerEqualsLoser(String)
        /// A weight is negative, not finite or not a number (the text).
        case invalidWeight(String)
        /// A tie field is not 0 or 1 (the text).
        case invalidTie(String)
        /// A value is NaN or infinite (in `column` when known).
        case nonFiniteValue(column: Int?)
        /// A feature dimension differs from the expected one.
        case dimensionMismatch(expected: Int, found: Int)
        /// Two inputs that must align have different numbers of rows.
        case rowCountMismatch(expected: Int, found: Int)
        /// The file's format or type is not supported (what).
        case unsupportedFormat(String)
        /// A record names an item that is not known (the name).
        case unknownItem(String)
        /// A value is invalid (the whole reason, in words).
        case invalidValue(String)
    }

    /// The file the problem is in (or a description of the in-memory source).
    public var file: String
    /// The 1-based line (text files) or 0-based row (matrices), when the problem has one.
    public var line: Int?
    /// The diagnosis.
    public var reason: Reason

    /// An error in `file` (at `line` when known) for `reason`.
    public init(file: String, line: Int? = nil, reason: Reason) {
        self.file = file
        self.line = line
        self.reason = reason
    }

    /// The error in words, for messages.
    public var description: String {
        var where_ = file
        if let line { where_ += ", line \(line)" }
        let why: String
        switch reason {
        case .cannotRead(let detail): why = "cannot read the file (\(detail))"
        case .emptyFile: why = "the file is empty"
        case .emptyDataSet: why = "no comparisons or pairs in the data"
        case .missingColumn(let name): why = "missing column '\(name)'"
        case .malformedLine(let detail): why = "malformed line: \(detail)"
        case .winnerEqualsLoser(let item): why = "winner and loser are the same item '\(item)'"
        case .invalidWeight(let value): why = "weight '\(value)' is not a finite non-negative number"
        case .invalidTie(let value): why = "tie value '\(value)' is not 0 or 1"
        case .nonFiniteValue(let column):
            why = column.map { "column \($0): value is not finite" } ?? "value is not finite"
        case .dimensionMismatch(let expected, let found): why = "dimension \(found), expected \(expected)"
        case .rowCountMismatch(let expected, let found): why = "\(found) rows, expected \(expected)"
        case .unsupportedFormat(let detail): why = "unsupported format: \(detail)"
        case .unknownItem(let item): why = "unknown item '\(item)'"
        case .invalidValue(let detail): why = detail
        }
        return "\(where_): \(why)"
    }
}
