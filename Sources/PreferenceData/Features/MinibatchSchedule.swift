import NumericCore

/// The order in which a minibatch trainer visits `count` examples: per epoch, a seeded shuffle
/// (or the identity order) cut into consecutive batches of `batchSize`.
///
/// Epoch `e`'s order depends only on `(seed, e)`, not on how many epochs were drawn before, so a
/// resumed run sees the same batches.
///
/// ```swift
/// let schedule = MinibatchSchedule(count: pairs.count, batchSize: 256, seed: 1)
/// for batch in schedule.batches(epoch: 0) { let x = pairs.chosen.gatherRows(batch) … }
/// ```
public struct MinibatchSchedule: Sendable, Equatable {
    /// The number of examples.
    public var count: Int
    /// Examples per batch.
    public var batchSize: Int
    /// The seed of the shuffles.
    public var seed: UInt64
    /// Whether each epoch is shuffled (otherwise batches follow 0..<count).
    public var shuffles: Bool
    /// Whether a final batch smaller than `batchSize` is dropped.
    public var dropsLastPartialBatch: Bool

    /// A schedule over `count` examples in batches of `batchSize`, shuffled from `seed`.
    public init(count: Int, batchSize: Int, seed: UInt64, shuffles: Bool = true, dropsLastPartialBatch: Bool = false) {
        precondition(count >= 0 && batchSize > 0, "MinibatchSchedule needs count ≥ 0 and batchSize > 0, got \(count), \(batchSize)")
        self.count = count
        self.batchSize = batchSize
        self.seed = seed
        self.shuffles = shuffles
        self.dropsLastPartialBatch = dropsLastPartialBatch
    }

    /// The number of batches in each epoch.
    public var batchesPerEpoch: Int {
        dropsLastPartialBatch ? count / batchSize : (count + batchSize - 1) / batchSize
    }

    /// The example order of epoch `epoch` (a permutation of 0..<count).
    public func order(epoch: Int) -> [Int] {
        guard shuffles else { return Array(0..<count) }
        var generator = SeededGenerator(seed: seed ^ (UInt64(truncatingIfNeeded: epoch) &+ 1) &* 0x9E37_79B9_7F4A_7C15)
        return generator.permutation(count)
    }

    /// The batches of epoch `epoch`, each a slice of ``order(epoch:)``.
    public func batches(epoch: Int) -> [ArraySlice<Int>] {
        let order = order(epoch: epoch)
        return (0..<batchesPerEpoch).map { b in order[(b * batchSize)..<Swift.min((b + 1) * batchSize, count)] }
    }
}
