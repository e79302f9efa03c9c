import Dispatch
import NumericCore
import PreferenceData
import RewardKitInternals

/// The penalized negative log-likelihood of aggregated item comparisons,
///
///   F(x) = Σ_p ℓ_p(θ_{first p} − θ_{second p}, η) + (λ/2)·‖θ‖²,   x = (θ₁, …, θₙ[, η]),
///
/// with ℓ_p given by a ``PairLikelihood``. It evaluates F, ∇F and the pair curvatures that define
/// the Hessian ∇²F = Σ_p (e_i − e_j, ·)ᵀ [[ℓ_dd, ℓ_dη], [ℓ_dη, ℓ_ηη]] (e_i − e_j, ·) + λ·diag(1, …, 1[, 0]),
/// as Hessian-vector products (O(pairs)) or as a dense matrix (for Cholesky and standard errors).
/// Large pair lists are split across cores with `DispatchQueue.concurrentPerform`.
public struct PairedComparisonObjective<Likelihood: PairLikelihood>: Sendable {
    /// The aggregated data.
    public let data: AggregatedComparisons
    /// λ in (λ/2)‖θ‖² (the tie parameter is not penalized).
    public let l2Penalty: Double
    /// Whether evaluation may use several threads.
    public var parallel: Bool

    /// Result of one evaluation.
    public struct Evaluation: Sendable {
        /// F(x), penalty included.
        public var value: Double
        /// −log-likelihood (F without the penalty).
        public var negativeLogLikelihood: Double
        /// ∇F, length n (+1 with a tie parameter).
        public var gradient: [Double]
        /// ℓ_dd of every pair.
        public var curvature: [Double]
        /// ℓ_dη of every pair (empty without a tie parameter).
        public var crossCurvature: [Double]
        /// Σ_p ℓ_ηη.
        public var tieCurvature: Double
        /// The diagonal of ∇²F (length n[+1]).
        public var hessianDiagonal: [Double]
        /// Whether `value` and `negativeLogLikelihood` were computed (see ``evaluate(_:value:)``).
        public var hasValue: Bool
    }

    public init(data: AggregatedComparisons, l2Penalty: Double, parallel: Bool = true) {
        precondition(l2Penalty >= 0 && l2Penalty.isFinite, "l2Penalty must be finite and ≥ 0, got \(l2Penalty)")
        self.data = data
        self.l2Penalty = l2Penalty
        self.parallel = parallel
    }

    /// n + 1 with a tie parameter, n otherwise.
    public var dimension: Int { data.itemCount + (Likelihood.hasTieParameter ? 1 : 0) }
    var itemCount: Int { data.itemCount }

    /// Chunks of the pair list for parallel work (one chunk when small or not parallel).
    var chunks: [Range<Int>] {
        let p = data.pairCount
        let workers = parallel && p >= 20_000 ? 2 : 1
        return (0..<workers).map { w in (p * w / workers)..<(p * (w + 1) / workers) }
    }

    /// F, ∇F and the pair curvatures at `x`. With `value: false` the value may be left at 0 (it is
    /// still infinite outside the tie parameter's domain), which saves a logarithm per pair.
    public func evaluate(_ x: [Double], value wantValue: Bool = true) -> Evaluation {
        precondition(x.count == dimension, "objective of dimension \(dimension) evaluated at a vector of length \(x.count)")
        let n = itemCount
        let hasTie = Likelihood.hasTieParameter
        let eta = hasTie ? x[n] : 0
        let p = data.pairCount
        var curvature = [Double](repeating: 0, count: p)
        var cross = [Double](repeating: 0, count: hasTie ? p : 0)
        let parts = chunks
        let stride = 2 * n + 3
        let buffers = SharedBuffer(count: parts.count * stride)
        curvature.withUnsafeMutableBufferPointer { hp in
            cross.withUnsafeMutableBufferPointer { cp in
                let h = UnsafeSendable(hp), c = UnsafeSendable(cp)
                let work: @Sendable (Int) -> Void = { (w: Int) in
                    let out = buffers.pointer + w * stride
                    let diagonal = out + (n + 3)
                    var value = 0.0, gEta = 0.0, hEta = 0.0
                    self.data.first.withUnsafeBufferPointer { fp in
                        self.data.second.withUnsafeBufferPointer { sp in
                            self.data.firstWins.withUnsafeBufferPointer { ap in
                                self.data.secondWins.withUnsafeBufferPointer { bp in
                                    self.data.ties.withUnsafeBufferPointer { tp in
                                        x.withUnsafeBufferPointer { xp in
                                            for q in parts[w] {
                                                let i = Int(fp[q]), j = Int(sp[q])
                                                let terms = wantValue
                                                    ? Likelihood.terms(
                                                        difference: xp[i] - xp[j], tieParameter: eta,
                                                        firstWins: ap[q], secondWins: bp[q], ties: tp[q])
                                                    : Likelihood.derivativeTerms(
                                                        difference: xp[i] - xp[j], tieParameter: eta,
                                                        firstWins: ap[q], secondWins: bp[q], ties: tp[q])
                                                value += terms.value
                                                out[i] += terms.dD
                                                out[j] -= terms.dD
                                                diagonal[i] += terms.dDD
                                                diagonal[j] += terms.dDD
                                                h.buffer[q] = terms.dDD
                                                if hasTie {
                                                    c.buffer[q] = terms.dDEta
                                                    gEta += terms.dEta
                                                    hEta += terms.dEtaEta
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    out[n] = value
                    out[n + 1] = gEta
                    out[n + 2] = hEta
                }
                if parts.count == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: parts.count, execute: work) }
            }
        }
        var gradient = [Double](repeating: 0, count: dimension)
        var hessianDiagonal = [Double](repeating: l2Penalty, count: dimension)
        var nll = 0.0, tieCurvature = 0.0
        for w in 0..<parts.count {
            let out = buffers.pointer + w * stride
            for i in 0..<n {
                gradient[i] += out[i]
                hessianDiagonal[i] += out[n + 3 + i]
            }
            nll += out[n]
            if hasTie { gradient[n] += out[n + 1] }
            tieCurvature += out[n + 2]
        }
        withExtendedLifetime(buffers) {}
        var penalty = 0.0
        if l2Penalty > 0 {
            for i in 0..<n {
                penalty += x[i] * x[i]
                gradient[i] += l2Penalty * x[i]
            }
        }
        if hasTie { hessianDiagonal[n] = tieCurvature }
        return Evaluation(value: nll + l2Penalty / 2 * penalty, negativeLogLikelihood: nll, gradient: gradient,
                          curvature: curvature, crossCurvature: cross, tieCurvature: tieCurvature,
                          hessianDiagonal: hessianDiagonal, hasValue: wantValue)
    }

    /// F(x) only (no curvature); infinite outside the tie parameter's domain.
    public func value(_ x: [Double]) -> Double { evaluate(x).value }

    /// ∇²F·v from the curvatures of an evaluation, in O(pairs).
    public func hessianVectorProduct(_ evaluation: Evaluation, _ v: [Double]) -> [Double] {
        let n = itemCount
        let hasTie = Likelihood.hasTieParameter
        let vEta = hasTie ? v[n] : 0
        let parts = chunks
        let buffers = SharedBuffer(count: parts.count * (n + 1))
        let work: @Sendable (Int) -> Void = { (w: Int) in
            let out = buffers.pointer + w * (n + 1)
            var tieRow = 0.0
            self.data.first.withUnsafeBufferPointer { fp in
                self.data.second.withUnsafeBufferPointer { sp in
                    evaluation.curvature.withUnsafeBufferPointer { hp in
                        evaluation.crossCurvature.withUnsafeBufferPointer { cp in
                            v.withUnsafeBufferPointer { vp in
                                if hasTie {
                                    for q in parts[w] {
                                        let i = Int(fp[q]), j = Int(sp[q])
                                        let z = vp[i] - vp[j]
                                        let t = hp[q] * z + cp[q] * vEta
                                        out[i] += t
                                        out[j] -= t
                                        tieRow += cp[q] * z
                                    }
                                } else {
                                    for q in parts[w] {
                                        let i = Int(fp[q]), j = Int(sp[q])
                                        let t = hp[q] * (vp[i] - vp[j])
                                        out[i] += t
                                        out[j] -= t
                                    }
                                }
                            }
                        }
                    }
                }
            }
            out[n] = tieRow
        }
        if parts.count == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: parts.count, execute: work) }
        var result = [Double](repeating: 0, count: dimension)
        for w in 0..<parts.count {
            let out = buffers.pointer + w * (n + 1)
            for i in 0..<n { result[i] += out[i] }
            if hasTie { result[n] += out[n] }
        }
        withExtendedLifetime(buffers) {}
        for i in 0..<n { result[i] += l2Penalty * v[i] }
        if hasTie { result[n] += evaluation.tieCurvature * vEta }
        return result
    }

    /// The diagonal of ∇²F.
    public func hessianDiagonal(_ evaluation: Evaluation) -> [Double] { evaluation.hessianDiagonal }

    /// The dense Hessian ∇²F (dimension × dimension), plus `shift`·uuᵀ with u = (1, …, 1[, 0]).
    ///
    /// u is an eigenvector of ∇²F with eigenvalue λ (the likelihood is invariant under θ → θ + c·1),
    /// so the shift only moves that eigenvalue to λ + shift·n and makes the matrix definite for λ = 0.
    public func denseHessian(_ evaluation: Evaluation, shift: Double = 0) -> Tensor<Double> {
        let n = itemCount, dim = dimension
        var h = Tensor<Double>.zeros(shape: [dim, dim])
        h.scalars.withUnsafeMutableBufferPointer { m in
            for i in 0..<n {
                for j in 0..<n { m[i * dim + j] = shift }
                m[i * dim + i] += l2Penalty
            }
            for q in 0..<data.pairCount {
                let i = Int(data.first[q]), j = Int(data.second[q])
                let c = evaluation.curvature[q]
                m[i * dim + i] += c
                m[j * dim + j] += c
                m[i * dim + j] -= c
                m[j * dim + i] -= c
                if Likelihood.hasTieParameter {
                    let e = evaluation.crossCurvature[q]
                    m[i * dim + n] += e
                    m[n * dim + i] += e
                    m[j * dim + n] -= e
                    m[n * dim + j] -= e
                }
            }
            if Likelihood.hasTieParameter { m[n * dim + n] = evaluation.tieCurvature }
        }
        return h
    }
}

