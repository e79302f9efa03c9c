import Foundation
import RewardKit
import RewardKitMPI

/// The comparison records this rank reads under `--distributed`.
///
/// A path containing `{rank}` names one file per rank (`battles-{rank}.csv` → `battles-0.csv`,
/// `battles-1.csv`, …): each rank reads only its own. Any other path is one file that every rank
/// reads, keeping its contiguous block of records (`communicator.shard(of:)`), so the merged
/// data are exactly the file's. Without --distributed the file is read whole.
///
/// `all` is every record when this rank read them all (one file, or no --distributed): bootstrap
/// replicates, which resample the records, need them.
enum ComparisonShards {
    static func load(_ path: String, communicator: any Communicator, distributed: Bool) throws -> (local: ComparisonSet, all: ComparisonSet?) {
        guard distributed else {
            let data = try ComparisonSet.load(contentsOf: url(path))
            return (data, data)
        }
        if path.contains("{rank}") {
            return (try ComparisonSet.load(contentsOf: url(path.replacingOccurrences(of: "{rank}", with: String(communicator.rank)))), nil)
        }
        let all = try ComparisonSet.load(contentsOf: url(path))
        return (all.subset(communicator.shard(of: all.count)), all)
    }
}
