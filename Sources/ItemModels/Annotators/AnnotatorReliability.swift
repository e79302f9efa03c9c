import NumericCore

/// One annotator's fitted reliability and position bias in a ``NoisyBradleyTerryModel`` (or a noisy
/// reward head), with a flag.
///
/// The flag comes from the informativeness ι = (2η − 1)·4σ(β)σ(−β), the slope of the annotator's
/// report probability in θ_i − θ_j at a tie relative to a careful, unbiased annotator (1 for η = 1,
/// β = 0; 0 for a coin flipper or an annotator who always picks one side; −1 for one who always
/// reports the opposite): `tooFew` below the minimum label count, else `adversarial` when ι ≤ −t,
/// `spammer` when |ι| < t, `ok` otherwise (t = 0.2 by default).
public struct AnnotatorReliability: Sendable, Equatable {
    /// What the fit says about an annotator.
    public enum Flag: String, Sendable, Equatable, CaseIterable {
        /// Informative (ι ≥ t).
        case ok
        /// Labels carry (almost) no information about the items: η ≈ 0.5 or a large |β| (|ι| < t).
        case spammer
        /// Labels mostly report the opposite of the preference (ι ≤ −t, so η < 0.5).
        case adversarial
        /// Fewer labels than the minimum: the estimates are mostly the prior (the population).
        case tooFew = "too-few"
    }

    /// The annotator's name.
    public var name: String
    /// η, the probability of reporting the true preference.
    public var reliability: Double
    /// β, the position bias toward the item shown first (nil when the data do not record it).
    public var bias: Double?
    /// The number of labels (records with positive weight).
    public var labels: Int
    /// ι = (2η − 1)·4σ(β)σ(−β) ∈ [−1, 1].
    public var informativeness: Double
    /// The flag.
    public var flag: Flag

    /// An annotator's entry, flagged with `minimumLabels` and threshold `threshold`.
    public init(name: String, reliability: Double, bias: Double?, labels: Int, minimumLabels: Int, threshold: Double) {
        self.name = name
        self.reliability = reliability
        self.bias = bias
        self.labels = labels
        let beta = bias ?? 0
        informativeness = (2 * reliability - 1) * 4 * Double.sigmoid(beta) * Double.sigmoid(-beta)
        if labels < minimumLabels {
            flag = .tooFew
        } else if informativeness <= -threshold {
            flag = .adversarial
        } else if abs(informativeness) < threshold {
            flag = .spammer
        } else {
            flag = .ok
        }
    }
}
