import Foundation
import Testing
@testable import FileFormats

/// The parse error of `text`, or nil when it parses.
private func parseError(_ text: String) -> JSONValue.ParseError? {
    do throws(JSONValue.ParseError) {
        _ = try JSONValue(parsing: text)
        return nil
    } catch { return error }
}

@Suite("JSONValue reading")
struct JSONValueReadingTests {
    @Test func valuesAndRoundTrip() throws {
        let text = #"{"a": [1, -0.0, 2.5e-3, true, false, null], "b": {"c": "x\"\u00e9\ud83d\ude00"}, "d": 12345678901}"#
        let value = try JSONValue(parsing: text)
        #expect(value["a"] == [1, -0.0, 0.0025, true, false, nil])
        #expect(value["b"]?["c"] == "x\"é😀")
        #expect(value["d"]?.intValue == 12_345_678_901)
        #expect(try JSONValue(parsing: value.serialized()) == value)
        #expect(try JSONValue(parsing: value.serialized(pretty: true)) == value)
    }

    @Test("an object with the same key twice is an error that names the key")
    func duplicateKeys() {
        #expect(parseError(#"{"a": 1, "a": 1}"#)?.kind == .duplicateKey("a"))
        #expect(parseError(#"{"a": 1, "b": {"k": [], "k": {}}}"#)?.kind == .duplicateKey("k"))
        #expect(parseError(#"[{"x": 1}, {"y": 2, "y": 3}]"#)?.kind == .duplicateKey("y"))
        // Keys are compared after unescaping.
        #expect(parseError(#"{"é": 1, "\u00e9": 2}"#)?.kind == .duplicateKey("é"))
        #expect(parseError(#"{"a": 1, "A": 2}"#) == nil)
        #expect(parseError(#"{"a": 1, "a": 1}"#)?.description.contains("duplicate key \"a\"") == true)
    }

    @Test("nesting is limited: 100,000 open brackets are an error, not a stack overflow")
    func deepNesting() {
        let limit = JSONValue.maximumNestingDepth
        for opener in ["[", "{\"k\":", "[{\"k\":"] {
            let error = parseError(String(repeating: opener, count: 100_000))
            #expect(error?.kind == .nestingTooDeep, "\(opener)")
        }
        #expect(parseError(String(repeating: "[", count: limit) + String(repeating: "]", count: limit)) == nil)
        #expect(parseError(String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1))?.kind == .nestingTooDeep)
    }

    @Test func syntaxErrors() {
        for text in ["", "[1,]", "{\"a\" 1}", "[1] x", "01", "1.", "nan", "Infinity", "\"\u{01}\"", "\"\\ud800\"", "{'a': 1}", "[true"] {
            #expect(parseError(text)?.kind == .syntax, "\(text.debugDescription)")
        }
    }
}

@Suite("JSONValue writing")
struct JSONValueWritingTests {
    @Test("non-finite numbers are written as null, so the text is always JSON")
    func nonFiniteNumbers() throws {
        let value: JSONValue = ["nan": .number(.nan), "inf": .number(.infinity), "minus_inf": .number(-.infinity),
                                "list": [.number(.nan), 1.5], "finite": 2]
        #expect(value.containsNonFiniteNumber)
        for pretty in [false, true] {
            let text = value.serialized(pretty: pretty)
            let back = try JSONValue(parsing: text)
            #expect(back == ["nan": nil, "inf": nil, "minus_inf": nil, "list": [nil, 1.5], "finite": 2])
            #expect(!back.containsNonFiniteNumber)
        }
        #expect(value.serialized() == #"{"finite":2,"inf":null,"list":[null,1.5],"minus_inf":null,"nan":null}"#)
        #expect(JSONValue.format(.nan) == "null" && JSONValue.format(-.infinity) == "null")
    }

    @Test func numbersAndStrings() {
        #expect(JSONValue.number(3).serialized() == "3")
        #expect(JSONValue.number(-0.0).serialized() == "-0.0")
        #expect(JSONValue.number(0.1).serialized() == "0.1")
        #expect(JSONValue.number(1e300).serialized() == "1e+300")
        #expect(JSONValue.string("a\"b\\c\n\u{01}").serialized() == #""a\"b\\c\n\u0001""#)
        #expect(JSONValue.object(["b": 1, "a": [:], "c": []]).serialized(pretty: true) == "{\n  \"a\": {},\n  \"b\": 1,\n  \"c\": []\n}")
    }
}

// MARK: Encodable values

private enum Shade: String, Codable { case light, dark }

private enum Target: Codable, Equatable {
    case category(Shade)
    case angle(Double)
    case none
}

private struct Inner: Codable {
    var x: Double
    var label: String?
}

private struct Sample: Codable {
    var name: String
    var count: Int
    var seed: UInt64
    var ratio: Float
    var flags: [Bool]
    var matrix: [[Double]]
    var shade: Shade
    var targets: [Target]
    var inner: Inner
    var missing: Inner?
    var byName: [String: Int]
    var byNumber: [Int: String]
    var location: URL
    var snakeCase: Double

    enum CodingKeys: String, CodingKey {
        case name, count, seed, ratio, flags, matrix, shade, targets, inner, missing, location
        case byName = "by_name"
        case byNumber = "by_number"
        case snakeCase = "snake_case"
    }
}

private class Base: Codable {
    var base = 1
}

private final class Derived: Base {
    var extra = "e"
    enum CodingKeys: String, CodingKey { case extra }
    override init() { super.init() }
    required init(from decoder: any Decoder) throws { fatalError("not used") }
    override func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(extra, forKey: .extra)
        try super.encode(to: container.superEncoder())
    }
}

@Suite("JSONValue(encoding:)")
struct JSONValueEncodingTests {
    /// What `JSONEncoder` writes for `value`, read back as a JSONValue.
    func viaJSONEncoder(_ value: some Encodable) throws -> JSONValue {
        try JSONValue(parsing: String(decoding: JSONEncoder().encode(value), as: UTF8.self))
    }

    @Test("the same keys and values as JSONEncoder, for structs, enums, optionals, dictionaries, URLs and Floats")
    func matchesJSONEncoder() throws {
        let sample = Sample(name: "n", count: -3, seed: 42, ratio: 0.1, flags: [true, false], matrix: [[1, 2.5], [], [-0.0]],
                            shade: .dark, targets: [.category(.light), .angle(30.5), .none],
                            inner: Inner(x: 1e-7, label: nil), missing: nil, byName: ["a": 1, "b": 2], byNumber: [3: "three"],
                            location: URL(fileURLWithPath: "/tmp/a b.csv"), snakeCase: 0.125)
        let value = try JSONValue(encoding: sample)
        #expect(value == (try viaJSONEncoder(sample)))
        #expect(value["ratio"] == 0.1)
        #expect(value["missing"] == nil && value["inner"]?["label"] == nil)
        #expect(value["targets"]?.arrayValue?.first == ["category": ["_0": "light"]])
        #expect(value["by_number"] == ["3": "three"])
        #expect(value["location"] == "file:///tmp/a%20b.csv")
        #expect(try JSONValue(encoding: Derived()) == (try viaJSONEncoder(Derived())))
        #expect(try JSONValue(encoding: [Shade.light]) == ["light"])
        #expect(try JSONValue(encoding: 2.5) == 2.5)
    }

    @Test("non-finite numbers in an Encodable value follow the serializer's rule")
    func nonFinite() throws {
        let value = try JSONValue(encoding: Inner(x: .nan, label: "l"))
        #expect(value.serialized() == #"{"label":"l","x":null}"#)
        #expect(try JSONValue(encoding: [Float.infinity]).serialized() == "[null]")
    }
}
