import NumericCore

/// The contents of one NumPy `.npy` file: a shape and a typed, row-major (C order) payload.
///
/// Use ``tensor(as:source:)`` for features (float32 and float64 both convert to either scalar type) and
/// ``integers(source:)`` for id columns.
public struct NumPyArray: Sendable, Equatable {
    /// The elements, in the file's own type.
    public enum Storage: Sendable, Equatable {
        /// `<f4` elements.
        case float32([Float])
        /// `<f8` elements.
        case float64([Double])
        /// `<i4` elements.
        case int32([Int32])
        /// `<i8` elements.
        case int64([Int64])
    }

    /// The extent of each axis (1 or 2 axes).
    public var shape: [Int]
    /// The elements in row-major order.
    public var storage: Storage

    /// Creates an array; the element count must match the shape.
    public init(shape: [Int], storage: Storage) {
        self.shape = shape
        self.storage = storage
        precondition(shape.reduce(1, *) == count, "NumPyArray: shape \(shape) needs \(shape.reduce(1, *)) elements, got \(count)")
    }

    /// A float32 or float64 array holding a tensor's scalars.
    public init<S: BLASScalar>(_ tensor: Tensor<S>) {
        shape = tensor.shape
        if S.self == Float.self {
            storage = .float32(unsafeBitCast(tensor.scalars, to: [Float].self))
        } else if S.self == Double.self {
            storage = .float64(unsafeBitCast(tensor.scalars, to: [Double].self))
        } else {
            storage = .float64(tensor.scalars.map { Double($0) })
        }
    }

    /// The element type.
    public var dtype: NumPyDType {
        switch storage {
        case .float32: .float32
        case .float64: .float64
        case .int32: .int32
        case .int64: .int64
        }
    }

    /// The number of elements.
    public var count: Int {
        switch storage {
        case .float32(let v): v.count
        case .float64(let v): v.count
        case .int32(let v): v.count
        case .int64(let v): v.count
        }
    }

    /// The elements as a tensor of `S`, converting between float32 and float64 as needed
    /// (float64 → float32 rounds to nearest). Integer arrays are a ``DataError`` naming `source`.
    public func tensor<S: BLASScalar>(as type: S.Type = S.self, source: String = "array") throws(DataError) -> Tensor<S> {
        switch storage {
        case .float32(let v):
            if let same = sameArray(v, as: S.self) { return Tensor(shape: shape, scalars: same) }
            return Tensor(shape: shape, scalars: convertScalars(v, to: S.self))
        case .float64(let v):
            if let same = sameArray(v, as: S.self) { return Tensor(shape: shape, scalars: same) }
            return Tensor(shape: shape, scalars: convertScalars(v, to: S.self))
        case .int32, .int64:
            throw DataError(file: source, reason: .unsupportedFormat(
                "dtype '\(dtype.rawValue)' holds integers; a float32 ('<f4') or float64 ('<f8') array is needed"))
        }
    }

    /// The elements as integers. Floating-point arrays are accepted only when every value is a whole
    /// number that fits in `Int`; anything else is a ``DataError`` naming `source`.
    public func integers(source: String = "array") throws(DataError) -> [Int] {
        switch storage {
        case .int32(let v): return v.map { Int($0) }
        case .int64(let v): return v.map { Int($0) }
        case .float32(let v): return try wholeNumbers(v.map { Double($0) }, source: source)
        case .float64(let v): return try wholeNumbers(v, source: source)
        }
    }

    private func wholeNumbers(_ values: [Double], source: String) throws(DataError) -> [Int] {
        var out = [Int]()
        out.reserveCapacity(values.count)
        let columns = shape.count == 2 ? shape[1] : 1
        for (k, x) in values.enumerated() {
            guard x.isFinite, x.rounded() == x, abs(x) < 0x1p62 else {
                throw DataError(file: source, line: k / Swift.max(columns, 1),
                                reason: .invalidValue("value \(x) is not a whole number"))
            }
            out.append(Int(x))
        }
        return out
    }
}

/// Converts between floating-point scalar types in one pass (concrete, vectorized loops for
/// Float ↔ Double, split over threads for large arrays).
package func convertScalars<From: BinaryFloatingPoint, To: BinaryFloatingPoint>(_ values: [From], to: To.Type) -> [To] {
    if let floats = sameArray(values, as: Float.self), To.self == Double.self {
        return unsafeBitCast(ScalarConversion.widen(floats), to: [To].self)
    }
    if let doubles = sameArray(values, as: Double.self), To.self == Float.self {
        return unsafeBitCast(ScalarConversion.narrow(doubles), to: [To].self)
    }
    if let same = sameArray(values, as: To.self) { return same }
    return values.map { To($0) }
}

/// `values` reinterpreted as `[To]` without copying when `From` and `To` are the same type.
package func sameArray<From, To>(_ values: [From], as: To.Type) -> [To]? {
    From.self == To.self ? unsafeBitCast(values, to: [To].self) : nil
}
