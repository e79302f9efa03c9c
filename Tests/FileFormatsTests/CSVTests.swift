import Foundation
import Testing
@testable import FileFormats

/// Every record of `text` as strings, or the DataError the reader threw.
private func records(_ text: String, source: String = "t.csv") -> Result<[[String]], DataError> {
    records(Array(text.utf8), source: source)
}

private func records(_ bytes: [UInt8], source: String = "t.csv") -> Result<[[String]], DataError> {
    var reader = CSVReader(bytes: bytes, source: source)
    var fields: [CSVField] = []
    var out: [[String]] = []
    do throws(DataError) {
        while try reader.next(into: &fields) { out.append(fields.map(reader.string)) }
    } catch { return .failure(error) }
    return .success(out)
}

@Suite struct CSVReaderTests {
    @Test func lineEndsLFCRLFAndMixed() throws {
        #expect(try records("a,b\n1,2\n").get() == [["a", "b"], ["1", "2"]])
        #expect(try records("a,b\r\n1,2\r\n").get() == [["a", "b"], ["1", "2"]])
        // An LF file whose last line ends in CRLF, and no final line end at all.
        #expect(try records("a,b\n1,2\n3,4\r\n").get() == [["a", "b"], ["1", "2"], ["3", "4"]])
        #expect(try records("a,b\r\n1,2\n3,4").get() == [["a", "b"], ["1", "2"], ["3", "4"]])
    }

    @Test func pythonCSVAllQuotedCRLF() throws {
        // csv.writer(f, quoting=csv.QUOTE_ALL) writes this.
        let text = "\"winner\",\"loser\"\r\n\"a, b\",\"say \"\"hi\"\"\"\r\n\"two\r\nlines\",\"c\"\r\n"
        #expect(try records(text).get() == [["winner", "loser"], ["a, b", "say \"hi\""], ["two\r\nlines", "c"]])
    }

    @Test func spreadsheetBOMIsDropped() throws {
        var reader = CSVReader(bytes: [0xEF, 0xBB, 0xBF] + Array("Winner,LOSER\r\nx,y\r\n".utf8), source: "s.csv")
        let header = try reader.header()
        #expect(header.names == ["Winner", "LOSER"])
        #expect(try header.column("winner") == 0 && header.column("Loser") == 1)
    }

    @Test func quotedNameWithEmbeddedNewlineKeepsLineNumbers() throws {
        var reader = CSVReader(bytes: Array("name,x\n\"first\nsecond\",1\nnext,2\n".utf8), source: "t.csv")
        var fields: [CSVField] = []
        _ = try reader.next(into: &fields)
        #expect(try reader.next(into: &fields))
        #expect(reader.string(fields[0]) == "first\nsecond" && reader.recordLine == 2)
        #expect(try reader.next(into: &fields))
        #expect(reader.string(fields[0]) == "next" && reader.recordLine == 4)
    }

    @Test func combiningMarkAtFieldStartIsItsOwnField() throws {
        // U+0301 after a comma: a Character-level split would glue it to the comma.
        #expect(try records("a,\u{301}b,c\n").get() == [["a", "\u{301}b", "c"]])
    }

    @Test func blankAndEmptyLastLinesAreSkipped() throws {
        #expect(try records("a\n\n1\n  \r\n\n").get() == [["a"], ["1"]])
        #expect(try records("a,b\n1,\n").get() == [["a", "b"], ["1", ""]])
    }

    @Test func spacesAroundFieldsAndQuotesAreTrimmed() throws {
        #expect(try records(" a ,\t\"b c\" , d\n").get() == [["a", "b c", "d"]])
    }

    @Test func errorsNameFileLineAndReason() {
        #expect(records("a\n\"abc\n", source: "u.csv")
                == .failure(DataError(file: "u.csv", line: 2, reason: .malformedLine("unterminated quoted field"))))
        #expect(records("a\n\"a\"b\n", source: "u.csv")
                == .failure(DataError(file: "u.csv", line: 2, reason: .malformedLine("text after a closing quote"))))
        var reader = CSVReader(bytes: Array("a,b\n1,2\n1,2,3\n".utf8), source: "u.csv")
        var fields: [CSVField] = []
        var failure: DataError?
        do throws(DataError) { while try reader.next(into: &fields, count: 2) {} } catch { failure = error }
        #expect(failure == DataError(file: "u.csv", line: 3, reason: .malformedLine("expected 2 fields, found 3")))
        var missing: DataError?
        do throws(DataError) { _ = try CSVTable(text: "a,b\n1,2\n", source: "u.csv").column("c") } catch { missing = error }
        #expect(missing == DataError(file: "u.csv", line: 1, reason: .missingColumn("c")))
        var empty: DataError?
        do throws(DataError) { _ = try CSVTable(text: "", source: "u.csv") } catch { empty = error }
        #expect(empty?.reason == .emptyFile)
    }
}

@Suite struct CSVWriterTests {
    @Test func quotesExactlyTheFieldsThatNeedIt() {
        #expect(CSVWriter.field("plain") == "plain")
        #expect(CSVWriter.field("in side") == "in side")
        #expect(CSVWriter.field("") == "")
        for text in ["a,b", "say \"hi\"", "cr\r", "lf\n", " lead", "trail ", "\ttab", "\u{301}mark"] {
            #expect(CSVWriter.field(text).utf8.first == UInt8(ascii: "\""), "\(text.debugDescription) is not quoted")
        }
        #expect(CSVWriter.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
    }

    @Test func everythingWrittenReadsBackByteIdentically() throws {
        let pieces = ["a", " ", ",", "\"", "\n", "\r", "\r\n", "\u{301}", "é", "\t", "x y", "\u{FEFF}", "😀", ""]
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func nextRandom(_ n: Int) -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int((seed >> 33) % UInt64(n))
        }
        for _ in 0..<500 {
            let width = 1 + nextRandom(3)
            var rows: [[String]] = []
            for _ in 0..<(1 + nextRandom(4)) {
                rows.append((0..<width).map { _ in (0..<nextRandom(5)).map { _ in pieces[nextRandom(pieces.count)] }.joined() })
            }
            var writer = CSVWriter(header: (0..<width).map { "c\($0)" })
            for row in rows { writer.appendRecord(row) }
            let result = records(writer.text)
            if case .failure(let error) = result { Issue.record("\(error): \(writer.text.debugDescription)") }
            let read = try result.get()
            #expect(read.count == rows.count + 1, "\(writer.text.debugDescription)")
            guard read.count == rows.count + 1 else { continue }
            for (got, want) in zip(read.dropFirst(), rows) {
                #expect(got.map { Array($0.utf8) } == want.map { Array($0.utf8) }, "\(writer.text.debugDescription)")
            }
        }
    }
}
