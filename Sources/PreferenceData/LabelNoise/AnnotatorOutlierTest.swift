import Foundation

/// An annotator-level outlier test that needs no noise model: per-annotator e-values of the
/// hypothesis "this annotator's labels follow the population model", combined across annotators by
/// the e-Benjamini–Hochberg procedure (Docs/Annotators.md).
///
/// Each label k of annotator a has q_k, the probability of its observed outcome under the
/// population model fitted without it (the cross-fitted ``LabelNoiseScores/labelProbabilities``).
/// Against the alternative "the annotator flips each label with probability ε", the likelihood
/// ratio of one label is e_k(ε) = (1 − ε) + ε·(1 − q_k)/q_k, whose expectation under the null is 1;
/// the annotator's e-value is the average over the grid ε ∈ {0.05, 0.10, …, 1} of Π_k e_k(ε) (a
/// mixture of test martingales is one). ε = 1/2 is the coin flipper, ε = 1 the adversary. By
/// Markov's (Ville's) inequality P(E_a ≥ 1/α) ≤ α under the null, whatever the number of labels;
/// e-BH rejects the k annotators with the largest e-values, k the largest with E_(k) ≥ A/(k·α),
/// which keeps the false discovery rate ≤ α under any dependence between annotators.
public struct AnnotatorOutlierTest: Sendable, Equatable {
    /// One annotator's result.
    public struct Result: Sendable, Equatable {
        /// The annotator's index.
        public var annotator: Int
        /// The number of labels tested.
        public var labels: Int
        /// The mixture e-value E_a (≥ 0; large values are evidence against the population model).
        public var eValue: Double
        /// The grid ε with the largest likelihood ratio (the annotator's apparent flip rate).
        public var flipRate: Double
        /// Whether e-BH at level α rejects the null for this annotator.
        public var isOutlier: Bool
    }

    /// One result per annotator, in index order.
    public let results: [Result]
    /// α, the false discovery rate of the flags.
    public let level: Double

    /// The ε grid of the mixture.
    public static let flipGrid: [Double] = (1...20).map { Double($0) / 20 }

    /// Tests every annotator from the observed-label probabilities `q` of its labels
    /// (`annotators[k]` is label k's annotator, in 0..<`annotatorCount`).
    public init(labelProbabilities q: [Double], annotators: [Int], annotatorCount: Int, level: Double = 0.05) {
        precondition(q.count == annotators.count, "\(q.count) probabilities for \(annotators.count) annotator ids")
        precondition(level > 0 && level < 1, "level must be in (0, 1), got \(level)")
        let grid = Self.flipGrid
        var logProducts = [Double](repeating: 0, count: annotatorCount * grid.count)
        var counts = [Int](repeating: 0, count: annotatorCount)
        for (k, a) in annotators.enumerated() {
            precondition(a >= 0 && a < annotatorCount, "annotator \(a) outside 0..<\(annotatorCount)")
            let p = min(max(q[k], 1e-12), 1)
            counts[a] += 1
            let odds = (1 - p) / p
            for (g, epsilon) in grid.enumerated() { logProducts[a * grid.count + g] += Foundation.log((1 - epsilon) + epsilon * odds) }
        }
        var results: [Result] = []
        for a in 0..<annotatorCount {
            let row = Array(logProducts[(a * grid.count)..<((a + 1) * grid.count)])
            let m = row.max() ?? 0
            let mean = row.reduce(0) { $0 + Foundation.exp($1 - m) } / Double(grid.count)
            let best = row.indices.max { row[$0] < row[$1] } ?? 0
            results.append(Result(annotator: a, labels: counts[a], eValue: Foundation.exp(m) * mean, flipRate: grid[best], isOutlier: false))
        }
        // e-BH.
        let order = results.indices.sorted { results[$0].eValue > results[$1].eValue }
        var rejected = 0
        for (rank, index) in order.enumerated() where results[index].eValue >= Double(annotatorCount) / (Double(rank + 1) * level) {
            rejected = rank + 1
        }
        for index in order.prefix(rejected) { results[index].isOutlier = true }
        self.results = results
        self.level = level
    }
}
