import Foundation

/// The Davidson–Luce likelihood (Firth, Kosmidis & Turner 2019; R PlackettLuce's tie model) on
/// the choice events of ``PlackettLuceChoices``, with parameters x = (s, η₂, …, η_D), δ_t = e^{η_t}
/// the prevalence of ties of t items and D the largest tie in the data.
///
/// The place k that chooses the group C (t = |C| items) from the remaining set R has probability
///
///     P(C | R) = δ_t·exp(mean_{i∈C} sᵢ) / Σ_{S ⊆ R, 1 ≤ |S| ≤ min(D, |R|)} δ_|S|·exp(mean_{i∈S} sᵢ),
///
/// δ₁ = 1. Each alternative S has the log-weight φ_S = a_Sᵀx, linear in x (a_S holds 1/|S| on its
/// members and 1 on η_|S|), so −log P is a log-sum-exp of linear functions minus a linear term:
/// gradient Σ p_S a_S − a_C and Hessian Σ p_S a_S a_Sᵀ − ḡḡᵀ with ḡ = Σ p_S a_S (per place, times
/// the ranking's weight). The subsets are enumerated, so a place costs Σ_{t ≤ D} C(|R|, t).
package struct PlackettLuceTieKernel: Sendable {
    /// The choice events.
    package let choices: PlackettLuceChoices
    /// D, the largest tie order with a parameter (at least 2).
    package let largestTie: Int
    /// Weighted count of places choosing a group of t items, for t = 2 … D.
    package let tieCounts: [Double]

    /// The kernel with tie parameters for groups of 2 … `largestTie` (default: the largest tie in the data).
    package init(_ choices: PlackettLuceChoices, largestTie: Int? = nil) {
        self.choices = choices
        let d = max(2, largestTie ?? choices.maximumTieSize)
        self.largestTie = d
        var counts = [Double](repeating: 0, count: d - 1)
        for c in 0..<choices.chainCount {
            for stage in choices.stageBounds[c]..<choices.stageBounds[c + 1] {
                let t = Int(choices.stageChosen[stage])
                if t >= 2 { counts[t - 2] += choices.chainWeights[c] }
            }
        }
        tieCounts = counts
    }

    /// The number of tie parameters, D − 1.
    package var tieParameterCount: Int { largestTie - 1 }
    /// The length of x.
    package var dimension: Int { choices.dimension + tieParameterCount }

    /// The caches of one evaluation.
    package struct Evaluation: Sendable {
        /// The negative log-likelihood.
        package var negativeLogLikelihood: Double
        /// Its gradient.
        package var gradient: [Double]
        /// p_S of every alternative of every place, in enumeration order.
        package var probabilities: [Double]
    }

    /// Calls `body(weight, start, end, subsets)` for every place: its chain's weight, the range of
    /// the remaining set in `choices.positions`, and its alternatives as lists of positions.
    private func forEachPlace(_ body: (_ weight: Double, _ members: [Int], _ alternatives: [[Int]]) -> Void) {
        for c in 0..<choices.chainCount {
            let lo = choices.chainBounds[c], hi = choices.chainBounds[c + 1], w = choices.chainWeights[c]
            for stage in choices.stageBounds[c]..<choices.stageBounds[c + 1] {
                let start = lo + Int(choices.stageStarts[stage])
                let members = Array(start..<hi)
                var alternatives: [[Int]] = []
                forEachSubset(of: members.count, upTo: min(largestTie, members.count)) { subset in
                    alternatives.append(subset.map { members[$0] })
                }
                body(w, members, alternatives)
            }
        }
    }

    /// The coordinate of η_t in x.
    private func eta(_ t: Int) -> Int { choices.dimension + t - 2 }

    /// a_Sᵀx for the alternative of `positions`.
    private func logWeight(_ x: [Double], _ alternative: [Int]) -> Double {
        var sum = 0.0
        for j in alternative { sum += x[Int(choices.positions[j])] }
        let t = alternative.count
        return sum / Double(t) + (t >= 2 ? x[eta(t)] : 0)
    }

    /// The negative log-likelihood and its gradient at x.
    package func evaluate(_ x: [Double]) -> Evaluation {
        precondition(x.count == dimension, "\(x.count) parameters for \(dimension)")
        let n = choices.dimension
        var gradient = [Double](repeating: 0, count: dimension)
        var probabilities: [Double] = []
        var nll = 0.0
        forEachPlace { w, _, alternatives in
            let phi = alternatives.map { logWeight(x, $0) }
            let m = phi.max() ?? 0
            var z = 0.0
            for value in phi { z += exp(value - m) }
            nll += w * (m + log(z))
            for (k, alternative) in alternatives.enumerated() {
                let p = exp(phi[k] - m) / z
                probabilities.append(p)
                let t = alternative.count
                for j in alternative { gradient[Int(choices.positions[j])] += w * p / Double(t) }
                if t >= 2 { gradient[eta(t)] += w * p }
            }
        }
        for i in 0..<n {
            nll -= choices.chosenCounts[i] * x[i]
            gradient[i] -= choices.chosenCounts[i]
        }
        for t in 2...largestTie {
            nll -= tieCounts[t - 2] * x[eta(t)]
            gradient[eta(t)] -= tieCounts[t - 2]
        }
        return Evaluation(negativeLogLikelihood: nll, gradient: gradient, probabilities: probabilities)
    }

    /// ∇²(−log-likelihood)·v at the point of `evaluation`.
    package func hessianVectorProduct(_ evaluation: Evaluation, _ v: [Double]) -> [Double] {
        var product = [Double](repeating: 0, count: dimension)
        var cursor = 0
        forEachPlace { w, _, alternatives in
            let p = evaluation.probabilities[cursor..<(cursor + alternatives.count)]
            cursor += alternatives.count
            let av = alternatives.map { logWeight(v, $0) }
            var mean = 0.0
            for k in 0..<alternatives.count { mean += p[p.startIndex + k] * av[k] }
            for (k, alternative) in alternatives.enumerated() {
                let scale = w * p[p.startIndex + k] * (av[k] - mean)
                let t = alternative.count
                for j in alternative { product[Int(choices.positions[j])] += scale / Double(t) }
                if t >= 2 { product[eta(t)] += scale }
            }
        }
        return product
    }

    /// The dense Hessian (row-major, `dimension × dimension`) at the point of `evaluation`.
    package func denseHessian(_ evaluation: Evaluation) -> [Double] {
        let d = dimension
        var hessian = [Double](repeating: 0, count: d * d)
        var cursor = 0
        forEachPlace { w, _, alternatives in
            var mean = [Int: Double]()
            for alternative in alternatives {
                let p = evaluation.probabilities[cursor]
                cursor += 1
                let coordinates = coefficients(alternative)
                for (a, ca) in coordinates {
                    mean[a, default: 0] += p * ca
                    for (b, cb) in coordinates { hessian[a * d + b] += w * p * ca * cb }
                }
            }
            for (a, ga) in mean { for (b, gb) in mean { hessian[a * d + b] -= w * ga * gb } }
        }
        return hessian
    }

    /// The diagonal of the Hessian at the point of `evaluation`.
    package func hessianDiagonal(_ evaluation: Evaluation) -> [Double] {
        var diagonal = [Double](repeating: 0, count: dimension)
        var cursor = 0
        forEachPlace { w, _, alternatives in
            var mean = [Int: Double]()
            for alternative in alternatives {
                let p = evaluation.probabilities[cursor]
                cursor += 1
                for (a, ca) in coefficients(alternative) {
                    mean[a, default: 0] += p * ca
                    diagonal[a] += w * p * ca * ca
                }
            }
            for (a, ga) in mean { diagonal[a] -= w * ga * ga }
        }
        return diagonal
    }

    /// The nonzero coordinates of a_S (an item tied with itself never occurs, so they are distinct).
    private func coefficients(_ alternative: [Int]) -> [(Int, Double)] {
        let t = alternative.count
        var out = alternative.map { (Int(choices.positions[$0]), 1 / Double(t)) }
        if t >= 2 { out.append((eta(t), 1)) }
        return out
    }
}
