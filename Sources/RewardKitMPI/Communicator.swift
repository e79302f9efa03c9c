/// The collective operations a data-parallel fit needs, over a fixed group of processes (ranks).
///
/// Every rank calls the same operations in the same order with buffers of the same length; a rank
/// that cannot continue calls ``abort(code:)``, which ends the whole job instead of leaving the
/// other ranks waiting in a collective. ``SingleProcessCommunicator`` is the one-rank group (every
/// operation is the identity); ``MPICommunicator`` runs over Open MPI under `mpirun`.
///
/// ```swift
/// let communicator: any Communicator = SingleProcessCommunicator()
/// var sums = [1.0, 2.0]
/// communicator.allReduceSum(&sums)   // on one rank: unchanged
/// ```
public protocol Communicator: AnyObject, Sendable {
    /// This process's index in the group, `0..<size`.
    var rank: Int { get }
    /// The number of processes.
    var size: Int { get }
    /// Replaces `values` on every rank by the elementwise sum over all ranks. Every rank receives
    /// the same bits (the sum is broadcast from rank 0 after the reduction).
    func allReduceSum(_ values: inout [Double])
    /// Replaces `bytes` on every rank by rank `root`'s; every rank must pass the same count.
    func broadcast(_ bytes: inout [UInt8], root: Int)
    /// Ends every process of the job with exit status `code`. Does not return.
    func abort(code: Int32) -> Never
    /// Seconds spent in collective operations so far (for benchmarks: communication time).
    var communicationSeconds: Double { get }
    /// Bytes this rank passed to collective operations so far.
    var communicatedBytes: Int { get }
}

extension Communicator {
    /// Whether this rank writes the job's outputs (rank 0).
    public var isRoot: Bool { rank == 0 }

    /// Every rank's `bytes`, in rank order, on every rank (the lengths are all-reduced, then each
    /// rank's bytes are broadcast from it).
    public func allGather(_ bytes: [UInt8]) -> [[UInt8]] {
        guard size > 1 else { return [bytes] }
        var lengths = [Double](repeating: 0, count: size)
        lengths[rank] = Double(bytes.count)
        allReduceSum(&lengths)
        var out = [[UInt8]]()
        out.reserveCapacity(size)
        for source in 0..<size {
            var buffer = source == rank ? bytes : [UInt8](repeating: 0, count: Int(lengths[source]))
            broadcast(&buffer, root: source)
            out.append(buffer)
        }
        return out
    }

    /// The sum over ranks of one number.
    public func allReduceSum(_ value: Double) -> Double {
        var buffer = [value]
        allReduceSum(&buffer)
        return buffer[0]
    }

    /// The contiguous block `[rank·n/size, (rank+1)·n/size)` of `0..<n` this rank owns (blocks
    /// differ in length by at most one; a rank owns no rows when `n < size`).
    public func shard(of n: Int) -> Range<Int> {
        (rank * n / size)..<((rank + 1) * n / size)
    }
}
