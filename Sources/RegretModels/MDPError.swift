/// Why a finite MDP, a segment or a regret experiment was rejected.
///
/// Every constructor in the regret toolkit that takes user input (transition lists, grid layouts,
/// preference counts) reports bad input through this type instead of crashing.
public enum MDPError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A size that must be positive was not (`what` names it).
    case invalidSize(what: String, value: Int)
    /// The discount factor is outside (0, 1].
    case invalidDiscount(Double)
    /// An outcome of `(state, action)` names a next state outside `0..<stateCount`.
    case nextStateOutOfRange(state: Int, action: Int, next: Int)
    /// The outcome probabilities of `(state, action)` are negative, non-finite or do not sum to 1.
    case invalidProbabilities(state: Int, action: Int, total: Double)
    /// An outcome of `(state, action)` carries a feature vector of the wrong length or a non-finite value.
    case invalidFeatures(state: Int, action: Int, reason: String)
    /// A grid layout could not be parsed (`row` is 0-based).
    case invalidLayout(row: Int, reason: String)
    /// A weight vector has the wrong length or a non-finite entry.
    case invalidWeights(expected: Int, found: Int)
    /// The MDP has no state a segment can start from (every state is terminal).
    case noStartStates
    /// A request the configuration cannot satisfy.
    case invalidConfiguration(String)
    /// Policy evaluation's linear system I − γP_π is singular (γ = 1 and the policy never terminates).
    case singularPolicyEvaluation(String)
    /// An iterative computation stopped at its iteration limit before reaching its tolerance.
    case notConverged(iterations: Int, residual: Double)

    /// The error in words, for messages.
    public var description: String {
        switch self {
        case .invalidSize(let what, let value): return "\(what) must be positive, got \(value)"
        case .invalidDiscount(let g): return "discount must lie in (0, 1], got \(g)"
        case .nextStateOutOfRange(let s, let a, let n): return "state \(s), action \(a): next state \(n) out of range"
        case .invalidProbabilities(let s, let a, let total):
            return "state \(s), action \(a): outcome probabilities must be finite, non-negative and sum to 1 (sum \(total))"
        case .invalidFeatures(let s, let a, let reason): return "state \(s), action \(a): \(reason)"
        case .invalidLayout(let row, let reason): return "grid layout row \(row): \(reason)"
        case .invalidWeights(let expected, let found):
            return "weight vector must hold \(expected) finite values, got \(found)"
        case .noStartStates: return "the MDP has no non-terminal state to start a segment from"
        case .invalidConfiguration(let detail): return detail
        case .singularPolicyEvaluation(let detail):
            return "policy evaluation system is singular (γ = 1 with a policy that never terminates?): \(detail)"
        case .notConverged(let iterations, let residual):
            return "did not converge in \(iterations) iterations (residual \(residual))"
        }
    }
}
