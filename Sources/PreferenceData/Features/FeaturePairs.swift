import FileFormats
import NumericCore
import RewardKitInternals

/// Pairwise preferences over feature vectors: row `i` of ``chosen`` was preferred to row `i` of
/// ``rejected``.
///
/// The features are typically frozen embeddings of (prompt, response) pairs. Optional per-pair data:
/// prompt features (for prompt-dependent models such as GPM's gate), a margin `mᵢ` (the loss
/// becomes −log σ(r(x_c) − r(x_r) − mᵢ)), and the user (annotator) who gave the label, as an index
/// into ``users``.
///
/// Every initializer validates: equal row counts, equal feature dimensions, at least one pair, and
/// finite values; a violation is a `DataError` naming the file (see ``FeaturePairSources``), the
/// row and the column.
///
/// ```swift
/// let pairs = try FeaturePairs<Float>.load(chosen: dir.appending(path: "chosen.npy"),
///                                          rejected: dir.appending(path: "rejected.npy"))
/// let split = try pairs.split(testFraction: 0.2, seed: 7)
/// ```
public struct FeaturePairs<Scalar: BLASScalar>: Sendable {
    /// n×d features of the preferred responses.
    public private(set) var chosen: Tensor<Scalar>
    /// n×d features of the rejected responses.
    public private(set) var rejected: Tensor<Scalar>
    /// n×p prompt features, if any.
    public private(set) var prompts: Tensor<Scalar>?
    /// The margin of each pair, if any.
    public private(set) var margins: [Scalar]?
    /// The user index of each pair (into ``users``), if any.
    public private(set) var userIDs: [Int]?
    /// The user names; shared by subsets and splits so indices stay comparable.
    public private(set) var users: UserTable

    /// Creates a validated set of pairs. `sources` names the inputs in errors.
    public init(
        chosen: Tensor<Scalar>, rejected: Tensor<Scalar>, prompts: Tensor<Scalar>? = nil,
        margins: [Scalar]? = nil, userIDs: [Int]? = nil, users: UserTable = UserTable(),
        sources: FeaturePairSources = FeaturePairSources()
    ) throws(DataError) {
        try FeaturePairs.validate(chosen: chosen, rejected: rejected, prompts: prompts, margins: margins,
                                  userIDs: userIDs, users: users, sources: sources)
        self.chosen = chosen
        self.rejected = rejected
        self.prompts = prompts
        self.margins = margins
        self.userIDs = userIDs
        self.users = users
    }

    /// Creates pairs already known to be valid (subsets and conversions of validated pairs).
    package init(unchecked chosen: Tensor<Scalar>, rejected: Tensor<Scalar>, prompts: Tensor<Scalar>?,
         margins: [Scalar]?, userIDs: [Int]?, users: UserTable) {
        self.chosen = chosen
        self.rejected = rejected
        self.prompts = prompts
        self.margins = margins
        self.userIDs = userIDs
        self.users = users
    }

    /// The number of pairs n.
    public var count: Int { chosen.rowCount }
    /// The feature dimension d.
    public var dimension: Int { chosen.columnCount }
    /// The prompt feature dimension p (0 without prompts).
    public var promptDimension: Int { prompts?.columnCount ?? 0 }

    /// The pairs at `indices`, in order (indices may repeat). The user table is kept whole.
    public func subset<C: Collection>(_ indices: C) -> FeaturePairs where C.Element == Int {
        let list = Array(indices)
        return FeaturePairs(unchecked: chosen.gatherRows(list), rejected: rejected.gatherRows(list),
                            prompts: prompts?.gatherRows(list), margins: margins.map { m in list.map { m[$0] } },
                            userIDs: userIDs.map { u in list.map { u[$0] } }, users: users)
    }

    /// The same pairs in another precision (Double → Float rounds to nearest; a value beyond
    /// Float's range becomes infinite, which is a `DataError` naming `sources`).
    public func converted<T: BLASScalar>(to type: T.Type, sources: FeaturePairSources = FeaturePairSources()) throws(DataError) -> FeaturePairs<T> {
        func convert(_ t: Tensor<Scalar>) -> Tensor<T> {
            Tensor<T>(shape: t.shape, scalars: sameArray(t.scalars, as: T.self) ?? convertScalars(t.scalars, to: T.self))
        }
        let result = FeaturePairs<T>(
            unchecked: convert(chosen), rejected: convert(rejected), prompts: prompts.map(convert),
            margins: margins.map { convertScalars($0, to: T.self) }, userIDs: userIDs, users: users)
        if MemoryLayout<T>.size < MemoryLayout<Scalar>.size {
            try FeaturePairs<T>.checkFinite(result.chosen, source: sources.chosen)
            try FeaturePairs<T>.checkFinite(result.rejected, source: sources.rejected)
            if let p = result.prompts { try FeaturePairs<T>.checkFinite(p, source: sources.prompts) }
            if let m = result.margins { try FeaturePairs<T>.checkFinite(Tensor(m), source: sources.margins) }
        }
        return result
    }

    /// Replaces the user assignment (validated like the initializer).
    public mutating func setUsers(_ userIDs: [Int]?, table: UserTable, source: String = "users") throws(DataError) {
        if let userIDs { try FeaturePairs.checkUsers(userIDs, table: table, count: count, source: source) }
        self.userIDs = userIDs
        self.users = table
    }

    // MARK: Validation

    static func validate(
        chosen: Tensor<Scalar>, rejected: Tensor<Scalar>, prompts: Tensor<Scalar>?, margins: [Scalar]?,
        userIDs: [Int]?, users: UserTable, sources: FeaturePairSources
    ) throws(DataError) {
        guard chosen.rank == 2 else {
            throw DataError(file: sources.chosen, reason: .unsupportedFormat("expected an n×d matrix, found shape \(chosen.shape)"))
        }
        guard rejected.rank == 2 else {
            throw DataError(file: sources.rejected, reason: .unsupportedFormat("expected an n×d matrix, found shape \(rejected.shape)"))
        }
        let n = chosen.rowCount, d = chosen.columnCount
        guard rejected.rowCount == n else {
            throw DataError(file: sources.rejected, reason: .rowCountMismatch(expected: n, found: rejected.rowCount))
        }
        guard rejected.columnCount == d else {
            throw DataError(file: sources.rejected, reason: .dimensionMismatch(expected: d, found: rejected.columnCount))
        }
        guard n > 0 else { throw DataError(file: sources.chosen, reason: .emptyDataSet) }
        guard d > 0 else { throw DataError(file: sources.chosen, reason: .invalidValue("the feature vectors have no columns")) }
        try checkFinite(chosen, source: sources.chosen)
        try checkFinite(rejected, source: sources.rejected)
        if let prompts {
            guard prompts.rank == 2 else {
                throw DataError(file: sources.prompts, reason: .unsupportedFormat("expected an n×p matrix, found shape \(prompts.shape)"))
            }
            guard prompts.rowCount == n else {
                throw DataError(file: sources.prompts, reason: .rowCountMismatch(expected: n, found: prompts.rowCount))
            }
            try checkFinite(prompts, source: sources.prompts)
        }
        if let margins {
            guard margins.count == n else {
                throw DataError(file: sources.margins, reason: .rowCountMismatch(expected: n, found: margins.count))
            }
            if let bad = margins.firstIndex(where: { !$0.isFinite }) {
                throw DataError(file: sources.margins, line: bad, reason: .nonFiniteValue(column: nil))
            }
        }
        if let userIDs { try checkUsers(userIDs, table: users, count: n, source: sources.users) }
    }

    static func checkUsers(_ userIDs: [Int], table: UserTable, count n: Int, source: String) throws(DataError) {
        guard userIDs.count == n else {
            throw DataError(file: source, reason: .rowCountMismatch(expected: n, found: userIDs.count))
        }
        if let bad = userIDs.firstIndex(where: { $0 < 0 || $0 >= table.count }) {
            throw DataError(file: source, line: bad, reason: .invalidValue("user index \(userIDs[bad]) is outside the user table of \(table.count) users"))
        }
    }

    /// Throws for the first NaN or infinity, naming its row (0-based) and column.
    ///
    /// The scan tests the exponent bits of blocks of values with integer operations (which
    /// vectorize) and only looks for the exact position inside a block that failed.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func checkFinite(_ t: Tensor<Scalar>, source: String, firstRow: Int = 0) throws(DataError) {
        let columns = Swift.max(t.columnCount, 1)
        let firstBad: Int? = t.scalars.withUnsafeBufferPointer { buffer -> Int? in
            guard let base = buffer.baseAddress else { return nil }
            let raw = UnsafeRawPointer(base)
            if MemoryLayout<Scalar>.size == 4 {
                return firstNonFinite(raw.assumingMemoryBound(to: UInt32.self), count: buffer.count, exponentMask: 0x7F80_0000)
            }
            if MemoryLayout<Scalar>.size == 8 {
                return firstNonFinite(raw.assumingMemoryBound(to: UInt64.self), count: buffer.count, exponentMask: 0x7FF0_0000_0000_0000)
            }
            return buffer.firstIndex { !$0.isFinite }
        }
        if let bad = firstBad {
            throw DataError(file: source, line: firstRow + bad / columns, reason: .nonFiniteValue(column: bad % columns))
        }
    }
}

/// Index of the first element whose exponent bits are all ones (NaN or ±∞). Blocks are tested with
/// integer operations (which vectorize) and only a failing block is searched; large arrays are
/// scanned in concurrent chunks.
private func firstNonFinite<Bits: FixedWidthInteger & UnsignedInteger & Sendable>(
    _ bits: UnsafePointer<Bits>, count: Int, exponentMask: Bits
) -> Int? {
    let address = Int(bitPattern: bits)
    let chunks = count >= 1 << 22 ? 8 : 1
    let size = (count + chunks - 1) / chunks
    let found = UnsafeMutableBufferPointer<Int>.allocate(capacity: chunks)
    defer { found.deallocate() }
    found.initialize(repeating: Int.max)
    let foundAddress = Int(bitPattern: found.baseAddress!)
    ParallelChunks.run(count: count) { lo, hi in
        let p = UnsafePointer<Bits>(bitPattern: address)!
        let block = 4096
        var start = lo
        while start < hi {
            let end = Swift.min(start + block, hi)
            var flag: Bits = 0
            for i in start..<end {
                // Zero exactly when the exponent field is all ones.
                flag |= ((p[i] & exponentMask) ^ exponentMask) == 0 ? 1 : 0
            }
            if flag != 0 {
                for i in start..<end where (p[i] & exponentMask) == exponentMask {
                    UnsafeMutablePointer<Int>(bitPattern: foundAddress)![lo / Swift.max(size, 1)] = i
                    return
                }
            }
            start = end
        }
    }
    let first = found.min()!
    return first == Int.max ? nil : first
}
