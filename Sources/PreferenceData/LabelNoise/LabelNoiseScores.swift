import FileFormats
import NumericCore

/// Cross-fitted label-noise scores: for every labelled pair, the probability that its label is
/// flipped relative to a model fitted without it (Docs/Annotators.md).
///
/// The rows are split into K seeded folds; for each fold a model is fitted on the other K − 1 and
/// gives p_k, the probability of the observed label of each held-out row k. The flip rate ε and
/// the per-row posteriors then come from the two-component mixture "the label is the model's draw
/// (1 − ε) or its flip (ε)", fitted by EM on the out-of-fold p_k:
///
///   π_k = ε·(1 − p_k) / (ε·(1 − p_k) + (1 − ε)·p_k),   ε ← Σ w_k π_k / Σ w_k,
///
/// which never decreases the mixture likelihood; π_k is the reported flip probability. It ranks
/// rows as 1 − p_k does (π_k is increasing in 1 − p_k), so the ranking of the pairs worth
/// relabelling does not depend on ε.
///
/// ```swift
/// let scores = try LabelNoiseScores.crossFitted(rows: data.count, folds: 5, seed: 0) { train, test in
///     probabilitiesOfObservedLabels(fittedOn: train, at: test)
/// }
/// print(scores.flipRate, scores.flipProbabilities.prefix(5))
/// ```
public struct LabelNoiseScores: Sendable, Equatable {
    /// The rows that were scored (0-based record or pair indices, increasing).
    public let rows: [Int]
    /// π for each of ``rows``.
    public let flipProbabilities: [Double]
    /// The out-of-fold probability p of each row's observed label.
    public let labelProbabilities: [Double]
    /// ε, the fitted share of flipped labels.
    public let flipRate: Double
    /// K.
    public let folds: Int

    /// The seeded fold of each of `count` rows: a random permutation dealt round-robin into `k` folds.
    public static func foldAssignment(count: Int, folds k: Int, seed: UInt64) -> [Int] {
        precondition(k >= 2 && count >= k, "foldAssignment needs 2 ≤ folds ≤ rows, got \(k) folds for \(count) rows")
        var generator = SeededGenerator(seed: seed)
        var fold = [Int](repeating: 0, count: count)
        for (position, row) in generator.permutation(count).enumerated() { fold[row] = position % k }
        return fold
    }

    /// Scores `rows` rows: `scoredRows` (default all) are split into `folds` folds; `fitAndScore(train,
    /// test)` fits a model on the `train` rows and returns the probability of the observed label of
    /// each `test` row, in order.
    ///
    /// - Throws: whatever `fitAndScore` throws (a fold without a fit is never scored silently).
    public static func crossFitted<E: Error>(
        rows count: Int, scoredRows: [Int]? = nil, folds k: Int = 5, seed: UInt64 = 0, weights: [Double]? = nil,
        fitAndScore: (_ train: [Int], _ test: [Int]) throws(E) -> [Double]
    ) throws(E) -> LabelNoiseScores {
        let rows = scoredRows ?? Array(0..<count)
        let fold = foldAssignment(count: rows.count, folds: k, seed: seed)
        var p = [Double](repeating: 0.5, count: rows.count)
        for f in 0..<k {
            var train = [Int](), test = [Int](), positions = [Int]()
            for (position, row) in rows.enumerated() {
                if fold[position] == f { test.append(row); positions.append(position) } else { train.append(row) }
            }
            let scored = try fitAndScore(train, test)
            precondition(scored.count == test.count, "fitAndScore returned \(scored.count) probabilities for \(test.count) rows")
            for (position, value) in zip(positions, scored) { p[position] = min(max(value, 0), 1) }
        }
        let w = weights.map { all in rows.map { all[$0] } } ?? [Double](repeating: 1, count: rows.count)
        let (epsilon, posterior) = mixture(p, weights: w)
        return LabelNoiseScores(rows: rows, flipProbabilities: posterior, labelProbabilities: p, flipRate: epsilon, folds: k)
    }

    /// The EM fit of ε ∈ [0, 1/2] and the posteriors π for label probabilities `p`.
    public static func mixture(_ p: [Double], weights: [Double]) -> (flipRate: Double, posteriors: [Double]) {
        precondition(p.count == weights.count, "\(p.count) probabilities for \(weights.count) weights")
        let total = weights.reduce(0, +)
        guard total > 0 else { return (0, p.map { _ in 0 }) }
        var epsilon = 0.1
        var posterior = [Double](repeating: 0, count: p.count)
        for _ in 0..<1000 {
            var sum = 0.0
            for k in p.indices {
                let flip = epsilon * (1 - p[k]), keep = (1 - epsilon) * p[k]
                posterior[k] = flip + keep > 0 ? flip / (flip + keep) : 0.5
                sum += weights[k] * posterior[k]
            }
            let next = min(sum / total, 0.5)
            if abs(next - epsilon) <= 1e-12 { epsilon = next; break }
            epsilon = next
        }
        for k in p.indices {
            let flip = epsilon * (1 - p[k]), keep = (1 - epsilon) * p[k]
            posterior[k] = flip + keep > 0 ? flip / (flip + keep) : 0.5
        }
        return (epsilon, posterior)
    }

    /// `row,flip_probability` CSV, one line per scored row (0-based: the record's position among the
    /// file's records, or the pair's row in the .npy files).
    public func csvText() -> String {
        var writer = CSVWriter(header: ["row", "flip_probability"])
        for (row, probability) in zip(rows, flipProbabilities) { writer.appendRecord([String(row), "\(probability)"]) }
        return writer.text
    }
}
