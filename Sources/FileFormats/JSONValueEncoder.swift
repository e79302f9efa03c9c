import Foundation

extension JSONValue {
    /// The JSON value of an `Encodable` value: the document `JSONEncoder` writes with its default
    /// settings, built as a ``JSONValue`` so that `Codable` reports go through the same serializer
    /// as every other report.
    ///
    /// Keys are the value's coding keys; `nil` optionals that the type encodes with
    /// `encodeIfPresent` (as synthesized conformances do) are left out; a value that encodes
    /// nothing is `{}`. Numbers become `Double`s: integers beyond ±2⁵³ lose exactness, a `Float`
    /// keeps its shortest decimal text (`0.1` stays `0.1`), and NaN and infinities follow the
    /// serializer's rule (written as `null`). As with `JSONEncoder`, a `URL` is its absolute
    /// string and `Data` its Base64 text.
    ///
    /// ```swift
    /// let text = try JSONValue(encoding: report).serialized(pretty: true)
    /// ```
    ///
    /// - Throws: Whatever the value's `encode(to:)` throws (the encoder itself never fails).
    public init(encoding value: some Encodable) throws {
        self = try JSONEncodingNode.box(value, codingPath: []).value
    }
}

/// A node of the tree that `JSONValueEncoder` fills in; containers hold a reference to their node,
/// so nested containers can keep writing after they are handed out.
final class JSONEncodingNode {
    var leaf: JSONValue?
    var members: [String: JSONEncodingNode]?
    var elements: [JSONEncodingNode]?

    init() {}
    init(_ leaf: JSONValue) { self.leaf = leaf }

    var value: JSONValue {
        if let members { return .object(members.mapValues(\.value)) }
        if let elements { return .array(elements.map(\.value)) }
        return leaf ?? .object([:])
    }

    func makeObject() {
        if members == nil { members = [:]; elements = nil; leaf = nil }
    }

    func makeArray() {
        if elements == nil { elements = []; members = nil; leaf = nil }
    }

    /// The value a `JSONEncoder` would special-case, if `value` is one.
    static func special(_ value: some Encodable) -> JSONValue? {
        switch value {
        case let url as URL: .string(url.absoluteString)
        case let data as Data: .string(data.base64EncodedString())
        default: nil
        }
    }

    static func box(_ value: some Encodable, codingPath: [any CodingKey]) throws -> JSONEncodingNode {
        if let special = special(value) { return JSONEncodingNode(special) }
        let node = JSONEncodingNode()
        try value.encode(to: JSONValueEncoder(node: node, codingPath: codingPath))
        return node
    }

    static func number(_ x: Float) -> JSONValue {
        .number(x.isFinite ? Double(x.description) ?? Double(x) : Double(x))
    }
}

/// The `Encoder` behind ``JSONValue/init(encoding:)``.
struct JSONValueEncoder: Encoder {
    let node: JSONEncodingNode
    var codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.makeObject()
        return KeyedEncodingContainer(JSONKeyedEncodingContainer<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.makeArray()
        return JSONUnkeyedEncodingContainer(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        JSONSingleValueEncodingContainer(node: node, codingPath: codingPath)
    }
}

/// A key for `super` and for array positions in coding paths.
struct JSONCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) { self.stringValue = String(intValue); self.intValue = intValue }
}

struct JSONKeyedEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: JSONEncodingNode
    var codingPath: [any CodingKey]

    private func set(_ value: JSONValue, _ key: Key) { node.members![key.stringValue] = JSONEncodingNode(value) }

    mutating func encodeNil(forKey key: Key) { set(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) { set(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) { set(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) { set(.number(value), key) }
    mutating func encode(_ value: Float, forKey key: Key) { set(JSONEncodingNode.number(value), key) }
    mutating func encode(_ value: Int, forKey key: Key) { set(.number(Double(value)), key) }
    mutating func encode(_ value: Int8, forKey key: Key) { set(.number(Double(value)), key) }
    mutating func encode(_ value: Int16, forKey key: Key) { set(.number(Double(value)), key) }
    mutating func encode(_ value: Int32, forKey key: Key) { set(.number(Double(value)), key) }
    mutating func encode(_ value: Int64, forKey key: Key) { set(.number(Double(value)), key) }
    mutating func encode(_ value: UInt, forKey key: Key) { set(.number(Double(value)), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) { set(.number(Double(value)), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) { set(.number(Double(value)), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) { set(.number(Double(value)), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) { set(.number(Double(value)), key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        node.members![key.stringValue] = try JSONEncodingNode.box(value, codingPath: codingPath + [key])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey> {
        let child = JSONEncodingNode()
        child.makeObject()
        node.members![key.stringValue] = child
        return KeyedEncodingContainer(JSONKeyedEncodingContainer<NestedKey>(node: child, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = JSONEncodingNode()
        child.makeArray()
        node.members![key.stringValue] = child
        return JSONUnkeyedEncodingContainer(node: child, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder { superEncoder(named: JSONCodingKey(stringValue: "super")) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { superEncoder(named: key) }

    private func superEncoder(named key: some CodingKey) -> any Encoder {
        let child = JSONEncodingNode()
        node.members![key.stringValue] = child
        return JSONValueEncoder(node: child, codingPath: codingPath + [key])
    }
}

struct JSONUnkeyedEncodingContainer: UnkeyedEncodingContainer {
    let node: JSONEncodingNode
    var codingPath: [any CodingKey]
    var count: Int { node.elements!.count }

    private var nextKey: JSONCodingKey { JSONCodingKey(intValue: count) }
    private func append(_ value: JSONValue) { node.elements!.append(JSONEncodingNode(value)) }

    mutating func encodeNil() { append(.null) }
    mutating func encode(_ value: Bool) { append(.bool(value)) }
    mutating func encode(_ value: String) { append(.string(value)) }
    mutating func encode(_ value: Double) { append(.number(value)) }
    mutating func encode(_ value: Float) { append(JSONEncodingNode.number(value)) }
    mutating func encode(_ value: Int) { append(.number(Double(value))) }
    mutating func encode(_ value: Int8) { append(.number(Double(value))) }
    mutating func encode(_ value: Int16) { append(.number(Double(value))) }
    mutating func encode(_ value: Int32) { append(.number(Double(value))) }
    mutating func encode(_ value: Int64) { append(.number(Double(value))) }
    mutating func encode(_ value: UInt) { append(.number(Double(value))) }
    mutating func encode(_ value: UInt8) { append(.number(Double(value))) }
    mutating func encode(_ value: UInt16) { append(.number(Double(value))) }
    mutating func encode(_ value: UInt32) { append(.number(Double(value))) }
    mutating func encode(_ value: UInt64) { append(.number(Double(value))) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let child = try JSONEncodingNode.box(value, codingPath: codingPath + [nextKey])
        node.elements!.append(child)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let child = JSONEncodingNode()
        child.makeObject()
        let path = codingPath + [nextKey]
        node.elements!.append(child)
        return KeyedEncodingContainer(JSONKeyedEncodingContainer<NestedKey>(node: child, codingPath: path))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let child = JSONEncodingNode()
        child.makeArray()
        let path = codingPath + [nextKey]
        node.elements!.append(child)
        return JSONUnkeyedEncodingContainer(node: child, codingPath: path)
    }

    mutating func superEncoder() -> any Encoder {
        let child = JSONEncodingNode()
        let path = codingPath + [nextKey]
        node.elements!.append(child)
        return JSONValueEncoder(node: child, codingPath: path)
    }
}

struct JSONSingleValueEncodingContainer: SingleValueEncodingContainer {
    let node: JSONEncodingNode
    var codingPath: [any CodingKey]

    private func set(_ value: JSONValue) {
        node.members = nil
        node.elements = nil
        node.leaf = value
    }

    mutating func encodeNil() { set(.null) }
    mutating func encode(_ value: Bool) { set(.bool(value)) }
    mutating func encode(_ value: String) { set(.string(value)) }
    mutating func encode(_ value: Double) { set(.number(value)) }
    mutating func encode(_ value: Float) { set(JSONEncodingNode.number(value)) }
    mutating func encode(_ value: Int) { set(.number(Double(value))) }
    mutating func encode(_ value: Int8) { set(.number(Double(value))) }
    mutating func encode(_ value: Int16) { set(.number(Double(value))) }
    mutating func encode(_ value: Int32) { set(.number(Double(value))) }
    mutating func encode(_ value: Int64) { set(.number(Double(value))) }
    mutating func encode(_ value: UInt) { set(.number(Double(value))) }
    mutating func encode(_ value: UInt8) { set(.number(Double(value))) }
    mutating func encode(_ value: UInt16) { set(.number(Double(value))) }
    mutating func encode(_ value: UInt32) { set(.number(Double(value))) }
    mutating func encode(_ value: UInt64) { set(.number(Double(value))) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        if let special = JSONEncodingNode.special(value) { set(special); return }
        try value.encode(to: JSONValueEncoder(node: node, codingPath: codingPath))
    }
}
