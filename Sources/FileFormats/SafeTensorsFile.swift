import Foundation
import NumericCore

/// Named tensors in the safetensors format (https://github.com/huggingface/safetensors), for
/// exporting reward heads to PyTorch (`safetensors.torch.load_file`) or NumPy.
///
/// Layout: an 8-byte little-endian header length N; N bytes of UTF-8 JSON mapping each tensor name
/// to `{"dtype": "F32"|"F64", "shape": [...], "data_offsets": [begin, end]}` plus an optional
/// `"__metadata__"` object of string → string, padded with spaces so the data starts at a multiple
/// of 8; then the data, little-endian and C order, with offsets relative to the start of the data.
/// Tensors are written back to back in the reference writer's order (F64 before F32, then by
/// name), so files are byte-identical to those written by the `safetensors` Python package.
///
/// Reading checks what the reference implementation checks: the header length against the file,
/// valid JSON, known dtypes, `end − begin` = elements × element size, and that the tensors cover the
/// data section exactly, without gaps or overlaps.
public struct SafeTensorsFile: Sendable, Equatable {
    /// The tensors, in data order (F64 before F32, then by name).
    public var tensors: [NamedTensor]
    /// Free-form string metadata (`__metadata__`).
    public var metadata: [String: String]

    /// The largest header accepted (the reference implementation's limit).
    public static let maximumHeaderLength = 100_000_000

    /// A file holding `tensors` (kept in the canonical order below) and `metadata`.
    public init(tensors: [NamedTensor], metadata: [String: String] = [:]) {
        precondition(Set(tensors.map(\.name)).count == tensors.count, "SafeTensorsFile: duplicate tensor names in \(tensors.map(\.name))")
        precondition(!tensors.contains { $0.name == "__metadata__" }, "SafeTensorsFile: '__metadata__' is reserved")
        self.tensors = SafeTensorsFile.canonicalOrder(tensors)
        self.metadata = metadata
    }

    /// The reference writer's data order: wider dtypes first (F64 before F32, which keeps every
    /// tensor aligned to its element size), then by name.
    static func canonicalOrder(_ tensors: [NamedTensor]) -> [NamedTensor] {
        tensors.sorted { a, b in
            a.value.byteWidth != b.value.byteWidth ? a.value.byteWidth > b.value.byteWidth : a.name < b.name
        }
    }

    /// The tensor named `name`, as stored.
    public subscript(name: String) -> StoredTensor? {
        tensors.first { $0.name == name }?.value
    }

    /// The bytes of the file, identical to what the reference implementation
    /// (`safetensors.numpy.save` / `safetensors.torch.save`) writes for the same tensors: metadata
    /// first (keys sorted), then one entry per tensor in data order with fields `dtype`, `shape`,
    /// `data_offsets`.
    public func encoded() -> [UInt8] {
        func quoted(_ s: String) -> String {
            var out = ""
            JSONValue.writeString(s, into: &out)
            return out
        }
        var parts = [String]()
        if !metadata.isEmpty {
            parts.append("\"__metadata__\":{" + metadata.keys.sorted().map { quoted($0) + ":" + quoted(metadata[$0]!) }.joined(separator: ",") + "}")
        }
        var offset = 0
        for t in tensors {
            let shape = t.value.shape.map(String.init).joined(separator: ",")
            parts.append(quoted(t.name) + ":{\"dtype\":\"\(t.value.dtype)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + t.value.byteCount)]}")
            offset += t.value.byteCount
        }
        var headerBytes = Array(("{" + parts.joined(separator: ",") + "}").utf8)
        while (8 + headerBytes.count) % 8 != 0 { headerBytes.append(0x20) }
        var bytes = [UInt8]()
        bytes.reserveCapacity(8 + headerBytes.count + offset)
        appendLittleEndian(UInt64(headerBytes.count), to: &bytes)
        bytes += headerBytes
        for t in tensors { t.value.withBytes { bytes.append(contentsOf: $0) } }
        return bytes
    }

    /// Decodes and checks a safetensors file; `source` names it in errors.
    public static func decode(_ bytes: [UInt8], source: String = "safetensors") throws(ModelFileError) -> SafeTensorsFile {
        func fail(_ reason: ModelFileError.Reason) -> ModelFileError { ModelFileError(file: source, reason: reason) }
        guard bytes.count >= 8 else { throw fail(.truncated(expectedBytes: 8, foundBytes: bytes.count)) }
        let length64 = readLittleEndian(UInt64.self, bytes, at: 0)
        guard length64 <= UInt64(maximumHeaderLength) else { throw fail(.corrupt("header length \(length64) exceeds the 100 MB limit")) }
        let length = Int(length64)
        guard 8 + length <= bytes.count else { throw fail(.truncated(expectedBytes: 8 + length, foundBytes: bytes.count)) }
        guard length > 0, bytes[8] == UInt8(ascii: "{") else { throw fail(.corrupt("the header does not start with '{'")) }
        let header: JSONValue
        do throws(JSONValue.ParseError) { header = try JSONValue.parse(Array(bytes[8..<(8 + length)])) } catch {
            throw fail(.corrupt("header is not valid JSON (\(error))"))
        }
        guard let members = header.objectValue else { throw fail(.corrupt("the header is not a JSON object")) }
        var metadata = [String: String]()
        if let meta = members["__metadata__"] {
            guard let object = meta.objectValue else { throw fail(.corrupt("__metadata__ is not an object")) }
            for (key, value) in object {
                guard let s = value.stringValue else { throw fail(.corrupt("__metadata__['\(key)'] is not a string")) }
                metadata[key] = s
            }
        }
        let dataStart = 8 + length
        let result: Result<SafeTensorsFile, ModelFileError> = bytes.withUnsafeBytes { all in
            do throws(ModelFileError) {
                return .success(try decodeBody(all))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
        func decodeBody(_ all: UnsafeRawBufferPointer) throws(ModelFileError) -> SafeTensorsFile {
            let data = UnsafeRawBufferPointer(rebasing: all[dataStart...])
            // A data section shorter than the last tensor's end is a truncated file.
            let lastEnd = members.compactMap { $0.key == "__metadata__" ? nil : $0.value["data_offsets"]?.arrayValue?.last?.intValue }.max() ?? 0
            guard lastEnd <= data.count else { throw fail(.truncated(expectedBytes: dataStart &+ lastEnd, foundBytes: bytes.count)) }
            var layouts = [TensorLayout]()
            for (name, entry) in members.sorted(by: { $0.key < $1.key }) where name != "__metadata__" {
                layouts.append(try TensorLayout(name: name, entry: entry, dataCount: data.count, source: source, offsetKey: "data_offsets"))
            }
            // The tensors tile the data section exactly; checked before any tensor is copied.
            layouts.sort { ($0.range.lowerBound, $0.range.upperBound, $0.name) < ($1.range.lowerBound, $1.range.upperBound, $1.name) }
            var position = 0
            for layout in layouts {
                guard layout.range.lowerBound == position else {
                    throw fail(.corrupt(layout.range.lowerBound > position ? "gap in the data before tensor '\(layout.name)'"
                                                                          : "tensor '\(layout.name)' overlaps the previous tensor"))
                }
                position = layout.range.upperBound
            }
            guard position == data.count else {
                throw fail(position < data.count ? .corrupt("\(data.count - position) bytes after the last tensor")
                                                 : .truncated(expectedBytes: dataStart &+ position, foundBytes: bytes.count))
            }
            let tensors = layouts.map { NamedTensor(name: $0.name, value: $0.decode(from: data)) }
            return SafeTensorsFile(tensors: tensors, metadata: metadata)
        }
    }

    /// Writes the file atomically.
    public func write(to url: URL) throws(ModelFileError) {
        do throws(FileWriteError) {
            try AtomicFileWriter.write(encoded(), to: url)
        } catch {
            throw ModelFileError(file: url.path, reason: .cannotWrite(error.detail))
        }
    }

    /// Reads and checks a safetensors file.
    public static func read(from url: URL) throws(ModelFileError) -> SafeTensorsFile {
        try decode(readFileBytes(url), source: url.path)
    }
}

extension ModelFile {
    /// The tensors for export as safetensors, under the same names, with metadata
    /// `format` = `pt` (the value PyTorch tooling expects), `producer` = `rewardkit`,
    /// `kind` = the model kind, and every other metadata entry as JSON text (strings unquoted).
    public func safeTensors() -> SafeTensorsFile {
        var meta = ["format": "pt", "producer": "rewardkit", "kind": kind]
        for (key, value) in metadata where meta[key] == nil {
            meta[key] = value.stringValue ?? value.serialized()
        }
        return SafeTensorsFile(tensors: tensors, metadata: meta)
    }
}
