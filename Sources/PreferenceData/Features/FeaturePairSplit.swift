/// A train/test partition of a ``FeaturePairs`` set, with the original row indices of each side
/// (ascending, disjoint, together covering every pair once).
public struct FeaturePairSplit<Scalar: BLASScalar>: Sendable {
    public var train: FeaturePairs<Scalar>
    public var test: FeaturePairs<Scalar>
    public var trainIndices: [Int]
    public var testIndices: [Int]
}

import NumericCore
