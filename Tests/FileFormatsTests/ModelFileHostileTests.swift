import Foundation
import Testing
import TestSupport
@testable import FileFormats
@testable import NumericCore

/// Regression tests of issue 15: sizes and offsets declared in model and safetensors headers are
/// checked against the file, without overflow, before anything is allocated.
@Suite struct ModelFileHostileTests {
    static func rkError(_ bytes: [UInt8]) -> ModelFileError? {
        caughtModelFileError { () throws(ModelFileError) in try ModelFile.decode(bytes, source: "m.rkmodel") }
    }

    static func stError(_ bytes: [UInt8]) -> ModelFileError? {
        caughtModelFileError { () throws(ModelFileError) in try SafeTensorsFile.decode(bytes, source: "s.safetensors") }
    }

    /// A safetensors file with the given header text and data bytes.
    static func safeTensors(header: String, data: [UInt8]) -> [UInt8] {
        var text = Array(header.utf8)
        while (8 + text.count) % 8 != 0 { text.append(0x20) }
        var out = [UInt8]()
        appendLittleEndian(UInt64(text.count), to: &out)
        return out + text + data
    }

    @Test func modelFileOffsetsAndLengthsThatOverflowAreErrors() throws {
        let bytes = try PersistenceTests.sampleModel().encoded()
        // offset + length beyond Int.
        let overflow = PersistenceTests.editHeader(bytes) {
            $0.replacingOccurrences(of: "\"length\":24,\"name\":\"layer0.bias\",\"offset\":24",
                                    with: "\"length\":9000000000000000000,\"name\":\"layer0.bias\",\"offset\":9000000000000000000")
        }
        let error = Self.rkError(overflow)
        #expect(error?.file == "m.rkmodel")
        if case .corrupt(let detail)? = error?.reason { #expect(detail.contains("ends beyond"), "\(detail)") } else { Issue.record("\(String(describing: error))") }
        // A data length near Int.max is a truncated file, not an arithmetic trap.
        let dataLength = PersistenceTests.editHeader(bytes) {
            $0.replacing(#/"data_length":[0-9]+/#, with: "\"data_length\":9223372036854774784")
        }
        if case .truncated? = Self.rkError(dataLength)?.reason {} else { Issue.record("\(String(describing: Self.rkError(dataLength)))") }
        // A header length field of 2⁶⁴ − 1.
        var header = bytes
        for k in 16..<24 { header[k] = 0xFF }
        if case .truncated? = Self.rkError(header)?.reason {} else { Issue.record("huge header length not caught") }
    }

    @Test func modelFileShapesThatOverflowOrAreNegativeAreErrors() throws {
        let bytes = try PersistenceTests.sampleModel().encoded()
        let huge = PersistenceTests.editHeader(bytes) { $0.replacingOccurrences(of: "\"shape\":[2,3]", with: "\"shape\":[4294967296,4294967296]") }
        if case .tensorSizeMismatch(let name, let expected, _)? = Self.rkError(huge)?.reason {
            #expect(name == "layer0.weight")
            #expect(expected.contains("more than \(Int.max) bytes"))
        } else { Issue.record("\(String(describing: Self.rkError(huge)))") }
        let negative = PersistenceTests.editHeader(bytes) { $0.replacingOccurrences(of: "\"shape\":[2,3]", with: "\"shape\":[-2,-3]") }
        if case .corrupt(let detail)? = Self.rkError(negative)?.reason { #expect(detail.contains("invalid shape entry -2")) } else { Issue.record("negative shape") }
        let fraction = PersistenceTests.editHeader(bytes) { $0.replacingOccurrences(of: "\"shape\":[2,3]", with: "\"shape\":[2.5,3]") }
        if case .corrupt? = Self.rkError(fraction)?.reason {} else { Issue.record("fractional shape") }
        let text = PersistenceTests.editHeader(bytes) { $0.replacingOccurrences(of: "\"shape\":[2,3]", with: "\"shape\":\"2x3\"") }
        if case .corrupt(let detail)? = Self.rkError(text)?.reason { #expect(detail.contains("has no shape")) } else { Issue.record("string shape") }
    }

    @Test func overlappingModelFileTensorsAreErrors() throws {
        let bytes = try PersistenceTests.sampleModel().encoded()
        // `scale` (8 bytes at 48) moved onto `layer0.bias` (24 bytes at 24).
        let overlap = PersistenceTests.editHeader(bytes) {
            $0.replacingOccurrences(of: "\"name\":\"scale\",\"offset\":48", with: "\"name\":\"scale\",\"offset\":32")
        }
        let error = Self.rkError(overlap)
        if case .corrupt(let detail)? = error?.reason {
            #expect(detail.contains("overlaps tensor 'layer0.bias'"), "\(detail)")
        } else { Issue.record("\(String(describing: error))") }
        #expect(error?.description.hasPrefix("m.rkmodel: corrupt file") == true)
    }

    @Test func safeTensorsHeaderLengthsOffsetsAndShapesAreChecked() {
        // Header length 2⁶³.
        var length = [UInt8](repeating: 0, count: 16)
        length[7] = 0x80
        if case .corrupt(let detail)? = Self.stError(length)?.reason { #expect(detail.contains("exceeds the 100 MB limit")) } else { Issue.record("length") }
        // Offsets near Int.max.
        let far = Self.safeTensors(header: "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[9223372036854774784,9223372036854774788]}}",
                                   data: [0, 0, 0, 0])
        if case .truncated? = Self.stError(far)?.reason {} else { Issue.record("\(String(describing: Self.stError(far)))") }
        // 1,000 tensors declaring the same 4 bytes: rejected before any copy.
        let entries = (0..<1_000).map { "\"t\($0)\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}" }
        let shared = Self.safeTensors(header: "{" + entries.joined(separator: ",") + "}", data: [0, 0, 0, 0])
        if case .corrupt(let detail)? = Self.stError(shared)?.reason { #expect(detail.contains("overlaps")) } else { Issue.record("shared bytes") }
        // Shape product overflow, unknown dtype, a shape that disagrees with the byte count.
        let product = Self.safeTensors(header: "{\"w\":{\"dtype\":\"F64\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}",
                                       data: [UInt8](repeating: 0, count: 8))
        if case .tensorSizeMismatch? = Self.stError(product)?.reason {} else { Issue.record("product") }
        let dtype = Self.safeTensors(header: "{\"w\":{\"dtype\":\"I8\",\"shape\":[8],\"data_offsets\":[0,8]}}", data: [UInt8](repeating: 0, count: 8))
        #expect(Self.stError(dtype)?.reason == .unsupportedDType(name: "w", dtype: "I8"))
        let mismatch = Self.safeTensors(header: "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", data: [UInt8](repeating: 0, count: 8))
        #expect(Self.stError(mismatch)?.reason == .tensorSizeMismatch(name: "w", expected: "3 × 4 = 12 bytes for shape [3]", found: "8 bytes"))
        let reversed = Self.safeTensors(header: "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", data: [UInt8](repeating: 0, count: 4))
        #expect(Self.stError(reversed)?.reason == .corrupt("tensor 'w' has invalid data_offsets"))
        let notObject = Self.safeTensors(header: "{\"w\":[1,2]}", data: [])
        #expect(Self.stError(notObject)?.reason == .corrupt("the entry of tensor 'w' is not an object"))
        // The error names the file.
        #expect(Self.stError(dtype)?.file == "s.safetensors")
    }

    @Test func timingKeysAreRemovedAtAnyDepth() {
        let fit: JSONValue = ["fit_seconds": 1.5, "train_loss": 0.3, "pairs_per_second": 1e6,
                              "learning_curve": [["epoch": 1, "seconds": 0.2, "train_loss": 0.5]], "seconds": 2]
        #expect(ModelFile.withoutTiming(fit) == ["train_loss": 0.3, "learning_curve": [["epoch": 1, "train_loss": 0.5]]])
    }
}
