import Dispatch
import Foundation
import NumericCore
import PreferenceData
import RewardKitInternals

/// The penalized negative log-posterior of the noisy (Crowd-BT) Bradley–Terry model over labelled
/// comparisons (Docs/Annotators.md).
///
/// Record k says annotator a reported "w ≻ l"; s_k = +1 when w was shown first, −1 when l was, 0 when
/// not recorded. With d_k = θ_w − θ_l + β_a·s_k, η_a = σ(u_a) and σ̄ = 1 − σ,
///
///   P_k = η_a·σ(d_k) + (1 − η_a)·σ(−d_k),
///   F(θ, u, β) = −Σ_k w_k·log P_k + (λ/2)‖θ‖² − Σ_a [a·log σ(u_a) + b·log σ(−u_a)]
///                + Σ_a (β_a − β₀)²/(2τ²),
///
/// the logistic-Beta prior (the density of u = logit η when η ~ Beta(a, b), mode η = a/(a + b)) keeping
/// every η_a inside (0, 1), and a Gaussian prior N(β₀, τ²) on each position bias. With q_k = σ(d)σ(−d):
///
///   ∂(−log P_k)/∂d_k = −(2η_a − 1)·q_k/P_k,   ∂(−log P_k)/∂u_a = −(σ(d_k) − σ(−d_k))·η_a(1 − η_a)/P_k,
///
/// and ∂d_k/∂θ_w = 1, ∂d_k/∂θ_l = −1, ∂d_k/∂β_a = s_k. The parameter vector is x = (θ₁…θₙ, u₁…u_A, β₁…β_A),
/// the u block present when reliabilities are fitted, the β block when biases are fitted. Without the u
/// block every η_a is 1 and F is the Bradley–Terry objective (plus the bias terms, if any). The
/// likelihood is invariant under θ → θ + c·1.
public struct NoisyBradleyTerryObjective: Sendable {
    /// n.
    public let itemCount: Int
    /// A, the number of annotators.
    public let annotatorCount: Int
    /// The reported winner of each record.
    public let winners: [Int32]
    /// The reported loser of each record.
    public let losers: [Int32]
    /// The annotator of each record.
    public let annotators: [Int32]
    /// +1 winner shown first, −1 loser shown first, 0 not recorded.
    public let sides: [Int8]
    /// Record weights.
    public let weights: [Double]
    /// λ in (λ/2)‖θ‖².
    public let l2Penalty: Double
    /// Whether the u block (η_a = σ(u_a)) is part of x; otherwise η_a = 1.
    public let fitsReliability: Bool
    /// Whether the β block is part of x; otherwise β_a = 0.
    public let fitsBias: Bool
    /// (a, b) of the logistic-Beta prior on every u_a (both > 0).
    public let reliabilityPrior: (a: Double, b: Double)
    /// β₀, the mean of the Gaussian prior on every β_a.
    public let biasPriorMean: Double
    /// τ, the standard deviation of the Gaussian prior on every β_a.
    public let biasPriorScale: Double
    /// Whether evaluation may use two threads.
    public var parallel: Bool

    /// The objective over explicit records (all arrays of the same length; indices in range).
    public init(itemCount: Int, annotatorCount: Int, winners: [Int32], losers: [Int32], annotators: [Int32],
                sides: [Int8], weights: [Double], l2Penalty: Double, fitsReliability: Bool, fitsBias: Bool,
                reliabilityPrior: (a: Double, b: Double) = (1, 1), biasPriorMean: Double = 0, biasPriorScale: Double = 1.5,
                parallel: Bool = true) {
        let m = winners.count
        precondition(losers.count == m && annotators.count == m && sides.count == m && weights.count == m,
                     "NoisyBradleyTerryObjective: record arrays of lengths \(m), \(losers.count), \(annotators.count), \(sides.count), \(weights.count)")
        precondition(l2Penalty >= 0 && l2Penalty.isFinite, "l2Penalty must be finite and ≥ 0, got \(l2Penalty)")
        precondition(reliabilityPrior.a > 0 && reliabilityPrior.b > 0 && reliabilityPrior.a.isFinite && reliabilityPrior.b.isFinite,
                     "the reliability prior needs a, b > 0, got \(reliabilityPrior)")
        precondition(biasPriorScale > 0 && biasPriorScale.isFinite && biasPriorMean.isFinite,
                     "the bias prior needs a finite mean and a scale > 0, got \(biasPriorMean), \(biasPriorScale)")
        self.itemCount = itemCount
        self.annotatorCount = annotatorCount
        self.winners = winners
        self.losers = losers
        self.annotators = annotators
        self.sides = sides
        self.weights = weights
        self.l2Penalty = l2Penalty
        self.fitsReliability = fitsReliability
        self.fitsBias = fitsBias
        self.reliabilityPrior = reliabilityPrior
        self.biasPriorMean = biasPriorMean
        self.biasPriorScale = biasPriorScale
        self.parallel = parallel
    }

    /// n + A (with reliabilities) + A (with biases).
    public var dimension: Int { itemCount + (fitsReliability ? annotatorCount : 0) + (fitsBias ? annotatorCount : 0) }
    /// Where the u block starts in x.
    public var reliabilityOffset: Int { itemCount }
    /// Where the β block starts in x.
    public var biasOffset: Int { itemCount + (fitsReliability ? annotatorCount : 0) }

    /// η_a for every annotator at `x` (1 without the u block).
    public func reliabilities(_ x: [Double]) -> [Double] {
        fitsReliability ? (0..<annotatorCount).map { Double.sigmoid(x[itemCount + $0]) }
            : [Double](repeating: 1, count: annotatorCount)
    }

    /// β_a for every annotator at `x` (0 without the β block).
    public func biases(_ x: [Double]) -> [Double] {
        fitsBias ? Array(x[biasOffset..<(biasOffset + annotatorCount)]) : [Double](repeating: 0, count: annotatorCount)
    }

    /// F(x), writing ∇F into `gradient` (resized to ``dimension``).
    public func evaluate(_ x: [Double], gradient: inout [Double]) -> Double {
        evaluate(x, gradient: &gradient, negativeLogLikelihood: nil)
    }

    /// −Σ w·log P_k at `x` (the likelihood part of F).
    public func negativeLogLikelihood(_ x: [Double]) -> Double {
        var g = [Double](), nll = 0.0
        _ = evaluate(x, gradient: &g, negativeLogLikelihood: &nll)
        return nll
    }

    /// P_k, the probability of each record's label at `x`.
    public func labelProbabilities(_ x: [Double]) -> [Double] {
        let eta = reliabilities(x), beta = biases(x)
        return (0..<winners.count).map { k in
            let a = Int(annotators[k])
            let d = x[Int(winners[k])] - x[Int(losers[k])] + beta[a] * Double(sides[k])
            return eta[a] * Double.sigmoid(d) + (1 - eta[a]) * Double.sigmoid(-d)
        }
    }

    func evaluate(_ x: [Double], gradient: inout [Double], negativeLogLikelihood nllOut: UnsafeMutablePointer<Double>?) -> Double {
        precondition(x.count == dimension, "objective of dimension \(dimension) evaluated at a vector of length \(x.count)")
        let n = itemCount, aCount = annotatorCount, dim = dimension
        let uOffset = reliabilityOffset, bOffset = biasOffset
        let hasU = fitsReliability, hasB = fitsBias
        // Per annotator: η, 1 − η, log η, log(1 − η), β.
        var annotatorTable = [Double](repeating: 0, count: 5 * aCount)
        for a in 0..<aCount {
            let u = hasU ? x[uOffset + a] : Double.infinity
            annotatorTable[5 * a] = hasU ? Double.sigmoid(u) : 1
            annotatorTable[5 * a + 1] = hasU ? Double.sigmoid(-u) : 0
            annotatorTable[5 * a + 2] = hasU ? Double.logSigmoid(u) : 0
            annotatorTable[5 * a + 3] = hasU ? Double.logSigmoid(-u) : -Double.infinity
            annotatorTable[5 * a + 4] = hasB ? x[bOffset + a] : 0
        }
        let m = winners.count
        let workers = parallel && m >= 20_000 ? 2 : 1
        let stride = dim + 1
        let buffers = SharedBuffer(count: workers * stride)
        let table = annotatorTable
        let work: @Sendable (Int) -> Void = { (w: Int) in
            let out = buffers.pointer + w * stride
            var value = 0.0, product = 1.0
            let range = (m * w / workers)..<(m * (w + 1) / workers)
            self.winners.withUnsafeBufferPointer { wp in
            self.losers.withUnsafeBufferPointer { lp in
            self.annotators.withUnsafeBufferPointer { ap in
            self.sides.withUnsafeBufferPointer { sp in
            self.weights.withUnsafeBufferPointer { weightp in
            table.withUnsafeBufferPointer { tp in
            x.withUnsafeBufferPointer { xp in
                for k in range {
                    let i = Int(wp[k]), j = Int(lp[k]), a = Int(ap[k])
                    let s = Double(sp[k]), weight = weightp[k]
                    let d = xp[i] - xp[j] + tp[5 * a + 4] * s
                    let dD: Double
                    if hasU {
                        let term = noisyLabelTerm(difference: d, eta: tp[5 * a], etaBar: tp[5 * a + 1],
                                                  logEta: tp[5 * a + 2], logEtaBar: tp[5 * a + 3])
                        if let logP = term.logProbability {
                            value -= weight * logP
                        } else if weight == 1 {
                            // Σ log P for unit weights as the log of a running product (one logarithm per
                            // many records instead of one per record), renormalized before it underflows.
                            product *= term.probability
                            if product < 1e-20 { value -= log(product); product = 1 }   // ≥ 1e-300 after the next factor
                        } else {
                            value -= weight * log(term.probability)
                        }
                        dD = weight * term.dDifference
                        out[uOffset + a] += weight * term.dLogit
                    } else {
                        value -= weight * Double.logSigmoid(d)
                        dD = -weight * Double.sigmoid(-d)
                    }
                    out[i] += dD
                    out[j] -= dD
                    if hasB { out[bOffset + a] += dD * s }
                }
            } } } } } } }
            out[dim] = value - log(product)
        }
        if workers == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: workers, execute: work) }
        if gradient.count != dim { gradient = [Double](repeating: 0, count: dim) }
        var nll = 0.0
        for q in 0..<dim { gradient[q] = 0 }
        for w in 0..<workers {
            let out = buffers.pointer + w * stride
            for q in 0..<dim { gradient[q] += out[q] }
            nll += out[dim]
        }
        withExtendedLifetime(buffers) {}
        nllOut?.pointee = nll
        var prior = 0.0
        for i in 0..<n {
            prior += 0.5 * l2Penalty * x[i] * x[i]
            gradient[i] += l2Penalty * x[i]
        }
        if hasU {
            let (pa, pb) = reliabilityPrior
            for a in 0..<aCount {
                let u = x[uOffset + a]
                prior -= pa * Double.logSigmoid(u) + pb * Double.logSigmoid(-u)
                gradient[uOffset + a] += -pa * Double.sigmoid(-u) + pb * Double.sigmoid(u)
            }
        }
        if hasB {
            let inverseVariance = 1 / (biasPriorScale * biasPriorScale)
            for a in 0..<aCount {
                let delta = x[bOffset + a] - biasPriorMean
                prior += 0.5 * inverseVariance * delta * delta
                gradient[bOffset + a] += inverseVariance * delta
            }
        }
        return nll + prior
    }

    /// A diagonal scale for each coordinate (about √ of the Hessian's diagonal at a neutral start),
    /// used to precondition L-BFGS.
    func coordinateScales() -> [Double] {
        var scale = [Double](repeating: 0, count: dimension)
        for k in 0..<winners.count {
            let w = weights[k] * 0.25
            scale[Int(winners[k])] += w
            scale[Int(losers[k])] += w
            let a = Int(annotators[k])
            if fitsReliability { scale[reliabilityOffset + a] += w * 0.25 }
            if fitsBias && sides[k] != 0 { scale[biasOffset + a] += w }
        }
        for i in 0..<itemCount { scale[i] += l2Penalty }
        if fitsReliability {
            let prior = reliabilityPrior.a * reliabilityPrior.b / (reliabilityPrior.a + reliabilityPrior.b)
            for a in 0..<annotatorCount { scale[reliabilityOffset + a] += prior }
        }
        if fitsBias { for a in 0..<annotatorCount { scale[biasOffset + a] += 1 / (biasPriorScale * biasPriorScale) } }
        return scale.map { $0 > 0 ? $0.squareRoot() : 1 }
    }
}
