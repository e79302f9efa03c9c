import Foundation
import FileFormats
import NumericCore
import PreferenceData

/// The pairs of the users one rank owns, for fits whose unit is the user (EM mixtures): users are
/// split into contiguous blocks of user indices (``Communicator/shard(of:)`` of the user count, in
/// the order `users.csv` first names them) and a rank reads, from memory-mapped `.npy` files, only
/// the rows of its users' pairs.
///
/// Every rank reads the whole `users.csv` (one name per pair) to know which rows are its own; the
/// user table (names, indices) is then the same on every rank.
public enum UserShard {
    /// This rank's pairs: every pair of its users, with user ids into the full user table.
    ///
    /// - Throws: ``DataError`` naming the file (and row) for a bad header, dtype, shape, value or
    ///   `users.csv`, or when `users.csv` does not have one row per pair.
    public static func load<S: BLASScalar>(chosen: URL, rejected: URL, users: URL, communicator: any Communicator,
                                           as type: S.Type = S.self) throws(DataError) -> FeaturePairs<S> {
        var table = UserTable()
        let ids = try table.readUserColumn(users)
        let c = try NumPyFile.map(chosen), r = try NumPyFile.map(rejected)
        try c.requireFloatingPoint()
        try r.requireFloatingPoint()
        guard c.shape.count == 2, r.shape.count == 2 else {
            throw DataError(file: c.shape.count == 2 ? rejected.path : chosen.path,
                            reason: .unsupportedFormat("expected an n×d matrix, found shape \(c.shape.count == 2 ? r.shape : c.shape)"))
        }
        guard ids.count == c.rowCount else { throw DataError(file: users.path, reason: .rowCountMismatch(expected: c.rowCount, found: ids.count)) }
        guard r.rowCount == c.rowCount else { throw DataError(file: rejected.path, reason: .rowCountMismatch(expected: c.rowCount, found: r.rowCount)) }
        guard r.columnCount == c.columnCount else {
            throw DataError(file: rejected.path, reason: .dimensionMismatch(expected: c.columnCount, found: r.columnCount))
        }
        let owned = communicator.shard(of: table.count)
        let rows = ids.indices.filter { owned.contains(ids[$0]) }
        let sources = FeaturePairSources(chosen: chosen.path, rejected: rejected.path, users: users.path)
        if rows.isEmpty {
            // A rank without users (more ranks than users) takes part with no pairs.
            let empty = Tensor<S>(shape: [0, c.columnCount], scalars: [])
            return FeaturePairs(unchecked: empty, rejected: empty, prompts: nil, margins: nil, userIDs: [], users: table)
        }
        let pairs = try FeaturePairs<S>(chosen: c.rows(at: rows), rejected: r.rows(at: rows), userIDs: rows.map { ids[$0] },
                                        users: table, sources: sources)
        try pairs.checkMagnitude(sources: sources)
        return pairs
    }
}
