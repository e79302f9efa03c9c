import NumericCore

/// A tensor as stored in a model file: float32 or float64, any shape, little-endian on disk.
public enum StoredTensor: Sendable, Equatable {
    /// A float32 (`F32`) tensor.
    case float32(Tensor<Float>)
    /// A float64 (`F64`) tensor.
    case float64(Tensor<Double>)

    /// Wraps a tensor of either scalar type without converting it.
    public init<S: BLASScalar>(_ tensor: Tensor<S>) {
        if S.self == Float.self {
            self = .float32(Tensor(shape: tensor.shape, scalars: unsafeBitCast(tensor.scalars, to: [Float].self)))
        } else if S.self == Double.self {
            self = .float64(Tensor(shape: tensor.shape, scalars: unsafeBitCast(tensor.scalars, to: [Double].self)))
        } else {
            self = .float64(Tensor(shape: tensor.shape, scalars: tensor.scalars.map { Double($0) }))
        }
    }

    /// The safetensors dtype name: `F32` or `F64`.
    public var dtype: String {
        switch self {
        case .float32: "F32"
        case .float64: "F64"
        }
    }

    /// The tensor's shape.
    public var shape: [Int] {
        switch self {
        case .float32(let t): t.shape
        case .float64(let t): t.shape
        }
    }

    /// Bytes per element.
    public var byteWidth: Int {
        switch self {
        case .float32: 4
        case .float64: 8
        }
    }

    /// Bytes of the payload.
    public var byteCount: Int {
        switch self {
        case .float32(let t): t.count * 4
        case .float64(let t): t.count * 8
        }
    }

    /// The values as a tensor of `S` (float32 → float64 is exact; float64 → float32 rounds).
    public func tensor<S: BLASScalar>(as type: S.Type = S.self) -> Tensor<S> {
        switch self {
        case .float32(let t):
            if S.self == Float.self { return Tensor(shape: t.shape, scalars: unsafeBitCast(t.scalars, to: [S].self)) }
            return Tensor(shape: t.shape, scalars: t.scalars.map { S($0) })
        case .float64(let t):
            if S.self == Double.self { return Tensor(shape: t.shape, scalars: unsafeBitCast(t.scalars, to: [S].self)) }
            return Tensor(shape: t.shape, scalars: t.scalars.map { S($0) })
        }
    }

    /// Whether any value is NaN or infinite.
    public var containsNonFinite: Bool {
        switch self {
        case .float32(let t): !t.isFinite
        case .float64(let t): !t.isFinite
        }
    }

    /// Calls `body` with the little-endian payload bytes.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch self {
        case .float32(let t): try t.scalars.withUnsafeBytes(body)
        case .float64(let t): try t.scalars.withUnsafeBytes(body)
        }
    }

    /// A tensor of `shape` from `bytes`: F64 when `elementSize` is 8, else F32. The caller has
    /// checked that `bytes` holds exactly shape-product × `elementSize` bytes.
    static func decode(elementSize: Int, shape: [Int], bytes: UnsafeRawBufferPointer) -> StoredTensor {
        func load<T>(_ type: T.Type) -> [T] {
            let count = bytes.count / MemoryLayout<T>.size
            return [T](unsafeUninitializedCapacity: count) { out, initialized in
                if count > 0, let source = bytes.baseAddress, let destination = out.baseAddress {
                    UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: count * MemoryLayout<T>.size)
                }
                initialized = count
            }
        }
        return elementSize == 8 ? .float64(Tensor(shape: shape, scalars: load(Double.self)))
                                : .float32(Tensor(shape: shape, scalars: load(Float.self)))
    }

    /// Bytes per element of a supported dtype name.
    static func elementSize(of dtype: String) -> Int? {
        switch dtype {
        case "F32": 4
        case "F64": 8
        default: nil
        }
    }
}
