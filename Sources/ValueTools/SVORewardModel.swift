import RealModule
import NumericCore

/// Social Value Orientation as a reward model: an agent with value angle θ scores an allocation by
///
///     u_θ(self, other) = cos θ·self + sin θ·other
///
/// and chooses with rationality β > 0 (per payoff unit) by a logit rule: between two allocations
/// P(A over B) = σ(β·(u_θ(A) − u_θ(B))); among the options of a slider,
/// P(option k) = softmax_k(β·u_θ(option k)). θ = 0° is individualistic (own payoff only),
/// 45° prosocial (joint payoff), 90° altruistic (the other's payoff), −45° competitive
/// (self − other). β → ∞ is a perfect maximizer of u_θ, β → 0 chooses uniformly at random.
public struct SVORewardModel: Sendable, Hashable, Codable {
    /// The value angle θ in radians.
    public var angle: Double
    /// The rationality β (inverse temperature per payoff unit).
    public var rationality: Double

    /// A model with value angle θ in radians and rationality β.
    public init(angle: Double, rationality: Double) {
        self.angle = angle
        self.rationality = rationality
    }

    /// A model with value angle θ in degrees and rationality β.
    public init(angleDegrees: Double, rationality: Double) {
        self.init(angle: Angle.radians(angleDegrees), rationality: rationality)
    }

    /// θ in degrees.
    public var angleDegrees: Double { Angle.degrees(angle) }

    /// The SVO category of θ.
    public var category: SVOCategory { SVOCategory(angleDegrees: Angle.wrapDegrees(angleDegrees)) }

    /// u_θ(self, other) = cos θ·self + sin θ·other.
    public func utility(_ a: SVOAllocation) -> Double {
        Double.cos(angle) * a.selfPayoff + Double.sin(angle) * a.otherPayoff
    }

    /// P(choose `a` over `b`) = σ(β·(u_θ(a) − u_θ(b))).
    public func probability(choosing a: SVOAllocation, over b: SVOAllocation) -> Double {
        Double.sigmoid(rationality * (utility(a) - utility(b)))
    }

    /// The choice probabilities softmax_k(β·u_θ(option k)) over a set of options.
    public func choiceProbabilities(_ options: [SVOAllocation]) -> [Double] {
        softmax(options.map { rationality * utility($0) })
    }

    /// log P(choice) = β·u_chosen − log Σ_k exp(β·u_k), times the choice's weight.
    public func logLikelihood(_ choice: AllocationChoice) -> Double {
        let logits = choice.options.map { rationality * utility($0) }
        return choice.weight * (logits[choice.chosen] - logSumExp(logits))
    }

    /// The weighted log-likelihood of many choices.
    public func logLikelihood(_ choices: [AllocationChoice]) -> Double {
        choices.reduce(0) { $0 + logLikelihood($1) }
    }

    /// Draws one option index from the choice probabilities.
    public func sampleChoice<G: RandomNumberGenerator>(_ options: [SVOAllocation], using generator: inout G) -> Int {
        generator.nextIndex(weightedBy: choiceProbabilities(options))
    }

    /// Simulated answers to every item of a slider measure (options 1-based).
    public func answer<G: RandomNumberGenerator>(_ measure: SVOSliderMeasure, using generator: inout G) -> [Int] {
        measure.items.map { sampleChoice($0.options, using: &generator) + 1 }
    }
}
