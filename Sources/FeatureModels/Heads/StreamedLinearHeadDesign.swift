import NumericCore
import PreferenceData

/// The linear head's objective terms streamed over row blocks of memory-mapped pairs
/// (``MappedFeaturePairs``): each evaluation reads the owned rows block by block, builds that
/// block's ``LinearHeadDesign`` and adds its terms, so a fit on files larger than memory gives the
/// in-memory result (up to the order of summation) in bounded memory.
///
/// Per evaluation the resident data is one block: its differences `x_c − x_r` (and sums when
/// centering), formed in one pass from the two mappings (`MappedNumPyArray.combinedRows`), `B·d`
/// (`2·B·d`) scalars for B rows — 32 MiB at the default block — plus the mapped pages of the
/// block, released after it.
///
/// For a shard of a distributed fit, ``pairCount`` is the global number of pairs (the objective's
/// mean is over all of them) while the block loop covers only the shard's rows.
public struct StreamedLinearHeadDesign<Scalar: BLASScalar>: LinearHeadObjectiveTerms {
    /// The pairs (owned rows).
    public let pairs: MappedFeaturePairs<Scalar>
    /// The number of pairs n the objective averages over.
    public let pairCount: Int
    /// Whether blocks carry the sums `x_c + x_r` (needed by a centered objective).
    public let includesSums: Bool

    /// A streamed design over `pairs`; `pairCount` defaults to the owned rows' count.
    public init(_ pairs: MappedFeaturePairs<Scalar>, includesSums: Bool, pairCount: Int? = nil) {
        self.pairs = pairs
        self.includesSums = includesSums
        self.pairCount = pairCount ?? pairs.count
    }

    /// The feature dimension d.
    public var dimension: Int { pairs.dimension }

    /// The in-memory design of one block of rows.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func design(of block: Range<Int>) -> LinearHeadDesign<Scalar> {
        LinearHeadDesign(differences: pairs.chosen.combinedRows(block, pairs.rejected, sign: -1),
                         sums: includesSums ? pairs.chosen.combinedRows(block, pairs.rejected, sign: 1) : nil,
                         margins: pairs.margins(of: block))
    }

    /// The sum of the blocks' ``LinearHeadDesign/dataTerms(at:objective:scale:gradient:)``.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func dataTerms(at w: [Double], objective: BradleyTerryObjective, scale: Double, gradient: inout [Double]?) -> Double {
        let d = dimension
        let wantsGradient = gradient != nil
        var total = 0.0
        var sum = [Double](repeating: 0, count: d)
        pairs.forEachBlock { range in
            let design = design(of: range)
            var g: [Double]? = wantsGradient ? [] : nil
            total += design.dataTerms(at: w, objective: objective, scale: scale, gradient: &g)
            if let g { for j in 0..<d { sum[j] += g[j] } }
        }
        if wantsGradient { gradient = sum }
        return total
    }

    /// The sum of the blocks' ``LinearHeadDesign/dataHessian(at:objective:scale:)``.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func dataHessian(at w: [Double], objective: BradleyTerryObjective, scale: Double) -> [Double] {
        let d = dimension
        var h = [Double](repeating: 0, count: d * d)
        pairs.forEachBlock { range in
            let block = design(of: range).dataHessian(at: w, objective: objective, scale: scale)
            for k in 0..<(d * d) { h[k] += block[k] }
        }
        return h
    }
}
