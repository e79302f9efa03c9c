/// Equal-width binning of probabilistic predictions against outcomes, and the expected calibration
/// error ECE = Σ_b (n_b/N)·|p̄_b − ȳ_b| (p̄_b the bin's mean prediction, ȳ_b its observed frequency).
///
/// Total for any input values: a prediction outside [0, 1] (±∞ included) is clamped into it, and
/// a NaN prediction is left out — it falls in no bin and is not counted in N. Callers that must
/// not score an undefined prediction reject it first (``PreferenceEvaluation/checked(scores:grouping:binCount:)``).
public struct ReliabilityCurve: Sendable, Equatable, Codable {
    /// The bins in increasing order of probability.
    public var bins: [ReliabilityBin]
    /// The number of predictions N (for pairwise data, twice the number of pairs).
    public var count: Int
    /// Σ_b (n_b/N)·|p̄_b − ȳ_b|.
    public var expectedCalibrationError: Double

    /// The curve of predictions `p[i]` against binary outcomes `y[i]`, in `binCount` equal-width
    /// bins over [0, 1]: bin b = min(⌊p·B⌋, B − 1).
    public init<S: BinaryFloatingPoint>(predictions: [S], outcomes: [Bool], binCount: Int = 10) {
        precondition(predictions.count == outcomes.count, "ReliabilityCurve: \(predictions.count) predictions, \(outcomes.count) outcomes")
        precondition(binCount > 0, "ReliabilityCurve: binCount must be positive, got \(binCount)")
        var sums = [Double](repeating: 0, count: binCount)
        var hits = [Int](repeating: 0, count: binCount)
        var counts = [Int](repeating: 0, count: binCount)
        for (i, value) in predictions.enumerated() {
            guard let p = Self.clamped(value) else { continue }
            let b = Self.bin(p, binCount)
            sums[b] += p
            counts[b] += 1
            if outcomes[i] { hits[b] += 1 }
        }
        self.init(sums: sums, hits: hits, counts: counts)
    }

    /// `value` clamped into [0, 1]; nil for NaN.
    static func clamped<S: BinaryFloatingPoint>(_ value: S) -> Double? {
        let p = Double(value)
        return p.isNaN ? nil : Swift.min(Swift.max(p, 0), 1)
    }

    /// The bin of a probability p ∈ [0, 1]: min(⌊p·B⌋, B − 1).
    static func bin(_ p: Double, _ binCount: Int) -> Int {
        Swift.min(Int(p * Double(binCount)), binCount - 1)
    }

    /// The curve from per-bin sums of predictions, event counts and prediction counts.
    init(sums: [Double], hits: [Int], counts: [Int]) {
        let binCount = counts.count
        let total = counts.reduce(0, +)
        var bins = [ReliabilityBin]()
        var ece = 0.0
        for b in 0..<binCount {
            let n = counts[b]
            let mean = n > 0 ? sums[b] / Double(n) : nil
            let frequency = n > 0 ? Double(hits[b]) / Double(n) : nil
            let bin = ReliabilityBin(lowerBound: Double(b) / Double(binCount), upperBound: Double(b + 1) / Double(binCount),
                                     count: n, meanPrediction: mean, observedFrequency: frequency)
            if total > 0 { ece += Double(n) / Double(total) * bin.gap }
            bins.append(bin)
        }
        self.bins = bins
        self.count = total
        self.expectedCalibrationError = ece
    }

    /// The curve of pairwise probabilities pᵢ = P(chosenᵢ ≻ rejectedᵢ).
    ///
    /// Every observed outcome is "chosen won", so each pair enters in both orientations: (pᵢ, won)
    /// and (1 − pᵢ, lost). This is the expectation of the curve over a random A/B presentation
    /// order; it is symmetric (bin b mirrors bin B − 1 − b) and N = 2n.
    public init<S: BinaryFloatingPoint>(pairwiseProbabilities probabilities: [S], binCount: Int = 10) {
        precondition(binCount > 0, "ReliabilityCurve: binCount must be positive, got \(binCount)")
        var sums = [Double](repeating: 0, count: binCount)
        var hits = [Int](repeating: 0, count: binCount)
        var counts = [Int](repeating: 0, count: binCount)
        for value in probabilities {
            guard let p = Self.clamped(value) else { continue }
            let b = Self.bin(p, binCount)
            sums[b] += p
            counts[b] += 1
            hits[b] += 1
            let q = 1 - p
            let c = Self.bin(q, binCount)
            sums[c] += q
            counts[c] += 1
        }
        self.init(sums: sums, hits: hits, counts: counts)
    }
}
