import NumericCore

/// A synthetic feature-pair data set with its ground truth: training and test pairs drawn from the
/// same true model, and how well that model itself ranks them.
public struct SyntheticFeatureData<Scalar: BLASScalar>: Sendable {
    /// The training pairs.
    public var train: FeaturePairs<Scalar>
    /// The test pairs.
    public var test: FeaturePairs<Scalar>
    /// The model the labels were sampled from.
    public var truth: SyntheticRewardTruth
    /// The share of training pairs whose sampled label the true model ranks correctly
    /// (s(chosen, rejected) > 0, strictly).
    public var oracleTrainAccuracy: Double
    /// The same share on the test pairs: the accuracy no model can beat in expectation.
    public var oracleTestAccuracy: Double
    /// E[max(p, 1 − p)] over the test pairs, p = σ(s): the expected oracle accuracy, without the
    /// label-sampling noise of ``oracleTestAccuracy``.
    public var oracleExpectedTestAccuracy: Double
}
