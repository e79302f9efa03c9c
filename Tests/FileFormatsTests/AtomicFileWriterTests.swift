import Foundation
import Testing
@testable import FileFormats

/// Failure paths of the atomic writer: the destination is never half-written and no temporary
/// file is left behind.
@Suite("AtomicFileWriter")
struct AtomicFileWriterTests {
    /// Runs `body` with a fresh empty folder, removed afterwards.
    func withFolder(_ body: (URL) throws -> Void) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(at: folder) }
        try body(folder)
    }

    func contents(of folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }

    @Test func writesAndReplaces() throws {
        try withFolder { folder in
            let file = folder.appendingPathComponent("report.json")
            try AtomicFileWriter.write("old\n", to: file)
            try AtomicFileWriter.write("new\n", to: file)
            #expect(try String(contentsOf: file, encoding: .utf8) == "new\n")
            #expect(try contents(of: folder) == ["report.json"])
            let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
            #expect(mode == 0o644)
        }
    }

    @Test("a body that throws half-way leaves the existing file unchanged and no temporary file")
    func bodyThrows() throws {
        try withFolder { folder in
            let file = folder.appendingPathComponent("model.rkmodel")
            try AtomicFileWriter.write("the old contents\n", to: file)
            let failure = FileWriteError(file: file.path, detail: "the body gave up")
            #expect(throws: failure) {
                try AtomicFileWriter.write(to: file) { (sink) throws(FileWriteError) in
                    try sink.write(String(repeating: "partial ", count: 100_000))
                    throw failure
                }
            }
            #expect(try String(contentsOf: file, encoding: .utf8) == "the old contents\n")
            #expect(try contents(of: folder) == ["model.rkmodel"], "no .model.rkmodel.tmp-* file is left")

            // The same when there was no file before: nothing at all is left.
            let fresh = folder.appendingPathComponent("fresh.json")
            #expect(throws: failure) {
                try AtomicFileWriter.write(to: fresh) { (sink) throws(FileWriteError) in
                    try sink.write("{")
                    throw failure
                }
            }
            #expect(try contents(of: folder) == ["model.rkmodel"])
        }
    }

    @Test("a folder that does not exist, or a file where the folder should be, is a FileWriteError naming the file")
    func missingFolder() throws {
        try withFolder { folder in
            let plain = folder.appendingPathComponent("plain.txt")
            try AtomicFileWriter.write("x", to: plain)
            for destination in [folder.appendingPathComponent("no-such-folder/report.json"),
                                plain.appendingPathComponent("report.json")] {
                do throws(FileWriteError) {
                    try AtomicFileWriter.write("{}\n", to: destination)
                    Issue.record("no error writing \(destination.path)")
                } catch {
                    #expect(error.file == destination.path)
                    #expect(error.description.contains(destination.path))
                }
            }
            #expect(try contents(of: folder) == ["plain.txt"])
            #expect(try String(contentsOf: plain, encoding: .utf8) == "x")
        }
    }

    @Test("a destination that is a folder is an error, and the temporary file is removed")
    func destinationIsAFolder() throws {
        try withFolder { folder in
            let inner = folder.appendingPathComponent("inner")
            try FileManager.default.createDirectory(at: inner, withIntermediateDirectories: false)
            try AtomicFileWriter.write("x", to: folder.appendingPathComponent("inner/keep.txt"))
            #expect(throws: FileWriteError.self) { try AtomicFileWriter.write("data", to: inner) }
            #expect(try contents(of: folder) == ["inner"])
            #expect(try contents(of: inner) == ["keep.txt"])
        }
    }

    @Test("a folder without write permission is a FileWriteError and leaves nothing behind",
          .enabled(if: getuid() != 0, "root may write into any folder"))
    func readOnlyFolder() throws {
        try withFolder { folder in
            let locked = folder.appendingPathComponent("locked")
            try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: false)
            try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: locked.path)
            defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: locked.path) }
            let destination = locked.appendingPathComponent("report.json")
            #expect(throws: FileWriteError.self) { try AtomicFileWriter.write("{}", to: destination) }
            #expect(try contents(of: locked) == [])
        }
    }
}
