/// Summary of the rewards a model assigns to the chosen and rejected responses of n pairs.
public struct RewardStatistics: Sendable, Equatable, Codable {
    /// min over all 2n rewards.
    public var minimum: Double
    /// mean over all 2n rewards.
    public var mean: Double
    /// max over all 2n rewards.
    public var maximum: Double
    /// (1/n) Σ r(x_c).
    public var meanChosen: Double
    /// (1/n) Σ r(x_r).
    public var meanRejected: Double
    /// (1/n) Σ (r(x_c) − r(x_r)).
    public var meanMargin: Double

    /// The statistics of rewards `chosen[i]`, `rejected[i]` of pair i (n ≥ 1).
    public init<S: BinaryFloatingPoint>(chosen: [S], rejected: [S]) {
        precondition(chosen.count == rejected.count && !chosen.isEmpty,
                     "RewardStatistics: \(chosen.count) chosen and \(rejected.count) rejected rewards")
        var low = Double.infinity, high = -Double.infinity
        var sumChosen = 0.0, sumRejected = 0.0
        for i in chosen.indices {
            let c = Double(chosen[i]), r = Double(rejected[i])
            low = Swift.min(low, c, r)
            high = Swift.max(high, c, r)
            sumChosen += c
            sumRejected += r
        }
        let n = Double(chosen.count)
        minimum = low
        maximum = high
        meanChosen = sumChosen / n
        meanRejected = sumRejected / n
        mean = (sumChosen + sumRejected) / (2 * n)
        meanMargin = (sumChosen - sumRejected) / n
    }
}
