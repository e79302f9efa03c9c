#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Why a file could not be written.
public struct FileWriteError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The destination file.
    public var file: String
    /// The system's diagnosis.
    public var detail: String

    /// An error for `file` with the system's `detail`.
    public init(file: String, detail: String) {
        self.file = file
        self.detail = detail
    }

    /// The error in words, for messages.
    public var description: String { "\(file): cannot write the file (\(detail))" }
}

/// Writes files atomically: the bytes go to a temporary file in the destination's folder, which is
/// flushed to disk (`fsync`) and then renamed over the destination.
///
/// `rename(2)` within one file system is atomic, so a reader sees either the old file or the
/// complete new one, never a partial write; an interrupted or failed save leaves the old file
/// untouched and removes its temporary file.
///
/// ```swift
/// try AtomicFileWriter.write(Array("hello\n".utf8), to: URL(fileURLWithPath: "greeting.txt"))
/// ```
public enum AtomicFileWriter {
    /// A destination for the bytes of one atomic write.
    public struct Sink: Sendable {
        fileprivate let descriptor: Int32
        fileprivate let destination: String

        /// Appends raw bytes.
        public func write(_ bytes: UnsafeRawBufferPointer) throws(FileWriteError) {
            guard var base = bytes.baseAddress else { return }
            var remaining = bytes.count
            while remaining > 0 {
                let n = systemWrite(descriptor, base, Swift.min(remaining, 1 << 30))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw FileWriteError(file: destination, detail: RawFile.lastErrorDescription())
                }
                base += n
                remaining -= n
            }
        }

        /// Appends an array of bytes.
        public func write(_ bytes: [UInt8]) throws(FileWriteError) {
            var failure: FileWriteError?
            bytes.withUnsafeBytes { raw in
                do throws(FileWriteError) { try write(raw) } catch { failure = error }
            }
            if let failure { throw failure }
        }

        /// Appends the UTF-8 bytes of a string.
        public func write(_ text: String) throws(FileWriteError) {
            try write(Array(text.utf8))
        }
    }

    /// Writes what `body` produces to `url` atomically (temporary file, `fsync`, rename).
    ///
    /// The new file gets permissions `0644`. If `body` throws, the temporary file is removed and
    /// the destination is unchanged.
    public static func write(to url: URL, _ body: (Sink) throws(FileWriteError) -> Void) throws(FileWriteError) {
        let destination = url.path
        let folder = url.deletingLastPathComponent().path
        let name = url.lastPathComponent
        var template = Array("\(folder.isEmpty ? "." : folder)/.\(name).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw FileWriteError(file: destination, detail: "cannot create a temporary file in \(folder): \(RawFile.lastErrorDescription())")
        }
        let temporaryPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var closed = false
        func discard() {
            if !closed { close(fd) }
            closed = true
            unlink(temporaryPath)
        }
        do throws(FileWriteError) {
            let sink = Sink(descriptor: fd, destination: destination)
            try body(sink)
            guard fchmod(fd, 0o644) == 0, fsync(fd) == 0 else {
                throw FileWriteError(file: destination, detail: RawFile.lastErrorDescription())
            }
            closed = true
            guard close(fd) == 0 else {
                throw FileWriteError(file: destination, detail: RawFile.lastErrorDescription())
            }
            guard rename(temporaryPath, destination) == 0 else {
                throw FileWriteError(file: destination, detail: RawFile.lastErrorDescription())
            }
        } catch {
            discard()
            throw error
        }
    }

    /// Writes `bytes` to `url` atomically.
    public static func write(_ bytes: [UInt8], to url: URL) throws(FileWriteError) {
        try write(to: url) { (sink: Sink) throws(FileWriteError) in try sink.write(bytes) }
    }

    /// Writes the UTF-8 bytes of `text` to `url` atomically.
    public static func write(_ text: String, to url: URL) throws(FileWriteError) {
        try write(Array(text.utf8), to: url)
    }
}

#if canImport(Darwin)
@inline(__always) private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    Darwin.write(fd, buffer, count)
}
#elseif canImport(Musl)
@inline(__always) private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    Musl.write(fd, buffer, count)
}
#else
@inline(__always) private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    Glibc.write(fd, buffer, count)
}
#endif
