import Foundation
import Testing
import TestSupport
@testable import FileFormats
@testable import NumericCore

/// The ModelFileError thrown by `body`, or nil.
func caughtModelFileError<T>(_ body: () throws(ModelFileError) -> T) -> ModelFileError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}

@Suite struct PersistenceTests {
    static func sampleModel() -> ModelFile {
        var file = ModelFile(kind: "test-head", metadata: [
            "learning_rate": 0.1, "tiny": .number(1e-300), "negative_zero": .number(-0.0), "big": .number(9_007_199_254_740_993),
            "third": .number(1.0 / 3), "hidden": [256, 64], "activation": "tanh", "flags": ["centered": true, "note": nil],
            "unicode": "naïve \"quoted\" \\ tab\t ✓",
        ])
        file.append("layer0.weight", Tensor<Float>(shape: [2, 3], scalars: [0.1, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1e-20, -7]))
        file.append("layer0.bias", Tensor<Double>([Double.pi, -1e308, 5e-324]))
        file.append("scale", Tensor<Double>(shape: [], scalars: [2.5]))
        file.append("empty", Tensor<Float>(shape: [0, 4], scalars: []))
        return file
    }

    @Test func modelFileRoundTripsExactly() throws {
        let file = Self.sampleModel()
        let bytes = try file.encoded()
        #expect(Array(bytes.prefix(8)) == Array("RWKMODEL".utf8))
        let decoded = try ModelFile.decode(bytes)
        #expect(decoded == file)
        #expect(decoded.tensors.map(\.name) == ["layer0.weight", "layer0.bias", "scale", "empty"])
        #expect(decoded.metadata["negative_zero"]?.doubleValue?.sign == .minus)
        #expect(decoded.metadata["third"] == .number(1.0 / 3))
        let w: Tensor<Float> = try decoded.tensor("layer0.weight", shape: [2, 3])
        #expect(w.scalars[2] == .leastNonzeroMagnitude)
        let asDouble: Tensor<Double> = try decoded.tensor("layer0.weight")
        #expect(asDouble.scalars[0] == Double(Float(0.1)))
        #expect(try file.encoded() == bytes)  // deterministic
        try decoded.requireKind("test-head")
    }

    @Test func modelFileWritesAtomicallyAndReads() throws {
        try TestFiles.withTemporaryFolder { folder in
            let url = folder.appendingPathComponent("head.rkmodel")
            try Self.sampleModel().write(to: url)
            #expect(try TestFiles.contents(of: folder) == ["head.rkmodel"])
            #expect(try ModelFile.read(from: url) == Self.sampleModel())
            // Overwriting replaces the file and leaves nothing else behind.
            let other = ModelFile(kind: "other", tensors: [NamedTensor(name: "w", Tensor<Double>([1, 2]))])
            try other.write(to: url)
            #expect(try ModelFile.read(from: url) == other)
            #expect(try TestFiles.contents(of: folder) == ["head.rkmodel"])
            // A failed save leaves the previous file intact and no temporary file.
            let failure = caughtFileWriteError { () throws(FileWriteError) in
                try AtomicFileWriter.write(to: url) { (sink: AtomicFileWriter.Sink) throws(FileWriteError) in
                    try sink.write(Array(repeating: 0xAB, count: 100))
                    throw FileWriteError(file: url.path, detail: "interrupted")
                }
            }
            #expect(failure?.detail == "interrupted")
            #expect(try ModelFile.read(from: url) == other)
            #expect(try TestFiles.contents(of: folder) == ["head.rkmodel"])
            // An unwritable destination is a typed error.
            let missingFolder = folder.appendingPathComponent("no/such/dir/m.rkmodel")
            let error = caughtModelFileError { () throws(ModelFileError) in try other.write(to: missingFolder) }
            if case .cannotWrite = error?.reason {} else { Issue.record("expected cannotWrite, got \(String(describing: error))") }
            #expect(try TestFiles.contents(of: folder) == ["head.rkmodel"])
        }
    }

    /// Rebuilds a model file after editing its header text, with valid length and checksum.
    static func editHeader(_ bytes: [UInt8], _ edit: (String) -> String) -> [UInt8] {
        let length = Int(readLittleEndian(UInt64.self, bytes, at: 16))
        let header = String(decoding: bytes[24..<(24 + length)], as: UTF8.self).trimmingCharacters(in: .whitespaces)
        let data = Array(bytes[(24 + length)...])
        var newHeader = Array(edit(header).utf8)
        while (24 + newHeader.count) % 8 != 0 { newHeader.append(0x20) }
        var out = Array(bytes[0..<12])
        appendLittleEndian(CRC32.checksum(newHeader), to: &out)
        appendLittleEndian(UInt64(newHeader.count), to: &out)
        return out + newHeader + data
    }

    @Test func damagedModelFilesAreTypedErrors() throws {
        let bytes = try Self.sampleModel().encoded()
        func error(_ b: [UInt8]) -> ModelFileError.Reason? {
            caughtModelFileError { () throws(ModelFileError) in try ModelFile.decode(b, source: "m.rkmodel") }?.reason
        }
        var magic = bytes
        magic[0] = UInt8(ascii: "X")
        #expect(error(magic) == .wrongMagic)
        #expect(error(Array("{\"not\": \"a model\"}".utf8)) == .wrongMagic)
        #expect(error([]) == .wrongMagic)
        var future = bytes
        future[8] = 2
        #expect(error(future) == .unsupportedVersion(found: 2, supported: 1))
        #expect(error(Array(bytes.dropLast())) == .truncated(expectedBytes: bytes.count, foundBytes: bytes.count - 1))
        #expect(error(Array(bytes.prefix(30))) == .truncated(expectedBytes: 24 + Int(readLittleEndian(UInt64.self, bytes, at: 16)), foundBytes: 30))
        #expect(error(Array(bytes.prefix(12))) == .truncated(expectedBytes: 24, foundBytes: 12))
        #expect(error(Array(bytes.prefix(5))) == .truncated(expectedBytes: 24, foundBytes: 5))
        #expect(error(bytes + [0]) == .corrupt("1 unexpected bytes after the data"))
        var flippedData = bytes
        flippedData[bytes.count - 20] ^= 0x01
        #expect(error(flippedData) == .corrupt("data checksum mismatch"))
        var flippedHeader = bytes
        flippedHeader[40] ^= 0x01
        #expect(error(flippedHeader) == .corrupt("header checksum mismatch"))

        let wrongLength = Self.editHeader(bytes) { $0.replacingOccurrences(of: "\"length\":24,\"name\":\"layer0.bias\"", with: "\"length\":20,\"name\":\"layer0.bias\"") }
        #expect(error(wrongLength) == .tensorSizeMismatch(name: "layer0.bias", expected: "3 × 8 = 24 bytes for shape [3]", found: "20 bytes"))
        let wrongShape = Self.editHeader(bytes) { $0.replacingOccurrences(of: "\"shape\":[2,3]", with: "\"shape\":[3,3]") }
        if case .tensorSizeMismatch(let name, _, _)? = error(wrongShape) { #expect(name == "layer0.weight") } else { Issue.record("shape edit not caught") }
        let badDType = Self.editHeader(bytes) { $0.replacingOccurrences(of: "\"F64\"", with: "\"I64\"") }
        #expect(error(badDType) == .unsupportedDType(name: "layer0.bias", dtype: "I64"))
        let notJSON = Self.editHeader(bytes) { String($0.dropLast()) }
        if case .corrupt(let detail)? = error(notJSON) { #expect(detail.hasPrefix("header is not valid JSON")) } else { Issue.record("bad JSON not caught") }
        let outOfBounds = Self.editHeader(bytes) { $0.replacingOccurrences(of: "\"name\":\"scale\",\"offset\":48", with: "\"name\":\"scale\",\"offset\":4800") }
        if case .corrupt(let detail)? = error(outOfBounds) { #expect(detail.contains("ends at byte")) } else { Issue.record("bounds not checked") }
        let headerVersion = Self.editHeader(bytes) { $0.replacingOccurrences(of: "\"version\":1", with: "\"version\":7") }
        #expect(error(headerVersion) == .corrupt("header 'version' disagrees with the file's version field"))
    }

    @Test func modelFileAccessorsReportProblems() throws {
        let file = Self.sampleModel()
        #expect(caughtModelFileError { () throws(ModelFileError) in try file.tensor("missing", as: Float.self) }?.reason == .missingTensor("missing"))
        #expect(caughtModelFileError { () throws(ModelFileError) in try file.tensor("layer0.bias", as: Double.self, shape: [4]) }?.reason
                == .tensorSizeMismatch(name: "layer0.bias", expected: "shape [4]", found: "shape [3]"))
        #expect(caughtModelFileError { () throws(ModelFileError) in try file.requireKind("gpm") }?.reason == .wrongKind(expected: "gpm", found: "test-head"))
        #expect(try file.metadataValue("activation") == "tanh")
        #expect(caughtModelFileError { () throws(ModelFileError) in try file.metadataValue("nope") } != nil)
        let nan = ModelFile(kind: "k", metadata: ["bad": .number(.nan)])
        #expect(caughtModelFileError { () throws(ModelFileError) in try nan.encoded() }?.reason
                == .invalidMetadata("'bad' holds a NaN or infinite number, which JSON cannot represent"))
        let missing = caughtModelFileError { () throws(ModelFileError) in try ModelFile.read(from: URL(fileURLWithPath: "/nonexistent/m.rkmodel")) }
        #expect(missing?.file == "/nonexistent/m.rkmodel")
    }

    /// The export committed as `Fixtures/swift_export.safetensors` and checked in Python by
    /// `Scripts/check_safetensors.py`.
    static func exportSample() -> SafeTensorsFile {
        var file = ModelFile(kind: "linear-reward-head", metadata: ["l2": 0.001, "dimension": 3, "activation": "tanh"])
        file.append("weight", Tensor<Float>(shape: [1, 3], scalars: [0.25, -1.5, 3]))
        file.append("bias", Tensor<Float>([0.125]))
        file.append("hidden.weight", Tensor<Double>(shape: [2, 3], scalars: [0.1, 0.2, 0.3, -1e-300, 1e300, -0.0]))
        file.append("scale", Tensor<Double>(shape: [], scalars: [2.5]))
        return file.safeTensors()
    }

    @Test func safeTensorsExportMatchesTheCommittedFixture() throws {
        let fixture = try Data(contentsOf: TestFiles.fixture("swift_export.safetensors"))
        #expect(Self.exportSample().encoded() == Array(fixture))
        let decoded = try SafeTensorsFile.read(from: TestFiles.fixture("swift_export.safetensors"))
        #expect(decoded == Self.exportSample())
        #expect(decoded.metadata == ["format": "pt", "producer": "rewardkit", "kind": "linear-reward-head", "l2": "0.001", "dimension": "3", "activation": "tanh"])
    }

    @Test func safeTensorsMatchesThePythonWriterByteForByte() throws {
        let python = try Array(Data(contentsOf: TestFiles.fixture("python.safetensors")))
        // Written by safetensors.numpy.save_file (which orders tensors by dtype size, then name).
        let decoded = try SafeTensorsFile.decode(python, source: "python.safetensors")
        #expect(decoded.metadata == ["kind": "test"])
        #expect(decoded.tensors.map(\.name) == ["bias", "weight"])
        #expect(decoded["bias"] == .float64(Tensor([0.1])))
        #expect(decoded["weight"] == .float32(Tensor(shape: [1, 3], scalars: [0.25, -1.5, 3])))
        let ours = SafeTensorsFile(tensors: [NamedTensor(name: "bias", Tensor<Double>([0.1])),
                                             NamedTensor(name: "weight", Tensor<Float>(shape: [1, 3], scalars: [0.25, -1.5, 3]))],
                                   metadata: ["kind": "test"])
        #expect(ours.encoded() == python)
    }

    @Test func safeTensorsRoundTripsAndRejectsDamage() throws {
        let file = Self.exportSample()
        let bytes = file.encoded()
        #expect((8 + Int(readLittleEndian(UInt64.self, bytes, at: 0))) % 8 == 0)
        try TestFiles.withTemporaryFolder { folder in
            let url = folder.appendingPathComponent("head.safetensors")
            try file.write(to: url)
            #expect(try SafeTensorsFile.read(from: url) == file)
            #expect(try TestFiles.contents(of: folder) == ["head.safetensors"])
        }
        func error(_ b: [UInt8]) -> ModelFileError.Reason? {
            caughtModelFileError { () throws(ModelFileError) in try SafeTensorsFile.decode(b, source: "s") }?.reason
        }
        #expect(error(Array(bytes.prefix(4))) == .truncated(expectedBytes: 8, foundBytes: 4))
        if case .truncated? = error(Array(bytes.prefix(40))) {} else { Issue.record("short header not caught") }
        if case .truncated? = error(Array(bytes.dropLast(8))) {} else { Issue.record("missing data not caught") }
        #expect(error(bytes + [0, 0, 0, 0]) == .corrupt("4 bytes after the last tensor"))
        func edited(_ edit: (String) -> String) -> [UInt8] {
            let n = Int(readLittleEndian(UInt64.self, bytes, at: 0))
            var header = Array(edit(String(decoding: bytes[8..<(8 + n)], as: UTF8.self)).utf8)
            while (8 + header.count) % 8 != 0 { header.append(0x20) }
            var out = [UInt8]()
            appendLittleEndian(UInt64(header.count), to: &out)
            return out + header + Array(bytes[(8 + n)...])
        }
        #expect(error(edited { $0.replacingOccurrences(of: "\"F32\"", with: "\"BF16\"") }) == .unsupportedDType(name: "bias", dtype: "BF16"))
        if case .tensorSizeMismatch(let name, _, _)? = error(edited { $0.replacingOccurrences(of: "\"shape\":[1,3]", with: "\"shape\":[2,3]") }) {
            #expect(name == "weight")
        } else { Issue.record("shape mismatch not caught") }
        // Data order: hidden.weight [0, 48), scale [48, 56), bias [56, 60), weight [60, 72); moving bias leaves a gap.
        if case .corrupt? = error(edited { $0.replacingOccurrences(of: "\"data_offsets\":[56,60]", with: "\"data_offsets\":[52,56]") }) {} else {
            Issue.record("overlapping tensors not caught")
        }
        #expect(error(edited { "[" + $0.dropFirst() }) == .corrupt("the header does not start with '{'"))
        if case .corrupt? = error(edited { $0.replacingOccurrences(of: "\"kind\":\"linear-reward-head\"", with: "\"kind\":3") }) {} else {
            Issue.record("non-string metadata not caught")
        }
    }
}

func caughtFileWriteError(_ body: () throws(FileWriteError) -> Void) -> FileWriteError? {
    do {
        try body()
        return nil
    } catch {
        return error
    }
}
