@testable import NumericCore
@testable import PreferenceData

/// Planted heterogeneous users for the mixture tests: `groupCount` groups with reward vectors
/// `w_g = scale·e_g`-like orthogonal directions (or random ones), users assigned round-robin to
/// groups, labels sampled from Bradley–Terry under the user's group reward.
struct PlantedUsers {
    var pairs: FeaturePairs<Double>
    var groupOfUser: [Int]
    var truth: Tensor<Double>   // groups×d

    init(groups: Int, usersPerGroup: [Int], pairsPerUser: Int, dimension: Int, scale: Double, seed: UInt64,
         conflicting: Bool = false) {
        var rng = SeededGenerator(seed: seed)
        var truth = Tensor<Double>.zeros(shape: [groups, dimension])
        for g in 0..<groups {
            if conflicting && g > 0 {
                for j in 0..<dimension { truth[g, j] = -truth[0, j] }
            } else {
                for j in 0..<dimension { truth[g, j] = rng.nextNormal() }
                let norm = truth.row(g).norm()
                for j in 0..<dimension { truth[g, j] *= scale / norm }
            }
        }
        var groupOfUser = [Int]()
        for g in 0..<groups { groupOfUser += [Int](repeating: g, count: usersPerGroup[g]) }
        let users = groupOfUser.count
        let n = users * pairsPerUser
        var chosen = [Double](), rejected = [Double](), ids = [Int]()
        chosen.reserveCapacity(n * dimension)
        rejected.reserveCapacity(n * dimension)
        for i in 0..<n {
            let u = i % users
            let a = (0..<dimension).map { _ in rng.nextNormal() }
            let b = (0..<dimension).map { _ in rng.nextNormal() }
            var margin = 0.0
            for j in 0..<dimension { margin += truth[groupOfUser[u], j] * (a[j] - b[j]) }
            let aWins = rng.nextOpenUnit() < Double.sigmoid(margin)
            chosen += aWins ? a : b
            rejected += aWins ? b : a
            ids.append(u)
        }
        let table = UserTable(names: (0..<users).map { "u\($0)" })
        pairs = try! FeaturePairs(chosen: Tensor(shape: [n, dimension], scalars: chosen),
                                  rejected: Tensor(shape: [n, dimension], scalars: rejected),
                                  userIDs: ids, users: table)
        self.groupOfUser = groupOfUser
        self.truth = truth
    }
}

/// Purity of `labels` against `truth`: Σ_k max_g |k ∩ g| / n.
func purity(_ labels: [Int], _ truth: [Int]) -> Double {
    var table = [Int: [Int: Int]]()
    for (l, t) in zip(labels, truth) { table[l, default: [:]][t, default: 0] += 1 }
    let hits = table.values.reduce(0) { $0 + ($1.values.max() ?? 0) }
    return Double(hits) / Double(labels.count)
}

func batch(_ pairs: FeaturePairs<Double>, weights: [Double]? = nil) -> PairBatch<Double> {
    PairBatch(chosen: pairs.chosen, rejected: pairs.rejected, weights: weights, users: pairs.userIDs, prompts: pairs.prompts)
}
