import Foundation
import NumericCore

/// Pairwise evaluation metrics for any preference model.
///
/// Conventions (see `Docs/Metrics.md`): pair i has a **score** sᵢ, the logit of the model's
/// probability pᵢ = P(chosenᵢ ≻ rejectedᵢ) = σ(sᵢ). For a reward model sᵢ = r(x_c) − r(x_r); for
/// GPM it is the skew-symmetric score divided by the temperature. Models whose probability is not
/// the sigmoid of one logit (mixtures) pass probabilities directly. The observed outcome of every
/// pair is "chosen won" (yᵢ = 1). Margins and temperatures used in training do not enter.
public enum PreferenceMetrics {
    /// Accuracy = (1/n) Σ 1[sᵢ > 0]: strict, so a tie (sᵢ = 0, e.g. r_c = r_r) counts as wrong.
    public static func accuracy<S: BinaryFloatingPoint>(scores: [S]) -> Double {
        precondition(!scores.isEmpty, "accuracy: no scores")
        return Double(scores.reduce(0) { $0 + ($1 > 0 ? 1 : 0) }) / Double(scores.count)
    }

    /// Accuracy = (1/n) Σ 1[r(x_c) > r(x_r)].
    public static func accuracy<S: BinaryFloatingPoint>(chosenRewards: [S], rejectedRewards: [S]) -> Double {
        accuracy(scores: margins(chosenRewards: chosenRewards, rejectedRewards: rejectedRewards))
    }

    /// Accuracy = (1/n) Σ 1[pᵢ > ½].
    public static func accuracy<S: BinaryFloatingPoint>(probabilities: [S]) -> Double {
        precondition(!probabilities.isEmpty, "accuracy: no probabilities")
        return Double(probabilities.reduce(0) { $0 + ($1 > 0.5 ? 1 : 0) }) / Double(probabilities.count)
    }

    /// Log-loss = (1/n) Σ −log σ(sᵢ) = (1/n) Σ softplus(−sᵢ), exact for any finite score.
    public static func logLoss<S: BinaryFloatingPoint>(scores: [S]) -> Double {
        precondition(!scores.isEmpty, "logLoss: no scores")
        return scores.reduce(0.0) { $0 + Double.softplus(-Double($1)) } / Double(scores.count)
    }

    /// Log-loss = (1/n) Σ −log max(pᵢ, 10⁻¹⁵) (the clamp keeps a confident mistake finite, as in
    /// scikit-learn).
    public static func logLoss<S: BinaryFloatingPoint>(probabilities: [S]) -> Double {
        precondition(!probabilities.isEmpty, "logLoss: no probabilities")
        return probabilities.reduce(0.0) { $0 - Foundation.log(Swift.max(Double($1), 1e-15)) } / Double(probabilities.count)
    }

    /// Brier score = (1/n) Σ (1 − pᵢ)² (the same over both presentation orders).
    public static func brierScore<S: BinaryFloatingPoint>(probabilities: [S]) -> Double {
        precondition(!probabilities.isEmpty, "brierScore: no probabilities")
        return probabilities.reduce(0.0) { $0 + (1 - Double($1)) * (1 - Double($1)) } / Double(probabilities.count)
    }

    /// Expected calibration error of pᵢ = P(chosenᵢ ≻ rejectedᵢ) with `binCount` equal-width bins,
    /// each pair counted in both orientations (see ``ReliabilityCurve/init(pairwiseProbabilities:binCount:)``).
    public static func expectedCalibrationError<S: BinaryFloatingPoint>(probabilities: [S], binCount: Int = 10) -> Double {
        ReliabilityCurve(pairwiseProbabilities: probabilities, binCount: binCount).expectedCalibrationError
    }

    /// pᵢ = σ(sᵢ).
    public static func probabilities<S: BinaryFloatingPoint>(scores: [S]) -> [Double] {
        scores.map { Double.sigmoid(Double($0)) }
    }

    /// sᵢ = r(x_c) − r(x_r) in Double.
    public static func margins<S: BinaryFloatingPoint>(chosenRewards: [S], rejectedRewards: [S]) -> [Double] {
        precondition(chosenRewards.count == rejectedRewards.count,
                     "margins: \(chosenRewards.count) chosen and \(rejectedRewards.count) rejected rewards")
        return zip(chosenRewards, rejectedRewards).map { Double($0) - Double($1) }
    }
}
