import RealModule
import NumericCore

/// A (possibly stochastic) stationary policy π(a | s) of a finite MDP.
public struct MDPPolicy: Sendable, Equatable {
    /// π(a | s) as an S×A matrix whose rows sum to 1.
    public let probabilities: Tensor<Double>
    /// The chosen action of every state when the policy is deterministic, else `nil`.
    public let actions: [Int]?

    /// A deterministic policy choosing `actions[s]` in state s.
    public init(actions: [Int], actionCount: Int) {
        precondition(actionCount > 0 && actions.allSatisfy { $0 >= 0 && $0 < actionCount },
                     "MDPPolicy: actions must lie in 0..<\(actionCount)")
        var p = Tensor<Double>.zeros(shape: [actions.count, actionCount])
        for (s, a) in actions.enumerated() { p.scalars[s * actionCount + a] = 1 }
        self.probabilities = p
        self.actions = actions
    }

    /// A stochastic policy from an S×A matrix of probabilities (rows must sum to 1 within 1e-9).
    public init(probabilities: Tensor<Double>) {
        precondition(probabilities.rank == 2, "MDPPolicy needs an S×A matrix, got shape \(probabilities.shape)")
        let (s, a) = (probabilities.shape[0], probabilities.shape[1])
        for i in 0..<s {
            let row = probabilities.rowArray(i)
            precondition(row.allSatisfy { $0 >= 0 } && abs(row.reduce(0, +) - 1) <= 1e-9,
                         "MDPPolicy: row \(i) of \(s)×\(a) probabilities is not a distribution")
        }
        self.probabilities = probabilities
        self.actions = nil
    }

    /// The uniformly random policy, π(a | s) = 1/A.
    public static func uniformRandom(stateCount: Int, actionCount: Int) -> MDPPolicy {
        MDPPolicy(probabilities: Tensor(shape: [stateCount, actionCount], repeating: 1 / Double(actionCount)))
    }

    /// The deterministic greedy policy π(s) = argmax_a Q(s, a); ties go to the lowest action index.
    public static func greedy(actionValues q: Tensor<Double>) -> MDPPolicy {
        precondition(q.rank == 2, "greedy needs an S×A matrix of action values, got shape \(q.shape)")
        let (s, a) = (q.shape[0], q.shape[1])
        var actions = [Int](repeating: 0, count: s)
        q.scalars.withUnsafeBufferPointer { p in
            for i in 0..<s {
                var best = 0
                for j in 1..<a where p[i * a + j] > p[i * a + best] { best = j }
                actions[i] = best
            }
        }
        return MDPPolicy(actions: actions, actionCount: a)
    }

    /// Number of states.
    public var stateCount: Int { probabilities.shape[0] }
}
