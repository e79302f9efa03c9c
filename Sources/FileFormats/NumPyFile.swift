import Foundation
import NumericCore

/// Reads and writes NumPy `.npy` files (format versions 1.0, 2.0 and 3.0).
///
/// Supported arrays: dtypes `<f4`, `<f8`, `<i4`, `<i8`; C (row-major) order; one or two axes.
/// Anything else — `fortran_order: True`, big-endian or other dtypes, more axes, a wrong magic
/// string, a malformed header, missing or extra data bytes — is a ``DataError`` that names the
/// file and the problem.
///
/// Reading costs one `open`, two small reads for the header and one read of the payload straight
/// into the destination array, so a 300 MB matrix loads at the speed of the page cache.
///
/// ```swift
/// let chosen = try NumPyFile.readTensor(URL(fileURLWithPath: "w2/chosen.npy"), as: Float.self)
/// try NumPyFile.write(chosen, to: URL(fileURLWithPath: "copy.npy"))
/// ```
public enum NumPyFile {
    /// Which header version the writer emits.
    public enum Version: Sendable, Equatable {
        /// 1.0 when the header fits in 65,535 bytes (always, for 1-D and 2-D arrays), else 2.0.
        case automatic
        /// 1.0: `UInt16` header length, latin-1 header.
        case v1
        /// 2.0: `UInt32` header length, latin-1 header.
        case v2
        /// 3.0: `UInt32` header length, UTF-8 header.
        case v3
    }

    // MARK: Reading

    /// Reads a `.npy` file. Errors name the file by its path.
    public static func read(_ url: URL) throws(DataError) -> NumPyArray {
        let source = url.path
        let file: RawFile
        do throws(RawFile.Failure) { file = try RawFile(path: source) } catch { throw DataError(file: source, reason: .cannotRead(error.detail)) }
        do {
            let header = try readHeader(file, source: source)
            func load<T>(_ type: T.Type) throws(DataError) -> [T] {
                try readPayload(file, header: header, as: T.self, source: source)
            }
            switch header.dtype {
            case .float32: return NumPyArray(shape: header.shape, storage: .float32(try load(Float.self)))
            case .float64: return NumPyArray(shape: header.shape, storage: .float64(try load(Double.self)))
            case .int32: return NumPyArray(shape: header.shape, storage: .int32(try load(Int32.self)))
            case .int64: return NumPyArray(shape: header.shape, storage: .int64(try load(Int64.self)))
            }
        } catch let error as RawFile.Failure {
            throw DataError(file: source, reason: .cannotRead(error.detail))
        } catch let error as DataError {
            throw error
        } catch {
            throw DataError(file: source, reason: .cannotRead("\(error)"))
        }
    }

    /// Opens a `.npy` file memory-mapped, read-only, without copying its payload: rows are read
    /// from the page cache when a block asks for them (``MappedNumPyArray``). The header gets the
    /// same checks as ``read(_:)`` (magic, version, header grammar and length, dtype, order, shape,
    /// exact payload size), so a malicious header fails before anything is mapped.
    public static func map(_ url: URL) throws(DataError) -> MappedNumPyArray {
        let source = url.path
        let file: RawFile
        do throws(RawFile.Failure) { file = try RawFile(path: source) } catch { throw DataError(file: source, reason: .cannotRead(error.detail)) }
        let header: NumPyHeader
        do {
            header = try readHeader(file, source: source)
        } catch let error as RawFile.Failure {
            throw DataError(file: source, reason: .cannotRead(error.detail))
        } catch let error as DataError {
            throw error
        } catch {
            throw DataError(file: source, reason: .cannotRead("\(error)"))
        }
        do throws(RawFile.Failure) {
            let mapping = try file.mapReadOnly()
            return MappedNumPyArray(mapping: mapping, dtype: header.dtype, shape: header.shape, dataOffset: header.dataOffset, source: source)
        } catch {
            throw DataError(file: source, reason: .cannotRead("mmap: \(error.detail)"))
        }
    }

    /// The header of an open file, checked against its size.
    private static func readHeader(_ file: RawFile, source: String) throws -> NumPyHeader {
        let prefix = try file.readBytes(count: 12, at: 0)
        let (major, headerRange) = try NumPyHeader.parsePrefix(prefix, fileSize: file.size, source: source)
        let headerBytes = try file.readBytes(count: headerRange.count, at: headerRange.lowerBound)
        let header = try NumPyHeader.parse(major: major, headerBytes: headerBytes[...],
                                           dataOffset: headerRange.upperBound, source: source)
        try checkPayloadSize(header, available: file.size - header.dataOffset, source: source)
        return header
    }

    /// Reads a float32 or float64 `.npy` file as a tensor of `S` (converting between the two
    /// precisions when the file's differs; no copy when it matches).
    public static func readTensor<S: BLASScalar>(_ url: URL, as type: S.Type = S.self) throws(DataError) -> Tensor<S> {
        try read(url).tensor(as: S.self, source: url.path)
    }

    /// Decodes the bytes of a `.npy` file held in memory; `source` names it in errors.
    public static func decode(_ bytes: [UInt8], source: String) throws(DataError) -> NumPyArray {
        let (major, headerRange) = try NumPyHeader.parsePrefix(Array(bytes.prefix(12)), fileSize: bytes.count, source: source)
        let header = try NumPyHeader.parse(major: major, headerBytes: bytes[headerRange],
                                           dataOffset: headerRange.upperBound, source: source)
        try checkPayloadSize(header, available: bytes.count - header.dataOffset, source: source)
        func copy<T>(_ type: T.Type) -> [T] {
            let count = header.elementCount
            return [T](unsafeUninitializedCapacity: count) { out, initialized in
                bytes.withUnsafeBytes { raw in
                    if count > 0 {
                        UnsafeMutableRawPointer(out.baseAddress!).copyMemory(
                            from: raw.baseAddress! + header.dataOffset, byteCount: count * MemoryLayout<T>.size)
                    }
                }
                initialized = count
                fixByteOrder(out)
            }
        }
        switch header.dtype {
        case .float32: return NumPyArray(shape: header.shape, storage: .float32(copy(Float.self)))
        case .float64: return NumPyArray(shape: header.shape, storage: .float64(copy(Double.self)))
        case .int32: return NumPyArray(shape: header.shape, storage: .int32(copy(Int32.self)))
        case .int64: return NumPyArray(shape: header.shape, storage: .int64(copy(Int64.self)))
        }
    }

    private static func checkPayloadSize(_ header: NumPyHeader, available: Int, source: String) throws(DataError) {
        let needed = header.dataByteCount
        let shapeText = "(" + header.shape.map(String.init).joined(separator: ", ") + (header.shape.count == 1 ? ",)" : ")")
        if available < needed {
            throw DataError(file: source, reason: .invalidValue(
                "truncated .npy file: shape \(shapeText) of '\(header.dtype.rawValue)' needs \(needed) data bytes, the file has \(available)"))
        }
        if available > needed {
            throw DataError(file: source, reason: .invalidValue(
                "corrupt .npy file: \(available - needed) bytes after the data of shape \(shapeText) of '\(header.dtype.rawValue)'"))
        }
    }

    private static func readPayload<T>(_ file: RawFile, header: NumPyHeader, as type: T.Type, source: String) throws(DataError) -> [T] {
        let count = header.elementCount
        if count == 0 { return [] }
        var failure: DataError?
        let values = [T](unsafeUninitializedCapacity: count) { out, initialized in
            let byteCount = count * MemoryLayout<T>.size
            do throws(RawFile.Failure) {
                let got = try file.readLarge(into: UnsafeMutableRawPointer(out.baseAddress!), count: byteCount, at: header.dataOffset)
                if got != byteCount {
                    failure = DataError(file: source, reason: .invalidValue(
                        "truncated .npy file: needs \(byteCount) data bytes, read \(got)"))
                    initialized = 0
                    return
                }
            } catch {
                failure = DataError(file: source, reason: .cannotRead(error.detail))
                initialized = 0
                return
            }
            initialized = count
            fixByteOrder(out)
        }
        if let failure { throw failure }
        return values
    }

    /// `.npy` payloads are little-endian; on a big-endian host each element's bytes are reversed.
    @inline(__always)
    private static func fixByteOrder<T>(_ buffer: UnsafeMutableBufferPointer<T>) {
        #if _endian(big)
        let raw = UnsafeMutableRawBufferPointer(buffer)
        let size = MemoryLayout<T>.size
        var k = 0
        while k < raw.count {
            var lo = k, hi = k + size - 1
            while lo < hi { raw.swapAt(lo, hi); lo += 1; hi -= 1 }
            k += size
        }
        #endif
    }

    // MARK: Writing

    /// The header bytes (magic, version, length, padded dict) for an array of `dtype` and `shape`.
    /// The data offset is a multiple of 64, as NumPy writes it.
    public static func headerBytes(dtype: NumPyDType, shape: [Int], version: Version = .automatic) -> [UInt8] {
        precondition(shape.count == 1 || shape.count == 2, "NumPyFile writes 1-D and 2-D arrays, got shape \(shape)")
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(\(shape[0]), \(shape[1]))"
        let dict = "{'descr': '\(dtype.rawValue)', 'fortran_order': False, 'shape': \(shapeText), }"
        let major: UInt8
        switch version {
        case .automatic: major = dict.utf8.count + 1 + 10 <= 65_535 ? 1 : 2
        case .v1: major = 1
        case .v2: major = 2
        case .v3: major = 3
        }
        let prefixLength = major == 1 ? 10 : 12
        let unpadded = prefixLength + dict.utf8.count + 1
        let padding = (64 - unpadded % 64) % 64
        let header = Array(dict.utf8) + [UInt8](repeating: 0x20, count: padding) + [0x0A]
        precondition(major != 1 || header.count <= 65_535, "header of \(header.count) bytes does not fit format 1.0")
        var bytes = NumPyHeader.magic + [major, 0]
        let length = header.count
        for k in 0..<(prefixLength - 8) { bytes.append(UInt8(truncatingIfNeeded: length >> (8 * k))) }
        return bytes + header
    }

    /// The complete bytes of a `.npy` file holding `array`.
    public static func encode(_ array: NumPyArray, version: Version = .automatic) -> [UInt8] {
        var bytes = headerBytes(dtype: array.dtype, shape: array.shape, version: version)
        withPayload(array) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// The complete bytes of a `.npy` file holding a tensor (`<f4` for `Float`, `<f8` for `Double`).
    public static func encode<S: BLASScalar>(_ tensor: Tensor<S>, version: Version = .automatic) -> [UInt8] {
        var bytes = headerBytes(dtype: .of(S.self), shape: tensor.shape, version: version)
        tensor.scalars.withUnsafeBytes { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// Writes `array` to `url` atomically (temporary file and rename).
    public static func write(_ array: NumPyArray, to url: URL, version: Version = .automatic) throws(FileWriteError) {
        let header = headerBytes(dtype: array.dtype, shape: array.shape, version: version)
        try AtomicFileWriter.write(to: url) { (sink: AtomicFileWriter.Sink) throws(FileWriteError) in
            try sink.write(header)
            var failure: FileWriteError?
            withPayload(array) { raw in
                do throws(FileWriteError) { try sink.write(raw) } catch { failure = error }
            }
            if let failure { throw failure }
        }
    }

    /// Writes a tensor to `url` atomically, streaming its scalars without a copy.
    public static func write<S: BLASScalar>(_ tensor: Tensor<S>, to url: URL, version: Version = .automatic) throws(FileWriteError) {
        let header = headerBytes(dtype: .of(S.self), shape: tensor.shape, version: version)
        try AtomicFileWriter.write(to: url) { (sink: AtomicFileWriter.Sink) throws(FileWriteError) in
            try sink.write(header)
            var failure: FileWriteError?
            tensor.scalars.withUnsafeBytes { raw in
                do throws(FileWriteError) { try sink.write(raw) } catch { failure = error }
            }
            if let failure { throw failure }
        }
    }

    private static func withPayload(_ array: NumPyArray, _ body: (UnsafeRawBufferPointer) -> Void) {
        switch array.storage {
        case .float32(let v): v.withUnsafeBytes(body)
        case .float64(let v): v.withUnsafeBytes(body)
        case .int32(let v): v.withUnsafeBytes(body)
        case .int64(let v): v.withUnsafeBytes(body)
        }
    }
}
