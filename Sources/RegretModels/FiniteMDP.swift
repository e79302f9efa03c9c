import RealModule
import NumericCore

/// One possible result of taking an action: the next state, its probability and the
/// per-transition feature vector φ(s, a, s′).
public struct MDPOutcome: Sendable, Equatable {
    /// The next state.
    public var next: Int
    /// The probability of this outcome.
    public var probability: Double
    /// The reward features of the transition.
    public var features: [Double]

    /// An outcome reaching `next` with `probability` and reward `features`.
    public init(next: Int, probability: Double = 1, features: [Double]) {
        self.next = next
        self.probability = probability
        self.features = features
    }
}

/// A finite Markov decision process whose reward is linear in per-transition features.
///
/// States are `0..<stateCount`, actions `0..<actionCount`. Taking action a in state s leads to s′
/// with probability P(s′ | s, a) and yields the reward r(s, a, s′) = w·φ(s, a, s′) for a weight
/// vector w of length `featureCount`. Features that depend only on (s, a) are the special case of
/// identical φ across outcomes.
///
/// Terminal states are absorbing: every action in a terminal state loops to it with probability 1
/// and zero features, so nothing is earned after entry. The transition *into* a terminal state keeps
/// its features (a goal's reward is earned on the step that reaches it). Whatever outcomes the
/// caller supplies for a terminal state are replaced by that absorbing loop.
///
/// The stacked transition matrix has row `s·A + a` (see ``TransitionMatrix``); the expected
/// features φ̄(s, a) = Σ_{s′} P(s′|s, a) φ(s, a, s′) are the rows of ``expectedFeatures``
/// ((S·A)×d), so the expected rewards of all state–action pairs are one `gemv`, r̄ = φ̄·w.
public struct FiniteMDP: Sendable {
    /// S, the number of states.
    public let stateCount: Int
    /// A, the number of actions (the same in every state).
    public let actionCount: Int
    /// d, the length of φ and of a weight vector w.
    public let featureCount: Int
    /// γ ∈ (0, 1].
    public let discount: Double
    /// Terminal (absorbing) states.
    public let isTerminal: [Bool]
    /// The stacked per-action transition matrix, (S·A)×S.
    public let transitions: TransitionMatrix
    /// φ̄(s, a) in row s·A + a, (S·A)×d.
    public let expectedFeatures: Tensor<Double>

    // Outcomes in CSR form for sampling: row s·A + a owns outcomeStart[row]..<outcomeStart[row + 1].
    let outcomeStart: [Int]
    let outcomeNext: [Int]
    let outcomeProbability: [Double]
    let outcomeFeatures: [Double]

    /// Builds an MDP from the outcomes of every (state, action) pair.
    ///
    /// - Parameters:
    ///   - stateCount: the number of states.
    ///   - actionCount: the number of actions (the same in every state).
    ///   - featureCount: d, the number of reward features of a transition.
    ///   - discount: γ.
    ///   - terminal: which states are absorbing (their supplied outcomes are replaced).
    ///   - storage: dense or sparse transition matrices.
    ///   - outcomes: the outcomes of `(state, action)`; probabilities must be ≥ 0 and sum to 1
    ///     (within 1e-9), features must have `featureCount` finite entries.
    /// - Throws: ``MDPError`` naming the offending state and action.
    public init(
        stateCount: Int, actionCount: Int, featureCount: Int, discount: Double,
        terminal: [Bool], storage: TransitionStorage = .automatic,
        outcomes: (_ state: Int, _ action: Int) -> [MDPOutcome]
    ) throws(MDPError) {
        guard stateCount > 0 else { throw .invalidSize(what: "stateCount", value: stateCount) }
        guard actionCount > 0 else { throw .invalidSize(what: "actionCount", value: actionCount) }
        guard featureCount > 0 else { throw .invalidSize(what: "featureCount", value: featureCount) }
        guard discount > 0 && discount <= 1 && discount.isFinite else { throw .invalidDiscount(discount) }
        guard terminal.count == stateCount else {
            throw .invalidConfiguration("terminal flags: \(terminal.count) values for \(stateCount) states")
        }
        var rows = [[(column: Int, probability: Double)]]()
        rows.reserveCapacity(stateCount * actionCount)
        var start = [0]
        var nexts = [Int]()
        var probabilities = [Double]()
        var features = [Double]()
        var expected = [Double](repeating: 0, count: stateCount * actionCount * featureCount)
        for s in 0..<stateCount {
            for a in 0..<actionCount {
                let list = terminal[s]
                    ? [MDPOutcome(next: s, probability: 1, features: [Double](repeating: 0, count: featureCount))]
                    : outcomes(s, a)
                var total = 0.0
                var row = [(column: Int, probability: Double)]()
                for o in list {
                    guard o.next >= 0 && o.next < stateCount else {
                        throw .nextStateOutOfRange(state: s, action: a, next: o.next)
                    }
                    guard o.probability >= 0 && o.probability.isFinite else {
                        throw .invalidProbabilities(state: s, action: a, total: o.probability)
                    }
                    guard o.features.count == featureCount else {
                        throw .invalidFeatures(state: s, action: a,
                                               reason: "feature vector has \(o.features.count) values, expected \(featureCount)")
                    }
                    guard o.features.allSatisfy({ $0.isFinite }) else {
                        throw .invalidFeatures(state: s, action: a, reason: "feature value is not finite")
                    }
                    total += o.probability
                    if o.probability == 0 { continue }
                    row.append((o.next, o.probability))
                    nexts.append(o.next)
                    probabilities.append(o.probability)
                    features.append(contentsOf: o.features)
                    let base = (s * actionCount + a) * featureCount
                    for j in 0..<featureCount { expected[base + j] += o.probability * o.features[j] }
                }
                guard abs(total - 1) <= 1e-9 else { throw .invalidProbabilities(state: s, action: a, total: total) }
                rows.append(row)
                start.append(nexts.count)
            }
        }
        self.stateCount = stateCount
        self.actionCount = actionCount
        self.featureCount = featureCount
        self.discount = discount
        self.isTerminal = terminal
        self.transitions = TransitionMatrix(rows: rows, columnCount: stateCount, storage: storage)
        self.expectedFeatures = Tensor(shape: [stateCount * actionCount, featureCount], scalars: expected)
        self.outcomeStart = start
        self.outcomeNext = nexts
        self.outcomeProbability = probabilities
        self.outcomeFeatures = features
        self.isDeterministic = (0..<(stateCount * actionCount)).allSatisfy { start[$0 + 1] - start[$0] == 1 }
    }

    /// The non-terminal states, from which segments start and over which returns are averaged.
    public var nonterminalStates: [Int] { (0..<stateCount).filter { !isTerminal[$0] } }

    /// True when every (state, action) has a single outcome.
    public let isDeterministic: Bool

    /// The outcomes of `(state, action)`.
    public func outcomes(state: Int, action: Int) -> [MDPOutcome] {
        precondition(state >= 0 && state < stateCount && action >= 0 && action < actionCount,
                     "outcomes(state: \(state), action: \(action)) out of range for \(stateCount) states, \(actionCount) actions")
        let row = state * actionCount + action
        return (outcomeStart[row]..<outcomeStart[row + 1]).map { e in
            MDPOutcome(next: outcomeNext[e], probability: outcomeProbability[e],
                       features: Array(outcomeFeatures[(e * featureCount)..<((e + 1) * featureCount)]))
        }
    }

    /// Draws the outcome of `(state, action)`.
    public func sampleOutcome<G: RandomNumberGenerator>(
        state: Int, action: Int, using generator: inout G
    ) -> (next: Int, features: ArraySlice<Double>) {
        let row = state * actionCount + action
        let lo = outcomeStart[row], hi = outcomeStart[row + 1]
        var chosen = lo
        if hi - lo > 1 {
            var u = generator.nextOpenUnit()
            chosen = hi - 1
            for e in lo..<hi {
                u -= outcomeProbability[e]
                if u <= 0 { chosen = e; break }
            }
        }
        return (outcomeNext[chosen], outcomeFeatures[(chosen * featureCount)..<((chosen + 1) * featureCount)])
    }

    /// Checks that `weights` is a finite vector of length d.
    public func validate(weights: Tensor<Double>) throws(MDPError) {
        guard weights.count == featureCount, weights.isFinite else {
            throw .invalidWeights(expected: featureCount, found: weights.count)
        }
    }

    /// The expected rewards r̄(s, a) = w·φ̄(s, a) as an S×A matrix (one `gemv`).
    public func rewards(weights: Tensor<Double>) -> Tensor<Double> {
        precondition(weights.count == featureCount, "rewards: \(weights.count) weights for \(featureCount) features")
        return expectedFeatures.matvec(weights.reshaped([featureCount])).reshaped([stateCount, actionCount])
    }

    /// Q(s, a) = r̄(s, a) + γ Σ_{s′} P(s′|s, a) V(s′) for all pairs: one transition product.
    public func actionValues(rewards: Tensor<Double>, values: Tensor<Double>) -> Tensor<Double> {
        precondition(rewards.shape == [stateCount, actionCount] && values.count == stateCount,
                     "actionValues: rewards \(rewards.shape), values \(values.shape) for \(stateCount)×\(actionCount)")
        var q = transitions.apply(values.reshaped([stateCount]))
        q.scale(by: discount)
        q += rewards.reshaped([stateCount * actionCount])
        return q.reshaped([stateCount, actionCount])
    }
}
