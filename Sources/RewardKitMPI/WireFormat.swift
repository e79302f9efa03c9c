/// The bytes ranks exchange (little-endian integers and IEEE doubles, UTF-8 strings with a length):
/// a private encoding between processes of one job, never written to a file.
struct WireWriter {
    var bytes: [UInt8] = []

    mutating func append(_ value: Int) {
        let bits = UInt64(bitPattern: Int64(value))
        for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: bits >> (8 * k))) }
    }

    mutating func append(_ value: Double) {
        let bits = value.bitPattern
        for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: bits >> (8 * k))) }
    }

    mutating func append(_ text: String) {
        let utf8 = Array(text.utf8)
        append(utf8.count)
        bytes.append(contentsOf: utf8)
    }
}

/// Reads what ``WireWriter`` wrote (ranks of one job run the same program, so the layout agrees).
struct WireReader {
    let bytes: [UInt8]
    var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func word() -> UInt64 {
        precondition(position + 8 <= bytes.count, "WireReader: read past the end of \(bytes.count) bytes")
        var bits: UInt64 = 0
        for k in 0..<8 { bits |= UInt64(bytes[position + k]) << (8 * k) }
        position += 8
        return bits
    }

    mutating func int() -> Int { Int(Int64(bitPattern: word())) }
    mutating func double() -> Double { Double(bitPattern: word()) }

    mutating func string() -> String {
        let count = int()
        precondition(count >= 0 && position + count <= bytes.count, "WireReader: string of \(count) bytes past the end")
        let text = String(decoding: bytes[position..<(position + count)], as: UTF8.self)
        position += count
        return text
    }
}
