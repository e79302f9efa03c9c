import Foundation
import FileFormats
import NumericCore

/// Feature pairs left on disk: chosen and rejected `.npy` matrices opened memory-mapped
/// (``NumPyFile/map(_:)``), of which this value owns the rows ``rows`` (all of them, or one
/// process's shard), read in blocks of ``blockRows`` rows.
///
/// Only the margins (n scalars) are held in memory. Opening checks shapes, dtypes and margins, and
/// then streams once over the owned rows checking, block by block, what ``FeaturePairs`` checks in
/// memory (finite values within ``FeaturePairs/magnitudeLimit``), so a bad value is a
/// ``DataError`` naming the file, row and column before any fit starts.
///
/// ```swift
/// let pairs = try MappedFeaturePairs<Float>.open(chosen: URL(fileURLWithPath: "chosen.npy"),
///                                                rejected: URL(fileURLWithPath: "rejected.npy"))
/// for block in pairs.blocks { let view = pairs.block(block); _ = view }
/// ```
public struct MappedFeaturePairs<Scalar: BLASScalar>: Sendable {
    /// The mapped chosen matrix `[N, d]` (all rows of the file).
    public let chosen: MappedNumPyArray
    /// The mapped rejected matrix `[N, d]`.
    public let rejected: MappedNumPyArray
    /// Margins of the owned rows (indexed from `rows.lowerBound`), if given.
    public let margins: [Scalar]?
    /// The rows of the files this value owns.
    public let rows: Range<Int>
    /// Rows per block.
    public let blockRows: Int

    /// The number of owned pairs.
    public var count: Int { rows.count }
    /// The number of pairs in the files.
    public var fileRowCount: Int { chosen.rowCount }
    /// The feature dimension d.
    public var dimension: Int { chosen.columnCount }

    /// The default block: about 32 MiB of one matrix's rows in `Scalar` (at least 64 rows).
    public static func defaultBlockRows(dimension: Int) -> Int {
        Swift.max(64, (32 << 20) / Swift.max(1, dimension * MemoryLayout<Scalar>.size))
    }

    /// Opens the files and validates the owned rows.
    ///
    /// - Parameters:
    ///   - rows: the rows to own (nil: all); for a shard, ``Range`` of the global row indices.
    ///   - margins: an optional `.npy` of shape (N,) or (N, 1), read whole (N scalars).
    ///   - blockRows: rows per block (nil: ``defaultBlockRows(dimension:)``).
    /// - Throws: ``DataError`` naming the file (and row, column) for a bad header, integer dtype,
    ///   a shape that is not N×d, mismatched files, or a non-finite or too large value.
    public static func open(chosen: URL, rejected: URL, margins: URL? = nil, rows: Range<Int>? = nil,
                            blockRows: Int? = nil) throws(DataError) -> MappedFeaturePairs {
        let c = try NumPyFile.map(chosen), r = try NumPyFile.map(rejected)
        try c.requireFloatingPoint()
        try r.requireFloatingPoint()
        guard c.shape.count == 2 else {
            throw DataError(file: chosen.path, reason: .unsupportedFormat("expected an n×d matrix, found shape \(c.shape)"))
        }
        guard r.shape.count == 2 else {
            throw DataError(file: rejected.path, reason: .unsupportedFormat("expected an n×d matrix, found shape \(r.shape)"))
        }
        let n = c.rowCount, d = c.columnCount
        guard r.rowCount == n else { throw DataError(file: rejected.path, reason: .rowCountMismatch(expected: n, found: r.rowCount)) }
        guard r.columnCount == d else { throw DataError(file: rejected.path, reason: .dimensionMismatch(expected: d, found: r.columnCount)) }
        guard n > 0 else { throw DataError(file: chosen.path, reason: .emptyDataSet) }
        guard d > 0 else { throw DataError(file: chosen.path, reason: .invalidValue("the feature vectors have no columns")) }
        let owned = rows ?? 0..<n
        precondition(owned.lowerBound >= 0 && owned.upperBound <= n, "MappedFeaturePairs.open: rows \(owned) of \(n)")
        var marginValues: [Scalar]?
        if let margins {
            let m: Tensor<Scalar> = try NumPyFile.readTensor(margins)
            guard m.rank == 1 || m.columnCount == 1 else {
                throw DataError(file: margins.path, reason: .unsupportedFormat("margins must have shape (n,) or (n, 1), found \(m.shape)"))
            }
            guard m.count == n else { throw DataError(file: margins.path, reason: .rowCountMismatch(expected: n, found: m.count)) }
            let slice = Array(m.scalars[owned])
            if let bad = slice.firstIndex(where: { !$0.isFinite }) {
                throw DataError(file: margins.path, line: owned.lowerBound + bad, reason: .nonFiniteValue(column: nil))
            }
            marginValues = slice
        }
        let pairs = MappedFeaturePairs(chosen: c, rejected: r, margins: marginValues, rows: owned,
                                       blockRows: Swift.max(1, blockRows ?? defaultBlockRows(dimension: d)))
        try pairs.validate()
        return pairs
    }

    private init(chosen: MappedNumPyArray, rejected: MappedNumPyArray, margins: [Scalar]?, rows: Range<Int>, blockRows: Int) {
        self.chosen = chosen
        self.rejected = rejected
        self.margins = margins
        self.rows = rows
        self.blockRows = blockRows
    }

    /// The owned rows split into consecutive blocks of at most ``blockRows`` rows (global indices).
    public var blocks: [Range<Int>] {
        stride(from: rows.lowerBound, to: rows.upperBound, by: blockRows).map { $0..<Swift.min($0 + blockRows, rows.upperBound) }
    }

    /// The pairs of `block` (global row indices inside ``rows``) copied into memory, with their
    /// margins. Call ``release(_:)`` when done with them to keep the resident set bounded.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func block(_ block: Range<Int>) -> FeaturePairsView<Scalar> {
        precondition(block.lowerBound >= rows.lowerBound && block.upperBound <= rows.upperBound,
                     "MappedFeaturePairs.block: rows \(block) outside the owned rows \(rows)")
        return FeaturePairsView(chosen: chosen.rows(block), rejected: rejected.rows(block), margins: margins(of: block))
    }

    /// The margins of `block` (global row indices inside ``rows``), if the pairs have margins.
    public func margins(of block: Range<Int>) -> [Scalar]? {
        margins.map { Array($0[(block.lowerBound - rows.lowerBound)..<(block.upperBound - rows.lowerBound)]) }
    }

    /// Starts reading `block` (and any other rows) from disk in the background.
    public func prefetch(_ block: Range<Int>) {
        chosen.prefetch(rows: block)
        rejected.prefetch(rows: block)
    }

    /// The owned rows in blocks, each prefetched along with the next one before `body` reads it
    /// and released after, so reading overlaps the work and the resident set stays one or two blocks.
    public func forEachBlock(_ body: (Range<Int>) throws -> Void) rethrows {
        let all = blocks
        if let first = all.first { prefetch(first) }
        for (k, range) in all.enumerated() {
            if k + 1 < all.count { prefetch(all[k + 1]) }
            try body(range)
            release(range)
        }
    }

    /// Drops the mapped pages of `block` from the resident set.
    public func release(_ block: Range<Int>) {
        chosen.release(rows: block)
        rejected.release(rows: block)
    }

    /// Streams over the owned rows checking finite values and magnitudes.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    private func validate() throws(DataError) {
        let all = blocks
        if let first = all.first { prefetch(first) }
        for (k, range) in all.enumerated() {
            if k + 1 < all.count { prefetch(all[k + 1]) }
            let view = block(range)
            try FeaturePairs<Scalar>.checkFinite(view.chosen, source: chosen.source, firstRow: range.lowerBound)
            try FeaturePairs<Scalar>.checkFinite(view.rejected, source: rejected.source, firstRow: range.lowerBound)
            try FeaturePairs<Scalar>.checkMagnitude(view.chosen, limit: FeaturePairs<Scalar>.magnitudeLimit, source: chosen.source,
                                                    firstRow: range.lowerBound)
            try FeaturePairs<Scalar>.checkMagnitude(view.rejected, limit: FeaturePairs<Scalar>.magnitudeLimit, source: rejected.source,
                                                    firstRow: range.lowerBound)
            release(range)
        }
    }
}
