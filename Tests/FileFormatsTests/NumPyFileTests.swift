import Foundation
import Testing
import TestSupport
@testable import FileFormats
@testable import NumericCore

/// The DataError thrown by `body`, or nil.
@Suite struct NumPyFileTests {
    static let specialFloats: [Float] = [1.5, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 0.1, -3e-20]

    @Test func float32MatrixRoundTripsThroughBytesAndDisk() throws {
        let tensor = Tensor<Float>(shape: [2, 3], scalars: Self.specialFloats)
        let bytes = NumPyFile.encode(tensor)
        #expect(bytes.count == 128 + 24)  // NumPy's 64-byte aligned header for this shape
        let decoded = try NumPyFile.decode(bytes, source: "memory").tensor(as: Float.self)
        #expect(decoded == tensor)
        #expect(decoded.scalars[1].sign == .minus)
        try TestFiles.withTemporaryFolder { folder in
            let url = folder.appendingPathComponent("x.npy")
            try NumPyFile.write(tensor, to: url)
            let read = try NumPyFile.read(url)
            #expect(read.dtype == .float32)
            #expect(read.shape == [2, 3])
            #expect(try read.tensor(as: Float.self) == tensor)
            #expect(try TestFiles.contents(of: folder) == ["x.npy"])
        }
    }

    @Test func float64VectorRoundTrips() throws {
        let tensor = Tensor<Double>([0.1, -1e300, .leastNonzeroMagnitude, -0.0, 42])
        try TestFiles.withTemporaryFolder { folder in
            let url = folder.appendingPathComponent("v.npy")
            try NumPyFile.write(tensor, to: url)
            let read: Tensor<Double> = try NumPyFile.readTensor(url)
            #expect(read == tensor)
            #expect(read.shape == [5])
        }
    }

    @Test func integerArraysRoundTrip() throws {
        let array = NumPyArray(shape: [3], storage: .int64([0, -7, 123_456_789_012]))
        let decoded = try NumPyFile.decode(NumPyFile.encode(array), source: "ids")
        #expect(decoded == array)
        #expect(try decoded.integers() == [0, -7, 123_456_789_012])
        let small = NumPyArray(shape: [2, 2], storage: .int32([1, 2, 3, -4]))
        #expect(try NumPyFile.decode(NumPyFile.encode(small), source: "ids").integers() == [1, 2, 3, -4])
    }

    @Test(arguments: [NumPyFile.Version.v1, .v2, .v3])
    func writerEmitsEachHeaderVersion(_ version: NumPyFile.Version) throws {
        let tensor = Tensor<Double>(shape: [2, 2], scalars: [1, 2, 3, 4])
        let bytes = NumPyFile.encode(tensor, version: version)
        let major: UInt8 = version == .v1 ? 1 : version == .v2 ? 2 : 3
        #expect(bytes[6] == major && bytes[7] == 0)
        let headerEnd = major == 1 ? 10 + Int(bytes[8]) + Int(bytes[9]) << 8 : 12 + Int(bytes[8]) + Int(bytes[9]) << 8
        #expect(headerEnd % 64 == 0)
        #expect(bytes[headerEnd - 1] == 0x0A)
        #expect(try NumPyFile.decode(bytes, source: "v").tensor(as: Double.self) == tensor)
    }

    /// A `.npy` file assembled by hand: magic, version, little-endian header length, header text, data.
    static func handMade(major: UInt8, header: String, payload: [UInt8]) -> [UInt8] {
        let text = Array(header.utf8)
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [major, 0]
        let length = text.count
        bytes += major == 1 ? [UInt8(length & 0xFF), UInt8(length >> 8)]
                            : [UInt8(length & 0xFF), UInt8((length >> 8) & 0xFF), UInt8((length >> 16) & 0xFF), UInt8(length >> 24)]
        return bytes + text + payload
    }

    static func payload(_ values: [Double]) -> [UInt8] { values.withUnsafeBytes { Array($0) } }

    @Test func readsHandWrittenVersion2And3Headers() throws {
        // Different key order, double quotes, no trailing comma, no alignment padding.
        let v2 = Self.handMade(major: 2, header: "{\"shape\": (2, 2), \"fortran_order\": False, \"descr\": \"<f8\"}\n",
                               payload: Self.payload([1, -2, 0.5, 8]))
        let a = try NumPyFile.decode(v2, source: "v2.npy")
        #expect(a.shape == [2, 2])
        #expect(try a.tensor(as: Double.self).scalars == [1, -2, 0.5, 8])
        let v3 = Self.handMade(major: 3, header: "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }" + String(repeating: " ", count: 9) + "\n",
                               payload: Self.payload([0.25, 1e-310, -7]))
        let b = try NumPyFile.decode(v3, source: "v3.npy")
        #expect(b.shape == [3])
        #expect(try b.tensor(as: Double.self).scalars == [0.25, 1e-310, -7])
        // A Python 2 style long integer in the shape.
        let long = Self.handMade(major: 1, header: "{'descr': '<f8', 'fortran_order': False, 'shape': (1L, 1L), }\n", payload: Self.payload([3]))
        #expect(try NumPyFile.decode(long, source: "long.npy").shape == [1, 1])
    }

    @Test func readsFixturesWrittenByNumPy() throws {
        let f4 = try NumPyFile.read(TestFiles.fixture("numpy_f4_2x3.npy"))
        #expect(f4.dtype == .float32 && f4.shape == [2, 3])
        let t = try f4.tensor(as: Float.self)
        #expect(t.scalars == [1.5, -2.25, 3.0, Float(0.1), Float(1e-30), -0.0])
        #expect(t.scalars[5].sign == .minus)
        let asDouble: Tensor<Double> = try NumPyFile.readTensor(TestFiles.fixture("numpy_f4_2x3.npy"))
        #expect(asDouble.scalars[3] == Double(Float(0.1)))
        let f8: Tensor<Double> = try NumPyFile.readTensor(TestFiles.fixture("numpy_f8_4.npy"))
        #expect(f8.shape == [4] && f8.scalars == [0.1, -1e300, 2.5, 3.0])
        #expect(try NumPyFile.read(TestFiles.fixture("numpy_i8_3.npy")).integers() == [0, -7, 123_456_789_012])
    }

    @Test func fortranOrderIsAnErrorNamingFileAndOrder() {
        let url = TestFiles.fixture("numpy_f4_fortran.npy")
        let error = caughtDataError { () throws(DataError) in try NumPyFile.read(url) }
        #expect(error?.file == url.path)
        #expect(error?.description.contains("fortran_order is True") == true)
        #expect(error?.description.contains("numpy_f4_fortran.npy") == true)
    }

    @Test func bigEndianIsAnErrorNamingFileAndDType() {
        let url = TestFiles.fixture("numpy_f4_bigendian.npy")
        let error = caughtDataError { () throws(DataError) in try NumPyFile.read(url) }
        #expect(error?.file == url.path)
        #expect(error?.description.contains("'>f4' (big-endian)") == true)
    }

    @Test func unsupportedDTypesAreErrorsNamingTheDType() {
        for descr in ["<f2", "|u1", "<c8", "<U3", "|b1"] {
            let bytes = Self.handMade(major: 1, header: "{'descr': '\(descr)', 'fortran_order': False, 'shape': (1,), }\n", payload: [0, 0, 0, 0, 0, 0, 0, 0])
            let error = caughtDataError { () throws(DataError) in try NumPyFile.decode(bytes, source: "odd.npy") }
            #expect(error?.file == "odd.npy")
            #expect(error?.description.contains("dtype '\(descr)'") == true, "\(String(describing: error))")
        }
        let structured = Self.handMade(major: 1, header: "{'descr': [('a', '<f4'), ('b', '<f4')], 'fortran_order': False, 'shape': (1,), }\n", payload: [0, 0, 0, 0, 0, 0, 0, 0])
        let error = caughtDataError { () throws(DataError) in try NumPyFile.decode(structured, source: "rec.npy") }
        #expect(error?.description.contains("structured dtype") == true)
        let ints = NumPyArray(shape: [2], storage: .int32([1, 2]))
        let asTensor = caughtDataError { () throws(DataError) in try ints.tensor(as: Float.self, source: "ids.npy") }
        #expect(asTensor?.description.contains("'<i4'") == true)
    }

    @Test func truncatedFilesAreErrorsNamingTheFile() throws {
        let bytes = NumPyFile.encode(Tensor<Float>(shape: [2, 3], scalars: Self.specialFloats))
        try TestFiles.withTemporaryFolder { folder in
            let url = folder.appendingPathComponent("short.npy")
            try Data(bytes.dropLast(4)).write(to: url)
            let error = caughtDataError { () throws(DataError) in try NumPyFile.read(url) }
            #expect(error?.file == url.path)
            #expect(error?.description.contains("truncated .npy file: shape (2, 3) of '<f4' needs 24 data bytes, the file has 20") == true,
                    "\(String(describing: error))")
            // Cut inside the header.
            try Data(bytes.prefix(40)).write(to: url)
            let inHeader = caughtDataError { () throws(DataError) in try NumPyFile.read(url) }
            #expect(inHeader?.description.contains("truncated") == true)
            // Extra bytes after the data are corruption, not silently ignored.
            try Data(bytes + [1, 2, 3, 4]).write(to: url)
            let extra = caughtDataError { () throws(DataError) in try NumPyFile.read(url) }
            #expect(extra?.description.contains("4 bytes after the data") == true)
        }
    }

    @Test func badMagicVersionAndHeaderAreErrors() throws {
        var bytes = NumPyFile.encode(Tensor<Double>([1, 2]))
        bytes[1] = UInt8(ascii: "X")
        let magic = caughtDataError { () throws(DataError) in try NumPyFile.decode(bytes, source: "m.npy") }
        #expect(magic?.description == "m.npy: unsupported format: not a NumPy .npy file (it does not start with the magic string \\x93NUMPY)")

        var future = NumPyFile.encode(Tensor<Double>([1, 2]))
        future[6] = 4
        let version = caughtDataError { () throws(DataError) in try NumPyFile.decode(future, source: "f.npy") }
        #expect(version?.description.contains("version 4.0") == true)

        let malformed = Self.handMade(major: 1, header: "{'descr': '<f8', 'fortran_order': Fals, 'shape': (1,), }\n", payload: Self.payload([1]))
        #expect(caughtDataError { () throws(DataError) in try NumPyFile.decode(malformed, source: "h.npy") }?.description.contains("malformed .npy header") == true)
        let missingKey = Self.handMade(major: 1, header: "{'descr': '<f8', 'shape': (1,), }\n", payload: Self.payload([1]))
        #expect(caughtDataError { () throws(DataError) in try NumPyFile.decode(missingKey, source: "k.npy") }?.description.contains("keys") == true)
        let threeAxes = Self.handMade(major: 1, header: "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1, 1), }\n", payload: Self.payload([1]))
        #expect(caughtDataError { () throws(DataError) in try NumPyFile.decode(threeAxes, source: "s.npy") }?.description.contains("3 axes") == true)
        let scalar = Self.handMade(major: 1, header: "{'descr': '<f8', 'fortran_order': False, 'shape': (), }\n", payload: Self.payload([1]))
        #expect(caughtDataError { () throws(DataError) in try NumPyFile.decode(scalar, source: "s.npy") }?.description.contains("0 axes") == true)

        #expect(caughtDataError { () throws(DataError) in try NumPyFile.decode([], source: "e.npy") }?.reason == .emptyFile)
        let missing = caughtDataError { () throws(DataError) in try NumPyFile.read(URL(fileURLWithPath: "/nonexistent/x.npy")) }
        #expect(missing?.file == "/nonexistent/x.npy")
        if case .cannotRead = missing?.reason {} else { Issue.record("expected cannotRead, got \(String(describing: missing))") }
    }

    @Test func wholeNumberFloatArraysReadAsIntegers() throws {
        let a = NumPyArray(Tensor<Double>([3, 0, -2]))
        #expect(try a.integers() == [3, 0, -2])
        let b = NumPyArray(Tensor<Double>([3, 0.5]))
        #expect(caughtDataError { () throws(DataError) in try b.integers(source: "u.npy") }?.line == 1)
    }
}
