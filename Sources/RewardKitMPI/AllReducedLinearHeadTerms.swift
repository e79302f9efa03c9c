import FeatureModels

/// A linear head's objective terms summed over the ranks of a ``Communicator``: every rank holds
/// its shard's terms (an in-memory ``LinearHeadDesign`` or a ``StreamedLinearHeadDesign`` over its
/// rows of a memory-mapped file), scaled by one over the global pair count; each evaluation
/// all-reduces `[value, gradient]` (d + 1 doubles) and each Hessian its d² entries.
///
/// Since every rank receives the same sums, ``LinearRewardHead/fit(terms:solver:objective:start:)``
/// runs the same L-BFGS or Newton iterations on every rank and ends with the same weights, equal to
/// the single-process fit up to the order of summation. A rank with no rows contributes zeros.
public struct AllReducedLinearHeadTerms<Local: LinearHeadObjectiveTerms>: LinearHeadObjectiveTerms {
    /// This rank's terms.
    public let local: Local
    /// The group.
    public let communicator: any Communicator
    /// The number of pairs over all ranks.
    public let pairCount: Int
    /// The feature dimension d (the same on every rank).
    public let dimension: Int

    /// Wraps this rank's terms; `localPairCount` is the number of pairs the rank owns (the global
    /// count is their all-reduced sum).
    public init(local: Local, localPairCount: Int, communicator: any Communicator) {
        self.local = local
        self.communicator = communicator
        self.pairCount = Int(communicator.allReduceSum(Double(localPairCount)).rounded())
        self.dimension = local.dimension
    }

    /// The sum over ranks of the local data terms, each scaled by `scale` (1 / the global count).
    public func dataTerms(at w: [Double], objective: BradleyTerryObjective, scale: Double, gradient: inout [Double]?) -> Double {
        var g: [Double]? = gradient == nil ? nil : []
        let value = local.dataTerms(at: w, objective: objective, scale: scale, gradient: &g)
        var buffer = [value] + (g ?? [])
        communicator.allReduceSum(&buffer)
        if gradient != nil { gradient = Array(buffer[1...]) }
        return buffer[0]
    }

    /// The sum over ranks of the local data Hessians (d² doubles all-reduced).
    public func dataHessian(at w: [Double], objective: BradleyTerryObjective, scale: Double) -> [Double] {
        var h = local.dataHessian(at: w, objective: objective, scale: scale)
        communicator.allReduceSum(&h)
        return h
    }
}
