import RealModule
import ItemModels
import NumericCore
import PreferenceData
import RewardKitInternals

/// How to choose the next item pairs to compare (active learning for item utility models).
public enum PairSelectionStrategy: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Pairs uniformly at random (the passive baseline).
    case random
    /// Pairs drawn with probability ∝ P(1 − P)/(1 + n_ab): the Bernoulli variance of the outcome
    /// under the current fit (largest when P ≈ ½, i.e. |P − ½| small) discounted by the number
    /// n_ab of comparisons the pair already has.
    case uncertainty
    /// Pairs drawn with probability ∝ Φ(−|μ̂_a − μ̂_b| / sd(μ̂_a − μ̂_b)): the probability that the
    /// current fit orders the pair wrongly, with the standard deviation of the difference from the
    /// Laplace approximation (the inverse Fisher information of the means given the comparison
    /// counts, σ held at the fit). Large for close utilities with little data on the pair or on
    /// the paths joining its items.
    case orderUncertainty
    /// The Utility Engineering procedure (Mazeika et al. 2025, appendix; its released
    /// `generate_additional_pairs`): among pairs not compared yet, keep those in the bottom
    /// `differenceShare` of |μ_a − μ_b| **and** the bottom `degreeShare` of the summed degrees
    /// (pairs already compared by a and by b); draw the batch uniformly from them. When too few
    /// pairs qualify both shares grow by ×1.5 (up to five times), then the rest is filled
    /// uniformly from the remaining unseen pairs. Each pair is compared at most once.
    case closeAndUnderSampled(differenceShare: Double, degreeShare: Double)

    /// A readable form, for messages and tables.
    public var description: String {
        switch self {
        case .random: return "random"
        case .uncertainty: return "uncertainty"
        case .orderUncertainty: return "order-uncertainty"
        case .closeAndUnderSampled(let p, let q): return "close-and-under-sampled(\(p), \(q))"
        }
    }
}

/// Comparison counts per unordered item pair.
public struct PairCounts: Sendable, Hashable {
    /// The number of items.
    public let itemCount: Int
    var counts: [Int]

    /// No comparisons among `itemCount` items.
    public init(itemCount: Int) {
        self.itemCount = itemCount
        counts = [Int](repeating: 0, count: itemCount * itemCount)
    }

    /// Counts the records of `data`.
    public init(_ data: ProbabilisticComparisons) {
        self.init(itemCount: data.itemCount)
        for k in 0..<data.count { record(data.first[k], data.second[k]) }
    }

    /// How often `a` and `b` were compared.
    public func count(_ a: Int, _ b: Int) -> Int { counts[min(a, b) * itemCount + max(a, b)] }

    /// Adds one comparison of `a` and `b`.
    public mutating func record(_ a: Int, _ b: Int) {
        precondition(a != b && a >= 0 && b >= 0 && a < itemCount && b < itemCount,
                     "PairCounts.record: pair (\(a), \(b)) with \(itemCount) items")
        counts[min(a, b) * itemCount + max(a, b)] += 1
    }

    /// The number of distinct partners item `a` has been compared with.
    public func degree(_ a: Int) -> Int {
        var d = 0
        for b in 0..<itemCount where b != a && count(a, b) > 0 { d += 1 }
        return d
    }
}

/// Proposes the next pairs to compare under a ``PairSelectionStrategy``.
public struct PairSelector: Sendable {
    /// The strategy used.
    public var strategy: PairSelectionStrategy

    /// A selector using `strategy`.
    public init(strategy: PairSelectionStrategy) {
        self.strategy = strategy
    }

    /// Up to `batchSize` distinct unordered pairs (a < b). `model` is the current fit (ignored by
    /// ``PairSelectionStrategy/random``).
    public func nextPairs<G: RandomNumberGenerator>(
        model: ThurstonianModel, counts: PairCounts, batchSize: Int, using generator: inout G
    ) -> [(Int, Int)] {
        let n = counts.itemCount
        precondition(model.itemCount == n, "PairSelector: model has \(model.itemCount) items, counts \(n)")
        var pairs = [(Int, Int)]()
        for a in 0..<n { for b in (a + 1)..<max(a + 1, n) { pairs.append((a, b)) } }
        switch strategy {
        case .random:
            return Self.weightedSample(pairs, weights: [Double](repeating: 1, count: pairs.count),
                                       count: batchSize, using: &generator)
        case .uncertainty:
            let weights = pairs.map { pair -> Double in
                let p = model.probability(preferring: pair.0, over: pair.1)
                return max(p * (1 - p), 1e-12) / Double(1 + counts.count(pair.0, pair.1))
            }
            return Self.weightedSample(pairs, weights: weights, count: batchSize, using: &generator)
        case .orderUncertainty:
            let covariance = Self.meanCovariance(model: model, counts: counts)
            let weights = pairs.map { pair -> Double in
                let (a, b) = pair
                let variance = covariance[a, a] + covariance[b, b] - 2 * covariance[a, b]
                let sd = max(variance, 1e-24).squareRoot()
                return max(Double.normalCDF(-abs(model.means[a] - model.means[b]) / sd), 1e-12)
            }
            return Self.weightedSample(pairs, weights: weights, count: batchSize, using: &generator)
        case .closeAndUnderSampled(let differenceShare, let degreeShare):
            let unseen = pairs.filter { counts.count($0.0, $0.1) == 0 }
            guard !unseen.isEmpty else { return [] }
            let degrees = (0..<n).map { counts.degree($0) }
            let difference = unseen.map { abs(model.means[$0.0] - model.means[$0.1]) }
            let degreeSum = unseen.map { Double(degrees[$0.0] + degrees[$0.1]) }
            var p = differenceShare, q = degreeShare
            var chosen = [(Int, Int)]()
            for attempt in 0..<5 {
                let dCut = lowerQuantile(difference, p), gCut = lowerQuantile(degreeSum, q)
                let candidates = unseen.indices.filter { difference[$0] <= dCut && degreeSum[$0] <= gCut }
                if candidates.count >= batchSize {
                    chosen = Self.weightedSample(candidates.map { unseen[$0] },
                                                 weights: [Double](repeating: 1, count: candidates.count),
                                                 count: batchSize, using: &generator)
                    break
                }
                if attempt < 4 {
                    p = min(p * 1.5, 1)
                    q = min(q * 1.5, 1)
                } else {
                    chosen = candidates.map { unseen[$0] }
                    let taken = Set(candidates)
                    let rest = unseen.indices.filter { !taken.contains($0) }.map { unseen[$0] }
                    chosen += Self.weightedSample(rest, weights: [Double](repeating: 1, count: rest.count),
                                                  count: batchSize - chosen.count, using: &generator)
                }
            }
            return chosen
        }
    }

    /// The Laplace covariance of the fitted means given the comparison counts:
    /// (Σ_ab n_ab κ_ab (e_a − e_b)(e_a − e_b)ᵀ + 11ᵀ/n + εI)⁻¹ with
    /// κ_ab = φ(z)² / (Φ(z)Φ(−z)τ²) the Fisher information of one comparison about μ_a − μ_b.
    /// The information is flat along 1, so adding 11ᵀ/n leaves every variance of a difference
    /// unchanged; ε = 1e-9 guards pairs of items in different components.
    static func meanCovariance(model: ThurstonianModel, counts: PairCounts) -> Tensor<Double> {
        let n = counts.itemCount
        var info = Tensor<Double>(shape: [n, n], repeating: 1 / Double(n))
        for i in 0..<n { info[i, i] += 1e-9 }
        for a in 0..<n {
            for b in (a + 1)..<max(a + 1, n) {
                let m = counts.count(a, b)
                guard m > 0 else { continue }
                let z = model.standardizedDifference(a, b)
                let tau2 = model.variances[a] + model.variances[b]
                let phi = Double.normalPDF(z)
                let k = Double(m) * phi * phi / (Double.normalCDF(z) * Double.normalCDF(-z) * tau2)
                info[a, a] += k; info[b, b] += k; info[a, b] -= k; info[b, a] -= k
            }
        }
        if let factor = try? info.cholesky() { return factor.inverse() }
        return Tensor<Double>.identity(n) * 1e9
    }

    /// `count` distinct elements drawn with probability ∝ weights, one after another without
    /// replacement.
    static func weightedSample<T, G: RandomNumberGenerator>(_ items: [T], weights: [Double], count: Int,
                                                            using generator: inout G) -> [T] {
        var w = weights
        var result = [T]()
        let k = min(count, items.count)
        result.reserveCapacity(k)
        for _ in 0..<k {
            guard w.reduce(0, +) > 0 else { break }
            let i = generator.nextIndex(weightedBy: w)
            result.append(items[i])
            w[i] = 0
        }
        return result
    }
}
