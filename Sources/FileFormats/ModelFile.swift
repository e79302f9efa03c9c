import Foundation
import NumericCore

/// RewardKit's model file: a model kind, JSON metadata (hyperparameters, names, fit summary) and an
/// ordered list of named float32/float64 tensors, in a versioned binary container that round-trips
/// exactly.
///
/// Layout of format version 1 (all integers little-endian; details in `Docs/DataFormats.md`):
///
/// | offset | size | content |
/// |---|---|---|
/// | 0 | 8 | magic `RWKMODEL` |
/// | 8 | 4 | format version (`UInt32`, 1) |
/// | 12 | 4 | CRC-32 of the header bytes |
/// | 16 | 8 | header length H (`UInt64`) |
/// | 24 | H | UTF-8 JSON header, padded with spaces so that 24 + H is a multiple of 8 |
/// | 24 + H | D | tensor data, each tensor starting at a multiple of 8 |
///
/// The header is `{"format": "rewardkit-model", "version": 1, "kind": …, "metadata": {…},
/// "tensors": [{"name", "dtype": "F32"|"F64", "shape", "offset", "length"}, …],
/// "data_length": D, "data_crc32": …}` with offsets relative to the data section. Numbers in the
/// metadata are written in shortest round-trip form, so Doubles read back bit for bit.
///
/// Specific models serialize themselves into a `ModelFile` (kind + metadata + tensors) and read
/// themselves back from one; ``write(to:)`` is atomic.
///
/// ```swift
/// var file = ModelFile(kind: "linear-reward-head", metadata: ["l2": 1e-4])
/// file.append("weight", weights)
/// try file.write(to: URL(fileURLWithPath: "head.rkmodel"))
/// let loaded = try ModelFile.read(from: URL(fileURLWithPath: "head.rkmodel"))
/// let w: Tensor<Float> = try loaded.tensor("weight")
/// ```
public struct ModelFile: Sendable, Equatable {
    /// The `format` value in the header.
    public static let formatName = "rewardkit-model"
    /// The format version this build writes and reads.
    public static let formatVersion = 1
    /// The first eight bytes of every model file.
    public static let magic: [UInt8] = Array("RWKMODEL".utf8)

    /// What model the file holds (e.g. `"linear-reward-head"`); models check it when loading.
    public var kind: String
    /// Hyperparameters and other facts, as JSON values (numbers must be finite).
    public var metadata: [String: JSONValue]
    /// The tensors, in the order they were added; names are unique.
    public private(set) var tensors: [NamedTensor]

    /// A model file of `kind` with `metadata` and `tensors` (in order).
    public init(kind: String, metadata: [String: JSONValue] = [:], tensors: [NamedTensor] = []) {
        precondition(Set(tensors.map(\.name)).count == tensors.count, "ModelFile: duplicate tensor names in \(tensors.map(\.name))")
        self.kind = kind
        self.metadata = metadata
        self.tensors = tensors
    }

    /// Adds a tensor; the name must be new.
    public mutating func append<S: BLASScalar>(_ name: String, _ tensor: Tensor<S>) {
        append(NamedTensor(name: name, tensor))
    }

    /// Adds a named tensor; the name must be new.
    public mutating func append(_ tensor: NamedTensor) {
        precondition(!tensors.contains { $0.name == tensor.name }, "ModelFile: a tensor named '\(tensor.name)' already exists")
        tensors.append(tensor)
    }

    /// The tensor named `name`, as stored.
    public subscript(name: String) -> StoredTensor? {
        tensors.first { $0.name == name }?.value
    }

    /// The tensor named `name` as a tensor of `S` (converted if stored in the other precision),
    /// optionally checking its shape. A missing tensor or a wrong shape is a ``ModelFileError``.
    public func tensor<S: BLASScalar>(_ name: String, as type: S.Type = S.self, shape: [Int]? = nil, source: String = "model") throws(ModelFileError) -> Tensor<S> {
        guard let stored = self[name] else { throw ModelFileError(file: source, reason: .missingTensor(name)) }
        if let shape, stored.shape != shape {
            throw ModelFileError(file: source, reason: .tensorSizeMismatch(name: name, expected: "shape \(shape)", found: "shape \(stored.shape)"))
        }
        return stored.tensor(as: S.self)
    }

    /// Throws unless the file holds a model of `expected` kind.
    public func requireKind(_ expected: String, source: String = "model") throws(ModelFileError) {
        guard kind == expected else { throw ModelFileError(file: source, reason: .wrongKind(expected: expected, found: kind)) }
    }

    /// The metadata value under `key`, or a ``ModelFileError`` when it is missing.
    public func metadataValue(_ key: String, source: String = "model") throws(ModelFileError) -> JSONValue {
        guard let value = metadata[key] else { throw ModelFileError(file: source, reason: .invalidMetadata("missing key '\(key)'")) }
        return value
    }

    /// Whether a metadata key names a timing (`seconds`, `fit_seconds`, `pairs_per_second`, …).
    ///
    /// Model files carry no timing — the same seed must write the same bytes — so writers drop these
    /// keys from fit summaries they store (``withoutTiming(_:)``); reports keep them.
    package static func isTimingKey(_ key: String) -> Bool {
        key == "seconds" || key.hasSuffix("_seconds") || key.hasSuffix("per_second")
    }

    /// `value` with every object member whose key ``isTimingKey(_:)`` removed, at any depth.
    package static func withoutTiming(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members):
            var kept = [String: JSONValue]()
            for (key, member) in members where !isTimingKey(key) { kept[key] = withoutTiming(member) }
            return .object(kept)
        case .array(let items):
            return .array(items.map(withoutTiming))
        default:
            return value
        }
    }

    // MARK: Files

    /// Writes the file atomically (temporary file in the same folder, `fsync`, rename).
    public func write(to url: URL) throws(ModelFileError) {
        let bytes = try encoded(source: url.path)
        do throws(FileWriteError) {
            try AtomicFileWriter.write(bytes, to: url)
        } catch {
            throw ModelFileError(file: url.path, reason: .cannotWrite(error.detail))
        }
    }

    /// Reads and checks a model file.
    public static func read(from url: URL) throws(ModelFileError) -> ModelFile {
        try decode(readFileBytes(url), source: url.path)
    }

    // MARK: Encoding

    /// The bytes of the file. Non-finite metadata numbers are a ``ModelFileError``.
    public func encoded(source: String = "model") throws(ModelFileError) -> [UInt8] {
        if let bad = metadata.keys.sorted().first(where: { metadata[$0]!.containsNonFiniteNumber }) {
            throw ModelFileError(file: source, reason: .invalidMetadata("'\(bad)' holds a NaN or infinite number, which JSON cannot represent"))
        }
        var entries = [JSONValue]()
        var offset = 0
        for t in tensors {
            offset = (offset + 7) / 8 * 8
            entries.append([
                "name": .string(t.name), "dtype": .string(t.value.dtype),
                "shape": .array(t.value.shape.map { .number(Double($0)) }),
                "offset": .number(Double(offset)), "length": .number(Double(t.value.byteCount)),
            ])
            offset += t.value.byteCount
        }
        let dataLength = (offset + 7) / 8 * 8
        var data = [UInt8](repeating: 0, count: dataLength)
        data.withUnsafeMutableBytes { out in
            var position = 0
            for t in tensors {
                position = (position + 7) / 8 * 8
                t.value.withBytes { raw in
                    if raw.count > 0 { (out.baseAddress! + position).copyMemory(from: raw.baseAddress!, byteCount: raw.count) }
                }
                position += t.value.byteCount
            }
        }
        let header: JSONValue = [
            "format": .string(ModelFile.formatName), "version": .number(Double(ModelFile.formatVersion)),
            "kind": .string(kind), "metadata": .object(metadata), "tensors": .array(entries),
            "data_length": .number(Double(dataLength)), "data_crc32": .number(Double(CRC32.checksum(data))),
        ]
        var headerBytes = Array(header.serialized().utf8)
        while (24 + headerBytes.count) % 8 != 0 { headerBytes.append(0x20) }
        var bytes = ModelFile.magic
        bytes.reserveCapacity(24 + headerBytes.count + data.count)
        appendLittleEndian(UInt32(ModelFile.formatVersion), to: &bytes)
        appendLittleEndian(CRC32.checksum(headerBytes), to: &bytes)
        appendLittleEndian(UInt64(headerBytes.count), to: &bytes)
        bytes += headerBytes
        bytes += data
        return bytes
    }

    /// Decodes and checks the bytes of a model file; `source` names it in errors.
    ///
    /// Checked, in order: magic, version, header length against the file size, header checksum,
    /// header structure, data length, data checksum, and every tensor's dtype, shape, byte length
    /// and bounds.
    public static func decode(_ bytes: [UInt8], source: String = "model") throws(ModelFileError) -> ModelFile {
        func fail(_ reason: ModelFileError.Reason) -> ModelFileError { ModelFileError(file: source, reason: reason) }
        guard bytes.count >= 8 else {
            if bytes.count > 0 && Array(bytes) == Array(magic.prefix(bytes.count)) {
                throw fail(.truncated(expectedBytes: 24, foundBytes: bytes.count))
            }
            throw fail(.wrongMagic)
        }
        guard Array(bytes[0..<8]) == magic else { throw fail(.wrongMagic) }
        guard bytes.count >= 24 else { throw fail(.truncated(expectedBytes: 24, foundBytes: bytes.count)) }
        let version = Int(readLittleEndian(UInt32.self, bytes, at: 8))
        guard version == formatVersion else { throw fail(.unsupportedVersion(found: version, supported: formatVersion)) }
        let headerCRC = readLittleEndian(UInt32.self, bytes, at: 12)
        let headerLength64 = readLittleEndian(UInt64.self, bytes, at: 16)
        guard headerLength64 <= UInt64(bytes.count - 24) else {
            throw fail(.truncated(expectedBytes: 24 &+ Int(clamping: headerLength64), foundBytes: bytes.count))
        }
        let headerLength = Int(headerLength64)
        let headerBytes = Array(bytes[24..<(24 + headerLength)])
        guard CRC32.checksum(headerBytes) == headerCRC else { throw fail(.corrupt("header checksum mismatch")) }
        let header: JSONValue
        do throws(JSONValue.ParseError) { header = try JSONValue.parse(headerBytes) } catch {
            throw fail(.corrupt("header is not valid JSON (\(error))"))
        }
        guard header["format"]?.stringValue == formatName else { throw fail(.corrupt("header 'format' is not '\(formatName)'")) }
        guard header["version"]?.intValue == formatVersion else { throw fail(.corrupt("header 'version' disagrees with the file's version field")) }
        guard let kind = header["kind"]?.stringValue else { throw fail(.corrupt("header has no 'kind'")) }
        guard let metadata = header["metadata"]?.objectValue else { throw fail(.corrupt("header has no 'metadata' object")) }
        guard let entries = header["tensors"]?.arrayValue else { throw fail(.corrupt("header has no 'tensors' list")) }
        guard let dataLength = header["data_length"]?.intValue, dataLength >= 0 else { throw fail(.corrupt("header has no 'data_length'")) }
        guard let dataCRC = header["data_crc32"]?.intValue else { throw fail(.corrupt("header has no 'data_crc32'")) }
        let dataStart = 24 + headerLength
        let available = bytes.count - dataStart
        guard available >= dataLength else { throw fail(.truncated(expectedBytes: dataStart &+ dataLength, foundBytes: bytes.count)) }
        guard available == dataLength else { throw fail(.corrupt("\(available - dataLength) unexpected bytes after the data")) }
        let result: Result<ModelFile, ModelFileError> = bytes.withUnsafeBytes { all in
            do throws(ModelFileError) {
                return .success(try decodeBody(all))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
        func decodeBody(_ all: UnsafeRawBufferPointer) throws(ModelFileError) -> ModelFile {
            let data = UnsafeRawBufferPointer(rebasing: all[dataStart..<(dataStart + dataLength)])
            guard Int(CRC32.checksum(data)) == dataCRC else { throw fail(.corrupt("data checksum mismatch")) }
            var layouts = [TensorLayout]()
            var names = Set<String>()
            for entry in entries {
                guard let name = entry["name"]?.stringValue else { throw fail(.corrupt("a tensor entry has no name")) }
                guard names.insert(name).inserted else { throw fail(.corrupt("duplicate tensor name '\(name)'")) }
                layouts.append(try TensorLayout(name: name, entry: entry, dataCount: data.count, source: source, offsetKey: "offset"))
            }
            // Tensors may leave alignment padding between them but never share bytes; checked
            // before any tensor is copied, so the copies add up to at most the data section.
            let placed = layouts.filter { !$0.range.isEmpty }.sorted { ($0.range.lowerBound, $0.name) < ($1.range.lowerBound, $1.name) }
            for k in placed.indices.dropFirst() where placed[k].range.lowerBound < placed[k - 1].range.upperBound {
                throw fail(.corrupt("tensor '\(placed[k].name)' (bytes \(placed[k].range)) overlaps tensor '\(placed[k - 1].name)' (bytes \(placed[k - 1].range))"))
            }
            let tensors = layouts.map { NamedTensor(name: $0.name, value: $0.decode(from: data)) }
            return ModelFile(kind: kind, metadata: metadata, tensors: tensors)
        }
    }
}

/// Where one tensor of a model or safetensors file lies and what it holds, from its header entry
/// (`dtype`, `shape`, and either `offset` + `length` or safetensors' `data_offsets`), checked
/// against the data section before anything is allocated: the element count and byte length are
/// computed without overflow, the byte length must match dtype × shape, and the byte range must
/// lie inside the data section.
struct TensorLayout {
    var name: String
    var dtype: String
    /// Bytes per element of `dtype` (4 or 8).
    var elementSize: Int
    var shape: [Int]
    /// The tensor's bytes, relative to the start of the data section.
    var range: Range<Int>

    init(name: String, entry: JSONValue, dataCount: Int, source: String, offsetKey: String) throws(ModelFileError) {
        func fail(_ reason: ModelFileError.Reason) -> ModelFileError { ModelFileError(file: source, reason: reason) }
        guard entry.objectValue != nil else { throw fail(.corrupt("the entry of tensor '\(name)' is not an object")) }
        guard let dtype = entry["dtype"]?.stringValue else { throw fail(.corrupt("tensor '\(name)' has no dtype")) }
        guard let elementSize = StoredTensor.elementSize(of: dtype) else { throw fail(.unsupportedDType(name: name, dtype: dtype)) }
        guard let shapeValues = entry["shape"]?.arrayValue else { throw fail(.corrupt("tensor '\(name)' has no shape")) }
        var shape = [Int]()
        for v in shapeValues {
            guard let n = v.intValue, n >= 0 else {
                throw fail(.corrupt("tensor '\(name)' has an invalid shape entry \(v.serialized().prefix(40)) (dimensions are integers ≥ 0)"))
            }
            shape.append(n)
        }
        var count = 1
        var countOverflows = false
        for n in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: n)
            countOverflows = countOverflows || overflow
            count = product
        }
        let start: Int, end: Int
        if offsetKey == "data_offsets" {
            guard let offsets = entry["data_offsets"]?.arrayValue, offsets.count == 2,
                  let a = offsets[0].intValue, let b = offsets[1].intValue, a >= 0, b >= a else {
                throw fail(.corrupt("tensor '\(name)' has invalid data_offsets"))
            }
            (start, end) = (a, b)
        } else {
            guard let a = entry["offset"]?.intValue, let length = entry["length"]?.intValue, a >= 0, length >= 0 else {
                throw fail(.corrupt("tensor '\(name)' has an invalid offset or length"))
            }
            let (b, overflow) = a.addingReportingOverflow(length)
            guard !overflow else {
                throw fail(.corrupt("tensor '\(name)' ends beyond the \(dataCount)-byte data section (offset \(a), length \(length))"))
            }
            (start, end) = (a, b)
        }
        let (expected, overflow) = count.multipliedReportingOverflow(by: elementSize)
        guard !countOverflows, !overflow, end - start == expected else {
            let need = countOverflows || overflow ? "more than \(Int.max) bytes" : "\(count) × \(elementSize) = \(expected) bytes"
            throw fail(.tensorSizeMismatch(name: name, expected: "\(need) for shape \(shape)", found: "\(end - start) bytes"))
        }
        guard end <= dataCount else {
            throw fail(.corrupt("tensor '\(name)' ends at byte \(end) of a \(dataCount)-byte data section"))
        }
        self.name = name
        self.dtype = dtype
        self.elementSize = elementSize
        self.shape = shape
        self.range = start..<end
    }

    /// The tensor's values, copied out of the data section (`data.count` ≥ the `dataCount` checked).
    func decode(from data: UnsafeRawBufferPointer) -> StoredTensor {
        StoredTensor.decode(elementSize: elementSize, shape: shape, bytes: UnsafeRawBufferPointer(rebasing: data[range]))
    }
}

/// The whole file, or a ``ModelFileError`` naming it.
func readFileBytes(_ url: URL) throws(ModelFileError) -> [UInt8] {
    do throws(RawFile.Failure) {
        return try RawFile.readAll(path: url.path)
    } catch {
        throw ModelFileError(file: url.path, reason: .cannotRead(error.detail))
    }
}

func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
    for k in 0..<(T.bitWidth / 8) { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * k))) }
}

func readLittleEndian<T: FixedWidthInteger>(_ type: T.Type, _ bytes: [UInt8], at offset: Int) -> T {
    var value: T = 0
    for k in 0..<(T.bitWidth / 8) { value |= T(bytes[offset + k]) << (8 * k) }
    return value
}
