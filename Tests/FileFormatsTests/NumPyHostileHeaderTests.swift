import Foundation
import Testing
import TestSupport
@testable import FileFormats
@testable import NumericCore

/// Regression tests of issue 15: `.npy` headers that overflowed the stack or asked for absurd
/// allocations are typed errors naming the file and the reason.
@Suite struct NumPyHostileHeaderTests {
    static func file(major: UInt8 = 1, header: String, payload: [UInt8] = []) -> [UInt8] {
        NumPyFileTests.handMade(major: major, header: header, payload: payload)
    }

    static func error(_ bytes: [UInt8], source: String = "hostile.npy") -> DataError? {
        caughtDataError { () throws(DataError) in try NumPyFile.decode(bytes, source: source) }
    }

    static func header(shape: String, descr: String = "'<f8'", fortran: String = "False") -> String {
        "{'descr': \(descr), 'fortran_order': \(fortran), 'shape': \(shape), }\n"
    }

    @Test func thirtyThousandNestedParenthesesAreAnErrorNotAStackOverflow() throws {
        // A valid format-1.0 file (61 KB header): the shape is 30,000 nested empty tuples.
        let shape = String(repeating: "(", count: 30_000) + String(repeating: ")", count: 30_000)
        let bytes = Self.file(header: Self.header(shape: shape))
        #expect(bytes.count > 60_000 && bytes.count < 65_546)
        let error = Self.error(bytes)
        #expect(error?.file == "hostile.npy")
        #expect(error?.description.contains("nested more than \(PythonLiteralParser.maximumDepth) deep") == true, "\(String(describing: error))")
        // The message quotes the header only in part.
        #expect((error?.description.count ?? .max) < 400)
        // And the same from disk.
        try TestFiles.withTemporaryFolder { folder in
            let url = folder.appendingPathComponent("deep.npy")
            try Data(bytes).write(to: url)
            let fromDisk = caughtDataError { () throws(DataError) in try NumPyFile.read(url) }
            #expect(fromDisk?.file == url.path)
        }
    }

    @Test func unclosedRunsOfBracketsAreErrors() {
        let deep = "{'descr': '<f8', 'fortran_order': False, 'shape': " + String(repeating: "([", count: 15_000) + "\n"
        #expect(Self.error(Self.file(header: deep))?.description.contains("nested more than") == true)
        let shallow = "{'descr': '<f8', 'fortran_order': False, 'shape': (([\n"
        let error = Self.error(Self.file(header: shallow))
        #expect(error?.description.contains("malformed .npy header: unexpected end of header") == true, "\(String(describing: error))")
        let openDict = "{'descr': '<f8', 'fortran_order': False, 'shape': (1,)\n"
        #expect(Self.error(Self.file(header: openDict))?.description.contains("expected ',' or '}'") == true)
        // Nesting up to the limit parses (and is then rejected as a shape, not as a crash).
        let limit = PythonLiteralParser.maximumDepth
        let nested = String(repeating: "(", count: limit) + String(repeating: ")", count: limit)
        #expect(Self.error(Self.file(header: Self.header(shape: nested)))?.description.contains("shape entry") == true)
    }

    @Test func negativeHugeAndOverflowingDimensionsAreErrorsBeforeAllocating() throws {
        let negative = Self.error(Self.file(header: Self.header(shape: "(-1, 3)")))
        #expect(negative?.description.contains("shape entry -1 is not a non-negative integer") == true, "\(String(describing: negative))")
        // The element count overflows Int.
        let product = Self.error(Self.file(header: Self.header(shape: "(4294967296, 4294967296)")))
        #expect(product?.description.contains("needs more than \(Int.max) bytes") == true, "\(String(describing: product))")
        // The element count fits, the byte count (× 8) does not.
        let bytes = Self.error(Self.file(header: Self.header(shape: "(1152921504606846976, 8)")))
        #expect(bytes?.description.contains("needs more than") == true)
        // A dimension beyond Int is a bad integer, not a trap.
        #expect(Self.error(Self.file(header: Self.header(shape: "(99999999999999999999,)")))?.description.contains("bad integer") == true)
        // A representable but absurd size is checked against the file before any allocation:
        // 8 TB of float64 declared in a 128-byte file.
        try TestFiles.withTemporaryFolder { folder in
            let url = folder.appendingPathComponent("huge.npy")
            try Data(Self.file(header: Self.header(shape: "(1000000000000,)"))).write(to: url)
            let error = caughtDataError { () throws(DataError) in try NumPyFile.read(url) }
            #expect(error?.file == url.path)
            #expect(error?.description.contains("needs 8000000000000 data bytes, the file has 0") == true, "\(String(describing: error))")
        }
    }

    @Test func declaredHeaderLengthsAreCheckedAgainstTheFile() {
        // Version 2.0 with a header length of 4 GB − 1.
        var v2 = Self.file(major: 2, header: Self.header(shape: "(1,)"), payload: [UInt8](repeating: 0, count: 8))
        v2[8] = 0xFF; v2[9] = 0xFF; v2[10] = 0xFF; v2[11] = 0xFF
        #expect(Self.error(v2)?.description.contains("exceeds \(NumPyHeader.maximumHeaderLength) bytes") == true)
        // Version 3.0 with a header length past the end of the file.
        var v3 = Self.file(major: 3, header: Self.header(shape: "(1,)"), payload: [UInt8](repeating: 0, count: 8))
        v3[8] = 0x00; v3[9] = 0x10; v3[10] = 0x00; v3[11] = 0x00
        #expect(Self.error(v3)?.description.contains("truncated .npy file: the header needs") == true)
        // Version 1.0 whose two length bytes are missing.
        let stub: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, 0x40]
        #expect(Self.error(stub)?.description.contains("too short for a header") == true)
    }

    @Test func trailingGarbageWrongTypesAndOddDTypesAreErrors() {
        let garbage = "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), } x\n"
        #expect(Self.error(Self.file(header: garbage, payload: [UInt8](repeating: 0, count: 8)))?
            .description.contains("unexpected text after the dict") == true)
        for descr in ["'f8'", "'<f16'", "'<F8'", "'<f8 '", "''", "'<i2'"] {
            let error = Self.error(Self.file(header: Self.header(shape: "(1,)", descr: descr), payload: [UInt8](repeating: 0, count: 8)))
            #expect(error?.description.contains("unsupported format: dtype") == true, "\(descr): \(String(describing: error))")
        }
        for descr in ["8", "None", "('<f8',)"] {
            let error = Self.error(Self.file(header: Self.header(shape: "(1,)", descr: descr), payload: [UInt8](repeating: 0, count: 8)))
            #expect(error?.description.contains("'descr' is not a dtype string") == true, "\(descr): \(String(describing: error))")
        }
        let list = Self.error(Self.file(header: Self.header(shape: "[2, 3]")))
        #expect(list?.description.contains("'shape' is not a tuple") == true)
        let boolShape = Self.error(Self.file(header: Self.header(shape: "(True,)")))
        #expect(boolShape?.description.contains("shape entry True") == true)
        let fortran = Self.error(Self.file(header: Self.header(shape: "(2, 2)", fortran: "True"), payload: [UInt8](repeating: 0, count: 32)))
        #expect(fortran?.description.contains("fortran_order is True (column-major); only C order") == true)
        let fortranNumber = Self.error(Self.file(header: Self.header(shape: "(1,)", fortran: "1"), payload: [UInt8](repeating: 0, count: 8)))
        #expect(fortranNumber?.description.contains("'fortran_order' is not True or False") == true)
        let duplicate = "{'descr': '<f8', 'descr': '<f4', 'fortran_order': False, 'shape': (1,), }\n"
        #expect(Self.error(Self.file(header: duplicate, payload: [UInt8](repeating: 0, count: 8)))?.description.contains("duplicate key") == true)
        // Many axes are named without printing all of them.
        let axes = "(" + Array(repeating: "1", count: 5_000).joined(separator: ", ") + ")"
        let many = Self.error(Self.file(header: Self.header(shape: axes), payload: [UInt8](repeating: 0, count: 8)))
        #expect(many?.description.contains("has 5000 axes") == true)
        #expect((many?.description.count ?? .max) < 300)
    }
}
