/// Why a model file (or a safetensors file) could not be read or written, with the file.
public struct ModelFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong with the file.
    public enum Reason: Equatable, Sendable {
        /// The file could not be opened or read.
        case cannotRead(String)
        /// The file could not be written (the destination is unchanged).
        case cannotWrite(String)
        /// The file does not start with the format's magic bytes: not a model file.
        case wrongMagic
        /// The format version is not one this build reads.
        case unsupportedVersion(found: Int, supported: Int)
        /// The file ends before the bytes its header announces.
        case truncated(expectedBytes: Int, foundBytes: Int)
        /// The header or data is damaged (checksum mismatch, malformed header, extra bytes…).
        case corrupt(String)
        /// A tensor's byte length or shape disagrees with what is expected.
        case tensorSizeMismatch(name: String, expected: String, found: String)
        /// A tensor has an element type other than F32 / F64.
        case unsupportedDType(name: String, dtype: String)
        /// A tensor the model needs is missing.
        case missingTensor(String)
        /// The file holds another kind of model.
        case wrongKind(expected: String, found: String)
        /// Metadata is missing, of the wrong type, or not representable (NaN/∞ in JSON).
        case invalidMetadata(String)
    }

    /// The file (or a description of the in-memory source).
    public var file: String
    /// What is wrong.
    public var reason: Reason

    /// An error for `file` with `reason`.
    public init(file: String, reason: Reason) {
        self.file = file
        self.reason = reason
    }

    /// The error in words, for messages.
    public var description: String {
        let why: String
        switch reason {
        case .cannotRead(let detail): why = "cannot read the file (\(detail))"
        case .cannotWrite(let detail): why = "cannot write the file (\(detail))"
        case .wrongMagic: why = "not a RewardKit model file (wrong magic bytes)"
        case .unsupportedVersion(let found, let supported): why = "format version \(found) is not supported (this build reads version \(supported))"
        case .truncated(let expected, let found): why = "truncated: expected \(expected) bytes, found \(found)"
        case .corrupt(let detail): why = "corrupt file: \(detail)"
        case .tensorSizeMismatch(let name, let expected, let found): why = "tensor '\(name)': expected \(expected), found \(found)"
        case .unsupportedDType(let name, let dtype): why = "tensor '\(name)': unsupported dtype '\(dtype)' (F32 and F64 are supported)"
        case .missingTensor(let name): why = "missing tensor '\(name)'"
        case .wrongKind(let expected, let found): why = "holds a '\(found)' model, expected '\(expected)'"
        case .invalidMetadata(let detail): why = "invalid metadata: \(detail)"
        }
        return "\(file): \(why)"
    }
}
