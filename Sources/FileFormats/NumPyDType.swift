/// The element types RewardKit reads from and writes to NumPy `.npy` files: little-endian
/// `float32`, `float64`, `int32` and `int64`.
public enum NumPyDType: String, Sendable, CaseIterable, Equatable {
    /// `<f4`, little-endian IEEE 754 single precision.
    case float32 = "<f4"
    /// `<f8`, little-endian IEEE 754 double precision.
    case float64 = "<f8"
    /// `<i4`, little-endian two's-complement 32-bit integer.
    case int32 = "<i4"
    /// `<i8`, little-endian two's-complement 64-bit integer.
    case int64 = "<i8"

    /// Bytes per element.
    public var byteCount: Int {
        switch self {
        case .float32, .int32: 4
        case .float64, .int64: 8
        }
    }

    /// Whether the elements are floating point.
    public var isFloatingPoint: Bool { self == .float32 || self == .float64 }

    /// The dtype of a RewardKit scalar type.
    public static func of<S: BLASScalar>(_ type: S.Type) -> NumPyDType {
        MemoryLayout<S>.size == 4 ? .float32 : .float64
    }

    /// Parses a NumPy `descr` string. `=` (native order) is accepted as little-endian because
    /// every platform RewardKit runs on is little-endian; `|` only matters for 1-byte types, which
    /// are not supported.
    static func parse(_ descr: String) -> NumPyDType? {
        var text = descr
        if text.hasPrefix("=") { text = "<" + text.dropFirst() }
        return NumPyDType(rawValue: text)
    }
}

import NumericCore
