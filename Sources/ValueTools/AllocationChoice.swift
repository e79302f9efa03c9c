/// One observed choice among allocations: a slider answer (nine options) or a pairwise
/// allocation choice (two options), with a weight multiplying its log-likelihood term.
public struct AllocationChoice: Sendable, Hashable, Codable {
    /// The allocations offered.
    public var options: [SVOAllocation]
    /// The 0-based index of the chosen allocation in ``options``.
    public var chosen: Int
    /// The weight of this choice in every likelihood (finite, ≥ 0).
    public var weight: Double

    /// A choice of `options[chosen]` with a weight.
    public init(options: [SVOAllocation], chosen: Int, weight: Double = 1) {
        precondition(options.count >= 2, "AllocationChoice needs at least two options, got \(options.count)")
        precondition(chosen >= 0 && chosen < options.count,
                     "AllocationChoice: chosen index \(chosen) outside 0..<\(options.count)")
        precondition(weight.isFinite && weight >= 0, "AllocationChoice: weight \(weight) is not finite and ≥ 0")
        self.options = options
        self.chosen = chosen
        self.weight = weight
    }

    /// A pairwise choice: `preferred` was chosen over `other`.
    public static func pair(preferred: SVOAllocation, over other: SVOAllocation, weight: Double = 1) -> AllocationChoice {
        AllocationChoice(options: [preferred, other], chosen: 0, weight: weight)
    }
}
