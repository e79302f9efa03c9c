import Dispatch
import Foundation
import RewardKitInternals

/// The choice events of a set of rankings and the one Plackett–Luce log-likelihood kernel on a
/// score vector s (item strengths θ for the item model, head outputs for listwise reward heads):
/// its value, gradient, Hessian-vector products, Hessian diagonal and dense Hessian.
///
/// A ranking with places C₁ ≻ C₂ ≻ … (each an item or a tie group) over its options is a *chain*:
/// its options in ranked order, unranked options (top-k) last. Place k with tᵏ = |Cₖ| items is the
/// choice of Cₖ from the remaining set Rₖ = Cₖ ∪ Cₖ₊₁ ∪ … ∪ unranked, a suffix of the chain, with
/// the term
///
///     ℓₖ = (1/tₖ) Σ_{i∈Cₖ} sᵢ − log Σ_{j∈Rₖ} e^{sⱼ}
///
/// (for tₖ = 1 the Plackett–Luce choice probability; for a tie, the geometric mean of the
/// probabilities that each tied item is chosen first, which is how a tie counts as "half a win"
/// for each side in ``ComparisonSet`` Bradley–Terry fits). Places whose remaining set is one item
/// contribute 0 and are not stored. The negative log-likelihood is
///
///     L(s) = −Σ_rankings w Σ_k ℓₖ = −bᵀs + Σ_stages w·log Σ_{j∈Rₖ} e^{sⱼ},
///
/// with b the weighted chosen counts ``chosenCounts``. Because every remaining set is a suffix of
/// its chain, one evaluation costs O(options) per ranking (suffix sums), not O(options²).
/// Davidson–Luce ties use ``PlackettLuceTieKernel``.
package struct PlackettLuceChoices: Sendable {
    /// The length of the score vector.
    package let dimension: Int
    /// The score index of each chain position, chain after chain.
    package private(set) var positions: [Int32] = []
    /// Chain c covers `positions[chainBounds[c]..<chainBounds[c + 1]]`.
    package private(set) var chainBounds: [Int] = [0]
    /// The start of each stage's remaining set, relative to its chain's first position.
    package private(set) var stageStarts: [Int32] = []
    /// The size of the chosen group of each stage (1 unless it is a tie).
    package private(set) var stageChosen: [Int32] = []
    /// Chain c has stages `stageBounds[c]..<stageBounds[c + 1]`.
    package private(set) var stageBounds: [Int] = [0]
    /// The weight of each chain.
    package private(set) var chainWeights: [Double] = []
    /// b: Σ over stored stages of w/tₖ for each chosen score index.
    package private(set) var chosenCounts: [Double]

    /// An empty set of choices over `dimension` scores.
    package init(dimension: Int) {
        self.dimension = dimension
        chosenCounts = [Double](repeating: 0, count: dimension)
    }

    /// The choice events of `rankings` over their items (scores are item strengths).
    package init(_ rankings: RankingSet) {
        self.init(dimension: rankings.itemCount)
        reserve(chains: rankings.count, positions: rankings.placeItems.count + rankings.unrankedItems.count)
        for r in 0..<rankings.count {
            appendChain(weight: rankings.weights[r]) { add in
                for p in rankings.rankingBounds[r]..<rankings.rankingBounds[r + 1] {
                    add(rankings.placeItems[rankings.placeBounds[p]..<rankings.placeBounds[p + 1]], false)
                }
                add(rankings.unrankedItems[rankings.unrankedBounds[r]..<rankings.unrankedBounds[r + 1]], true)
            }
        }
    }

    /// The number of chains (rankings with at least one stage).
    package var chainCount: Int { chainWeights.count }
    /// The number of stored choice events.
    package var stageCount: Int { stageStarts.count }
    /// The largest chosen group of any stage.
    package var maximumTieSize: Int { Int(stageChosen.max() ?? 1) }

    mutating func reserve(chains: Int, positions count: Int) {
        positions.reserveCapacity(count)
        chainBounds.reserveCapacity(chains + 1)
        chainWeights.reserveCapacity(chains)
        stageStarts.reserveCapacity(count)
        stageChosen.reserveCapacity(count)
        stageBounds.reserveCapacity(chains + 1)
    }

    /// Appends one ranking: `places` from best to worst over score indices, then the unranked options.
    package mutating func append(places: [[Int]], unranked: [Int] = [], weight: Double) {
        appendChain(weight: weight) { add in
            for place in places { add(ArraySlice(place.map { Int32($0) }), false) }
            add(ArraySlice(unranked.map { Int32($0) }), true)
        }
    }

    /// Appends every chain of `other` (whose score indices must be below ``dimension``).
    package mutating func append(contentsOf other: PlackettLuceChoices) {
        precondition(other.dimension <= dimension, "choices over \(other.dimension) scores appended to \(dimension)")
        let offset = positions.count, stageOffset = stageStarts.count
        positions += other.positions
        stageStarts += other.stageStarts
        stageChosen += other.stageChosen
        chainWeights += other.chainWeights
        for c in 1..<other.chainBounds.count { chainBounds.append(other.chainBounds[c] + offset) }
        for c in 1..<other.stageBounds.count { stageBounds.append(other.stageBounds[c] + stageOffset) }
        for i in 0..<other.dimension { chosenCounts[i] += other.chosenCounts[i] }
    }

    /// The same chains with chain c's weight multiplied by `multipliers[c]` (a bootstrap resample).
    package func reweighted(_ multipliers: [Double]) -> PlackettLuceChoices {
        precondition(multipliers.count == chainCount, "\(multipliers.count) multipliers for \(chainCount) chains")
        var copy = self
        copy.chosenCounts = [Double](repeating: 0, count: dimension)
        for c in 0..<chainCount {
            let w = chainWeights[c] * multipliers[c]
            copy.chainWeights[c] = w
            let lo = chainBounds[c]
            for stage in stageBounds[c]..<stageBounds[c + 1] {
                let start = lo + Int(stageStarts[stage]), t = Int(stageChosen[stage])
                for q in start..<(start + t) { copy.chosenCounts[Int(positions[q])] += w / Double(t) }
            }
        }
        return copy
    }

    private mutating func appendChain(weight: Double,
                                      _ body: (_ add: (_ group: ArraySlice<Int32>, _ unranked: Bool) -> Void) -> Void) {
        let chainStart = positions.count
        var groups: [(start: Int, size: Int, unranked: Bool)] = []
        body { group, unranked in
            if group.isEmpty { return }
            groups.append((positions.count - chainStart, group.count, unranked))
            positions.append(contentsOf: group)
        }
        let length = positions.count - chainStart
        let stages = groups.filter { !$0.unranked && length - $0.start >= 2 }
        if stages.isEmpty || weight == 0 {
            // Nothing to learn from this ranking (one option, or weight 0): it is not stored.
            positions.removeLast(length)
            return
        }
        for group in stages {
            stageStarts.append(Int32(group.start))
            stageChosen.append(Int32(group.size))
            let share = weight / Double(group.size)
            for q in 0..<group.size { chosenCounts[Int(positions[chainStart + group.start + q])] += share }
        }
        chainBounds.append(positions.count)
        stageBounds.append(stageStarts.count)
        chainWeights.append(weight)
    }

    /// The caches of one evaluation, reused by Hessian products at the same point.
    package struct Evaluation: Sendable {
        /// L(s), the negative log-likelihood.
        package var negativeLogLikelihood: Double
        /// ∇L(s).
        package var gradient: [Double]
        /// e^{s_j − m_c} per chain position (m_c the chain's largest score).
        package var positionExp: [Double]
    }

    /// The chunks of chains evaluated concurrently (one below 50,000 chains or without `parallel`).
    func chunks(parallel: Bool) -> [Range<Int>] {
        let count = chainCount
        let pieces = parallel && count >= 50_000 ? max(1, min(8, ProcessInfo.processInfo.activeProcessorCount)) : 1
        let size = (count + pieces - 1) / max(pieces, 1)
        return (0..<pieces).map { min(count, $0 * size)..<min(count, ($0 + 1) * size) }
    }

    /// Runs `body(chunk, gradientSlice)` over the chain chunks, each with its own zeroed buffer of
    /// `dimension` doubles, and returns the sum of the buffers and of the returned values.
    private func reduce(parallel: Bool,
                        _ body: @Sendable (Range<Int>, UnsafeMutablePointer<Double>) -> Double) -> (Double, [Double]) {
        let pieces = chunks(parallel: parallel)
        let d = dimension
        let buffers = SharedBuffer(count: pieces.count * d)
        let values = SharedBuffer(count: pieces.count)
        if pieces.count == 1 {
            values.pointer[0] = body(pieces[0], buffers.pointer)
        } else {
            DispatchQueue.concurrentPerform(iterations: pieces.count) { k in
                values.pointer[k] = body(pieces[k], buffers.pointer + k * d)
            }
        }
        var total = [Double](repeating: 0, count: d)
        var value = 0.0
        for k in 0..<pieces.count {
            value += values.pointer[k]
            for i in 0..<d { total[i] += buffers.pointer[k * d + i] }
        }
        return (value, total)
    }

    /// L(s) and ∇L(s), with the caches for ``hessianVectorProduct(_:_:parallel:)``.
    package func evaluate(_ scores: [Double], parallel: Bool = true) -> Evaluation {
        precondition(scores.count == dimension, "\(scores.count) scores for \(dimension)")
        let exps = SharedBuffer(count: positions.count)
        let (value, gradient) = withArrays(scores) { a in
            reduce(parallel: parallel) { range, g in
                var nll = 0.0
                var scales = [Double](repeating: 0, count: a.maximumStages)
                for c in range {
                    let lo = a.bounds[c], hi = a.bounds[c + 1]
                    var m = -Double.infinity
                    for j in lo..<hi { m = max(m, a.scores[Int(a.positions[j])]) }
                    for j in lo..<hi { exps.pointer[j] = Foundation.exp(a.scores[Int(a.positions[j])] - m) }
                    // Suffix sums Z at each stage start, and the forward accumulation of w/Z.
                    let w = a.weights[c]
                    let s0 = a.stageBounds[c], s1 = a.stageBounds[c + 1]
                    var suffix = 0.0
                    var stage = s1 - 1
                    var j = hi - 1
                    while j >= lo {
                        suffix += exps.pointer[j]
                        while stage >= s0 && lo + Int(a.stageStarts[stage]) == j {
                            nll += w * (Foundation.log(suffix) + m)
                            scales[stage - s0] = w / suffix
                            stage -= 1
                        }
                        j -= 1
                    }
                    var accumulated = 0.0
                    stage = s0
                    for j in lo..<hi {
                        while stage < s1 && lo + Int(a.stageStarts[stage]) == j {
                            accumulated += scales[stage - s0]
                            stage += 1
                        }
                        g[Int(a.positions[j])] += exps.pointer[j] * accumulated
                    }
                }
                return nll
            }
        }
        var nll = value
        var full = gradient
        for i in 0..<dimension {
            nll -= chosenCounts[i] * scores[i]
            full[i] -= chosenCounts[i]
        }
        let cached = Array(UnsafeBufferPointer(start: exps.pointer, count: positions.count))
        return Evaluation(negativeLogLikelihood: nll, gradient: full, positionExp: cached)
    }

    /// L(s) alone.
    package func negativeLogLikelihood(_ scores: [Double], parallel: Bool = true) -> Double {
        evaluate(scores, parallel: parallel).negativeLogLikelihood
    }

    /// ∇²L(s)·v at the point of `evaluation`.
    package func hessianVectorProduct(_ evaluation: Evaluation, _ v: [Double], parallel: Bool = true) -> [Double] {
        precondition(v.count == dimension, "vector of length \(v.count) for \(dimension)")
        return withArrays(v) { a in
            evaluation.positionExp.withUnsafeBufferPointer { buffer in
                let e = SendableBuffer(buffer: buffer)
                return reduce(parallel: parallel) { range, h in
                    var scales = [Double](repeating: 0, count: a.maximumStages)
                    var means = scales
                    for c in range {
                        let lo = a.bounds[c], hi = a.bounds[c + 1]
                        let w = a.weights[c]
                        let s0 = a.stageBounds[c], s1 = a.stageBounds[c + 1]
                        var z = 0.0, u = 0.0
                        var stage = s1 - 1
                        var j = hi - 1
                        while j >= lo {
                            let ej = e.buffer[j]
                            z += ej
                            u += ej * a.scores[Int(a.positions[j])]
                            while stage >= s0 && lo + Int(a.stageStarts[stage]) == j {
                                scales[stage - s0] = w / z
                                means[stage - s0] = u / z
                                stage -= 1
                            }
                            j -= 1
                        }
                        var first = 0.0, second = 0.0
                        stage = s0
                        for j in lo..<hi {
                            while stage < s1 && lo + Int(a.stageStarts[stage]) == j {
                                first += scales[stage - s0]
                                second += scales[stage - s0] * means[stage - s0]
                                stage += 1
                            }
                            let ej = e.buffer[j]
                            h[Int(a.positions[j])] += ej * (a.scores[Int(a.positions[j])] * first - second)
                        }
                    }
                    return 0
                }.1
            }
        }
    }

    /// The diagonal of ∇²L(s) at the point of `evaluation`.
    package func hessianDiagonal(_ evaluation: Evaluation) -> [Double] {
        var diagonal = [Double](repeating: 0, count: dimension)
        let e = evaluation.positionExp
        for c in 0..<chainCount {
            let lo = chainBounds[c], hi = chainBounds[c + 1], w = chainWeights[c]
            let s0 = stageBounds[c], s1 = stageBounds[c + 1]
            var zs = [Double](repeating: 0, count: s1 - s0)
            var z = 0.0
            var stage = s1 - 1
            for j in stride(from: hi - 1, through: lo, by: -1) {
                z += e[j]
                while stage >= s0 && lo + Int(stageStarts[stage]) == j { zs[stage - s0] = z; stage -= 1 }
            }
            var a = 0.0, b = 0.0
            stage = s0
            for j in lo..<hi {
                while stage < s1 && lo + Int(stageStarts[stage]) == j {
                    a += w / zs[stage - s0]
                    b += w / (zs[stage - s0] * zs[stage - s0])
                    stage += 1
                }
                diagonal[Int(positions[j])] += e[j] * a - e[j] * e[j] * b
            }
        }
        return diagonal
    }

    /// ∇²L(s) as a dense row-major `dimension × dimension` array (O(Σ stages·options²)).
    package func denseHessian(_ evaluation: Evaluation) -> [Double] {
        let d = dimension
        var hessian = [Double](repeating: 0, count: d * d)
        let e = evaluation.positionExp
        for c in 0..<chainCount {
            let lo = chainBounds[c], hi = chainBounds[c + 1], w = chainWeights[c]
            for stage in stageBounds[c]..<stageBounds[c + 1] {
                let start = lo + Int(stageStarts[stage])
                var z = 0.0
                for j in start..<hi { z += e[j] }
                for j in start..<hi {
                    let pj = e[j] / z, row = Int(positions[j]) * d
                    hessian[row + Int(positions[j])] += w * pj
                    for l in start..<hi { hessian[row + Int(positions[l])] -= w * pj * e[l] / z }
                }
            }
        }
        return hessian
    }

    /// The arrays a worker reads (read-only while the workers run).
    struct Arrays: @unchecked Sendable {
        let scores: UnsafeBufferPointer<Double>
        let positions: UnsafeBufferPointer<Int32>
        let bounds: UnsafeBufferPointer<Int>
        let stageStarts: UnsafeBufferPointer<Int32>
        let stageBounds: UnsafeBufferPointer<Int>
        let weights: UnsafeBufferPointer<Double>
        let maximumStages: Int
    }

    /// A read-only buffer handed to workers.
    struct SendableBuffer: @unchecked Sendable {
        let buffer: UnsafeBufferPointer<Double>
    }

    private func withArrays<R>(_ scores: [Double], _ body: (Arrays) -> R) -> R {
        var maximumStages = 0
        for c in 0..<chainCount { maximumStages = max(maximumStages, stageBounds[c + 1] - stageBounds[c]) }
        return scores.withUnsafeBufferPointer { s in
            positions.withUnsafeBufferPointer { p in
                chainBounds.withUnsafeBufferPointer { b in
                    stageStarts.withUnsafeBufferPointer { st in
                        stageBounds.withUnsafeBufferPointer { sb in
                            chainWeights.withUnsafeBufferPointer { w in
                                body(Arrays(scores: s, positions: p, bounds: b, stageStarts: st, stageBounds: sb, weights: w,
                                            maximumStages: maximumStages))
                            }
                        }
                    }
                }
            }
        }
    }
}
