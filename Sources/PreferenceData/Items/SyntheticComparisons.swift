import Foundation
import NumericCore

/// Seeded synthetic item comparisons: strengths from a distribution, pairs uniform or sparse,
/// outcomes drawn from a paired-comparison model (with ties for the tie models).
///
/// ```swift
/// var rng = SeededGenerator(seed: 1)
/// let theta = SyntheticComparisons.strengths(count: 50, distribution: .normal(), using: &rng)
/// let data = SyntheticComparisons.comparisons(strengths: theta, count: 5_000,
///                                             outcomes: .davidson(nu: 0.5), using: &rng)
/// ```
public enum SyntheticComparisons {
    /// How true strengths are drawn.
    public enum StrengthDistribution: Sendable, Equatable {
        /// θᵢ ~ N(mean, standardDeviation²).
        case normal(mean: Double = 0, standardDeviation: Double = 1)
        /// θᵢ ~ Uniform(lower, upper).
        case uniform(lower: Double, upper: Double)
        /// Evenly spaced from `lower` to `upper` (deterministic; shuffled over items).
        case evenlySpaced(lower: Double, upper: Double)
    }

    /// Which pairs are compared.
    public enum PairSampling: Sendable, Equatable {
        /// Each comparison is a uniformly random ordered pair of distinct items.
        case uniform
        /// A fixed random graph with about `averageDegree` neighbours per item (a random Hamiltonian
        /// cycle, so the graph is connected, plus random extra edges); comparisons are uniform over edges.
        case sparse(averageDegree: Int)
    }

    /// The model that decides each outcome from d = θ_i − θ_j (i is the first item of the pair).
    public enum OutcomeModel: Sendable, Equatable {
        /// P(i ≻ j) = σ(d).
        case bradleyTerry
        /// Davidson: P(i ≻ j) ∝ e^{d/2}, P(j ≻ i) ∝ e^{−d/2}, P(tie) ∝ ν.
        case davidson(nu: Double)
        /// Rao–Kupper with threshold θ ≥ 1 (η = log θ): P(i ≻ j) = σ(d − η), P(j ≻ i) = σ(−d − η).
        case raoKupper(threshold: Double)
        /// Thurstone–Mosteller Case V: P(i ≻ j) = Φ(d).
        case thurstone

        /// (P(i ≻ j), P(tie)) for a strength difference d.
        public func probabilities(difference d: Double) -> (win: Double, tie: Double) {
            switch self {
            case .bradleyTerry:
                return (Double.sigmoid(d), 0)
            case .thurstone:
                return (Double.normalCDF(d), 0)
            case .davidson(let nu):
                let a = exp(d / 2), b = exp(-d / 2)
                let z = a + b + nu
                return (a / z, nu / z)
            case .raoKupper(let threshold):
                let eta = log(threshold)
                let win = Double.sigmoid(d - eta), loss = Double.sigmoid(-d - eta)
                return (win, max(0, 1 - win - loss))
            }
        }
    }

    /// Draws `count` strengths (not centered).
    public static func strengths<G: RandomNumberGenerator>(
        count: Int, distribution: StrengthDistribution = .normal(), using generator: inout G
    ) -> [Double] {
        precondition(count >= 0, "strengths(count: \(count)) needs count ≥ 0")
        switch distribution {
        case .normal(let mean, let sd):
            return (0..<count).map { _ in mean + sd * generator.nextNormal() }
        case .uniform(let lower, let upper):
            return (0..<count).map { _ in lower + (upper - lower) * generator.nextOpenUnit() }
        case .evenlySpaced(let lower, let upper):
            let values = (0..<count).map { k in
                count == 1 ? (lower + upper) / 2 : lower + (upper - lower) * Double(k) / Double(count - 1)
            }
            return generator.permutation(count).map { values[$0] }
        }
    }

    /// Draws `count` comparisons between items with the given true `strengths`.
    ///
    /// Item names default to `item1 … itemN` (zero-padded to equal width). Every item is registered
    /// in index order, so item `k` of the result has strength `strengths[k]`.
    public static func comparisons<G: RandomNumberGenerator>(
        strengths: [Double], count: Int, pairs: PairSampling = .uniform, outcomes: OutcomeModel = .bradleyTerry,
        itemNames: [String]? = nil, using generator: inout G
    ) -> ComparisonSet {
        let n = strengths.count
        precondition(n >= 2, "comparisons need at least 2 items, got \(n)")
        precondition(itemNames == nil || itemNames!.count == n, "\(itemNames?.count ?? 0) names for \(n) strengths")
        let names = itemNames ?? defaultItemNames(count: n)
        var edges: [(Int, Int)] = []
        if case .sparse(let degree) = pairs {
            precondition(degree >= 2, "sparse pairs need averageDegree ≥ 2, got \(degree)")
            let cycle = generator.permutation(n)
            var seen = Set<Int>()
            func add(_ a: Int, _ b: Int) {
                let key = min(a, b) * n + max(a, b)
                if a != b && seen.insert(key).inserted { edges.append((a, b)) }
            }
            for k in 0..<n { add(cycle[k], cycle[(k + 1) % n]) }
            let target = min(n * (n - 1) / 2, n * degree / 2)
            while edges.count < target {
                add(Int.random(in: 0..<n, using: &generator), Int.random(in: 0..<n, using: &generator))
            }
        }
        var winners = [Int](), losers = [Int](), ties = [Bool]()
        winners.reserveCapacity(count)
        losers.reserveCapacity(count)
        ties.reserveCapacity(count)
        for _ in 0..<count {
            var i: Int, j: Int
            if edges.isEmpty {
                i = Int.random(in: 0..<n, using: &generator)
                j = Int.random(in: 0..<(n - 1), using: &generator)
                if j >= i { j += 1 }
            } else {
                (i, j) = edges[Int.random(in: 0..<edges.count, using: &generator)]
                if generator.next() & 1 == 1 { swap(&i, &j) }
            }
            let (win, tie) = outcomes.probabilities(difference: strengths[i] - strengths[j])
            let u = generator.nextOpenUnit()
            if u < win {
                winners.append(i); losers.append(j); ties.append(false)
            } else if u < win + tie {
                winners.append(i); losers.append(j); ties.append(true)
            } else {
                winners.append(j); losers.append(i); ties.append(false)
            }
        }
        return ComparisonSet(validatedItems: names, winners: winners, losers: losers, ties: ties,
                             weights: [Double](repeating: 1, count: count), annotators: nil, annotatorNames: [])
    }

    /// `item1 … itemN`, zero-padded to equal width.
    static func defaultItemNames(count n: Int) -> [String] {
        let width = String(n).count
        return (1...n).map { k in
            let digits = String(k)
            return "item" + String(repeating: "0", count: width - digits.count) + digits
        }
    }
}
