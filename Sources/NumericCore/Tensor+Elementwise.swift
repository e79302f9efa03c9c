// Elementwise arithmetic. Every binary operation requires equal shapes (no broadcasting);
// in-place forms allocate nothing.

extension Tensor {
    @inline(__always)
    @usableFromInline
    func checkSameShape(_ other: Tensor, _ operation: StaticString) {
        precondition(shape == other.shape, "\(operation): shapes \(shape) and \(other.shape) differ")
    }

    /// Applies `body` to every pair of scalars in place: `self[i] = body(self[i], other[i])`.
    @inlinable
    public mutating func formElementwise(_ other: Tensor, _ body: (Scalar, Scalar) -> Scalar) {
        checkSameShape(other, "elementwise operation")
        let n = count
        scalars.withUnsafeMutableBufferPointer { a in
            other.scalars.withUnsafeBufferPointer { b in
                for i in 0..<n { a[i] = body(a[i], b[i]) }
            }
        }
    }

    /// Applies `body` to every scalar in place.
    @inlinable
    public mutating func formMap(_ body: (Scalar) -> Scalar) {
        let n = count
        scalars.withUnsafeMutableBufferPointer { a in
            for i in 0..<n { a[i] = body(a[i]) }
        }
    }

    /// A tensor of the same shape with `body` applied to every scalar.
    @inlinable
    public func map(_ body: (Scalar) -> Scalar) -> Tensor {
        var out = self
        out.formMap(body)
        return out
    }

    /// A tensor of the same shape with `body` applied to every pair of scalars.
    @inlinable
    public func zipMap(_ other: Tensor, _ body: (Scalar, Scalar) -> Scalar) -> Tensor {
        var out = self
        out.formElementwise(other, body)
        return out
    }

    /// Adds `rhs` element by element (same shape).
    @inlinable public static func += (lhs: inout Tensor, rhs: Tensor) { lhs.formElementwise(rhs, +) }
    /// Subtracts `rhs` element by element (same shape).
    @inlinable public static func -= (lhs: inout Tensor, rhs: Tensor) { lhs.formElementwise(rhs, -) }
    /// Multiplies by `rhs` element by element (same shape).
    @inlinable public static func *= (lhs: inout Tensor, rhs: Tensor) { lhs.formElementwise(rhs, *) }
    /// Divides by `rhs` element by element (same shape).
    @inlinable public static func /= (lhs: inout Tensor, rhs: Tensor) { lhs.formElementwise(rhs, /) }

    /// The element-wise sum (same shape).
    @inlinable public static func + (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zipMap(rhs, +) }
    /// The element-wise difference (same shape).
    @inlinable public static func - (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zipMap(rhs, -) }
    /// The element-wise (Hadamard) product (same shape).
    @inlinable public static func * (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zipMap(rhs, *) }
    /// The element-wise quotient (same shape).
    @inlinable public static func / (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zipMap(rhs, /) }

    /// Adds `rhs` to every element.
    @inlinable public static func += (lhs: inout Tensor, rhs: Scalar) { lhs.formMap { $0 + rhs } }
    /// Subtracts `rhs` from every element.
    @inlinable public static func -= (lhs: inout Tensor, rhs: Scalar) { lhs.formMap { $0 - rhs } }
    /// Multiplies every element by `rhs`.
    @inlinable public static func *= (lhs: inout Tensor, rhs: Scalar) { lhs.formMap { $0 * rhs } }
    /// Divides every element by `rhs`.
    @inlinable public static func /= (lhs: inout Tensor, rhs: Scalar) { lhs.formMap { $0 / rhs } }

    /// `rhs` added to every element.
    @inlinable public static func + (lhs: Tensor, rhs: Scalar) -> Tensor { lhs.map { $0 + rhs } }
    /// `rhs` subtracted from every element.
    @inlinable public static func - (lhs: Tensor, rhs: Scalar) -> Tensor { lhs.map { $0 - rhs } }
    /// Every element times `rhs`.
    @inlinable public static func * (lhs: Tensor, rhs: Scalar) -> Tensor { lhs.map { $0 * rhs } }
    /// `lhs` times every element.
    @inlinable public static func * (lhs: Scalar, rhs: Tensor) -> Tensor { rhs.map { lhs * $0 } }
    /// Every element divided by `rhs`.
    @inlinable public static func / (lhs: Tensor, rhs: Scalar) -> Tensor { lhs.map { $0 / rhs } }
    /// Every element negated.
    @inlinable public static prefix func - (operand: Tensor) -> Tensor { operand.map { -$0 } }

    /// Sets every scalar to `value` without reallocating.
    @inlinable
    public mutating func fill(with value: Scalar) {
        let n = count
        scalars.withUnsafeMutableBufferPointer { a in
            for i in 0..<n { a[i] = value }
        }
    }

    /// True when every scalar is finite.
    public var isFinite: Bool { scalars.allSatisfy { $0.isFinite } }
}

// MARK: Reductions

extension Tensor {
    /// The sum of all scalars (pairwise-free Kahan-compensated accumulation).
    @inlinable
    public func sum() -> Scalar {
        var total: Scalar = 0
        var compensation: Scalar = 0
        scalars.withUnsafeBufferPointer { a in
            for x in a {
                let y = x - compensation
                let t = total + y
                compensation = (t - total) - y
                total = t
            }
        }
        return total
    }

    /// The mean of all scalars.
    public func mean() -> Scalar {
        precondition(count > 0, "mean of an empty tensor")
        return sum() / Scalar(count)
    }

    /// The largest scalar.
    public func max() -> Scalar {
        precondition(count > 0, "max of an empty tensor")
        return scalars.max()!
    }

    /// The smallest scalar.
    public func min() -> Scalar {
        precondition(count > 0, "min of an empty tensor")
        return scalars.min()!
    }

    /// Sums a matrix along an axis: `axis: 0` gives column sums (length n), `axis: 1` row sums (length m).
    public func sum(alongAxis axis: Int) -> Tensor {
        reduce(alongAxis: axis, initial: 0, +)
    }

    /// Means of a matrix along an axis.
    public func mean(alongAxis axis: Int) -> Tensor {
        let extent = shape[axis]
        precondition(extent > 0, "mean along empty axis \(axis) of shape \(shape)")
        return sum(alongAxis: axis) / Scalar(extent)
    }

    /// Maxima of a matrix along an axis.
    public func max(alongAxis axis: Int) -> Tensor {
        precondition(shape[axis] > 0, "max along empty axis \(axis) of shape \(shape)")
        return reduce(alongAxis: axis, initial: -.infinity) { Swift.max($0, $1) }
    }

    /// Reduces a matrix along an axis with `combine`.
    public func reduce(alongAxis axis: Int, initial: Scalar, _ combine: (Scalar, Scalar) -> Scalar) -> Tensor {
        precondition(rank == 2 && (axis == 0 || axis == 1), "reduce(alongAxis: \(axis)) needs a matrix, got shape \(shape)")
        let (m, n) = (shape[0], shape[1])
        var out = [Scalar](repeating: initial, count: axis == 0 ? n : m)
        scalars.withUnsafeBufferPointer { a in
            out.withUnsafeMutableBufferPointer { o in
                for i in 0..<m {
                    for j in 0..<n {
                        let k = axis == 0 ? j : i
                        o[k] = combine(o[k], a[i * n + j])
                    }
                }
            }
        }
        return Tensor(shape: [out.count], scalars: out)
    }
}
