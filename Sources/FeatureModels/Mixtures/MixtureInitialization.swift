import NumericCore

/// How EM chooses its first user responsibilities.
///
/// | case | starting responsibilities |
/// |---|---|
/// | `roundRobin` | user `u` belongs to component `u mod K` (the MaxMin-RLHF paper's start) |
/// | `kMeansPlusPlus(runs:)` | k-means (k-means++ seeding, Lloyd iterations, best of `runs` by inertia) on each user's normalized mean difference `m_u = Σ_{n∈u}(x_c,n − x_r,n) / ‖·‖`; under Bradley–Terry with isotropic features `m_u` points along the user's reward vector |
/// | `random` | hard EM: a uniformly random component per user; soft EM: Dirichlet(1) rows |
///
/// Users without comparisons start with uniform responsibilities `1/K`.
public enum MixtureInitialization: Sendable, Equatable {
    /// User `u` starts in component `u mod K`.
    case roundRobin
    /// k-means on the users' normalized mean feature differences, best of `runs`.
    case kMeansPlusPlus(runs: Int = 10)
    /// A random component per user (hard EM) or Dirichlet(1) responsibilities (soft EM).
    case random
}

/// k-means with k-means++ seeding (Arthur & Vassilvitskii 2007), used to start EM.
enum KMeans {
    /// Labels of the rows of `points` (m×d) in `0..<k` minimizing the within-cluster sum of squares,
    /// the best of `runs` seeded starts, each refined by Lloyd iterations until no label changes.
    static func cluster<Scalar: BLASScalar, G: RandomNumberGenerator>(
        _ points: Tensor<Scalar>, k: Int, runs: Int, maximumIterations: Int = 300, using generator: inout G
    ) -> [Int] {
        let m = points.rowCount, d = points.columnCount
        precondition(k >= 1 && runs >= 1, "k-means needs k ≥ 1 and runs ≥ 1, got k = \(k), runs = \(runs)")
        if m == 0 { return [] }
        let norms = (0..<m).map { i -> Scalar in
            var s: Scalar = 0
            for j in 0..<d { let v = points.scalars[i * d + j]; s += v * v }
            return s
        }
        var bestLabels = [Int](repeating: 0, count: m)
        var bestInertia = Scalar.infinity
        for _ in 0..<runs {
            // k-means++ seeding: each next center is drawn with probability ∝ squared distance.
            var centers = Tensor<Scalar>.zeros(shape: [k, d])
            let first = Int(generator.next() % UInt64(m))
            centers.setRow(0, to: points.rowArray(first))
            var nearest = (0..<m).map { i in squaredDistance(points, i, centers, 0, norms[i]) }
            for c in 1..<k {
                let total = nearest.reduce(0, +)
                let pick: Int
                if total > 0 {
                    pick = generator.nextIndex(weightedBy: nearest.map { Double($0) })
                } else {
                    pick = Int(generator.next() % UInt64(m))
                }
                centers.setRow(c, to: points.rowArray(pick))
                for i in 0..<m { nearest[i] = Swift.min(nearest[i], squaredDistance(points, i, centers, c, norms[i])) }
            }
            var labels = [Int](repeating: -1, count: m)
            var inertia: Scalar = 0
            for _ in 0..<maximumIterations {
                // Assignment: ‖x − c‖² = ‖x‖² − 2x·c + ‖c‖² with one gemm for all x·c.
                let cross = points.matmul(centers, transposeOther: true)
                var centerNorms = [Scalar](repeating: 0, count: k)
                for c in 0..<k { for j in 0..<d { let v = centers[c, j]; centerNorms[c] += v * v } }
                var changed = false
                inertia = 0
                for i in 0..<m {
                    var best = 0
                    var bestDistance = Scalar.infinity
                    for c in 0..<k {
                        let dist = norms[i] - 2 * cross.scalars[i * k + c] + centerNorms[c]
                        if dist < bestDistance { bestDistance = dist; best = c }
                    }
                    inertia += Swift.max(bestDistance, 0)
                    if labels[i] != best { labels[i] = best; changed = true }
                }
                if !changed { break }
                // Update: means of the clusters (an empty cluster keeps its center).
                var sums = Tensor<Scalar>.zeros(shape: [k, d])
                var counts = [Int](repeating: 0, count: k)
                for i in 0..<m {
                    counts[labels[i]] += 1
                    for j in 0..<d { sums.scalars[labels[i] * d + j] += points.scalars[i * d + j] }
                }
                for c in 0..<k where counts[c] > 0 {
                    for j in 0..<d { centers.scalars[c * d + j] = sums.scalars[c * d + j] / Scalar(counts[c]) }
                }
            }
            if inertia < bestInertia {
                bestInertia = inertia
                bestLabels = labels
            }
        }
        return bestLabels
    }

    private static func squaredDistance<Scalar: BLASScalar>(
        _ points: Tensor<Scalar>, _ i: Int, _ centers: Tensor<Scalar>, _ c: Int, _ pointNorm: Scalar
    ) -> Scalar {
        let d = points.columnCount
        var s: Scalar = 0
        for j in 0..<d {
            let v = points.scalars[i * d + j] - centers.scalars[c * d + j]
            s += v * v
        }
        _ = pointNorm
        return s
    }
}
