import FeatureModels
import FileFormats
import NumericCore
import PreferenceData

extension HeadTraining {
    /// Cross-fitted label-noise scores of feature pairs (see ``LabelNoiseScores``): `fit` trains a
    /// head on the pairs outside each of the `folds` folds, and the head scores the held-out pairs
    /// by P(chosen ≻ rejected) = σ((r_c − r_r)/τ), the probability of their observed label.
    ///
    /// - Throws: `DataError` naming `source` when there are fewer pairs than folds (or fewer than 2
    ///   folds), and whatever `fit` throws.
    public static func labelNoiseScores<S: BLASScalar>(
        _ pairs: FeaturePairs<S>, folds: Int = 5, seed: UInt64 = 0, source: String = "chosen",
        fit: (FeaturePairs<S>) throws -> RewardHead<S>
    ) throws -> LabelNoiseScores {
        guard folds >= 2, pairs.count >= folds else {
            throw DataError(file: source, reason: .invalidValue(
                "label-noise scores need at least \(max(folds, 2)) pairs for \(folds) folds, found \(pairs.count)"))
        }
        return try LabelNoiseScores.crossFitted(rows: pairs.count, folds: folds, seed: seed) { (train, test) throws in
            let head = try fit(pairs.subset(train))
            let held = pairs.subset(test)
            return head.probabilities(chosen: held.chosen, rejected: held.rejected).map { Double($0) }
        }
    }
}
