import Foundation
import FileFormats

// Item-comparison CSV: a header naming `winner` and `loser` and optionally `tie` (0/1), `annotator`
// and `weight`, in any order; other columns are ignored. Fields may be quoted ("a, b" and "say ""hi""").
// The rows come from FileFormats' one byte-level CSVReader as field byte ranges, and item names are
// interned through a byte-keyed hash table in the same pass, so a 500,000-row file loads in tens of
// milliseconds.

extension ComparisonSet {
    /// Loads a comparison file, choosing the format by extension: `.jsonl`, `.ndjson` and `.json`
    /// are JSON Lines, anything else is CSV.
    public static func load(contentsOf url: URL) throws(DataError) -> ComparisonSet {
        let lower = url.path.lowercased()
        if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") || lower.hasSuffix(".json") {
            return try ComparisonSet(jsonlFile: url)
        }
        return try ComparisonSet(csvFile: url)
    }

    /// Loads a CSV comparison file (see ``init(csv:source:)`` for the format); errors name the
    /// file by its `relativePath` (the path given to `URL(fileURLWithPath:)`).
    public init(csvFile url: URL) throws(DataError) {
        try self.init(csv: try CSVReader.readFile(url.path, source: url.relativePath), source: url.relativePath)
    }

    /// Parses CSV bytes with a header line, read by the one CSV reader (see `Docs/DataFormats.md`).
    ///
    /// Required columns: `winner`, `loser`. Optional: `tie` (exactly `0` or `1`), `annotator`,
    /// `weight` (finite, ≥ 0), `first` (the name of the item shown first: the winner's or the
    /// loser's; empty when not recorded; see ``shownFirst``). Column names are matched case-insensitively, in any order; unknown
    /// columns are ignored. Fields may be quoted with `"` (a doubled `""` inside is a quote);
    /// unquoted fields are trimmed of spaces and tabs. Blank lines are skipped.
    ///
    /// - Throws: `DataError` naming `source`, the 1-based line and the reason: empty file,
    ///   missing column, malformed line (wrong field count, unterminated quote, empty item name),
    ///   winner equal to loser, bad tie value, bad weight, a `first` naming neither item, or no
    ///   records at all.
    public init(csv bytes: [UInt8], source: String) throws(DataError) {
        var reader = CSVReader(bytes: bytes, source: source)
        self = try Self.parseCSV(&reader, numericColumns: []).comparisons
    }

    /// Reads a comparison CSV in one pass, interning item names as it goes, together with the
    /// finite numbers of `numericColumns` (matched case-insensitively; k values per record,
    /// row-major, in the order given) and, when there are such columns, each record's line.
    package static func parseCSV(_ reader: inout CSVReader, numericColumns: [String])
        throws(DataError) -> (comparisons: ComparisonSet, values: [Double], lines: [Int]) {
        let header = try reader.header()
        let winnerColumn = try header.column("winner"), loserColumn = try header.column("loser")
        let tieColumn = header.optionalColumn("tie"), annotatorColumn = header.optionalColumn("annotator")
        let weightColumn = header.optionalColumn("weight")
        // A `first` column that the caller reads as a number (an arena covariate named "first") is not
        // the shown-first item.
        let firstColumn = numericColumns.contains { $0.lowercased() == "first" } ? nil : header.optionalColumn("first")
        var numeric: [Int] = []
        for name in numericColumns { numeric.append(try header.column(name)) }

        var interner = ByteStringInterner()
        var winners: [Int] = [], losers: [Int] = [], ties: [Bool] = [], weights: [Double] = []
        let estimate = reader.bytes.count / 8
        winners.reserveCapacity(estimate)
        losers.reserveCapacity(estimate)
        ties.reserveCapacity(estimate)
        weights.reserveCapacity(estimate)
        var values: [Double] = [], lines: [Int] = []
        var annotators: [Int]? = annotatorColumn == nil ? nil : []
        var annotatorIndex: [String: Int] = [:]
        var annotatorNames: [String] = []
        var shownFirst: [Int8]? = firstColumn == nil ? nil : []

        func intern(_ field: CSVField, column: String, reader: CSVReader) throws(DataError) -> Int {
            if field.isEmpty { throw reader.error(.malformedLine("empty \(column) name")) }
            return reader.withBytes(field) { interner.intern($0) }
        }
        var fields: [CSVField] = []
        while try reader.next(into: &fields, count: header.count) {
            let w = try intern(fields[winnerColumn], column: "winner", reader: reader)
            let l = try intern(fields[loserColumn], column: "loser", reader: reader)
            if w == l { throw reader.error(.winnerEqualsLoser(interner.names[w])) }
            var isTie = false
            if let tieColumn {
                let f = fields[tieColumn]
                if reader.field(f, is: UInt8(ascii: "1")) {
                    isTie = true
                } else if !reader.field(f, is: UInt8(ascii: "0")) {
                    throw reader.error(.invalidTie(reader.string(f)))
                }
            }
            var weight = 1.0
            if let weightColumn {
                let raw = reader.string(fields[weightColumn])
                guard let value = Double(raw), value.isFinite, value >= 0 else { throw reader.error(.invalidWeight(raw)) }
                weight = value
            }
            if let annotatorColumn {
                let name = reader.string(fields[annotatorColumn])
                let id: Int
                if let existing = annotatorIndex[name] {
                    id = existing
                } else {
                    id = annotatorNames.count
                    annotatorIndex[name] = id
                    annotatorNames.append(name)
                }
                annotators!.append(id)
            }
            if let firstColumn {
                let f = fields[firstColumn]
                let side: Int8
                if f.isEmpty {
                    side = 0
                } else if reader.withBytes(f, { interner.index(of: $0) }) == w {
                    side = 1
                } else if reader.withBytes(f, { interner.index(of: $0) }) == l {
                    side = -1
                } else {
                    throw reader.error(.invalidValue("first '\(reader.string(f))' names neither the winner '\(interner.names[w])' nor the loser '\(interner.names[l])'"))
                }
                shownFirst!.append(side)
            }
            for index in numeric {
                let text = reader.string(fields[index])
                guard let value = Double(text), value.isFinite else {
                    throw reader.error(.invalidValue("column '\(header.names[index].lowercased())': '\(text)' is not a finite number"))
                }
                values.append(value)
            }
            if !numeric.isEmpty { lines.append(reader.recordLine) }
            winners.append(w)
            losers.append(l)
            ties.append(isTie)
            weights.append(weight)
        }
        if winners.isEmpty { throw DataError(file: reader.source, reason: .emptyDataSet) }
        let set = ComparisonSet(validatedItems: interner.names, winners: winners, losers: losers, ties: ties,
                                weights: weights, annotators: annotators, annotatorNames: annotatorNames,
                                shownFirst: shownFirst)
        return (set, values, lines)
    }
}

/// Reads a whole text file, mapping I/O failures to ``DataError/Reason/cannotRead(_:)``. A UTF-8
/// byte-order mark (as spreadsheet programs write) is dropped, so the first header name matches.
package func readBytes(_ url: URL) throws(DataError) -> [UInt8] {
    let bytes = try CSVReader.readFile(url.path, source: url.relativePath)
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return Array(bytes.dropFirst(3)) }
    return bytes
}

/// Interns byte strings to dense item indices with an open-addressing table (FNV-1a hashes).
///
/// A name is the bytes decoded as UTF-8 or, when they are not valid UTF-8 (a Latin-1 file from a
/// spreadsheet), as ISO 8859-1, so distinct invalid byte strings never collapse into one "�". Two
/// byte strings that decode to the same name (the UTF-8 and the Latin-1 spelling of "é") are one
/// item: `names` has no duplicates, so indices agree with any String-keyed lookup of the names.
struct ByteStringInterner {
    private(set) var names: [String] = []
    private var nameIndex: [String: Int] = [:]
    /// The item of each distinct byte string (entry).
    private var entryItem: [Int] = []
    private var storage: [UInt8] = []
    private var offsets: [Int] = [0]
    private var table: [Int32]
    private var hashes: [UInt64]
    private var mask: Int

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        table = [Int32](repeating: -1, count: size)
        hashes = [UInt64](repeating: 0, count: size)
        mask = size - 1
    }

    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h ^ (h >> 29)
    }

    /// The index of `bytes`, if it was interned.
    func index(of bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        let h = Self.hash(bytes)
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let entry = table[slot]
            if entry < 0 { return nil }
            if hashes[slot] == h && equals(Int(entry), bytes) { return entryItem[Int(entry)] }
            slot = (slot + 1) & mask
        }
    }

    /// The index of `bytes`, inserting it when new.
    mutating func intern(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        let h = Self.hash(bytes)
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let entry = table[slot]
            if entry < 0 { break }
            if hashes[slot] == h && equals(Int(entry), bytes) { return entryItem[Int(entry)] }
            slot = (slot + 1) & mask
        }
        let entry = entryItem.count
        table[slot] = Int32(entry)
        hashes[slot] = h
        storage.append(contentsOf: bytes)
        offsets.append(storage.count)
        let name = CSVReader.text(bytes)
        let item: Int
        if let existing = nameIndex[name] {
            item = existing
        } else {
            item = names.count
            names.append(name)
            nameIndex[name] = item
        }
        entryItem.append(item)
        if entryItem.count * 2 > table.count { grow() }
        return item
    }

    private func equals(_ index: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = offsets[index], end = offsets[index + 1]
        if end - start != bytes.count { return false }
        return storage.withUnsafeBufferPointer { s in
            for k in 0..<bytes.count where s[start + k] != bytes[k] { return false }
            return true
        }
    }

    private mutating func grow() {
        let size = table.count * 2
        table = [Int32](repeating: -1, count: size)
        var newHashes = [UInt64](repeating: 0, count: size)
        mask = size - 1
        for index in entryItem.indices {
            let h = storage.withUnsafeBufferPointer { s in
                Self.hash(UnsafeBufferPointer(rebasing: s[offsets[index]..<offsets[index + 1]]))
            }
            var slot = Int(truncatingIfNeeded: h) & mask
            while table[slot] >= 0 { slot = (slot + 1) & mask }
            table[slot] = Int32(index)
            newHashes[slot] = h
        }
        hashes = newHashes
    }
}

extension ComparisonSet {
    /// The set as CSV text with a header: `winner,loser,tie`, plus `weight` when any weight differs
    /// from 1, `annotator` when the set has annotators and `first` when it records the item shown first. Fields are quoted when needed;
    /// ``init(csv:source:)`` reads the text back to an equal set.
    public func csvText() -> String {
        let weighted = isWeighted
        var writer = CSVWriter(header: ["winner", "loser", "tie"] + (weighted ? ["weight"] : [])
                               + (annotators == nil ? [] : ["annotator"]) + (shownFirst == nil ? [] : ["first"]))
        for k in 0..<count {
            var record = [items[winners[k]], items[losers[k]], ties[k] ? "1" : "0"]
            if weighted { record.append("\(weights[k])") }
            if let annotators { record.append(annotatorNames[annotators[k]]) }
            if let shownFirst {
                record.append(shownFirst[k] > 0 ? items[winners[k]] : shownFirst[k] < 0 ? items[losers[k]] : "")
            }
            writer.appendRecord(record)
        }
        return writer.text
    }
}
