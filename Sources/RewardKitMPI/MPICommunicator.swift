#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import COpenMPI
import Synchronization

/// Why Open MPI could not be used.
public struct MPIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The diagnosis: the loader's message, or the failing call and its MPI error code.
    public var detail: String
    /// Creates an error with its diagnosis.
    public init(_ detail: String) { self.detail = detail }
    /// The diagnosis.
    public var description: String { detail }
}

/// ``Communicator`` over Open MPI's `MPI_COMM_WORLD`.
///
/// Open MPI is loaded at run time (`COpenMPI`: `dlopen("libmpi.so.40")`), so a build without Open
/// MPI installed still compiles and only creating this communicator fails, with an ``MPIError``
/// saying so. Started by `mpirun -np N`, each process gets its rank; started alone it is a group of
/// one (an MPI singleton).
///
/// A failed collective cannot be recovered (the other ranks would wait for ever), so it aborts
/// the job with a message naming the rank and the call.
public final class MPICommunicator: Communicator {
    /// This process's rank in `MPI_COMM_WORLD`.
    public let rank: Int
    /// The size of `MPI_COMM_WORLD`.
    public let size: Int
    private let accounting = Mutex<(seconds: Double, bytes: Int)>((0, 0))

    /// Loads Open MPI and calls `MPI_Init` (once per process).
    ///
    /// - Throws: ``MPIError`` when libmpi cannot be loaded or `MPI_Init` fails.
    public init() throws(MPIError) {
        var message = [CChar](repeating: 0, count: 512)
        if rk_mpi_load(&message, message.count) != 0 {
            throw MPIError(String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        let code = rk_mpi_init()
        guard code == 0 else { throw MPIError("MPI_Init failed with error code \(code)") }
        var r: Int32 = 0, s: Int32 = 0
        guard rk_mpi_rank(&r) == 0, rk_mpi_size(&s) == 0 else { throw MPIError("MPI_Comm_rank / MPI_Comm_size failed") }
        rank = Int(r)
        size = Int(s)
    }

    /// Sums with `MPI_Allreduce` (in place, `MPI_SUM`), then broadcasts rank 0's result so every
    /// rank holds the same bits whatever reduction algorithm Open MPI picks.
    public func allReduceSum(_ values: inout [Double]) {
        guard size > 1, !values.isEmpty else { return }
        let began = rk_mpi_wtime()
        let count = values.count
        let codes: (Int32, Int32) = values.withUnsafeMutableBufferPointer { buffer in
            let reduced = rk_mpi_allreduce_sum_doubles(buffer.baseAddress!, Int32(count))
            let shared = rk_mpi_bcast_bytes(buffer.baseAddress!, Int32(count * 8), 0)
            return (reduced, shared)
        }
        check(codes.0, "MPI_Allreduce")
        check(codes.1, "MPI_Bcast")
        record(since: began, bytes: 2 * count * 8)
    }

    /// `MPI_Bcast` of the bytes from `root`.
    public func broadcast(_ bytes: inout [UInt8], root: Int) {
        guard size > 1, !bytes.isEmpty else { return }
        let began = rk_mpi_wtime()
        let count = bytes.count
        let code = bytes.withUnsafeMutableBytes { rk_mpi_bcast_bytes($0.baseAddress!, Int32(count), Int32(root)) }
        check(code, "MPI_Bcast")
        record(since: began, bytes: count)
    }

    /// `MPI_Abort(MPI_COMM_WORLD, code)`: Open MPI ends every rank of the job.
    public func abort(code: Int32) -> Never {
        rk_mpi_abort(code)
        exitProcess(code)
    }

    /// `MPI_Finalize`; call once, after the last collective, on every rank.
    public func finalize() { _ = rk_mpi_finalize() }

    /// Seconds spent in `MPI_Allreduce` / `MPI_Bcast` so far.
    public var communicationSeconds: Double { accounting.withLock { $0.seconds } }
    /// Bytes passed to collectives so far.
    public var communicatedBytes: Int { accounting.withLock { $0.bytes } }

    private func record(since began: Double, bytes: Int) {
        let elapsed = rk_mpi_wtime() - began
        accounting.withLock { $0.seconds += elapsed; $0.bytes += bytes }
    }

    private func check(_ code: Int32, _ call: String) {
        guard code != 0 else { return }
        writeStandardError("error: rank \(rank): \(call) failed with MPI error code \(code)\n")
        abort(code: 1)
    }
}

/// Ends the process (no cleanup beyond the C library's).
func exitProcess(_ code: Int32) -> Never { exit(code) }

/// Writes `text` to standard error, unbuffered.
func writeStandardError(_ text: String) {
    var bytes = Array(text.utf8)
    _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
}
