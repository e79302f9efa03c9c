import RealModule
import NumericCore

/// Scores a learned reward by how well its greedy policy does under the true reward:
///
///     scaled return = (V̄_learned − V̄_random) / (V̄_optimal − V̄_random),
///
/// where V̄_π is the mean over non-terminal start states of V^π under the true weights, π_learned is
/// greedy for the learned weights (ties to the lowest action), and π_random is uniform. 1 means
/// optimal, 0 as good as random, < 0 worse than random; ``nearOptimalThreshold`` = 0.9.
public struct ScaledReturnEvaluator: Sendable {
    /// A scaled return at or above this is "near-optimal".
    public static let nearOptimalThreshold = 0.9

    /// The MDP the policies act in.
    public let mdp: FiniteMDP
    /// The true reward weights.
    public let trueWeights: Tensor<Double>
    /// The true optimal solution.
    public let optimal: OptimalSolution
    /// V̄ of the optimal policy.
    public let optimalReturn: Double
    /// V̄ of the uniformly random policy.
    public let randomReturn: Double
    let starts: [Int]

    /// An evaluator of policies in `mdp` under the true reward `trueWeights` (solves the MDP for the optimal and the uniform-random returns).
    public init(mdp: FiniteMDP, trueWeights: Tensor<Double>) throws(MDPError) {
        self.mdp = mdp
        self.trueWeights = trueWeights
        self.starts = mdp.nonterminalStates
        guard !starts.isEmpty else { throw .noStartStates }
        self.optimal = try mdp.solve(weights: trueWeights)
        self.optimalReturn = Self.mean(optimal.values, starts)
        let random = try mdp.evaluate(.uniformRandom(stateCount: mdp.stateCount, actionCount: mdp.actionCount),
                                      weights: trueWeights)
        self.randomReturn = Self.mean(random, starts)
    }

    /// V̄ of a policy under the true weights.
    public func meanReturn(of policy: MDPPolicy) throws(MDPError) -> Double {
        Self.mean(try mdp.evaluate(policy, weights: trueWeights), starts)
    }

    /// The scaled return of the greedy policy of `learnedWeights` (1 when optimal and random tie).
    public func scaledReturn(learnedWeights: Tensor<Double>) throws(MDPError) -> Double {
        let policy = try mdp.solve(weights: learnedWeights).greedyPolicy
        let learned = try meanReturn(of: policy)
        let span = optimalReturn - randomReturn
        if abs(span) <= 1e-12 * Swift.max(1, abs(optimalReturn)) { return 1 }
        return (learned - randomReturn) / span
    }

    static func mean(_ v: Tensor<Double>, _ states: [Int]) -> Double {
        states.reduce(0) { $0 + v.scalars[$1] } / Double(states.count)
    }
}
