import FeatureModels
import NumericCore
import PreferenceData

extension HeadTraining {
    /// Cross-fitted label-noise scores of feature pairs (see ``LabelNoiseScores``): `fit` trains a
    /// head on the pairs outside each of the `folds` folds, and the head scores the held-out pairs
    /// by P(chosen ≻ rejected) = σ((r_c − r_r)/τ), the probability of their observed label.
    ///
    /// - Throws: whatever `fit` throws.
    public static func labelNoiseScores<S: BLASScalar>(
        _ pairs: FeaturePairs<S>, folds: Int = 5, seed: UInt64 = 0, fit: (FeaturePairs<S>) throws -> RewardHead<S>
    ) throws -> LabelNoiseScores {
        try LabelNoiseScores.crossFitted(rows: pairs.count, folds: folds, seed: seed) { (train, test) throws in
            let head = try fit(pairs.subset(train))
            let held = pairs.subset(test)
            return head.probabilities(chosen: held.chosen, rejected: held.rejected).map { Double($0) }
        }
    }
}
