import FileFormats
import NumericCore
import PreferenceData

/// Pairs regrouped so that each user's comparisons are contiguous, the layout every per-user
/// computation of the mixtures (E-step sums, responsibility-weighted M-steps) works on.
///
/// Row `j` of ``differences`` (and of ``chosen`` / ``rejected``) is the original pair
/// ``order``[j]; user `u` owns rows `userOffsets[u] ..< userOffsets[u + 1]` (possibly empty).
struct UserSortedPairs<Scalar: BLASScalar>: Sendable {
    /// n×d chosen features, sorted by user (kept only when asked for: MLP components need them).
    let chosen: Tensor<Scalar>?
    /// n×d rejected features, sorted by user (kept only when asked for).
    let rejected: Tensor<Scalar>?
    /// n×d `chosen − rejected`, sorted by user (what linear components need).
    let differences: Tensor<Scalar>
    /// The original pair index of each sorted row.
    let order: [Int]
    /// `userOffsets[u] ..< userOffsets[u + 1]` are user `u`'s rows; `userCount + 1` entries.
    let userOffsets: [Int]
    /// The user of each sorted row.
    let userOfRow: [Int]

    var count: Int { order.count }
    var dimension: Int { differences.columnCount }
    var userCount: Int { userOffsets.count - 1 }

    /// Sorts pairs by user with a counting sort (stable: a user's pairs keep their order).
    /// `T` may differ from `Scalar` (float32 features, a float64 fit): `chosen − rejected` is formed
    /// in `T` and rounded to `Scalar`, as the peers do.
    init<T: BLASScalar>(chosen: Tensor<T>, rejected: Tensor<T>, users: [Int], userCount: Int, keepResponses: Bool) {
        precondition(chosen.shape == rejected.shape && chosen.rank == 2 && users.count == chosen.rowCount,
                     "UserSortedPairs: chosen \(chosen.shape), rejected \(rejected.shape), \(users.count) user ids")
        var counts = [Int](repeating: 0, count: userCount + 1)
        for u in users {
            precondition(u >= 0 && u < userCount, "user id \(u) out of range 0..<\(userCount)")
            counts[u + 1] += 1
        }
        for u in 0..<userCount { counts[u + 1] += counts[u] }
        userOffsets = counts
        var next = counts
        var order = [Int](repeating: 0, count: users.count)
        var userOfRow = [Int](repeating: 0, count: users.count)
        for (i, u) in users.enumerated() {
            order[next[u]] = i
            userOfRow[next[u]] = u
            next[u] += 1
        }
        self.order = order
        self.userOfRow = userOfRow
        self.chosen = keepResponses ? Self.convert(chosen.gatherRows(order)) : nil
        self.rejected = keepResponses ? Self.convert(rejected.gatherRows(order)) : nil
        // chosen − rejected gathered in one pass.
        let n = users.count, d = chosen.columnCount
        var differences = [Scalar](repeating: 0, count: n * d)
        chosen.scalars.withUnsafeBufferPointer { c in
            rejected.scalars.withUnsafeBufferPointer { r in
                differences.withUnsafeMutableBufferPointer { out in
                    for (row, source) in order.enumerated() {
                        let o = row * d, s = source * d
                        for j in 0..<d { out[o + j] = Self.convert(c[s + j] - r[s + j]) }
                    }
                }
            }
        }
        self.differences = Tensor(shape: [n, d], scalars: differences)
    }

    @inline(__always)
    static func convert<T: BLASScalar>(_ x: T) -> Scalar {
        if let same = x as? Scalar { return same }
        if let f = x as? Float { return Scalar(f) }
        if let g = x as? Double { return Scalar(g) }
        return Scalar(x)
    }

    static func convert<T: BLASScalar>(_ t: Tensor<T>) -> Tensor<Scalar> {
        if let same = t as? Tensor<Scalar> { return same }
        return Tensor(shape: t.shape, scalars: t.scalars.map { convert($0) })
    }

    /// Rows of the users for whom `include(u)` holds, as a list of sorted-row indices.
    func rows(ofUsers include: (Int) -> Bool) -> [Int] {
        var rows = [Int]()
        for u in 0..<userCount where include(u) {
            rows.append(contentsOf: userOffsets[u] ..< userOffsets[u + 1])
        }
        return rows
    }
}

extension FeaturePairs {
    /// The user ids of the pairs, or a ``DataError`` when the pairs carry none.
    func requireUserIDs(_ purpose: String) throws(DataError) -> [Int] {
        guard let ids = userIDs else {
            throw DataError(file: "users", reason: .missingColumn("user (\(purpose) needs a user id per pair)"))
        }
        return ids
    }
}
