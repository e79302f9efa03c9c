import Foundation

/// The one JSON Lines reading loop of every JSONL loader: skips a UTF-8 byte-order mark and blank
/// lines (spaces, tabs, CR), parses each other line with ``JSONValue`` and hands `body` the 1-based
/// line number and the object.
///
/// - Throws: ``DataError`` naming `source` (and the line): an empty file, malformed JSON, an object
///   with the same key twice, nesting deeper than ``JSONValue/maximumNestingDepth``, a line that is
///   not an object; and whatever `body` throws.
package func forEachJSONLineObject(
    _ bytes: [UInt8], source: String,
    _ body: (_ line: Int, _ record: [String: JSONValue]) throws(DataError) -> Void
) throws(DataError) {
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
        try forEachJSONLineObject(Array(bytes.dropFirst(3)), source: source, body)
        return
    }
    if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
        throw DataError(file: source, reason: .emptyFile)
    }
    var lineNumber = 0
    var start = 0
    while start < bytes.count {
        var end = start
        while end < bytes.count && bytes[end] != 0x0A { end += 1 }
        lineNumber += 1
        let lineBytes = bytes[start..<end]
        start = end + 1
        if lineBytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
        func fail(_ reason: DataError.Reason) -> DataError { DataError(file: source, line: lineNumber, reason: reason) }
        let value: JSONValue
        do throws(JSONValue.ParseError) {
            value = try bytes.withUnsafeBufferPointer { (all) throws(JSONValue.ParseError) -> JSONValue in
                try JSONValue.parse(UnsafeBufferPointer(rebasing: all[lineBytes.indices]))
            }
        } catch {
            switch error.kind {
            case .duplicateKey(let key): throw fail(.malformedLine("duplicate key \"\(key)\""))
            case .nestingTooDeep: throw fail(.malformedLine("JSON nested deeper than \(JSONValue.maximumNestingDepth) levels"))
            case .syntax: throw fail(.malformedLine("not valid JSON"))
            }
        }
        guard let record = value.objectValue else { throw fail(.malformedLine("not a JSON object")) }
        try body(lineNumber, record)
    }
}
