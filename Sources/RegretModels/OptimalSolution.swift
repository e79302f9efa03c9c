import RealModule
import NumericCore

/// How ``FiniteMDP/solve(weights:method:tolerance:maximumIterations:)`` finds V*.
public enum OptimalControlMethod: Sendable, Equatable {
    /// Bellman backups V ← max_a [r̄ + γ P V] (one transition product per sweep) until the
    /// Bellman residual ‖T V − V‖∞ is at most the tolerance. Needs about log(ε)/log(γ) sweeps:
    /// tens of thousands at γ = 0.999 when some optimal policy never terminates.
    case valueIteration
    /// Howard's policy iteration: exact evaluation of the greedy policy by a linear solve, then
    /// improvement, until the policy is stable; finished by Bellman backups if the residual
    /// still exceeds the tolerance. A handful of O(S³) solves, independent of γ.
    case policyIteration
}

/// V*, Q* and the optimal advantages A* = Q* − V* of a linear reward w·φ.
public struct OptimalSolution: Sendable {
    /// The reward weights w the solution is optimal for.
    public let weights: Tensor<Double>
    /// V*(s), length S.
    public let values: Tensor<Double>
    /// Q*(s, a) = r̄(s, a) + γ Σ P(s′|s,a) V*(s′), S×A.
    public let actionValues: Tensor<Double>
    /// ‖T V − V‖∞ of the returned values (T the Bellman optimality operator).
    public let bellmanResidual: Double
    /// Sweeps (value iteration) or evaluations plus sweeps (policy iteration).
    public let iterations: Int
    /// True when the residual reached the tolerance.
    public let converged: Bool

    /// A*(s, a) = Q*(s, a) − V*(s) ≤ 0, S×A.
    public var advantages: Tensor<Double> {
        let (s, a) = (actionValues.shape[0], actionValues.shape[1])
        var out = actionValues
        for i in 0..<s { for j in 0..<a { out.scalars[i * a + j] -= values.scalars[i] } }
        return out
    }

    /// The greedy (optimal) policy, ties to the lowest action index.
    public var greedyPolicy: MDPPolicy { MDPPolicy.greedy(actionValues: actionValues) }
}

extension FiniteMDP {
    /// Solves for the optimal values of the reward r = w·φ.
    ///
    /// - Parameters:
    ///   - weights: w, one entry per reward feature.
    ///   - method: the solution method.
    ///   - tolerance: stop when the Bellman residual ‖max_a Q(V) − V‖∞ ≤ tolerance.
    ///   - maximumIterations: the cap on Bellman sweeps (and on policy-iteration rounds).
    /// - Returns: the solution; `converged` is false if the cap was reached first.
    /// - Throws: ``MDPError/invalidWeights(expected:found:)``, or
    ///   ``MDPError/singularPolicyEvaluation(_:)`` (γ = 1 with a non-terminating greedy policy;
    ///   use ``OptimalControlMethod/valueIteration`` there).
    public func solve(
        weights: Tensor<Double>, method: OptimalControlMethod = .policyIteration,
        tolerance: Double = 1e-10, maximumIterations: Int = 200_000
    ) throws(MDPError) -> OptimalSolution {
        try validate(weights: weights)
        let r = rewards(weights: weights)
        var v = Tensor<Double>.zeros(shape: [stateCount])
        var iterations = 0
        if method == .policyIteration {
            var policy = MDPPolicy.greedy(actionValues: r)
            var q = r
            for _ in 0..<Swift.max(1, Swift.min(maximumIterations, 10_000)) {
                iterations += 1
                let rPi = Tensor<Double>(shape: [stateCount, 1],
                                         scalars: (0..<stateCount).map { r.scalars[$0 * actionCount + policy.actions![$0]] })
                v = try solvePolicySystem(policy, rightHandSide: rPi, method: .linearSolve).reshaped([stateCount])
                q = actionValues(rewards: r, values: v)
                // Improve only where an action is better by more than rounding noise, so ties never cycle.
                var actions = policy.actions!
                var changed = false
                for s in 0..<stateCount {
                    let current = q.scalars[s * actionCount + actions[s]]
                    var best = actions[s], bestValue = current
                    for a in 0..<actionCount where q.scalars[s * actionCount + a] > bestValue {
                        best = a
                        bestValue = q.scalars[s * actionCount + a]
                    }
                    if best != actions[s] && bestValue - current > 1e-12 * Swift.max(1, abs(current)) {
                        actions[s] = best
                        changed = true
                    }
                }
                if !changed { break }
                policy = MDPPolicy(actions: actions, actionCount: actionCount)
            }
        }
        // Bellman sweeps: the whole method for value iteration, a polish for policy iteration.
        var residual = Double.infinity
        var q = actionValues(rewards: r, values: v)
        var sweeps = 0
        while true {
            var next = v
            residual = 0
            for s in 0..<stateCount {
                var best = q.scalars[s * actionCount]
                for a in 1..<actionCount { best = Swift.max(best, q.scalars[s * actionCount + a]) }
                next.scalars[s] = best
                residual = Swift.max(residual, abs(best - v.scalars[s]))
            }
            if residual <= tolerance || sweeps >= maximumIterations { break }
            v = next
            q = actionValues(rewards: r, values: v)
            sweeps += 1
        }
        return OptimalSolution(weights: weights, values: v, actionValues: q, bellmanResidual: residual,
                               iterations: iterations + sweeps, converged: residual <= tolerance)
    }
}
