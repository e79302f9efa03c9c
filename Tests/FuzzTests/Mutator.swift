import NumericCore

/// Seeded byte-level mutations of a well-formed file: the operations a fuzzer's havoc stage uses
/// (bit flips, random bytes, deletions, duplications, splices of tokens that parsers treat
/// specially, truncation). The same seed gives the same mutants.
struct Mutator {
    var generator: SeededGenerator

    init(seed: UInt64) { generator = SeededGenerator(seed: seed) }

    /// Tokens that stress text and number parsing: separators, quotes, line ends, a BOM,
    /// combining marks, special and extreme numbers, JSON structure, deep nesting.
    static let tokens: [[UInt8]] = [
        ",", "\"", "\"\"", "\n", "\r\n", "\r", "\u{FEFF}", "\u{0301}", "\t", " ", "",
        "nan", "NaN", "inf", "-inf", "Infinity", "1e308", "1e309", "-1e308", "1e-320", "-0", "+1", ".5", "5.", "0x10",
        "1e19", "9223372036854775808", "-9223372036854775809", "99999999999999999999999999", "1e300", "3e38", "-1",
        "true", "false", "null", "{", "}", "[", "]", ":", "\\", "\\u0000", "\\ud800",
        String(repeating: "(", count: 40_000), String(repeating: "[", count: 3_000), "\0", "\u{FFFD}", "é", "💥",
    ].map { Array($0.utf8) }

    mutating func int(_ range: Range<Int>) -> Int { Int.random(in: range, using: &generator) }

    /// 1 to 4 stacked mutations of `bytes`.
    mutating func mutate(_ bytes: [UInt8]) -> [UInt8] {
        var out = bytes
        for _ in 0..<int(1..<5) {
            let n = out.count
            switch int(0..<9) {
            case 0 where n > 0:   // flip one bit
                out[int(0..<n)] ^= UInt8(1 << int(0..<8))
            case 1 where n > 0:   // a random byte
                out[int(0..<n)] = UInt8(int(0..<256))
            case 2 where n > 0:   // delete a range
                let a = int(0..<n), b = min(n, a + int(1..<17))
                out.removeSubrange(a..<b)
            case 3 where n > 0:   // duplicate a range in place
                let a = int(0..<n), b = min(n, a + int(1..<65))
                out.insert(contentsOf: out[a..<b], at: int(0..<(n + 1)))
            case 4, 5:            // splice a token
                let token = Self.tokens[int(0..<Self.tokens.count)]
                out.insert(contentsOf: token, at: int(0..<(n + 1)))
            case 6 where n > 0:   // replace a run of digits or letters by a token
                let a = int(0..<n)
                var b = a
                while b < n && (out[b] >= 0x30 && out[b] <= 0x39 || out[b] == 0x2E || out[b] >= 0x61 && out[b] <= 0x7A) { b += 1 }
                out.replaceSubrange(a..<max(a, b), with: Self.tokens[int(0..<Self.tokens.count)])
            case 7 where n > 0:   // truncate
                out.removeSubrange(int(0..<n)..<n)
            default:              // swap two bytes
                if n > 1 { out.swapAt(int(0..<n), int(0..<n)) }
            }
        }
        return out
    }
}

/// Rewritings of a well-formed CSV file that every CSV reader must accept with the same content:
/// what Python's `csv` module, R's `write.csv`, and spreadsheets write.
enum CSVVariants {
    static func lines(_ text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }
    }

    /// Splits a simple record (no quotes in the seed) into fields.
    static func fields(_ line: String) -> [String] { line.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }

    static func quoted(_ field: String) -> String { "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    /// The variants of `text` (LF-terminated, unquoted fields, a header line).
    static func of(_ text: String) -> [(name: String, text: String)] {
        let rows = lines(text)
        let header = rows[0], body = Array(rows.dropFirst())
        var result: [(String, String)] = []
        result.append(("CRLF (Python csv default)", rows.joined(separator: "\r\n") + "\r\n"))
        result.append(("all fields quoted, CRLF (csv.QUOTE_ALL)",
                       rows.map { fields($0).map(quoted).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"))
        result.append(("UTF-8 byte-order mark (Excel)", "\u{FEFF}" + text))
        result.append(("no final newline", rows.joined(separator: "\n")))
        result.append(("last line ends in CRLF", rows.dropLast().joined(separator: "\n") + "\n" + rows.last! + "\r\n"))
        result.append(("upper-case header", ([header.uppercased()] + body).joined(separator: "\n") + "\n"))
        result.append(("an extra column (R's row names last)",
                       ([header + ",extra"] + body.enumerated().map { "\($0.1),\($0.0 + 1)" }).joined(separator: "\n") + "\n"))
        let columns = fields(header).count
        if columns > 1 {
            let order = Array((0..<columns).reversed())
            result.append(("columns in another order",
                           rows.map { line in let f = fields(line); return order.map { f[$0] }.joined(separator: ",") }
                               .joined(separator: "\n") + "\n"))
        }
        result.append(("trailing blank lines", text + "\n\n"))
        return result
    }
}
