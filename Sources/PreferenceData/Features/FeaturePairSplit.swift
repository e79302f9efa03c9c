/// A train/test partition of a ``FeaturePairs`` set, with the original row indices of each side
/// (ascending, disjoint, together covering every pair once).
public struct FeaturePairSplit<Scalar: BLASScalar>: Sendable {
    /// The training part.
    public var train: FeaturePairs<Scalar>
    /// The held-out part.
    public var test: FeaturePairs<Scalar>
    /// The rows of the original pairs in `train`, in order.
    public var trainIndices: [Int]
    /// The rows of the original pairs in `test`, in order.
    public var testIndices: [Int]
}

import NumericCore
