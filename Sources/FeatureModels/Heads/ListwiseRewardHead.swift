import NumericCore
import PreferenceData
import Training

/// A linear or MLP reward head trained listwise: the Plackett–Luce loss of ranked response sets
/// (k responses per set, k varying) on its rewards, in the same minibatch trainer as the pairwise
/// heads (`PairwiseTrainer.fit(_:on:validate:optimizer:observer:)` with ``RankedResponses`` as the
/// source).
///
/// ```swift
/// let data = try RankedResponses<Float>.load(features: URL(fileURLWithPath: "responses.npy"),
///                                            rankings: URL(fileURLWithPath: "sets.csv"))
/// var head = ListwiseRewardHead(.linear(LinearRewardHead(dimension: data.dimension)))
/// var adam = Adam<Float>(learningRate: 1e-2)
/// let report = PairwiseTrainer(configuration: .init(epochs: 20, batchSize: 64)).fit(
///     &head, on: data, validate: nil, optimizer: &adam)
/// print(head.evaluate(on: data).kendallTau)
/// ```
public struct ListwiseRewardHead<Scalar: BLASScalar>: MinibatchTrainable, Sendable {
    /// The wrapped head.
    public var head: RewardHead<Scalar>

    /// A listwise head around `head`.
    public init(_ head: RewardHead<Scalar>) { self.head = head }

    /// The head's parameters.
    public var parameters: [Tensor<Scalar>] {
        get { head.parameters }
        set { head.parameters = newValue }
    }

    /// The Plackett–Luce loss per unit set weight (plus the head's L2 penalty) and its gradients.
    public func lossAndGradients(on batch: RankedResponseBatch<Scalar>) -> (loss: Double, gradients: [Tensor<Scalar>]) {
        head.lossAndGradients(on: batch)
    }

    /// The rewards of the rows of `features`.
    public func rewards(_ features: Tensor<Scalar>) -> [Scalar] { head.rewards(features) }

    /// The mean Plackett–Luce loss (without the penalty) and the ranking metrics on `data`.
    public func evaluate(on data: RankedResponses<Scalar>) -> (loss: Double, metrics: RankingMetrics) {
        Self.evaluate(rewards: rewards(data.features), on: data, temperature: head.objective.temperature)
    }

    /// The mean Plackett–Luce loss and ranking metrics of any model's `rewards` (one per row of
    /// `data.features`) on `data`, e.g. a pairwise head's.
    public static func evaluate(rewards: [Scalar], on data: RankedResponses<Scalar>, temperature: Double = 1)
        -> (loss: Double, metrics: RankingMetrics) {
        let scores = data.rows.map { Double(rewards[$0]) }
        let choices = PlackettLuceChoices(data.rankings)
        let total = choices.chainWeights.reduce(0, +)
        let loss = total > 0 ? choices.evaluate(scores.map { $0 / temperature }, parallel: true).negativeLogLikelihood / total : 0
        return (loss, RankingMetrics(scores: scores, rankings: data.rankings))
    }
}
