import Foundation
import Testing
import FileFormats
import PreferenceData

/// CSV and JSONL loading: formats, options, and a typed error for every kind of bad input.
@Suite("Comparison loaders")
struct LoaderTests {
    /// Writes `text` to a fresh temporary file and returns its location.
    static func temporaryFile(_ text: String, extension ext: String = "csv") throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("itemmodels-\(UUID().uuidString).\(ext)")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    static func loadError(_ text: String, extension ext: String = "csv") throws -> DataError? {
        let path = try temporaryFile(text, extension: ext)
        defer { try? FileManager.default.removeItem(at: path) }
        do {
            _ = try ComparisonSet.load(contentsOf: path)
            return nil
        } catch {
            #expect(error.file == path.path)
            return error
        }
    }

    @Test("CSV with columns in any order, quotes, CRLF, optional columns and extra columns")
    func csvFormat() throws {
        let text = "weight,extra,Loser,winner,tie,annotator\r\n"
            + "2.5,x,\"b, the second\",a,0,ann1\r\n"
            + "1,y,a,\"say \"\"hi\"\"\",1,ann2\r\n"
            + "\n"
            + "0.5,z,a,\"b, the second\",0,ann1\r\n"
        let path = try Self.temporaryFile(text)
        defer { try? FileManager.default.removeItem(at: path) }
        let set = try ComparisonSet(csvFile: path)
        #expect(set.items == ["a", "b, the second", "say \"hi\""])
        #expect(set.winners == [0, 2, 1])
        #expect(set.losers == [1, 0, 0])
        #expect(set.ties == [false, true, false])
        #expect(set.weights == [2.5, 1, 0.5])
        #expect(set.annotatorNames == ["ann1", "ann2"])
        #expect(set.annotators == [0, 1, 0])
        let totals = set.itemTotals()
        #expect(totals.wins == [2.5, 0.5, 0])
        #expect(totals.ties == [1, 0, 1])
    }

    @Test("a UTF-8 byte-order mark (as spreadsheets write) is not part of the first column name")
    func byteOrderMark() throws {
        for (text, ext) in [("\u{FEFF}loser,winner\r\nb,a\r\n", "csv"), ("\u{FEFF}{\"winner\": \"a\", \"loser\": \"b\"}\n", "jsonl")] {
            let path = try Self.temporaryFile(text, extension: ext)
            defer { try? FileManager.default.removeItem(at: path) }
            let set = try ComparisonSet.load(contentsOf: path)
            #expect(set.items == ["a", "b"] && set.winners == [0] && set.losers == [1], "\(ext)")
        }
        let bytes = Array("\u{FEFF}winner,loser\na,b\n".utf8)
        #expect(try ComparisonSet(csv: bytes, source: "memory").count == 1)
    }

    @Test("minimal CSV without a trailing newline, and JSONL with the same keys")
    func minimalAndJSONL() throws {
        let csv = try Self.temporaryFile("winner,loser\nx,y\ny,z")
        defer { try? FileManager.default.removeItem(at: csv) }
        let fromCSV = try ComparisonSet.load(contentsOf: csv)
        #expect(fromCSV.count == 2 && fromCSV.items == ["x", "y", "z"] && !fromCSV.hasTies && fromCSV.annotators == nil)
        let jsonl = try Self.temporaryFile("""
        {"winner": "x", "loser": "y"}

        {"loser": "z", "winner": "y", "tie": true, "weight": 2, "annotator": 7}
        {"winner": 3, "loser": "x", "tie": 0}
        """, extension: "jsonl")
        defer { try? FileManager.default.removeItem(at: jsonl) }
        let fromJSONL = try ComparisonSet.load(contentsOf: jsonl)
        #expect(fromJSONL.items == ["x", "y", "z", "3"])
        #expect(fromJSONL.ties == [false, true, false])
        #expect(fromJSONL.weights == [1, 2, 1])
        #expect(fromJSONL.annotatorNames == ["7", ""])
        #expect(fromJSONL.annotators == [1, 0, 1])
    }

    @Test("CSV errors name the file, the line and the reason")
    func csvErrors() throws {
        let cases: [(String, Int?, DataError.Reason)] = [
            ("", nil, .emptyFile),
            ("  \n\n", nil, .emptyFile),
            ("winner,loser\n", nil, .emptyDataSet),
            ("winner,other\na,b\n", 1, .missingColumn("loser")),
            ("loser,x\na,b\n", 1, .missingColumn("winner")),
            ("winner,loser\na,b\nc,c\n", 3, .winnerEqualsLoser("c")),
            ("winner,loser,weight\na,b,1\na,b,-1\n", 3, .invalidWeight("-1")),
            ("winner,loser,weight\na,b,nan\n", 2, .invalidWeight("nan")),
            ("winner,loser,weight\na,b,inf\n", 2, .invalidWeight("inf")),
            ("winner,loser,weight\na,b,heavy\n", 2, .invalidWeight("heavy")),
            ("winner,loser,tie\na,b,2\n", 2, .invalidTie("2")),
            ("winner,loser,tie\na,b,yes\n", 2, .invalidTie("yes")),
            ("winner,loser,tie\na,b,\n", 2, .invalidTie("")),
            ("winner,loser\na,b\na,b,c\n", 3, .malformedLine("expected 2 fields, found 3")),
            ("winner,loser\na\n", 2, .malformedLine("expected 2 fields, found 1")),
            ("winner,loser\n\"a,b\n", 2, .malformedLine("unterminated quoted field")),
            ("winner,loser\n\"a\"x,b\n", 2, .malformedLine("text after a closing quote")),
            ("winner,loser\n,b\n", 2, .malformedLine("empty winner name")),
            ("winner,loser\na,\"\"\n", 2, .malformedLine("empty loser name")),
        ]
        for (text, line, reason) in cases {
            let error = try #require(try Self.loadError(text), "no error for \(text.debugDescription)")
            #expect(error.line == line && error.reason == reason,
                    "\(text.debugDescription): got line \(error.line.map(String.init) ?? "nil"), \(error.reason)")
            #expect(error.description.contains(error.file))
        }
    }

    @Test("JSONL errors name the file, the line and the reason")
    func jsonlErrors() throws {
        let cases: [(String, Int?, DataError.Reason)] = [
            ("\n \n", nil, .emptyFile),
            ("{\"winner\": \"a\", \"loser\": \"b\"}\n{\"winner\": \"a\"\n", 2, .malformedLine("not valid JSON")),
            ("[1, 2]\n", 1, .malformedLine("not a JSON object")),
            ("{\"loser\": \"b\"}\n", 1, .missingColumn("winner")),
            ("{\"winner\": \"b\"}\n", 1, .missingColumn("loser")),
            ("{\"winner\": \"b\", \"loser\": \"b\"}\n", 1, .winnerEqualsLoser("b")),
            ("{\"winner\": \"a\", \"loser\": \"b\", \"tie\": 3}\n", 1, .invalidTie("3")),
            ("{\"winner\": \"a\", \"loser\": \"b\", \"weight\": -2}\n", 1, .invalidWeight("-2")),
            ("{\"winner\": \"a\", \"loser\": \"b\", \"weight\": \"x\"}\n", 1, .invalidWeight("x")),
            ("{\"winner\": [1], \"loser\": \"b\"}\n", 1, .malformedLine("winner is not a string")),
            ("{\"winner\": 1.5, \"loser\": \"b\"}\n", 1, .malformedLine("winner is not a string")),
            ("{\"winner\": null, \"loser\": \"b\"}\n", 1, .malformedLine("winner is not a string")),
            // Booleans are neither item names nor weights.
            ("{\"winner\": true, \"loser\": \"b\"}\n", 1, .malformedLine("winner is true, not an item name")),
            ("{\"winner\": \"a\", \"loser\": false}\n", 1, .malformedLine("loser is false, not an item name")),
            ("{\"winner\": \"a\", \"loser\": \"b\", \"weight\": true}\n", 1, .invalidWeight("true")),
            ("{\"winner\": \"a\", \"loser\": \"b\", \"weight\": \"inf\"}\n", 1, .invalidWeight("inf")),
            ("{\"winner\": \"a\", \"loser\": \"b\", \"tie\": \"yes\"}\n", 1, .invalidTie("yes")),
            ("{\"winner\": \"a\", \"loser\": \"b\", \"tie\": [1]}\n", 1, .invalidTie("[1]")),
            // The same key twice in one object.
            ("{\"winner\": \"a\", \"loser\": \"b\"}\n{\"winner\": \"a\", \"loser\": \"b\", \"winner\": \"c\"}\n", 2,
             .malformedLine("duplicate key \"winner\"")),
            ("{\"winner\": \"a\", \"loser\": \"b\", \"tie\": 0, \"tie\": 1}\n", 1, .malformedLine("duplicate key \"tie\"")),
            ("{\"winner\": \"a\", \"loser\": \"b\", \"x\": {\"k\": 1, \"k\": 2}}\n", 1, .malformedLine("duplicate key \"k\"")),
            // Hostile nesting is an error, not a stack overflow.
            ("{\"winner\": \"a\", \"loser\": \"b\"}\n" + String(repeating: "[", count: 100_000) + "\n", 2,
             .malformedLine("JSON nested deeper than \(JSONValue.maximumNestingDepth) levels")),
        ]
        for (text, line, reason) in cases {
            let error = try #require(try Self.loadError(text, extension: "jsonl"), "no error for \(text.debugDescription)")
            #expect(error.line == line && error.reason == reason,
                    "\(text.debugDescription): got line \(error.line.map(String.init) ?? "nil"), \(error.reason)")
        }
    }

    @Test("JSONL values: ties as 0/1, \"0\"/\"1\" or booleans, weights as numbers or text, null as absent, integer names")
    func jsonlValues() throws {
        let set = try ComparisonSet(jsonl: Array("""
        {"winner": "a", "loser": "b", "tie": true, "weight": "2.5", "annotator": null}
        {"winner": "b", "loser": "a", "tie": "1", "weight": null, "tie_note": [1, {"x": true}]}
        {"winner": 7, "loser": "a", "tie": false, "weight": 0}
        {"winner": -0, "loser": 1e1, "tie": null, "weight": 1e-3}
        """.utf8), source: "values.jsonl")
        #expect(set.items == ["a", "b", "7", "0", "10"])
        #expect(set.ties == [true, true, false, false])
        #expect(set.weights == [2.5, 1, 0, 1e-3])
        #expect(set.annotators == nil)
        let error = #expect(throws: DataError.self) {
            try ComparisonSet(jsonl: Array("{\"winner\": \"a\", \"loser\": \"b\", \"loser\": \"c\"}".utf8), source: "dup.jsonl")
        }
        #expect(error?.file == "dup.jsonl" && error?.line == 1)
        #expect(error?.description.contains("dup.jsonl") == true)
    }

    @Test("a missing file or a directory is a cannotRead error")
    func unreadable() {
        #expect(throws: DataError(file: "/nonexistent/battles.csv", reason: .cannotRead("no such file"))) {
            try ComparisonSet(csvFile: URL(fileURLWithPath: "/nonexistent/battles.csv"))
        }
        #expect(throws: DataError.self) { try ComparisonSet(csvFile: FileManager.default.temporaryDirectory) }
        // A relative location is named as it was given, as the command-line tool's arguments are.
        #expect(throws: DataError(file: "no-such-folder/battles.jsonl", reason: .cannotRead("no such file"))) {
            try ComparisonSet.load(contentsOf: URL(fileURLWithPath: "no-such-folder/battles.jsonl"))
        }
    }

    @Test("in-memory construction validates records")
    func inMemory() {
        #expect(throws: DataError(file: "<memory>", line: 1, reason: .winnerEqualsLoser("b"))) {
            try ComparisonSet(items: ["a", "b"], winners: [0, 1], losers: [1, 1])
        }
        #expect(throws: DataError(file: "<memory>", line: 0, reason: .invalidWeight("nan"))) {
            try ComparisonSet(items: ["a", "b"], winners: [0], losers: [1], weights: [.nan])
        }
        #expect(throws: DataError.self) { try ComparisonSet(items: ["a", "a"], winners: [0], losers: [1]) }
    }

    @Test("aggregation sums repeated pairs in both orders")
    func aggregation() throws {
        let set = try ComparisonSet(items: ["a", "b", "c"], winners: [0, 1, 0, 2, 1], losers: [1, 0, 1, 0, 2],
                                    ties: [false, false, true, false, false], weights: [1, 2, 3, 4, 5])
        let keep = AggregatedComparisons(set, ties: .keep)
        #expect(keep.first == [0, 0, 1] && keep.second == [1, 2, 2])
        #expect(keep.firstWins == [1, 0, 5] && keep.secondWins == [2, 4, 0] && keep.ties == [3, 0, 0])
        #expect(keep.pairOfRecord == [0, 0, 0, 1, 2])
        let half = AggregatedComparisons(set, ties: .halfWins)
        #expect(half.firstWins == [2.5, 0, 5] && half.secondWins == [3.5, 4, 0])
        let drop = AggregatedComparisons(set, ties: .drop)
        #expect(drop.firstWins == [1, 0, 5] && drop.ties == [0, 0, 0] && drop.pairOfRecord[2] == -1)
        #expect(keep.totalWeight == 15)
    }
}
