/// Agreement between two labelings of the same n objects (e.g. learned user clusters against true
/// groups). Labels are arbitrary integers; only the partition they induce matters.
public enum ClusteringAgreement {
    /// Purity = (1/n) Σ_k max_j |ω_k ∩ c_j|: each predicted cluster ω_k is credited with its most
    /// common true class c_j. 1 means every cluster is pure; it does not penalize splitting a class.
    public static func purity(predicted: [Int], truth: [Int]) -> Double {
        precondition(predicted.count == truth.count && !predicted.isEmpty,
                     "purity: \(predicted.count) predicted and \(truth.count) true labels")
        var table = [Int: [Int: Int]]()
        for (p, t) in zip(predicted, truth) { table[p, default: [:]][t, default: 0] += 1 }
        let credited = table.values.reduce(0) { $0 + ($1.values.max() ?? 0) }
        return Double(credited) / Double(predicted.count)
    }

    /// The adjusted Rand index (Hubert & Arabie, 1985):
    /// ARI = (Σ_ij C(n_ij, 2) − E) / (½[Σ_i C(a_i, 2) + Σ_j C(b_j, 2)] − E), with
    /// E = Σ_i C(a_i, 2)·Σ_j C(b_j, 2) / C(n, 2), n_ij the contingency table and a, b its margins.
    /// 1 for identical partitions, ≈ 0 in expectation for independent ones (it can be negative).
    /// When the denominator is 0 (both labelings a single cluster, or both all singletons) the
    /// partitions are identical and the value is 1, as in scikit-learn.
    public static func adjustedRandIndex(_ a: [Int], _ b: [Int]) -> Double {
        precondition(a.count == b.count && !a.isEmpty, "adjustedRandIndex: \(a.count) and \(b.count) labels")
        if a.count < 2 { return 1 }
        func pairs(_ k: Int) -> Double { Double(k) * Double(k - 1) / 2 }
        var joint = [Int: [Int: Int]]()
        var rows = [Int: Int](), columns = [Int: Int]()
        for (x, y) in zip(a, b) {
            joint[x, default: [:]][y, default: 0] += 1
            rows[x, default: 0] += 1
            columns[y, default: 0] += 1
        }
        let index = joint.values.reduce(0.0) { sum, row in row.values.reduce(sum) { $0 + pairs($1) } }
        let rowPairs = rows.values.reduce(0.0) { $0 + pairs($1) }
        let columnPairs = columns.values.reduce(0.0) { $0 + pairs($1) }
        let expected = rowPairs * columnPairs / pairs(a.count)
        let maximum = (rowPairs + columnPairs) / 2
        if maximum == expected { return 1 }
        return (index - expected) / (maximum - expected)
    }
}
