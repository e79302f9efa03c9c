import RealModule
import NumericCore

/// A segment σ = (s_0, a_0, s_1, …, a_{T−1}, s_T) of T transitions with their features φ_t = φ(s_t, a_t, s_{t+1}).
public struct TrajectorySegment: Sendable, Equatable {
    /// s_0 … s_T (T + 1 states).
    public let states: [Int]
    /// a_0 … a_{T−1}.
    public let actions: [Int]
    /// φ_0 … φ_{T−1}, row-major T×d.
    public let features: [Double]
    /// d.
    public let featureCount: Int

    /// A segment visiting `states` (one more than `actions`) with the per-transition reward `features` (row-major, `featureCount` per transition).
    public init(states: [Int], actions: [Int], features: [Double], featureCount: Int) {
        precondition(states.count == actions.count + 1 && features.count == actions.count * featureCount,
                     "TrajectorySegment: \(states.count) states, \(actions.count) actions, \(features.count) feature values (d = \(featureCount))")
        self.states = states
        self.actions = actions
        self.features = features
        self.featureCount = featureCount
    }

    /// T, the number of transitions.
    public var length: Int { actions.count }

    /// Φ(σ) = Σ_t φ_t, so the partial return is PR(σ) = w·Φ(σ) (undiscounted, as in Knox et al.).
    public var partialReturnFeatures: [Double] {
        var out = [Double](repeating: 0, count: featureCount)
        for t in 0..<length { for j in 0..<featureCount { out[j] += features[t * featureCount + j] } }
        return out
    }

    /// PR(σ) = Σ_t w·φ_t.
    public func partialReturn(weights: Tensor<Double>) -> Double {
        precondition(weights.count == featureCount, "partialReturn: \(weights.count) weights for d = \(featureCount)")
        return zip(partialReturnFeatures, weights.scalars).reduce(0) { $0 + $1.0 * $1.1 }
    }
}

extension FiniteMDP {
    /// Samples a segment of `length` transitions from `start` with uniformly random actions.
    public func sampleSegment<G: RandomNumberGenerator>(
        from start: Int, length: Int, using generator: inout G
    ) -> TrajectorySegment {
        precondition(start >= 0 && start < stateCount && length >= 0,
                     "sampleSegment(from: \(start), length: \(length)) for \(stateCount) states")
        var states = [start]
        var actions = [Int]()
        var features = [Double]()
        var s = start
        for _ in 0..<length {
            let a = Int.random(in: 0..<actionCount, using: &generator)
            let outcome = sampleOutcome(state: s, action: a, using: &generator)
            actions.append(a)
            features.append(contentsOf: outcome.features)
            s = outcome.next
            states.append(s)
        }
        return TrajectorySegment(states: states, actions: actions, features: features, featureCount: featureCount)
    }

    /// The regret of a segment under an optimal solution:
    /// regret(σ) = −Σ_t γ^t A*(s_t, a_t) = Σ_t γ^t [V*(s_t) − Q*(s_t, a_t)] ≥ 0.
    ///
    /// With deterministic transitions this telescopes to V*(s_0) − (Σ_t γ^t r_t + γ^T V*(s_T)),
    /// Knox et al.'s regret_d (their γ = 1 form drops the discounts).
    public func regret(of segment: TrajectorySegment, optimal: OptimalSolution) -> Double {
        var total = 0.0
        var power = 1.0
        for t in 0..<segment.length {
            let s = segment.states[t]
            total += power * (optimal.values.scalars[s] - optimal.actionValues.scalars[s * actionCount + segment.actions[t]])
            power *= discount
        }
        return total
    }

    /// Writes regret_w(σ) for any w as c·V*_w − w·f:
    /// regret_w(σ) = Σ_t γ^t [V*_w(s_t) − w·φ̄(s_t, a_t) − γ Σ_{s′} P(s′|s_t, a_t) V*_w(s′)],
    /// so c = Σ_t γ^t (e_{s_t} − γ P(·|s_t, a_t)) and f = Σ_t γ^t φ̄(s_t, a_t).
    ///
    /// With deterministic transitions c telescopes to e_{s_0} − γ^T e_{s_T}. Terminal states are
    /// dropped from c (V*_w = 0 there for every w), as are exactly cancelled entries.
    func regretDesign(of segment: TrajectorySegment) -> (coefficients: [Int: Double], features: [Double]) {
        var c = [Int: Double]()
        var f = [Double](repeating: 0, count: featureCount)
        var power = 1.0
        for t in 0..<segment.length {
            let s = segment.states[t], row = s * actionCount + segment.actions[t]
            c[s, default: 0] += power
            let next = power * discount
            for (column, p) in transitions.entries(ofRow: row) { c[column, default: 0] -= next * p }
            for j in 0..<featureCount { f[j] += power * expectedFeatures.scalars[row * featureCount + j] }
            power = next
        }
        return (c.filter { !isTerminal[$0.key] && $0.value != 0 }, f)
    }
}
