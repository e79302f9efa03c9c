/// The parsed header of a `.npy` file: format version, dtype, order and shape, and where the data
/// starts.
///
/// Layout (NumPy's `format` module): the magic `\x93NUMPY`, a major and a minor version byte, the
/// header length (little-endian `UInt16` for version 1.0, `UInt32` for 2.0 and 3.0), then the
/// header, a Python dict literal such as `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`
/// padded with spaces and ending in `\n` (latin-1 for 1.0/2.0, UTF-8 for 3.0). The raw data starts
/// right after the header.
struct NumPyHeader: Equatable {
    var majorVersion: Int
    var dtype: NumPyDType
    var shape: [Int]
    /// Byte offset of the first data byte.
    var dataOffset: Int

    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY
    /// The longest header accepted (NumPy's own reader refuses more than 10,000 bytes by default).
    static let maximumHeaderLength = 1 << 20

    var elementCount: Int { shape.reduce(1, *) }
    var dataByteCount: Int { elementCount * dtype.byteCount }

    /// The fixed-size prefix: magic, version and header length. Returns the version and the
    /// header's byte range, or throws when the prefix is wrong. `prefix` may be longer than needed.
    static func parsePrefix(_ prefix: [UInt8], fileSize: Int, source: String) throws(DataError) -> (major: Int, header: Range<Int>) {
        if fileSize == 0 { throw DataError(file: source, reason: .emptyFile) }
        guard prefix.count >= 6, Array(prefix[0..<6]) == magic else {
            throw DataError(file: source, reason: .unsupportedFormat("not a NumPy .npy file (it does not start with the magic string \\x93NUMPY)"))
        }
        guard prefix.count >= 8 else {
            throw DataError(file: source, reason: .invalidValue("truncated .npy file: \(fileSize) bytes, too short for a header"))
        }
        let major = Int(prefix[6])
        let minor = Int(prefix[7])
        guard (1...3).contains(major), minor == 0 else {
            throw DataError(file: source, reason: .unsupportedFormat(
                ".npy format version \(major).\(minor) (versions 1.0, 2.0 and 3.0 are supported)"))
        }
        let lengthBytes = major == 1 ? 2 : 4
        guard prefix.count >= 8 + lengthBytes else {
            throw DataError(file: source, reason: .invalidValue("truncated .npy file: \(fileSize) bytes, too short for a header"))
        }
        var length = 0
        for k in 0..<lengthBytes { length |= Int(prefix[8 + k]) << (8 * k) }
        let start = 8 + lengthBytes
        guard length <= maximumHeaderLength else {
            throw DataError(file: source, reason: .invalidValue("malformed .npy header: header length \(length) exceeds \(maximumHeaderLength) bytes"))
        }
        guard start + length <= fileSize else {
            throw DataError(file: source, reason: .invalidValue(
                "truncated .npy file: the header needs \(start + length) bytes, the file has \(fileSize)"))
        }
        return (major, start..<(start + length))
    }

    /// Parses the header text and checks that RewardKit can read the array it describes.
    static func parse(major: Int, headerBytes: ArraySlice<UInt8>, dataOffset: Int, source: String) throws(DataError) -> NumPyHeader {
        // Versions 1.0 and 2.0 are latin-1; every character the header grammar uses is ASCII, so a
        // byte-to-scalar mapping is exact for them. Version 3.0 is UTF-8.
        let text: String
        if major == 3 {
            guard let decoded = String(validating: headerBytes, as: UTF8.self) else {
                throw DataError(file: source, reason: .invalidValue("malformed .npy header: not valid UTF-8"))
            }
            text = decoded
        } else {
            text = String(String.UnicodeScalarView(headerBytes.map { Unicode.Scalar($0) }))
        }
        var parser = PythonLiteralParser(text: text)
        let dictionary: [String: PythonLiteral]
        do {
            dictionary = try parser.parseHeaderDictionary()
        } catch {
            throw DataError(file: source, reason: .invalidValue("malformed .npy header: \(error.detail) in \(excerpt(text))"))
        }
        let expectedKeys: Set<String> = ["descr", "fortran_order", "shape"]
        guard Set(dictionary.keys) == expectedKeys else {
            throw DataError(file: source, reason: .invalidValue(
                "malformed .npy header: keys \(dictionary.keys.sorted()), expected \(expectedKeys.sorted())"))
        }
        guard case .string(let descr)? = dictionary["descr"] else {
            let value = dictionary["descr"] ?? .none
            let what: String
            if case .list = value { what = "structured dtype" } else { what = "'descr' is not a dtype string:" }
            throw DataError(file: source, reason: .unsupportedFormat(
                "\(what) \(excerpt(value.description, quoted: false)); only '<f4', '<f8', '<i4' and '<i8' are supported"))
        }
        guard let dtype = NumPyDType.parse(descr) else {
            let why = descr.hasPrefix(">") ? " (big-endian)" : ""
            throw DataError(file: source, reason: .unsupportedFormat(
                "dtype '\(descr)'\(why); only '<f4' (float32), '<f8' (float64), '<i4' and '<i8' are supported"))
        }
        guard case .bool(let fortranOrder)? = dictionary["fortran_order"] else {
            throw DataError(file: source, reason: .invalidValue("malformed .npy header: 'fortran_order' is not True or False"))
        }
        if fortranOrder {
            throw DataError(file: source, reason: .unsupportedFormat(
                "fortran_order is True (column-major); only C order (row-major) is supported, save with numpy.ascontiguousarray"))
        }
        guard case .tuple(let items)? = dictionary["shape"] else {
            throw DataError(file: source, reason: .invalidValue("malformed .npy header: 'shape' is not a tuple"))
        }
        var shape = [Int]()
        for item in items {
            guard case .integer(let n) = item, n >= 0 else {
                throw DataError(file: source, reason: .invalidValue("malformed .npy header: shape entry \(excerpt(item.description, quoted: false)) is not a non-negative integer"))
            }
            shape.append(n)
        }
        guard shape.count == 1 || shape.count == 2 else {
            let shown = shape.prefix(8).map(String.init).joined(separator: ", ")
            let tupleText = "(" + shown + (shape.count > 8 ? ", …)" : ")")
            throw DataError(file: source, reason: .unsupportedFormat(
                "shape \(tupleText) has \(shape.count) axes; only 1-D and 2-D arrays are supported"))
        }
        let (count, overflow) = shape.reduce((1, false)) { acc, n in
            let (product, o) = acc.0.multipliedReportingOverflow(by: n)
            return (product, acc.1 || o)
        }
        guard !overflow, !count.multipliedReportingOverflow(by: dtype.byteCount).overflow else {
            throw DataError(file: source, reason: .invalidValue(
                "malformed .npy header: shape \(shape) of '\(dtype.rawValue)' needs more than \(Int.max) bytes"))
        }
        return NumPyHeader(majorVersion: major, dtype: dtype, shape: shape, dataOffset: dataOffset)
    }
}

/// At most `limit` characters of `text` (trailing whitespace removed), for error messages: a
/// header may be up to a megabyte long. `quoted` writes it as a Swift string literal.
func excerpt(_ text: String, limit: Int = 120, quoted: Bool = true) -> String {
    let trimmed = text.trimmingTrailingWhitespace
    let count = trimmed.unicodeScalars.count
    let head = count > limit ? String(String.UnicodeScalarView(trimmed.unicodeScalars.prefix(limit))) : trimmed
    let shown = quoted ? head.debugDescription : head
    return count > limit ? shown + " … (\(count) characters)" : shown
}

/// A value of the small Python literal grammar used in `.npy` headers.
enum PythonLiteral: Equatable, CustomStringConvertible {
    case string(String)
    case integer(Int)
    case bool(Bool)
    case none
    case tuple([PythonLiteral])
    case list([PythonLiteral])

    var description: String {
        switch self {
        case .string(let s): "'\(s)'"
        case .integer(let n): "\(n)"
        case .bool(let b): b ? "True" : "False"
        case .none: "None"
        case .tuple(let items): "(" + items.map(\.description).joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
        case .list(let items): "[" + items.map(\.description).joined(separator: ", ") + "]"
        }
    }
}

/// A recursive-descent parser for the header dict: `{` string `:` value (`,` …)* `,`? `}` followed
/// only by whitespace. Values are strings in single or double quotes, integers (an `L` suffix from
/// Python 2 is allowed), `True`, `False`, `None`, tuples and lists.
///
/// Tuples and lists nest at most ``maximumDepth`` deep (NumPy's own headers need two levels, for a
/// structured dtype's field list), so the recursion — and the recursive `Equatable`, `description`
/// and deinitialization of the resulting ``PythonLiteral`` — stays bounded whatever the file holds;
/// a deeper header is a ``Failure``.
struct PythonLiteralParser {
    struct Failure: Error { var detail: String }

    /// The deepest nesting of tuples and lists accepted.
    static let maximumDepth = 32

    private let scalars: [Unicode.Scalar]
    private var position = 0
    private var depth = 0

    init(text: String) { scalars = Array(text.unicodeScalars) }

    mutating func parseHeaderDictionary() throws(Failure) -> [String: PythonLiteral] {
        skipWhitespace()
        try expect("{")
        var result = [String: PythonLiteral]()
        skipWhitespace()
        while peek() != "}" {
            guard peek() != nil else { throw Failure(detail: "unexpected end of header: '}' expected") }
            guard case .string(let key) = try parseValue() else { throw Failure(detail: "a dict key is not a string") }
            skipWhitespace()
            try expect(":")
            let value = try parseValue()
            if result[key] != nil { throw Failure(detail: "duplicate key '\(key)'") }
            result[key] = value
            skipWhitespace()
            if peek() == "," { position += 1; skipWhitespace() } else if peek() != "}" {
                throw Failure(detail: "expected ',' or '}' at character \(position)")
            }
        }
        position += 1
        skipWhitespace()
        guard position == scalars.count else { throw Failure(detail: "unexpected text after the dict at character \(position)") }
        return result
    }

    private mutating func parseValue() throws(Failure) -> PythonLiteral {
        skipWhitespace()
        guard let c = peek() else { throw Failure(detail: "unexpected end of header") }
        switch c {
        case "'", "\"":
            return .string(try parseString(quote: c))
        case "(", "[":
            guard depth < Self.maximumDepth else {
                throw Failure(detail: "tuples and lists nested more than \(Self.maximumDepth) deep at character \(position)")
            }
            position += 1
            depth += 1
            defer { depth -= 1 }
            let items = try parseSequence(closing: c == "(" ? ")" : "]")
            return c == "(" ? .tuple(items) : .list(items)
        case "-", "0"..."9":
            return .integer(try parseInteger())
        default:
            var word = ""
            while let d = peek(), d.properties.isAlphabetic || d == "_" { word.unicodeScalars.append(d); position += 1 }
            switch word {
            case "True": return .bool(true)
            case "False": return .bool(false)
            case "None": return .none
            default: throw Failure(detail: "unexpected token '\(word.isEmpty ? String(c) : word)' at character \(position)")
            }
        }
    }

    private mutating func parseSequence(closing: Unicode.Scalar) throws(Failure) -> [PythonLiteral] {
        var items = [PythonLiteral]()
        skipWhitespace()
        while peek() != closing {
            guard peek() != nil else { throw Failure(detail: "unexpected end of header: '\(closing)' expected") }
            items.append(try parseValue())
            skipWhitespace()
            if peek() == "," { position += 1; skipWhitespace() } else if peek() != closing {
                throw Failure(detail: "expected ',' or '\(closing)' at character \(position)")
            }
        }
        position += 1
        return items
    }

    private mutating func parseString(quote: Unicode.Scalar) throws(Failure) -> String {
        position += 1
        var out = String.UnicodeScalarView()
        while let c = peek() {
            position += 1
            if c == quote { return String(out) }
            if c == "\\" {
                guard let escaped = peek() else { break }
                position += 1
                out.append(escaped)
            } else {
                out.append(c)
            }
        }
        throw Failure(detail: "unterminated string")
    }

    private mutating func parseInteger() throws(Failure) -> Int {
        var digits = ""
        if peek() == "-" { digits = "-"; position += 1 }
        while let c = peek(), ("0"..."9").contains(c) { digits.unicodeScalars.append(c); position += 1 }
        if peek() == "L" { position += 1 }
        guard let value = Int(digits) else { throw Failure(detail: "bad integer '\(digits)'") }
        return value
    }

    private mutating func expect(_ c: Unicode.Scalar) throws(Failure) {
        guard peek() == c else { throw Failure(detail: "expected '\(c)' at character \(position)") }
        position += 1
    }

    private func peek() -> Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }

    private mutating func skipWhitespace() {
        while let c = peek(), c == " " || c == "\n" || c == "\t" || c == "\r" { position += 1 }
    }
}

extension String {
    var trimmingTrailingWhitespace: String {
        var s = Substring(self)
        while let last = s.last, last.isWhitespace { s.removeLast() }
        return String(s)
    }
}
