import FileFormats
import NumericCore
import PreferenceData

/// Every pairwise metric of a model on one data set (definitions in ``PreferenceMetrics`` and
/// `Docs/Metrics.md`).
///
/// ```swift
/// let evaluation = PreferenceEvaluation(chosenRewards: rc, rejectedRewards: rr)
/// print(evaluation.accuracy, evaluation.expectedCalibrationError)
/// ```
public struct PreferenceEvaluation: Sendable, Equatable, Codable {
    /// Number of pairs n.
    public var count: Int
    /// (1/n) Σ 1[sᵢ > 0].
    public var accuracy: Double
    /// (1/n) Σ −log pᵢ.
    public var logLoss: Double
    /// (1/n) Σ (1 − pᵢ)².
    public var brierScore: Double
    /// ECE of pᵢ = P(chosen ≻ rejected), both orientations, equal-width bins.
    public var expectedCalibrationError: Double
    /// The reliability curve behind the ECE.
    public var reliability: ReliabilityCurve
    /// Reward statistics, for models with a reward.
    public var rewards: RewardStatistics?
    /// Accuracy by user, when users are known.
    public var byUser: GroupedAccuracy?
    /// Accuracy by group, when groups are known.
    public var byGroup: GroupedAccuracy?

    /// Metrics from scores sᵢ (logits of P(chosen ≻ rejected)), or a ``PreferenceEvaluationError``
    /// naming the first pair whose score is NaN or ±∞ (a model whose arithmetic overflowed on the
    /// pair's features): such a score has no accuracy, log-loss or calibration, and a report must
    /// not show one. Reports use this; the non-throwing initializers are total but pass undefined
    /// values through (NaN log-loss, NaN left out of the reliability bins).
    public static func checked<S: BinaryFloatingPoint>(scores: [S], grouping: PairGrouping? = nil,
                                                       binCount: Int = 10) throws(PreferenceEvaluationError) -> PreferenceEvaluation {
        guard !scores.isEmpty else { throw .noPairs }
        if let bad = scores.firstIndex(where: { !$0.isFinite }) { throw .nonFiniteScore(pair: bad, value: Double(scores[bad])) }
        return PreferenceEvaluation(scores: scores, grouping: grouping, binCount: binCount)
    }

    /// Metrics from probabilities pᵢ = P(chosen ≻ rejected), or a ``PreferenceEvaluationError``
    /// naming the first pair whose probability is NaN or outside [0, 1].
    public static func checked<S: BinaryFloatingPoint>(probabilities: [S], grouping: PairGrouping? = nil,
                                                       binCount: Int = 10) throws(PreferenceEvaluationError) -> PreferenceEvaluation {
        guard !probabilities.isEmpty else { throw .noPairs }
        if let bad = probabilities.firstIndex(where: { !($0 >= 0 && $0 <= 1) }) {
            throw .invalidProbability(pair: bad, value: Double(probabilities[bad]))
        }
        return PreferenceEvaluation(probabilities: probabilities, grouping: grouping, binCount: binCount)
    }

    /// Metrics from scores sᵢ (logits of P(chosen ≻ rejected)).
    public init<S: BinaryFloatingPoint>(scores: [S], grouping: PairGrouping? = nil, binCount: Int = 10) {
        let doubles = scores.map { Double($0) }
        let p = PreferenceMetrics.probabilities(scores: doubles)
        self.init(count: doubles.count, accuracy: PreferenceMetrics.accuracy(scores: doubles),
                  logLoss: PreferenceMetrics.logLoss(scores: doubles), probabilities: p,
                  correct: doubles.map { $0 > 0 }, grouping: grouping, binCount: binCount)
    }

    /// Metrics from the rewards of each pair's chosen and rejected response (sᵢ = r_c − r_r),
    /// with reward statistics.
    public init<S: BinaryFloatingPoint>(chosenRewards: [S], rejectedRewards: [S], grouping: PairGrouping? = nil, binCount: Int = 10) {
        self.init(scores: PreferenceMetrics.margins(chosenRewards: chosenRewards, rejectedRewards: rejectedRewards),
                  grouping: grouping, binCount: binCount)
        rewards = RewardStatistics(chosen: chosenRewards, rejected: rejectedRewards)
    }

    /// Metrics from probabilities pᵢ = P(chosen ≻ rejected) (models without a single logit).
    public init<S: BinaryFloatingPoint>(probabilities: [S], grouping: PairGrouping? = nil, binCount: Int = 10) {
        let p = probabilities.map { Double($0) }
        self.init(count: p.count, accuracy: PreferenceMetrics.accuracy(probabilities: p),
                  logLoss: PreferenceMetrics.logLoss(probabilities: p), probabilities: p,
                  correct: p.map { $0 > 0.5 }, grouping: grouping, binCount: binCount)
    }

    private init(count: Int, accuracy: Double, logLoss: Double, probabilities: [Double], correct: [Bool],
                 grouping: PairGrouping?, binCount: Int) {
        self.count = count
        self.accuracy = accuracy
        self.logLoss = logLoss
        brierScore = PreferenceMetrics.brierScore(probabilities: probabilities)
        reliability = ReliabilityCurve(pairwiseProbabilities: probabilities, binCount: binCount)
        expectedCalibrationError = reliability.expectedCalibrationError
        if let grouping {
            precondition(grouping.userIDs.count == count, "PreferenceEvaluation: \(grouping.userIDs.count) user ids for \(count) pairs")
            byUser = GroupedAccuracy(correct: correct, labelOfPair: grouping.userIDs, names: grouping.userNames)
            if let groupOfUser = grouping.groupOfUser {
                byGroup = GroupedAccuracy(correct: correct, labelOfPair: grouping.userIDs.map { groupOfUser[$0] },
                                          names: grouping.groupNames)
            }
        }
    }

    /// The metrics as JSON (snake_case keys), for reports and `--json` output.
    public var jsonValue: JSONValue {
        var object: [String: JSONValue] = [
            "pairs": .number(Double(count)),
            "accuracy": .number(accuracy),
            "log_loss": .number(logLoss),
            "brier_score": .number(brierScore),
            "ece": .number(expectedCalibrationError),
            "reliability": .array(reliability.bins.map { bin in
                [
                    "lower": .number(bin.lowerBound), "upper": .number(bin.upperBound), "count": .number(Double(bin.count)),
                    "mean_prediction": bin.meanPrediction.map(JSONValue.number) ?? .null,
                    "observed_frequency": bin.observedFrequency.map(JSONValue.number) ?? .null,
                ]
            }),
        ]
        if let rewards {
            object["rewards"] = [
                "min": .number(rewards.minimum), "mean": .number(rewards.mean), "max": .number(rewards.maximum),
                "mean_chosen": .number(rewards.meanChosen), "mean_rejected": .number(rewards.meanRejected),
                "mean_margin": .number(rewards.meanMargin),
            ]
        }
        func grouped(_ g: GroupedAccuracy) -> JSONValue {
            [
                "groups": .array(g.groups.map { ["name": .string($0.name), "pairs": .number(Double($0.count)), "accuracy": .number($0.accuracy)] }),
                "worst": g.worst.map { ["name": .string($0.name), "pairs": .number(Double($0.count)), "accuracy": .number($0.accuracy)] } ?? .null,
                "mean_accuracy": .number(g.meanAccuracy),
            ]
        }
        // `per_user` / `per_group`: the one per-group shape of every report; `by_user` / `by_group`
        // are the earlier shape, kept alongside.
        func list(_ g: GroupedAccuracy) -> JSONValue {
            .array(g.groups.map { ["group": .string($0.name), "pairs": .number(Double($0.count)), "accuracy": .number($0.accuracy)] })
        }
        if let byUser { object["by_user"] = grouped(byUser); object["per_user"] = list(byUser) }
        if let byGroup { object["by_group"] = grouped(byGroup); object["per_group"] = list(byGroup) }
        return .object(object)
    }
}

/// Why a model's predictions on a data set have no metrics.
public enum PreferenceEvaluationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// There are no pairs to evaluate.
    case noPairs
    /// The score (logit) of pair `pair` (0-based) is NaN or infinite.
    case nonFiniteScore(pair: Int, value: Double)
    /// The probability of pair `pair` (0-based) is NaN or outside [0, 1].
    case invalidProbability(pair: Int, value: Double)

    /// The 0-based pair the problem is in, when there is one.
    public var pair: Int? {
        switch self {
        case .noPairs: nil
        case .nonFiniteScore(let pair, _), .invalidProbability(let pair, _): pair
        }
    }

    /// The error as one line for the command line.
    public var description: String {
        switch self {
        case .noPairs: "no pairs to evaluate"
        case .nonFiniteScore(let pair, let value): "the model's score of pair \(pair) is \(value), not a finite number"
        case .invalidProbability(let pair, let value): "the model's probability of pair \(pair) is \(value), not a number in [0, 1]"
        }
    }
}
