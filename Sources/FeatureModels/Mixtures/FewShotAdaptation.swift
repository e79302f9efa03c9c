import RealModule
import NumericCore
import Optimizers
import PreferenceData

extension PluralisticPreferenceModel {
    /// The logits of a new user fitted from their comparisons with every other parameter frozen:
    /// the MAP estimate under a standard normal prior on the logits,
    ///
    ///     u* = argmin_u  n·L(u; support) + ½‖u‖²,
    ///
    /// where `L` is the model's mean loss on the `n` support pairs (user ids in `support` are
    /// ignored). The prior keeps `u*` finite with a single comparison. Solved by L-BFGS on K
    /// numbers; only the logit gradient is used.
    public func fitNewUserLogits(_ support: PairBatch<Scalar>, maximumIterations: Int = 100) -> [Scalar] {
        let K = prototypeCount
        let n = support.count
        if n == 0 { return [Scalar](repeating: 0, count: K) }
        var single = self
        var params = single.parameters
        params[userLogitsIndex] = Tensor.zeros(shape: [1, K])
        single.parameters = params
        var batch = support
        batch.users = [Int](repeating: 0, count: n)
        let index = userLogitsIndex
        let solver = LBFGS<Scalar>(gradientTolerance: 1e-6, maximumIterations: maximumIterations)
        let result = solver.minimize(from: [Scalar](repeating: 0, count: K)) { u, gradient in
            var p = single.parameters
            p[index] = Tensor(shape: [1, K], scalars: u)
            single.parameters = p
            let (loss, grads) = single.lossAndGradients(on: batch)
            var value = Scalar(loss) * Scalar(n)
            for k in 0..<K {
                gradient[k] = grads[index].scalars[k] * Scalar(n) + u[k]
                value += u[k] * u[k] / 2
            }
            return value
        }
        return result.parameters
    }

    /// This model with one more user whose logits are `logits`; returns the new user's index.
    public mutating func appendUser(logits: [Scalar]) -> Int {
        precondition(logits.count == prototypeCount, "appendUser: \(logits.count) logits for K = \(prototypeCount)")
        var params = parameters
        let old = params[userLogitsIndex]
        params[userLogitsIndex] = Tensor.concatenate([old, Tensor(shape: [1, prototypeCount], scalars: logits)])
        parameters = params
        return old.rowCount
    }
}

/// Accuracy on unseen users as a function of how many of their comparisons a model may use.
public enum FewShotEvaluation {
    /// One point of the curve.
    public struct Point: Sendable, Equatable, Codable {
        /// Comparisons used to adapt to each user.
        public var shots: Int
        /// Strict accuracy (`P > 0.5`) on the users' query pairs.
        public var accuracy: Double
        /// Users evaluated.
        public var users: Int
        /// Query pairs evaluated.
        public var pairs: Int
    }

    /// For each user with more than `max(shots)` pairs: shuffle their pairs (seeded), use the first
    /// `s` as support and the pairs after the first `max(shots)` as the query (the same query set
    /// for every `s`), and score `predict(support, query)` (probabilities of `chosen ≻ rejected`).
    public static func curve<Scalar: BLASScalar>(
        chosen: Tensor<Scalar>, rejected: Tensor<Scalar>, users: [Int], shots: [Int] = [1, 2, 5, 10, 20, 50],
        seed: UInt64 = 0, predict: (_ support: PairBatch<Scalar>, _ query: PairBatch<Scalar>) -> [Scalar]
    ) -> [Point] {
        precondition(users.count == chosen.rowCount && chosen.shape == rejected.shape,
                     "FewShotEvaluation: \(users.count) users, chosen \(chosen.shape), rejected \(rejected.shape)")
        let largest = shots.max() ?? 0
        var byUser = [Int: [Int]]()
        for (i, u) in users.enumerated() { byUser[u, default: []].append(i) }
        var generator = SeededGenerator(seed: seed)
        var correct = [Int](repeating: 0, count: shots.count)
        var total = 0
        var evaluated = 0
        for u in byUser.keys.sorted() {
            var rows = byUser[u]!
            guard rows.count > largest else { continue }
            rows.shuffle(using: &generator)
            let query = Array(rows[largest...])
            let queryBatch = PairBatch(chosen: chosen.gatherRows(query), rejected: rejected.gatherRows(query),
                                       users: [Int](repeating: 0, count: query.count))
            evaluated += 1
            total += query.count
            for (j, s) in shots.enumerated() {
                let support = Array(rows[0..<s])
                let supportBatch = PairBatch(chosen: chosen.gatherRows(support), rejected: rejected.gatherRows(support),
                                             users: [Int](repeating: 0, count: s))
                let p = predict(supportBatch, queryBatch)
                correct[j] += p.filter { $0 > 0.5 }.count
            }
        }
        return shots.indices.map { j in
            Point(shots: shots[j], accuracy: total > 0 ? Double(correct[j]) / Double(total) : .nan,
                  users: evaluated, pairs: total)
        }
    }
}
