import Foundation
import FileFormats
import NumericCore

extension FeaturePairs {
    /// Loads pairs from NumPy files: `chosen` and `rejected` (n×d, float32 or float64), optional
    /// `prompts` (n×p), optional `margins` (n or n×1) and an optional `users.csv` (one row per pair).
    ///
    /// Files in the other precision are converted. `knownUsers` seeds the user table (pass the
    /// training set's ``users`` when loading its test set so user indices agree). Every error names
    /// the offending file, and for values its row and column.
    public static func load(
        chosen: URL, rejected: URL, prompts: URL? = nil, margins: URL? = nil, users: URL? = nil,
        knownUsers: UserTable = UserTable()
    ) throws(DataError) -> FeaturePairs {
        let sources = FeaturePairSources(
            chosen: chosen.path, rejected: rejected.path, prompts: prompts?.path ?? "prompts",
            margins: margins?.path ?? "margins", users: users?.path ?? "users")
        let chosenTensor: Tensor<Scalar> = try NumPyFile.readTensor(chosen)
        let rejectedTensor: Tensor<Scalar> = try NumPyFile.readTensor(rejected)
        let promptTensor: Tensor<Scalar>? = try prompts.map { (url) throws(DataError) in try NumPyFile.readTensor(url) }
        var marginValues: [Scalar]?
        if let margins {
            let m: Tensor<Scalar> = try NumPyFile.readTensor(margins)
            guard m.rank == 1 || m.columnCount == 1 else {
                throw DataError(file: margins.path, reason: .unsupportedFormat("margins must have shape (n,) or (n, 1), found \(m.shape)"))
            }
            marginValues = m.scalars
        }
        var table = knownUsers
        var ids: [Int]?
        if let users { ids = try table.readUserColumn(users) }
        return try FeaturePairs(chosen: chosenTensor, rejected: rejectedTensor, prompts: promptTensor,
                                margins: marginValues, userIDs: ids, users: table, sources: sources)
    }

    /// Loads the data set stored in `folder` under the names ``write(to:prefix:)`` uses:
    /// `PREFIXchosen.npy` and `PREFIXrejected.npy` (required), and `PREFIXprompt.npy`,
    /// `PREFIXmargin.npy` and `PREFIXusers.csv` when they exist. The benchmark layout reads as
    /// `load(folder: w5)` for training and `load(folder: w5, prefix: "test_", knownUsers: train.users)`
    /// for testing.
    public static func load(folder: URL, prefix: String = "", knownUsers: UserTable = UserTable()) throws(DataError) -> FeaturePairs {
        func optional(_ name: String) -> URL? {
            let url = folder.appendingPathComponent(prefix + name)
            return FileManager.default.fileExists(atPath: url.path) ? url : nil
        }
        return try load(chosen: folder.appendingPathComponent(prefix + "chosen.npy"),
                        rejected: folder.appendingPathComponent(prefix + "rejected.npy"),
                        prompts: optional("prompt.npy"), margins: optional("margin.npy"), users: optional("users.csv"),
                        knownUsers: knownUsers)
    }

    /// Writes the pairs as NumPy files into `folder`: `chosen.npy`, `rejected.npy`, and when present
    /// `prompt.npy`, `margin.npy` and `users.csv` (each atomically). Returns the files written.
    @discardableResult
    public func write(to folder: URL, prefix: String = "") throws(FileWriteError) -> [URL] {
        var written = [URL]()
        func url(_ name: String) -> URL { folder.appendingPathComponent(prefix + name) }
        try NumPyFile.write(chosen, to: url("chosen.npy")); written.append(url("chosen.npy"))
        try NumPyFile.write(rejected, to: url("rejected.npy")); written.append(url("rejected.npy"))
        if let prompts { try NumPyFile.write(prompts, to: url("prompt.npy")); written.append(url("prompt.npy")) }
        if let margins { try NumPyFile.write(Tensor(margins), to: url("margin.npy")); written.append(url("margin.npy")) }
        if let userIDs {
            var writer = CSVWriter(header: ["user"])
            for id in userIDs { writer.appendRecord([users.names[id]]) }
            try AtomicFileWriter.write(writer.text, to: url("users.csv"))
            written.append(url("users.csv"))
        }
        return written
    }
}
