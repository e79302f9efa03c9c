import Foundation
import NumericCore

/// Seeded synthetic rankings drawn from a Plackett–Luce model (optionally with Davidson–Luce
/// ties) over known strengths: each ranking ranks a random subset of the items, fully or top-k.
///
/// ```swift
/// var rng = SeededGenerator(seed: 1)
/// let theta = SyntheticComparisons.strengths(count: 200, using: &rng)
/// let rankings = SyntheticRankings.rankings(strengths: theta, count: 20_000, length: 4...4, using: &rng)
/// ```
public enum SyntheticRankings {
    /// How ties arise.
    public enum TieModel: Sendable, Equatable {
        /// No ties: each place is one item (plain Plackett–Luce).
        case none
        /// Davidson–Luce: at each place a group S of the remaining items is chosen with
        /// probability ∝ δ_|S|·(Π_{i∈S} e^{θᵢ})^{1/|S|}, with δ₁ = 1 and `deltas[t − 2]` = δ_t
        /// for groups of t = 2, 3, … items.
        case davidsonLuce(deltas: [Double])
    }

    /// `count` rankings over the items of `strengths` (named `item0`, `item1`, …): each ranking's
    /// option count is uniform in `length` (clamped to the number of items), its options a uniform
    /// random subset, ordered by the model; with `topK`, only the first `topK` places are kept and
    /// the other options are listed as unranked.
    public static func rankings(
        strengths: [Double], count: Int, length: ClosedRange<Int>, topK: Int? = nil, ties: TieModel = .none,
        using generator: inout some RandomNumberGenerator
    ) -> RankingSet {
        let n = strengths.count
        precondition(n >= 2 && length.lowerBound >= 2, "rankings need at least two items and options")
        var builder = RankingSet.Builder(items: (0..<n).map { "item\($0)" })
        var pool = Array(0..<n)
        for _ in 0..<count {
            let m = min(n, Int.random(in: length, using: &generator))
            // A uniform subset of m items by a partial Fisher–Yates shuffle.
            for k in 0..<m {
                let pick = Int.random(in: k..<n, using: &generator)
                pool.swapAt(k, pick)
            }
            let options = Array(pool[0..<m])
            var places = order(options, strengths: strengths, ties: ties, using: &generator)
            var unranked: [Int] = []
            if let topK, places.count > topK {
                unranked = places[topK...].flatMap { $0 }
                places = Array(places[..<topK])
            }
            builder.appendValidated(.init(places: places, unranked: unranked, weight: 1, ranker: nil), rankerName: nil)
        }
        return builder.build()
    }

    /// The places of `options` (item indices into `strengths`) drawn from the model, best first.
    public static func order(_ options: [Int], strengths: [Double], ties: TieModel,
                      using generator: inout some RandomNumberGenerator) -> [[Int]] {
        switch ties {
        case .none:
            // Plackett–Luce by the Gumbel trick: sort θ + Gumbel noise in decreasing order.
            let keyed = options.map { i -> (Double, Int) in
                let u = Double.random(in: Double.ulpOfOne..<1, using: &generator)
                return (strengths[i] - log(-log(u)), i)
            }
            return keyed.sorted { $0.0 > $1.0 }.map { [$0.1] }
        case .davidsonLuce(let deltas):
            var remaining = options
            var places: [[Int]] = []
            let largest = deltas.count + 1
            while !remaining.isEmpty {
                if remaining.count == 1 { places.append(remaining); break }
                var groups: [[Int]] = []
                var weights: [Double] = []
                forEachSubset(of: remaining.count, upTo: min(largest, remaining.count)) { members in
                    let group = members.map { remaining[$0] }
                    let t = group.count
                    let delta = t == 1 ? 1 : deltas[t - 2]
                    groups.append(group)
                    weights.append(delta * exp(group.reduce(0) { $0 + strengths[$1] } / Double(t)))
                }
                let total = weights.reduce(0, +)
                var u = Double.random(in: 0..<total, using: &generator)
                var chosen = groups.count - 1
                for (k, w) in weights.enumerated() {
                    if u < w { chosen = k; break }
                    u -= w
                }
                let group = groups[chosen]
                places.append(group)
                remaining.removeAll { group.contains($0) }
            }
            return places
        }
    }
}

/// Calls `body` with every subset of `0..<count` of 1 … `largest` elements (as sorted index lists),
/// smaller subsets first, each size in lexicographic order.
package func forEachSubset(of count: Int, upTo largest: Int, _ body: ([Int]) -> Void) {
    guard count > 0 else { return }
    for size in 1...max(1, min(largest, count)) {
        var members = Array(0..<size)
        while true {
            body(members)
            var k = size - 1
            while k >= 0 && members[k] == count - size + k { k -= 1 }
            if k < 0 { break }
            members[k] += 1
            for q in (k + 1)..<size { members[q] = members[q - 1] + 1 }
        }
    }
}
