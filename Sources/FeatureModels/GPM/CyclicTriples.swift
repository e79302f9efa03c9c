import NumericCore
import PreferenceData
import RewardKitInternals

/// Counts of intransitive (cyclic) triples, in data or in a fitted model.
///
/// A triple `{a, b, c}` counts when each of its three pairs has a direction; it is cyclic when the
/// directions go round (`a ≻ b ≻ c ≻ a`). Any model with a scalar score (Bradley–Terry, Thurstone)
/// has no cyclic triple; a random tournament has 25 %.
public struct TripleCensus: Sendable, Equatable, Codable {
    /// Triples whose three pairs all have a direction.
    public var triples: Int
    /// How many of them are cyclic.
    public var cyclic: Int

    /// A census of `cyclic` cyclic triples among `triples` directed triples.
    public init(triples: Int, cyclic: Int) {
        self.triples = triples
        self.cyclic = cyclic
    }

    /// `cyclic/triples` (0 when there is no triple).
    public var cyclicFraction: Double { triples == 0 ? 0 : Double(cyclic) / Double(triples) }
}

/// One directed 3-cycle `a ≻ b ≻ c ≻ a`, stored with `a` the smallest index.
public struct PreferenceCycle: Sendable, Hashable, Codable {
    /// The smallest index of the cycle.
    public var a: Int
    /// The item that `a` beats.
    public var b: Int
    /// The item that `b` beats and that beats `a`.
    public var c: Int

    /// The cycle `x ≻ y ≻ z ≻ x`, rotated so the smallest index comes first.
    public init(_ x: Int, _ y: Int, _ z: Int) {
        if x < y && x < z { (a, b, c) = (x, y, z) }
        else if y < z { (a, b, c) = (y, z, x) }
        else { (a, b, c) = (z, x, y) }
    }
}

/// Cyclic-triple diagnostics for preference data and for GPM score matrices.
public enum CyclicTriples {
    /// The majority direction of every compared pair and the directed 3-cycles it forms.
    ///
    /// For each unordered pair `{i, j}`, the net weight `w(i ≻ j) − w(j ≻ i)` decides the direction
    /// (pairs with net 0 have none). Triangles are enumerated by `forEachTriangle` on the sparse
    /// graph of decided pairs, so sparse data with many thousands of items is cheap.
    ///
    /// - Returns: the census over triples with three directed pairs, and the cycles themselves.
    public static func cycles(
        winners: [Int], losers: [Int], weights: [Double]? = nil, itemCount: Int
    ) -> (census: TripleCensus, cycles: [PreferenceCycle]) {
        precondition(winners.count == losers.count && (weights?.count ?? winners.count) == winners.count,
                     "CyclicTriples: \(winners.count) winners, \(losers.count) losers, \(weights?.count ?? winners.count) weights")
        var net = [Int64: Double]()
        for k in winners.indices {
            let (w, l) = (winners[k], losers[k])
            precondition(w >= 0 && w < itemCount && l >= 0 && l < itemCount,
                         "CyclicTriples: comparison \(k) (\(w) over \(l)) out of range for \(itemCount) items")
            if w == l { continue }
            let weight = weights?[k] ?? 1
            let (i, j) = (min(w, l), max(w, l))
            net[Int64(i) * Int64(itemCount) + Int64(j), default: 0] += w == i ? weight : -weight
        }
        // One edge per decided pair (i < j), with whether i ≻ j.
        var first: [Int] = [], second: [Int] = [], firstWins: [Bool] = []
        for (key, value) in net.sorted(by: { $0.key < $1.key }) where value != 0 {
            first.append(Int(key / Int64(itemCount)))
            second.append(Int(key % Int64(itemCount)))
            firstWins.append(value > 0)
        }
        var triples = 0
        var found = [PreferenceCycle]()
        forEachTriangle(vertexCount: itemCount, first: first, second: second) { u, v, w, uv, vw, uw in
            triples += 1
            // u ≻ v ≻ w ≻ u, or the reverse.
            if firstWins[uv] && firstWins[vw] && !firstWins[uw] { found.append(PreferenceCycle(u, v, w)) }
            else if !firstWins[uv] && !firstWins[vw] && firstWins[uw] { found.append(PreferenceCycle(u, w, v)) }
        }
        return (TripleCensus(triples: triples, cyclic: found.count), found)
    }

    /// The cycles of a comparison set by majority direction (ties are ignored; weights count).
    public static func cycles(in set: ComparisonSet) -> (census: TripleCensus, cycles: [PreferenceCycle]) {
        let decided = set.ties.indices.filter { !set.ties[$0] }
        return cycles(winners: decided.map { set.winners[$0] }, losers: decided.map { set.losers[$0] },
                      weights: decided.map { set.weights[$0] }, itemCount: set.itemCount)
    }

    /// The census of the tournament `i ≻ j ⇔ S_ij > 0` of an `n×n` score matrix (a model's `V·R·Vᵀ`).
    ///
    /// When every pair has a direction (no `S_ij = 0`, `i ≠ j`), the number of cyclic triples is
    /// `C(n, 3) − Σ_i C(d_i, 2)` with `d_i` the out-degree of `i` (every transitive triple has exactly
    /// one item beating the other two), which costs `O(n²)`. With exact ties the triples are enumerated.
    public static func census(scoreMatrix s: Tensor<some BLASScalar>) -> TripleCensus {
        precondition(s.rank == 2 && s.shape[0] == s.shape[1], "CyclicTriples.census: score matrix must be square, got \(s.shape)")
        let n = s.shape[0]
        var outDegree = [Int](repeating: 0, count: n)
        var hasTie = false
        for i in 0..<n {
            for j in 0..<n where j != i {
                let x = s.scalars[i * n + j]
                if x > 0 { outDegree[i] += 1 } else if !(x < 0) { hasTie = true }
            }
        }
        if !hasTie {
            let triples = n * (n - 1) * (n - 2) / 6
            let transitive = outDegree.reduce(0) { $0 + $1 * ($1 - 1) / 2 }
            return TripleCensus(triples: triples, cyclic: triples - transitive)
        }
        var triples = 0, cyclic = 0
        for a in 0..<n {
            for b in (a + 1)..<max(n, a + 1) {
                let ab = s.scalars[a * n + b]
                if ab == 0 { continue }
                for c in (b + 1)..<max(n, b + 1) {
                    let bc = s.scalars[b * n + c], ca = s.scalars[c * n + a]
                    if bc == 0 || ca == 0 { continue }
                    triples += 1
                    if (ab > 0) == (bc > 0) && (bc > 0) == (ca > 0) { cyclic += 1 }
                }
            }
        }
        return TripleCensus(triples: triples, cyclic: cyclic)
    }

    /// How many of `cycles` the score matrix reproduces (`S_ab > 0`, `S_bc > 0`, `S_ca > 0`).
    public static func captured(_ cycles: [PreferenceCycle], scoreMatrix s: Tensor<some BLASScalar>) -> Int {
        precondition(s.rank == 2 && s.shape[0] == s.shape[1], "CyclicTriples.captured: score matrix must be square, got \(s.shape)")
        let n = s.shape[0]
        return cycles.reduce(0) { count, cycle in
            precondition(max(cycle.a, cycle.b, cycle.c) < n, "CyclicTriples.captured: cycle \(cycle) out of range for \(n) items")
            let ok = s.scalars[cycle.a * n + cycle.b] > 0 && s.scalars[cycle.b * n + cycle.c] > 0 && s.scalars[cycle.c * n + cycle.a] > 0
            return count + (ok ? 1 : 0)
        }
    }
}
