import Foundation
import Testing
import FileFormats
import NumericCore
@testable import PreferenceData

/// The `first` column (the item shown first) of comparison files, CSV and JSONL.
@Suite("First-shown column")
struct FirstShownTests {
    @Test("CSV: first names the winner (+1), the loser (−1) or is empty (0); it round-trips through csvText")
    func csv() throws {
        let text = "winner,loser,annotator,first\na,b,x,a\nb,c,y,c\nc,a,x,\n"
        let set = try ComparisonSet(csv: Array(text.utf8), source: "f.csv")
        #expect(set.shownFirst == [1, -1, 0])
        #expect(set.annotators == [0, 1, 0])
        let again = try ComparisonSet(csv: Array(set.csvText().utf8), source: "again.csv")
        #expect(again == set)
        #expect(set.subset([2, 1]).shownFirst == [0, -1])
        let none = try ComparisonSet(csv: Array("winner,loser\na,b\n".utf8), source: "n.csv")
        #expect(none.shownFirst == nil)
    }

    @Test("CSV: a first that names neither item is an error naming the file and line")
    func csvError() throws {
        let text = "winner,loser,first\na,b,a\nb,c,d\n"
        do {
            _ = try ComparisonSet(csv: Array(text.utf8), source: "bad.csv")
            Issue.record("no error")
        } catch {
            #expect(error.file == "bad.csv" && error.line == 3)
            #expect(error.description.contains("first 'd' names neither the winner 'b' nor the loser 'c'"), "\(error)")
        }
    }

    @Test("JSONL: first as in CSV, errors name the line")
    func jsonl() throws {
        let text = "{\"winner\": \"a\", \"loser\": \"b\", \"first\": \"b\"}\n{\"winner\": \"b\", \"loser\": \"a\"}\n"
        let set = try ComparisonSet(jsonl: Array(text.utf8), source: "f.jsonl")
        #expect(set.shownFirst == [-1, 0])
        let bad = "{\"winner\": \"a\", \"loser\": \"b\"}\n{\"winner\": \"a\", \"loser\": \"b\", \"first\": \"z\"}\n"
        do {
            _ = try ComparisonSet(jsonl: Array(bad.utf8), source: "bad.jsonl")
            Issue.record("no error")
        } catch {
            #expect(error.file == "bad.jsonl" && error.line == 2)
        }
        let notString = "{\"winner\": \"a\", \"loser\": \"b\", \"first\": [1]}\n"
        #expect(throws: DataError.self) { try ComparisonSet(jsonl: Array(notString.utf8), source: "x.jsonl") }
    }

    @Test("Builder: first is checked, records before the first first-shown value are unrecorded")
    func builder() throws {
        var builder = ComparisonSet.Builder()
        try builder.append(winner: "a", loser: "b")
        try builder.append(winner: "a", loser: "b", first: "b")
        #expect(builder.build().shownFirst == [0, -1])
        #expect(throws: DataError.self) { try builder.append(winner: "a", loser: "b", first: "c") }
    }

    @Test("the synthetic campaign writes annotator and first fields; a left-clicker's winner is always first")
    func campaign() {
        var rng = SeededGenerator(seed: 3)
        let people = [SyntheticLabellingCampaign.Annotator(name: "left", reliability: 1, bias: .infinity, labels: 50)]
        let set = SyntheticLabellingCampaign.comparisons(strengths: [2, 0, -2], annotators: people, using: &rng)
        #expect(set.count == 50 && set.annotatorNames == ["left"])
        #expect(set.shownFirst?.allSatisfy { $0 == 1 } == true)
    }
}

extension FirstShownTests {
    @Test("a first column read as a numeric covariate (arena battles) is not the shown-first item")
    func numericFirstIsACovariate() throws {
        var reader = CSVReader(bytes: Array("winner,loser,first\nx,y,1\ny,x,-1\n".utf8), source: "b.csv")
        let parsed = try ComparisonSet.parseCSV(&reader, numericColumns: ["first"])
        #expect(parsed.comparisons.shownFirst == nil && parsed.values == [1, -1])
    }
}
