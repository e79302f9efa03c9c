#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

/// A read-only POSIX file opened once, for loaders that read large binary payloads straight into
/// their destination arrays (one `pread` per gigabyte, no intermediate copies).
///
/// Errors carry the system's diagnosis as text; callers wrap it in their own typed error with the
/// file name.
package final class RawFile: Sendable {
    /// The failure of a system call, described by `strerror`.
    package struct Failure: Error, Sendable {
        package var detail: String
    }

    package let path: String
    /// The size of the file in bytes at the time it was opened.
    package let size: Int
    private let descriptor: Int32

    /// Opens `path` for reading; a directory or a missing file is a ``Failure``.
    package init(path: String) throws(Failure) {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw Failure(detail: RawFile.lastErrorDescription()) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let detail = RawFile.lastErrorDescription()
            close(fd)
            throw Failure(detail: detail)
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw Failure(detail: "is a directory")
        }
        descriptor = fd
        size = Int(info.st_size)
    }

    deinit { close(descriptor) }

    /// Reads up to `count` bytes starting at byte `offset` into `buffer`; returns how many bytes were
    /// read, which is less than `count` only at the end of the file.
    package func read(into buffer: UnsafeMutableRawPointer, count: Int, at offset: Int) throws(Failure) -> Int {
        var done = 0
        while done < count {
            let chunk = Swift.min(count - done, 1 << 30)
            let n = pread(descriptor, buffer + done, chunk, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(detail: RawFile.lastErrorDescription())
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Reads exactly `count` bytes at `offset` into `buffer`, for large payloads: the destination is
    /// advised to use transparent huge pages (512× fewer page faults) and, above 64 MB, the read is
    /// split into chunks read by two threads at once. Returns the bytes read (less only at the end
    /// of the file).
    package func readLarge(into buffer: UnsafeMutableRawPointer, count: Int, at offset: Int) throws(Failure) -> Int {
        RawFile.adviseHugePages(buffer, count: count)
        let chunk = 32 << 20
        guard count > 2 * chunk else { return try read(into: buffer, count: count, at: offset) }
        let chunks = (count + chunk - 1) / chunk
        let base = Int(bitPattern: buffer)
        // Per chunk: bytes read, or −errno.
        let results = UnsafeMutableBufferPointer<Int>.allocate(capacity: chunks)
        defer { results.deallocate() }
        let resultsAddress = Int(bitPattern: results.baseAddress!)
        let fd = descriptor
        DispatchQueue.concurrentPerform(iterations: chunks) { k in
            let start = k * chunk
            let length = Swift.min(chunk, count - start)
            let destination = UnsafeMutableRawPointer(bitPattern: base + start)!
            var done = 0
            var outcome = 0
            while done < length {
                let n = pread(fd, destination + done, length - done, off_t(offset + start + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    outcome = -Int(errno)
                    break
                }
                if n == 0 { break }
                done += n
            }
            UnsafeMutablePointer<Int>(bitPattern: resultsAddress)![k] = outcome < 0 ? outcome : done
        }
        var total = 0
        for k in 0..<chunks {
            if results[k] < 0 { throw Failure(detail: String(cString: strerror(Int32(-results[k])))) }
            total += results[k]
            if results[k] < Swift.min(chunk, count - k * chunk) { break }
        }
        return total
    }

    /// Advises the kernel to back the page-aligned interior of a large buffer with transparent huge
    /// pages (a no-op where unsupported).
    package static func adviseHugePages(_ buffer: UnsafeMutableRawPointer, count: Int) {
        #if os(Linux)
        let hugePage = 2 << 20
        guard count >= 4 * hugePage else { return }
        let start = (Int(bitPattern: buffer) + hugePage - 1) / hugePage * hugePage
        let end = (Int(bitPattern: buffer) + count) / hugePage * hugePage
        if end > start {
            _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, 14 /* MADV_HUGEPAGE */)
        }
        #endif
    }

    /// Maps the whole file read-only and shared (`mmap(PROT_READ, MAP_SHARED)`); the mapping
    /// outlives this descriptor and is unmapped by the returned ``Mapping``'s `deinit`.
    package func mapReadOnly() throws(Failure) -> Mapping {
        guard size > 0 else { return Mapping(base: nil, length: 0) }
        guard let address = mmap(nil, size, PROT_READ, MAP_SHARED, descriptor, 0), address != MAP_FAILED else {
            throw Failure(detail: RawFile.lastErrorDescription())
        }
        return Mapping(base: UnsafeRawPointer(address), length: size)
    }

    /// A read-only memory mapping of a whole file, unmapped when the last reference goes.
    package final class Mapping: @unchecked Sendable {
        /// The first byte (nil for an empty file).
        package let base: UnsafeRawPointer?
        /// The mapped length in bytes.
        package let length: Int

        init(base: UnsafeRawPointer?, length: Int) {
            self.base = base
            self.length = length
        }

        deinit { if let base { munmap(UnsafeMutableRawPointer(mutating: base), length) } }

        /// Asks the kernel to start reading the pages of `range` (bytes) now
        /// (`madvise(MADV_WILLNEED)`: one large read-ahead instead of a page fault per 128 KiB).
        package func prefetch(_ range: Range<Int>) {
            #if os(Linux)
            guard let base, !range.isEmpty else { return }
            let page = Int(sysconf(Int32(_SC_PAGESIZE)))
            let start = range.lowerBound / page * page
            let end = Swift.min(length, range.upperBound)
            guard end > start else { return }
            _ = madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, 3 /* MADV_WILLNEED */)
            #endif
        }

        /// Drops the pages of `range` (bytes) from this process's resident set
        /// (`madvise(MADV_DONTNEED)`; the data stays in the page cache and is read again on the next
        /// access), so streaming a file larger than memory keeps the resident set bounded.
        package func release(_ range: Range<Int>) {
            #if os(Linux)
            guard let base, !range.isEmpty else { return }
            let page = Int(sysconf(Int32(_SC_PAGESIZE)))
            let start = range.lowerBound / page * page
            let end = Swift.min(length, range.upperBound)
            guard end > start else { return }
            _ = madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, 4 /* MADV_DONTNEED */)
            #endif
        }
    }

    /// Up to `count` bytes starting at `offset`, as an array (shorter at the end of the file).
    package func readBytes(count: Int, at offset: Int) throws(Failure) -> [UInt8] {
        if count <= 0 { return [] }
        var failure: Failure?
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            do throws(Failure) {
                initialized = try read(into: buffer.baseAddress!, count: count, at: offset)
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return bytes
    }

    /// The whole file in one read.
    package static func readAll(path: String) throws(Failure) -> [UInt8] {
        let file = try RawFile(path: path)
        return try file.readBytes(count: file.size, at: 0)
    }

    package static func lastErrorDescription() -> String {
        String(cString: strerror(errno))
    }
}
