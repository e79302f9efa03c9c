import NumericCore

/// The data part of a linear head's full-batch objective, wherever the pairs live: in memory
/// (``LinearHeadDesign``), streamed in row blocks from memory-mapped files
/// (``StreamedLinearHeadDesign``), or sharded over processes (RewardKitMPI's all-reduced terms).
///
/// With `zᵢ = (w·dᵢ − mᵢ)/τ`, `vᵢ = w·sᵢ` and a scale `s` (the full-batch objective uses `s = 1/n`),
/// a source returns the sums `s·Σ ωᵢ[softplus(−zᵢ) + c·vᵢ²]`, their gradient
/// `s·Σ ωᵢ[−σ(−zᵢ)/τ·dᵢ + 2c·vᵢ·sᵢ]` and Hessian `s·Σ ωᵢ[σ(zᵢ)σ(−zᵢ)/τ²·dᵢdᵢᵀ + 2c·sᵢsᵢᵀ]`, over
/// its own pairs only and without the penalty. Because the terms are sums, sources compose: a
/// sharded objective is the sum of its shards' terms, each scaled by one over the global count.
/// ``value(at:objective:gradient:)`` and ``hessian(at:objective:)`` add `(λ/2)‖w‖²` (and `λI`) once.
public protocol LinearHeadObjectiveTerms: Sendable {
    /// The feature dimension d.
    var dimension: Int { get }
    /// The number of pairs n the objective averages over (for a shard: the global count).
    var pairCount: Int { get }
    /// `s·Σ ωᵢ·lossᵢ` and, when `gradient` is non-nil, its gradient (d values), over this source's pairs.
    func dataTerms(at w: [Double], objective: BradleyTerryObjective, scale: Double, gradient: inout [Double]?) -> Double
    /// `s·Σ ωᵢ·∇²lossᵢ` over this source's pairs, a full symmetric d×d matrix (row-major).
    func dataHessian(at w: [Double], objective: BradleyTerryObjective, scale: Double) -> [Double]
}

extension LinearHeadObjectiveTerms {
    /// `L(w) = (1/n)Σ ωᵢ lossᵢ + (λ/2)‖w‖²` and, when `gradient` is given, `∇L(w)`, in Double.
    public func value(at w: [Double], objective: BradleyTerryObjective, gradient: inout [Double]?) -> Double {
        precondition(w.count == dimension, "LinearHeadObjectiveTerms.value: \(w.count) weights for dimension \(dimension)")
        let scale = 1 / Double(Swift.max(pairCount, 1))
        var value = dataTerms(at: w, objective: objective, scale: scale, gradient: &gradient)
        let lambda = objective.l2Penalty
        var squares = 0.0
        for x in w { squares += x * x }
        value += 0.5 * lambda * squares
        if gradient != nil { for j in 0..<dimension { gradient![j] += lambda * w[j] } }
        return value
    }

    /// The Hessian `(1/n)Σ ωᵢ∇²lossᵢ + λI` in Double.
    public func hessian(at w: [Double], objective: BradleyTerryObjective) -> Tensor<Double> {
        precondition(w.count == dimension, "LinearHeadObjectiveTerms.hessian: \(w.count) weights for dimension \(dimension)")
        var h = dataHessian(at: w, objective: objective, scale: 1 / Double(Swift.max(pairCount, 1)))
        let d = dimension
        for i in 0..<d { h[i * d + i] += objective.l2Penalty }
        return Tensor(shape: [d, d], scalars: h)
    }
}
