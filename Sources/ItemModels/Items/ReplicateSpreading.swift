/// Bootstrap replicates divided among processes that hold the same data and model (an MPI job):
/// process `rank` of `size` fits the replicates `b` with `b mod size = rank`, and `reduce` sums the
/// replicate results over the processes (an all-reduce), so every process gets every replicate.
public struct ReplicateSpreading: Sendable {
    /// This process's index, `0..<size`.
    public var rank: Int
    /// The number of processes.
    public var size: Int
    /// Replaces a buffer by its elementwise sum over the processes.
    public var reduce: @Sendable (inout [Double]) -> Void

    /// Process `rank` of `size`, with the sum over processes `reduce`.
    public init(rank: Int, size: Int, reduce: @escaping @Sendable (inout [Double]) -> Void) {
        precondition(size >= 1 && rank >= 0 && rank < size, "ReplicateSpreading: rank \(rank) of \(size)")
        self.rank = rank
        self.size = size
        self.reduce = reduce
    }
}
