/// A JSON value with an exact, dependency-free reader and writer: the one JSON mechanism of
/// RewardKit. Every JSON text is read with ``init(parsing:)`` or `parse(_:)` and written with
/// ``serialized(pretty:)``; `Encodable` reports become a value through ``init(encoding:)``.
///
/// Numbers are `Double`s and are written in the shortest form that reads back to the same bit
/// pattern (Swift's `description`, which is round-trip exact), integers in `(-2⁵³, 2⁵³)` without a
/// fraction, and `-0.0` with its sign; so `JSONValue(parsing: v.serialized()) == v` for every value
/// with finite numbers. Object keys are written sorted, so the output is deterministic.
///
/// **Non-finite numbers.** JSON has no NaN or infinity, and the serializer never writes `nan` or
/// `inf` text: a non-finite number is written as `null` (as JavaScript's `JSON.stringify` does).
/// This is the one rule for every report; callers that need exactness (model files) check
/// ``containsNonFiniteNumber`` first and refuse to write.
///
/// **Reading** follows RFC 8259 strictly. An object with the same key twice is an error
/// (``ParseError/Kind/duplicateKey(_:)``), and nesting deeper than ``maximumNestingDepth`` arrays
/// and objects is an error (``ParseError/Kind/nestingTooDeep``) rather than a stack overflow.
public enum JSONValue: Sendable, Equatable, Hashable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number (always a `Double`).
    case number(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object (keys unordered; written sorted).
    case object([String: JSONValue])

    /// The deepest nesting of arrays and objects the reader accepts.
    public static let maximumNestingDepth = 512

    /// Why a text is not valid JSON, with the byte offset where reading stopped.
    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        /// The kinds of failure that callers may want to tell apart.
        public enum Kind: Sendable, Equatable, Hashable {
            /// The text does not follow the JSON grammar (or is not UTF-8).
            case syntax
            /// An object has the member `key` twice.
            case duplicateKey(String)
            /// Arrays and objects are nested deeper than ``JSONValue/maximumNestingDepth``.
            case nestingTooDeep
        }

        /// The byte offset where reading stopped.
        public var offset: Int
        /// What is wrong, in words.
        public var detail: String
        /// The kind of failure.
        public var kind: Kind
        /// The error in words, for messages.
        public var description: String { "\(detail) at byte \(offset)" }
    }

    /// Parses one JSON document (surrounding whitespace allowed).
    public init(parsing text: String) throws(ParseError) {
        self = try JSONValue.parse(Array(text.utf8))
    }

    /// Parses one JSON document from UTF-8 bytes.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(ParseError) -> JSONValue {
        var reader = JSONReader(bytes: bytes)
        let value = try reader.parseValue(depth: 0)
        reader.skipWhitespace()
        guard reader.position == bytes.count else { throw reader.failure("unexpected text after the JSON value") }
        return value
    }

    /// Parses one JSON document from UTF-8 bytes.
    public static func parse(_ bytes: [UInt8]) throws(ParseError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (buffer) throws(ParseError) -> JSONValue in try parse(buffer) }
    }

    // MARK: Accessors

    /// The string, if this is a string.
    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    /// The number, if this is a number.
    public var doubleValue: Double? { if case .number(let x) = self { x } else { nil } }
    /// The number as an `Int`, if this is a whole number that fits.
    public var intValue: Int? {
        guard case .number(let x) = self, x.rounded() == x, abs(x) < 0x1p63 else { return nil }
        return Int(x)
    }
    /// The boolean, if this is `true` or `false`.
    public var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
    /// The elements, if this is an array.
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    /// The members, if this is an object.
    public var objectValue: [String: JSONValue]? { if case .object(let o) = self { o } else { nil } }
    /// The member `key` of an object (nil for other values or a missing key).
    public subscript(key: String) -> JSONValue? { objectValue?[key] }

    /// Whether a NaN or infinite number occurs anywhere inside.
    public var containsNonFiniteNumber: Bool {
        switch self {
        case .number(let x): !x.isFinite
        case .array(let items): items.contains { $0.containsNonFiniteNumber }
        case .object(let members): members.values.contains { $0.containsNonFiniteNumber }
        default: false
        }
    }

    // MARK: Writing

    /// The JSON text: compact, or indented by two spaces when `pretty`; keys sorted; NaN and
    /// infinities written as `null` (so the text is always valid JSON).
    public func serialized(pretty: Bool = false) -> String {
        var out = ""
        write(into: &out, pretty: pretty, indent: 0)
        return out
    }

    private func write(into out: inout String, pretty: Bool, indent: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let x): out += JSONValue.format(x)
        case .string(let s): JSONValue.writeString(s, into: &out)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (k, item) in items.enumerated() {
                if k > 0 { out += "," }
                if pretty { out += "\n" + String(repeating: " ", count: indent + 2) }
                item.write(into: &out, pretty: pretty, indent: indent + 2)
            }
            if pretty { out += "\n" + String(repeating: " ", count: indent) }
            out += "]"
        case .object(let members):
            if members.isEmpty { out += "{}"; return }
            out += "{"
            for (k, key) in members.keys.sorted().enumerated() {
                if k > 0 { out += "," }
                if pretty { out += "\n" + String(repeating: " ", count: indent + 2) }
                JSONValue.writeString(key, into: &out)
                out += pretty ? ": " : ":"
                members[key]!.write(into: &out, pretty: pretty, indent: indent + 2)
            }
            if pretty { out += "\n" + String(repeating: " ", count: indent) }
            out += "}"
        }
    }

    /// The shortest text that reads back to exactly `x`; `null` for NaN and infinities.
    public static func format(_ x: Double) -> String {
        guard x.isFinite else { return "null" }
        if x == 0 { return x.sign == .minus ? "-0.0" : "0" }
        if x.rounded() == x, abs(x) < 0x1p53 { return String(Int64(x)) }
        return x.description
    }

    package static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral {
    /// A JSON string.
    public init(stringLiteral value: String) { self = .string(value) }
    /// A JSON number.
    public init(floatLiteral value: Double) { self = .number(value) }
    /// A JSON number.
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    /// A JSON Boolean.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// A JSON array.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// A JSON object; of repeated keys the last wins.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    /// JSON `null`.
    public init(nilLiteral: ()) { self = .null }
}

/// A recursive-descent reader over UTF-8 bytes (RFC 8259), with a nesting limit.
struct JSONReader {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0
    static let maximumDepth = JSONValue.maximumNestingDepth

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    mutating func skipWhitespace() {
        while position < bytes.count {
            let c = bytes[position]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { position += 1 } else { break }
        }
    }

    func failure(_ detail: String, _ kind: JSONValue.ParseError.Kind = .syntax) -> JSONValue.ParseError {
        JSONValue.ParseError(offset: position, detail: detail, kind: kind)
    }

    /// Reads one value. Recursion is bounded by ``JSONValue/maximumNestingDepth`` (a few hundred
    /// small frames), so hostile input such as 100,000 `[` fails with an error, not a stack overflow.
    mutating func parseValue(depth: Int) throws(JSONValue.ParseError) -> JSONValue {
        guard depth < JSONReader.maximumDepth else {
            throw failure("nesting deeper than \(JSONReader.maximumDepth)", .nestingTooDeep)
        }
        skipWhitespace()
        guard position < bytes.count else { throw failure("unexpected end of input") }
        switch bytes[position] {
        case UInt8(ascii: "{"):
            position += 1
            var members = [String: JSONValue]()
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
            while true {
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw failure("expected a string key") }
                let key = try parseString()
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw failure("expected ':'") }
                position += 1
                let value = try parseValue(depth: depth + 1)
                guard members.updateValue(value, forKey: key) == nil else { throw failure("duplicate key \"\(key)\"", .duplicateKey(key)) }
                skipWhitespace()
                guard position < bytes.count else { throw failure("unterminated object") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
                throw failure("expected ',' or '}'")
            }
        case UInt8(ascii: "["):
            position += 1
            var items = [JSONValue]()
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
            while true {
                items.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                guard position < bytes.count else { throw failure("unterminated array") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
                throw failure("expected ',' or ']'")
            }
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "t"): try expectWord("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectWord("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectWord("null"); return .null
        default:
            return .number(try parseNumber())
        }
    }

    mutating func expectWord(_ word: StaticString) throws(JSONValue.ParseError) {
        let n = word.utf8CodeUnitCount
        guard position + n <= bytes.count else { throw failure("unexpected end of input") }
        for k in 0..<n where bytes[position + k] != word.utf8Start[k] { throw failure("invalid literal") }
        position += n
    }

    /// The grammar `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, converted with
    /// correctly rounded `Double(String)`.
    mutating func parseNumber() throws(JSONValue.ParseError) -> Double {
        let start = position
        func digits(_ reader: inout JSONReader) -> Int {
            var n = 0
            while reader.position < reader.bytes.count, (0x30...0x39).contains(reader.bytes[reader.position]) { reader.position += 1; n += 1 }
            return n
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "-") { position += 1 }
        let integerStart = position
        guard digits(&self) > 0 else { position = start; throw failure("invalid value") }
        if bytes[integerStart] == UInt8(ascii: "0"), position - integerStart > 1 { throw failure("leading zero in a number") }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard digits(&self) > 0 else { throw failure("digits expected after '.'") }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard digits(&self) > 0 else { throw failure("digits expected in the exponent") }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        guard let value = Double(text) else { throw failure("invalid number '\(text)'") }
        return value
    }

    mutating func parseString() throws(JSONValue.ParseError) -> String {
        position += 1  // opening quote
        var scalars = String.UnicodeScalarView()
        var runStart = position
        func flushRun(_ reader: JSONReader, _ scalars: inout String.UnicodeScalarView, upTo end: Int) throws(JSONValue.ParseError) {
            guard runStart < end else { return }
            guard let run = String(validating: UnsafeBufferPointer(rebasing: reader.bytes[runStart..<end]), as: UTF8.self) else {
                throw reader.failure("invalid UTF-8 in a string")
            }
            scalars.append(contentsOf: run.unicodeScalars)
        }
        while position < bytes.count {
            let c = bytes[position]
            if c == UInt8(ascii: "\"") {
                try flushRun(self, &scalars, upTo: position)
                position += 1
                return String(scalars)
            }
            if c < 0x20 { throw failure("control character in a string") }
            if c == UInt8(ascii: "\\") {
                try flushRun(self, &scalars, upTo: position)
                position += 1
                guard position < bytes.count else { break }
                let e = bytes[position]
                position += 1
                switch e {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    var code = try parseHex4()
                    if (0xD800..<0xDC00).contains(code) {
                        guard position + 6 <= bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                            throw failure("unpaired surrogate")
                        }
                        position += 2
                        let low = try parseHex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw failure("unpaired surrogate") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw failure("invalid \\u escape") }
                    scalars.append(scalar)
                default: throw failure("invalid escape")
                }
                runStart = position
                continue
            }
            position += 1
        }
        throw failure("unterminated string")
    }

    mutating func parseHex4() throws(JSONValue.ParseError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw failure("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[position]
            let digit: UInt32
            switch c {
            case 0x30...0x39: digit = UInt32(c - 0x30)
            case 0x41...0x46: digit = UInt32(c - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(c - 0x61 + 10)
            default: throw failure("invalid hex digit in \\u escape")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }
}
