import NumericCore

/// A `.npy` matrix (or vector) opened memory-mapped and read-only (``NumPyFile/map(_:)``): the
/// payload is not copied; ``rows(_:as:)`` reads one block of rows from the page cache.
///
/// Streaming a file larger than memory block by block keeps the process's resident set bounded by
/// the blocks in flight: after each block, ``release(rows:)`` drops its pages from the resident
/// set (they stay in the page cache).
///
/// ```swift
/// let chosen = try NumPyFile.map(URL(fileURLWithPath: "w2/chosen.npy"))
/// for start in stride(from: 0, to: chosen.rowCount, by: 4096) {
///     let block: Tensor<Float> = chosen.rows(start..<min(start + 4096, chosen.rowCount))
///     _ = block
/// }
/// ```
///
/// The file must not be truncated while it is mapped (the system would end the process with
/// SIGBUS on the next access to a missing page).
public final class MappedNumPyArray: Sendable {
    private let mapping: RawFile.Mapping
    /// The element type of the file.
    public let dtype: NumPyDType
    /// The shape (1 or 2 axes).
    public let shape: [Int]
    /// The file's path, for errors.
    public let source: String
    private let dataOffset: Int

    init(mapping: RawFile.Mapping, dtype: NumPyDType, shape: [Int], dataOffset: Int, source: String) {
        self.mapping = mapping
        self.dtype = dtype
        self.shape = shape
        self.dataOffset = dataOffset
        self.source = source
    }

    /// Rows: the first axis.
    public var rowCount: Int { shape[0] }
    /// Columns: the second axis (1 for a vector).
    public var columnCount: Int { shape.count == 2 ? shape[1] : 1 }
    /// Bytes of one row.
    public var rowByteCount: Int { columnCount * dtype.byteCount }

    /// Whether the file holds float32 or float64 values (what ``rows(_:as:)`` reads).
    public var isFloatingPoint: Bool { dtype == .float32 || dtype == .float64 }

    /// Fails, naming the file, unless it holds float32 or float64 values.
    public func requireFloatingPoint() throws(DataError) {
        guard !isFloatingPoint else { return }
        throw DataError(file: source, reason: .unsupportedFormat(
            "dtype '\(dtype.rawValue)' holds integers; a float32 ('<f4') or float64 ('<f8') array is needed"))
    }

    /// Rows `range` as a `[rows, columns]` tensor of `S`, converting between float32 and float64
    /// as ``NumPyArray/tensor(as:source:)`` does. The file must hold floating-point values (check
    /// with ``requireFloatingPoint()`` when opening it).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func rows<S: BLASScalar>(_ range: Range<Int>, as type: S.Type = S.self) -> Tensor<S> {
        precondition(range.lowerBound >= 0 && range.upperBound <= rowCount,
                     "MappedNumPyArray.rows: rows \(range) of \(rowCount)")
        precondition(isFloatingPoint, "MappedNumPyArray.rows: \(source) holds '\(dtype.rawValue)' integers")
        let columns = columnCount
        let count = range.count * columns
        let start = dataOffset + range.lowerBound * rowByteCount
        func values<T>(_: T.Type) -> [T] {
            [T](unsafeUninitializedCapacity: count) { out, initialized in
                if count > 0 {
                    UnsafeMutableRawPointer(out.baseAddress!).copyMemory(from: mapping.base! + start, byteCount: count * MemoryLayout<T>.size)
                }
                initialized = count
            }
        }
        let shape = [range.count, columns]
        if dtype == .float32 {
            let v = values(Float.self)
            return Tensor(shape: shape, scalars: sameArray(v, as: S.self) ?? convertScalars(v, to: S.self))
        }
        let v = values(Double.self)
        return Tensor(shape: shape, scalars: sameArray(v, as: S.self) ?? convertScalars(v, to: S.self))
    }

    /// `self[range] + sign·other[range]` as a `[rows, columns]` tensor of `S`, read from both
    /// mappings and combined in one pass (no copy of either block): the differences or sums of a
    /// block of pairs. Both files must hold floating-point values of the same shape.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func combinedRows<S: BLASScalar>(_ range: Range<Int>, _ other: MappedNumPyArray, sign: S, as type: S.Type = S.self) -> Tensor<S> {
        precondition(range.lowerBound >= 0 && range.upperBound <= rowCount && other.shape == shape,
                     "MappedNumPyArray.combinedRows: rows \(range) of \(shape) and \(other.shape)")
        precondition(isFloatingPoint && other.isFloatingPoint, "MappedNumPyArray.combinedRows: integer files")
        let count = range.count * columnCount
        let scalars = [S](unsafeUninitializedCapacity: count) { out, initialized in
            if count > 0 {
                let a = mapping.base! + dataOffset + range.lowerBound * rowByteCount
                let b = other.mapping.base! + other.dataOffset + range.lowerBound * other.rowByteCount
                switch (dtype, other.dtype) {
                case (.float32, .float32): combine(a.assumingMemoryBound(to: Float.self), b.assumingMemoryBound(to: Float.self), sign, out, count)
                case (.float64, .float64): combine(a.assumingMemoryBound(to: Double.self), b.assumingMemoryBound(to: Double.self), sign, out, count)
                case (.float32, _): combine(a.assumingMemoryBound(to: Float.self), b.assumingMemoryBound(to: Double.self), sign, out, count)
                default: combine(a.assumingMemoryBound(to: Double.self), b.assumingMemoryBound(to: Float.self), sign, out, count)
                }
            }
            initialized = count
        }
        return Tensor(shape: [range.count, columnCount], scalars: scalars)
    }

    /// The rows at `indices` (any order, repeats allowed) as a `[indices.count, columns]` tensor of
    /// `S`; each row is read from the mapping, so only those rows' pages are touched.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func rows<S: BLASScalar>(at indices: [Int], as type: S.Type = S.self) -> Tensor<S> {
        let columns = columnCount
        var scalars = [S]()
        scalars.reserveCapacity(indices.count * columns)
        var start = 0
        // Runs of consecutive indices are read as one block.
        while start < indices.count {
            var end = start + 1
            while end < indices.count && indices[end] == indices[end - 1] + 1 { end += 1 }
            let block: Tensor<S> = rows(indices[start]..<(indices[end - 1] + 1))
            scalars.append(contentsOf: block.scalars)
            start = end
        }
        return Tensor(shape: [indices.count, columns], scalars: scalars)
    }

    /// Starts reading rows `range` from disk in the background (`madvise(MADV_WILLNEED)`), so a
    /// stream over a file that is not in the page cache reads at the disk's speed.
    public func prefetch(rows range: Range<Int>) {
        mapping.prefetch((dataOffset + range.lowerBound * rowByteCount)..<(dataOffset + range.upperBound * rowByteCount))
    }

    /// Drops the pages of rows `range` from the resident set (see the type's discussion).
    public func release(rows range: Range<Int>) {
        mapping.release((dataOffset + range.lowerBound * rowByteCount)..<(dataOffset + range.upperBound * rowByteCount))
    }
}

/// `out[k] = S(a[k]) − S(b[k])` (sign < 0) or `S(a[k]) + S(b[k])`: converted to `S` first, then
/// combined in `S`, as the in-memory path forms the differences of converted rows.
@_specialize(where A == Float, B == Float, S == Float)
@_specialize(where A == Float, B == Float, S == Double)
@_specialize(where A == Double, B == Double, S == Double)
@_specialize(where A == Double, B == Double, S == Float)
private func combine<A: BinaryFloatingPoint, B: BinaryFloatingPoint, S: BLASScalar>(
    _ a: UnsafePointer<A>, _ b: UnsafePointer<B>, _ sign: S, _ out: UnsafeMutableBufferPointer<S>, _ count: Int
) {
    if sign < 0 {
        for k in 0..<count { out[k] = S(a[k]) - S(b[k]) }
    } else {
        for k in 0..<count { out[k] = S(a[k]) + S(b[k]) }
    }
}
