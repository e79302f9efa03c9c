/// A dense, row-major, contiguous array of `Float` or `Double` values with value semantics.
///
/// `Tensor` stores its scalars in a Swift `Array`, so copies are cheap and copy-on-write:
/// mutating a copy never changes the original. There are no aliasing views and no implicit
/// broadcasting; operations whose shapes do not match stop with a precondition failure that
/// names both shapes.
///
/// ```swift
/// var rng = SeededGenerator(seed: 7)
/// let a = Tensor<Double>.randomNormal(shape: [3, 4], using: &rng)
/// let b = Tensor<Double>.ones(shape: [4, 2])
/// let c = a.matmul(b)              // 3×2, through cblas_dgemm
/// ```
public struct Tensor<Scalar: BLASScalar>: Sendable {
    /// The extent of each axis; the last axis is contiguous.
    public private(set) var shape: [Int]
    @usableFromInline var storage: [Scalar]

    /// The scalars in row-major order. Mutation happens in place (copy-on-write only when shared);
    /// the number of scalars must not change.
    @inlinable
    public var scalars: [Scalar] {
        get { storage }
        _modify {
            let expected = storage.count
            yield &storage
            precondition(storage.count == expected,
                         "Tensor scalars changed from \(expected) to \(storage.count) values; shape \(shape) is fixed")
        }
        set {
            precondition(newValue.count == storage.count,
                         "Tensor scalars replaced with \(newValue.count) values, shape \(shape) needs \(storage.count)")
            storage = newValue
        }
    }

    /// Runs `body` on the scalars in place: no copy while the storage is uniquely referenced (the
    /// `scalars` accessor yields the array itself). `body` must not change the number of scalars.
    @inlinable
    public mutating func withMutableScalars<R>(_ body: (inout [Scalar]) throws -> R) rethrows -> R {
        try body(&scalars)
    }

    /// Creates a tensor of the given shape from row-major scalars.
    public init(shape: [Int], scalars: [Scalar]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative extent in shape \(shape)")
        precondition(shape.reduce(1, *) == scalars.count,
                     "shape \(shape) needs \(shape.reduce(1, *)) scalars, got \(scalars.count)")
        self.shape = shape
        self.storage = scalars
    }

    /// Creates a tensor filled with `value`.
    @inlinable
    public init(shape: [Int], repeating value: Scalar) {
        self.init(shape: shape, scalars: Array(repeating: value, count: shape.reduce(1, *)))
    }

    /// Creates a vector (rank 1).
    @inlinable
    public init(_ vector: [Scalar]) {
        self.init(shape: [vector.count], scalars: vector)
    }

    /// Creates a matrix from rows of equal length.
    public init(rows: [[Scalar]]) {
        let columns = rows.first?.count ?? 0
        precondition(rows.allSatisfy { $0.count == columns }, "rows of unequal length: \(rows.map(\.count))")
        self.init(shape: [rows.count, columns], scalars: rows.flatMap { $0 })
    }

    /// A tensor of zeros.
    @inlinable
    public static func zeros(shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 0) }

    /// A tensor of ones.
    @inlinable
    public static func ones(shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 1) }

    /// The n×n identity matrix.
    public static func identity(_ n: Int) -> Tensor {
        var t = zeros(shape: [n, n])
        for i in 0..<n { t.scalars[i * n + i] = 1 }
        return t
    }

    /// Independent normal draws with the given mean and standard deviation.
    public static func randomNormal<G: RandomNumberGenerator>(
        shape: [Int], mean: Scalar = 0, standardDeviation: Scalar = 1, using generator: inout G
    ) -> Tensor {
        let count = shape.reduce(1, *)
        var values = [Scalar](repeating: 0, count: count)
        for i in 0..<count {
            values[i] = mean + standardDeviation * Scalar(generator.nextNormal())
        }
        return Tensor(shape: shape, scalars: values)
    }

    /// Independent uniform draws from `range`.
    public static func randomUniform<G: RandomNumberGenerator>(
        shape: [Int], in range: ClosedRange<Scalar> = 0...1, using generator: inout G
    ) -> Tensor {
        let count = shape.reduce(1, *)
        var values = [Scalar](repeating: 0, count: count)
        for i in 0..<count { values[i] = Scalar.random(in: range, using: &generator) }
        return Tensor(shape: shape, scalars: values)
    }

    // MARK: Shape

    /// The number of axes.
    @inlinable public var rank: Int { shape.count }
    /// The number of scalars.
    @inlinable public var count: Int { scalars.count }
    /// Rows of a matrix (rank 2), or the length of a vector.
    @inlinable public var rowCount: Int { shape[0] }
    /// Columns of a matrix (rank 2); 1 for a vector.
    @inlinable public var columnCount: Int { rank >= 2 ? shape[1] : 1 }

    /// The same scalars with a new shape of equal size.
    @inlinable
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, scalars: scalars)
    }

    /// The transpose of a matrix. (Inlinable, like the other per-scalar loops of this file, so that
    /// other modules get a specialized copy instead of copying each scalar through a value witness.)
    @inlinable
    public func transposed() -> Tensor {
        precondition(rank == 2, "transposed() needs a matrix, got shape \(shape)")
        let (m, n) = (shape[0], shape[1])
        var out = [Scalar](repeating: 0, count: m * n)
        scalars.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let blockSize = 32
                var i0 = 0
                while i0 < m {
                    var j0 = 0
                    while j0 < n {
                        for i in i0..<Swift.min(i0 + blockSize, m) {
                            for j in j0..<Swift.min(j0 + blockSize, n) { dst[j * m + i] = src[i * n + j] }
                        }
                        j0 += blockSize
                    }
                    i0 += blockSize
                }
            }
        }
        return Tensor(shape: [n, m], scalars: out)
    }

    // MARK: Element access

    /// The scalar at a flat (row-major) index.
    @inlinable
    public subscript(flat index: Int) -> Scalar {
        get { scalars[index] }
        set { scalars[index] = newValue }
    }

    /// The element of a matrix at row `i`, column `j`.
    @inlinable
    public subscript(i: Int, j: Int) -> Scalar {
        get {
            precondition(rank == 2 && i >= 0 && i < shape[0] && j >= 0 && j < shape[1],
                         "index (\(i), \(j)) out of range for shape \(shape)")
            return scalars[i * shape[1] + j]
        }
        set {
            precondition(rank == 2 && i >= 0 && i < shape[0] && j >= 0 && j < shape[1],
                         "index (\(i), \(j)) out of range for shape \(shape)")
            scalars[i * shape[1] + j] = newValue
        }
    }

    /// Row `i` of a matrix as a vector.
    @inlinable
    public func row(_ i: Int) -> Tensor {
        precondition(rank == 2 && i >= 0 && i < shape[0], "row \(i) out of range for shape \(shape)")
        let n = shape[1]
        return Tensor(shape: [n], scalars: Array(scalars[(i * n)..<((i + 1) * n)]))
    }

    /// Row `i` of a matrix as an array.
    @inlinable
    public func rowArray(_ i: Int) -> [Scalar] {
        let n = columnCount
        return Array(scalars[(i * n)..<((i + 1) * n)])
    }

    /// Replaces row `i` of a matrix.
    @inlinable
    public mutating func setRow(_ i: Int, to values: [Scalar]) {
        precondition(rank == 2 && i >= 0 && i < shape[0] && values.count == shape[1],
                     "setRow(\(i)) with \(values.count) values on shape \(shape)")
        let n = shape[1]
        scalars.withUnsafeMutableBufferPointer { dst in
            for j in 0..<n { dst[i * n + j] = values[j] }
        }
    }

    // MARK: Gather, scatter, concatenation

    /// The rows at `indices`, in order (indices may repeat). A vector is treated as a column.
    /// (Inlinable so other modules get a specialized copy: unspecialized, each scalar is copied
    /// through a value witness.)
    @inlinable
    public func gatherRows<C: Collection>(_ indices: C) -> Tensor where C.Element == Int {
        let n = columnCount
        let m = rowCount
        var out = [Scalar](repeating: 0, count: indices.count * n)
        scalars.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                var r = 0
                for index in indices {
                    precondition(index >= 0 && index < m, "row index \(index) out of range for shape \(shape)")
                    let from = src.baseAddress! + index * n
                    (dst.baseAddress! + r * n).update(from: from, count: n)
                    r += 1
                }
            }
        }
        var newShape = shape
        newShape[0] = indices.count
        return Tensor(shape: newShape, scalars: out)
    }

    /// Adds row `k` of `source` into row `indices[k]` of this tensor (repeated indices accumulate).
    @inlinable
    public mutating func scatterAddRows(_ source: Tensor, at indices: [Int]) {
        let n = columnCount
        precondition(source.columnCount == n && source.rowCount == indices.count,
                     "scatterAddRows: source shape \(source.shape), \(indices.count) indices, destination shape \(shape)")
        let m = rowCount
        let shapeDescription = shape
        scalars.withUnsafeMutableBufferPointer { dst in
            source.scalars.withUnsafeBufferPointer { src in
                for (k, index) in indices.enumerated() {
                    precondition(index >= 0 && index < m, "row index \(index) out of range for shape \(shapeDescription)")
                    for j in 0..<n { dst[index * n + j] += src[k * n + j] }
                }
            }
        }
    }

    /// Stacks matrices (or vectors) along rows (`axis: 0`) or matrices along columns (`axis: 1`).
    @inlinable
    public static func concatenate(_ parts: [Tensor], axis: Int = 0) -> Tensor {
        precondition(!parts.isEmpty, "concatenate needs at least one tensor")
        if axis == 0 {
            let tail = Array(parts[0].shape.dropFirst())
            precondition(parts.allSatisfy { Array($0.shape.dropFirst()) == tail },
                         "concatenate(axis: 0) shapes differ beyond axis 0: \(parts.map(\.shape))")
            var all = [Scalar]()
            all.reserveCapacity(parts.reduce(0) { $0 + $1.count })
            for p in parts { all.append(contentsOf: p.scalars) }
            return Tensor(shape: [parts.reduce(0) { $0 + $1.shape[0] }] + tail, scalars: all)
        }
        precondition(axis == 1 && parts.allSatisfy { $0.rank == 2 && $0.shape[0] == parts[0].shape[0] },
                     "concatenate(axis: 1) needs matrices with equal row counts: \(parts.map(\.shape))")
        let m = parts[0].shape[0]
        let total = parts.reduce(0) { $0 + $1.shape[1] }
        var out = [Scalar](repeating: 0, count: m * total)
        var offset = 0
        for p in parts {
            let n = p.shape[1]
            for i in 0..<m {
                for j in 0..<n { out[i * total + offset + j] = p.scalars[i * n + j] }
            }
            offset += n
        }
        return Tensor(shape: [m, total], scalars: out)
    }
}

extension Tensor: Equatable {
    /// Exact equality of shape and scalars (use tolerances for computed results).
    public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        lhs.shape == rhs.shape && lhs.scalars == rhs.scalars
    }
}

extension Tensor: CustomStringConvertible {
    /// A readable form, for messages and tables.
    public var description: String {
        if rank == 2 {
            let rows = (0..<shape[0]).map { i in "[" + rowArray(i).map { "\($0)" }.joined(separator: ", ") + "]" }
            return "Tensor\(shape)[" + rows.joined(separator: ",\n  ") + "]"
        }
        return "Tensor\(shape)\(scalars)"
    }
}
