import Dispatch
import NumericCore
import PreferenceData
import RewardKitInternals

/// The penalized negative log-likelihood of aggregated item comparisons with an optional block of
/// k ≥ 0 contest covariates (the data's `AggregatedComparisons.covariates`),
///
///   F(x) = Σ_p ℓ_p(d_p, η) + (λ/2)‖θ‖² + (μ/2)‖γ‖²,   d_p = θ_{first p} − θ_{second p} + γ·c_p,
///
/// over x = (θ₁…θₙ, γ₁…γ_k[, η]), with ℓ_p given by a ``PairLikelihood``. With g_p = (e_i − e_j, c_p, 0)
/// and e_η the unit vector of η:
///
///   ∇F = Σ_p [ℓ_d·g_p + ℓ_η·e_η] + (λθ, μγ, 0),
///   ∇²F = Σ_p [ℓ_dd·g_p g_pᵀ + ℓ_dη·(g_p e_ηᵀ + e_η g_pᵀ) + ℓ_ηη·e_η e_ηᵀ] + diag(λ1ₙ, μ1_k, 0).
///
/// u = (1ₙ, 0, 0) satisfies g_pᵀu = 0, so ∇²F·u = λu: the likelihood is invariant under θ → θ + c1.
/// It evaluates F, ∇F and the pair curvatures, and from them Hessian-vector products (O(pairs·(1 + k)))
/// or the dense Hessian (for Cholesky and standard errors). Large pair lists are split across two
/// cores with `DispatchQueue.concurrentPerform`. With k = 0 this is plain Bradley–Terry (or
/// Thurstone) with ties; the covariate loops are then never entered.
public struct PairedComparisonObjective<Likelihood: PairLikelihood>: Sendable {
    /// The aggregated data.
    public let data: AggregatedComparisons
    /// λ in (λ/2)‖θ‖² (the tie parameter is not penalized).
    public let l2Penalty: Double
    /// μ in (μ/2)‖γ‖² (0: the covariate coefficients are not penalized).
    public let covariatePenalty: Double
    /// Whether evaluation may use several threads.
    public var parallel: Bool

    /// Result of one evaluation.
    public struct Evaluation: Sendable {
        /// F(x), penalty included.
        public var value: Double
        /// −log-likelihood (F without the penalty).
        public var negativeLogLikelihood: Double
        /// ∇F, length n + k (+1 with a tie parameter).
        public var gradient: [Double]
        /// ℓ_dd of every pair.
        public var curvature: [Double]
        /// ℓ_dη of every pair (empty without a tie parameter).
        public var crossCurvature: [Double]
        /// Σ_p ℓ_ηη.
        public var tieCurvature: Double
        /// The diagonal of ∇²F (length n + k[+1]).
        public var hessianDiagonal: [Double]
        /// Whether `value` and `negativeLogLikelihood` were computed (see ``evaluate(_:value:)``).
        public var hasValue: Bool
    }

    /// The objective on `data` with penalty λ = `l2Penalty` on the strengths and `covariatePenalty` on the covariate coefficients, evaluated on several threads when `parallel`.
    public init(data: AggregatedComparisons, l2Penalty: Double, covariatePenalty: Double = 0, parallel: Bool = true) {
        precondition(l2Penalty >= 0 && l2Penalty.isFinite && covariatePenalty >= 0 && covariatePenalty.isFinite,
                     "penalties must be finite and ≥ 0, got λ = \(l2Penalty), μ = \(covariatePenalty)")
        self.data = data
        self.l2Penalty = l2Penalty
        self.covariatePenalty = covariatePenalty
        self.parallel = parallel
    }

    /// n + k, plus 1 with a tie parameter.
    public var dimension: Int { data.itemCount + data.covariateCount + (Likelihood.hasTieParameter ? 1 : 0) }
    /// n.
    public var itemCount: Int { data.itemCount }
    /// k.
    public var covariateCount: Int { data.covariateCount }
    /// The index of η in x (n + k), when there is a tie parameter.
    public var tieIndex: Int { data.itemCount + data.covariateCount }

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
        let n = itemCount, k = covariateCount, nk = n + k
        let hasTie = Likelihood.hasTieParameter
        let eta = hasTie ? x[nk] : 0
        let p = data.pairCount
        var curvature = [Double](repeating: 0, count: p)
        var cross = [Double](repeating: 0, count: hasTie ? p : 0)
        let parts = chunks
        // Per worker: ∂F/∂(θ, γ) (n + k), value, ∂F/∂η, ∂²F/∂η², then the diagonal of ∇²F over (θ, γ).
        let stride = 2 * nk + 3
        let buffers = SharedBuffer(count: parts.count * stride)
        curvature.withUnsafeMutableBufferPointer { hp in
            cross.withUnsafeMutableBufferPointer { cp in
                let h = UnsafeSendable(hp), c = UnsafeSendable(cp)
                let work: @Sendable (Int) -> Void = { (w: Int) in
                    let out = buffers.pointer + w * stride
                    let diagonal = out + (nk + 3)
                    var value = 0.0, gEta = 0.0, hEta = 0.0
                    self.data.first.withUnsafeBufferPointer { fp in
                    self.data.second.withUnsafeBufferPointer { sp in
                    self.data.firstWins.withUnsafeBufferPointer { ap in
                    self.data.secondWins.withUnsafeBufferPointer { bp in
                    self.data.ties.withUnsafeBufferPointer { tp in
                    self.data.covariates.withUnsafeBufferPointer { cv in
                    x.withUnsafeBufferPointer { xp in
                        for q in parts[w] {
                            let i = Int(fp[q]), j = Int(sp[q])
                            var d = xp[i] - xp[j]
                            if k > 0 { for a in 0..<k { d += xp[n + a] * cv[q * k + a] } }
                            let terms = wantValue
                                ? Likelihood.terms(difference: d, tieParameter: eta,
                                                   firstWins: ap[q], secondWins: bp[q], ties: tp[q])
                                : Likelihood.derivativeTerms(difference: d, tieParameter: eta,
                                                             firstWins: ap[q], secondWins: bp[q], ties: tp[q])
                            value += terms.value
                            out[i] += terms.dD
                            out[j] -= terms.dD
                            diagonal[i] += terms.dDD
                            diagonal[j] += terms.dDD
                            if k > 0 {
                                for a in 0..<k {
                                    let ca = cv[q * k + a]
                                    out[n + a] += terms.dD * ca
                                    diagonal[n + a] += terms.dDD * ca * ca
                                }
                            }
                            h.buffer[q] = terms.dDD
                            if hasTie {
                                c.buffer[q] = terms.dDEta
                                gEta += terms.dEta
                                hEta += terms.dEtaEta
                            }
                        }
                    } } } } } } }
                    out[nk] = value
                    out[nk + 1] = gEta
                    out[nk + 2] = hEta
                }
                if parts.count == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: parts.count, execute: work) }
            }
        }
        var gradient = [Double](repeating: 0, count: dimension)
        var hessianDiagonal = [Double](repeating: 0, count: dimension)
        for i in 0..<n { hessianDiagonal[i] = l2Penalty }
        for a in 0..<k { hessianDiagonal[n + a] = covariatePenalty }
        var nll = 0.0, tieCurvature = 0.0
        for w in 0..<parts.count {
            let out = buffers.pointer + w * stride
            for q in 0..<nk {
                gradient[q] += out[q]
                hessianDiagonal[q] += out[nk + 3 + q]
            }
            nll += out[nk]
            if hasTie { gradient[nk] += out[nk + 1] }
            tieCurvature += out[nk + 2]
        }
        withExtendedLifetime(buffers) {}
        var penalty = 0.0
        if l2Penalty > 0 {
            for i in 0..<n {
                penalty += l2Penalty * x[i] * x[i]
                gradient[i] += l2Penalty * x[i]
            }
        }
        if covariatePenalty > 0 {
            for a in 0..<k {
                penalty += covariatePenalty * x[n + a] * x[n + a]
                gradient[n + a] += covariatePenalty * x[n + a]
            }
        }
        if hasTie { hessianDiagonal[nk] = tieCurvature }
        return Evaluation(value: nll + penalty / 2, negativeLogLikelihood: nll, gradient: gradient,
                          curvature: curvature, crossCurvature: cross, tieCurvature: tieCurvature,
                          hessianDiagonal: hessianDiagonal, hasValue: wantValue)
    }

    /// F(x) only (no curvature); infinite outside the tie parameter's domain.
    public func value(_ x: [Double]) -> Double { evaluate(x).value }

    /// ∇²F·v from the curvatures of an evaluation, in O(pairs·(1 + k)).
    ///
    /// Row p contributes g_p(ℓ_dd·z + ℓ_dη·v_η) + e_η·ℓ_dη·z with z = g_pᵀv = v_i − v_j + c_p·v_γ.
    public func hessianVectorProduct(_ evaluation: Evaluation, _ v: [Double]) -> [Double] {
        let n = itemCount, k = covariateCount, nk = n + k
        let hasTie = Likelihood.hasTieParameter
        let vEta = hasTie ? v[nk] : 0
        let parts = chunks
        let buffers = SharedBuffer(count: parts.count * (nk + 1))
        let work: @Sendable (Int) -> Void = { (w: Int) in
            let out = buffers.pointer + w * (nk + 1)
            var tieRow = 0.0
            self.data.first.withUnsafeBufferPointer { fp in
            self.data.second.withUnsafeBufferPointer { sp in
            self.data.covariates.withUnsafeBufferPointer { cv in
            evaluation.curvature.withUnsafeBufferPointer { hp in
            evaluation.crossCurvature.withUnsafeBufferPointer { cp in
            v.withUnsafeBufferPointer { vp in
                if k > 0 {
                    for q in parts[w] {
                        let i = Int(fp[q]), j = Int(sp[q])
                        var z = vp[i] - vp[j]
                        for a in 0..<k { z += cv[q * k + a] * vp[n + a] }
                        let t = hp[q] * z + (hasTie ? cp[q] * vEta : 0)
                        out[i] += t
                        out[j] -= t
                        for a in 0..<k { out[n + a] += t * cv[q * k + a] }
                        if hasTie { tieRow += cp[q] * z }
                    }
                } else if hasTie {
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
            } } } } } }
            out[nk] = tieRow
        }
        if parts.count == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: parts.count, execute: work) }
        var result = [Double](repeating: 0, count: dimension)
        for w in 0..<parts.count {
            let out = buffers.pointer + w * (nk + 1)
            for q in 0..<nk { result[q] += out[q] }
            if hasTie { result[nk] += out[nk] }
        }
        withExtendedLifetime(buffers) {}
        for i in 0..<n { result[i] += l2Penalty * v[i] }
        for a in 0..<k { result[n + a] += covariatePenalty * v[n + a] }
        if hasTie { result[nk] += evaluation.tieCurvature * vEta }
        return result
    }

    /// The diagonal of ∇²F.
    public func hessianDiagonal(_ evaluation: Evaluation) -> [Double] { evaluation.hessianDiagonal }

    /// The shift c of ``denseHessian(_:shift:)`` that makes the Hessian definite without changing it
    /// on Σθ = 0: the mean θ-diagonal of ∇²F over n (at least 1e-12/n), so the centering eigenvalue
    /// becomes λ + (mean diagonal), on the scale of the others.
    func centeringShift(_ evaluation: Evaluation) -> Double {
        let n = itemCount
        var meanDiagonal = 0.0
        for i in 0..<n { meanDiagonal += evaluation.hessianDiagonal[i] }
        return max(meanDiagonal / Double(n), 1e-12) / Double(n)
    }

    /// The dense Hessian ∇²F (dimension × dimension), plus `shift`·uuᵀ with u = (1ₙ, 0, 0).
    ///
    /// u is an eigenvector of ∇²F with eigenvalue λ (the likelihood is invariant under θ → θ + c·1),
    /// so the shift only moves that eigenvalue to λ + shift·n and makes the matrix definite for λ = 0.
    /// The γγ block Σ ℓ_dd c cᵀ is a Gram product (syrk) of the rows c_p·√ℓ_dd.
    public func denseHessian(_ evaluation: Evaluation, shift: Double = 0) -> Tensor<Double> {
        let n = itemCount, k = covariateCount, dim = dimension, t = n + k
        let hasTie = Likelihood.hasTieParameter
        let rows = data.pairCount
        var gammaBlock = Tensor<Double>.zeros(shape: [k, k])
        if k > 0 && rows > 0 {
            var scaled = Tensor<Double>.zeros(shape: [rows, k])
            scaled.scalars.withUnsafeMutableBufferPointer { s in
                for u in 0..<rows {
                    let r = max(evaluation.curvature[u], 0).squareRoot()
                    for a in 0..<k { s[u * k + a] = r * data.covariates[u * k + a] }
                }
            }
            gammaBlock = scaled.gram()
        }
        var h = Tensor<Double>.zeros(shape: [dim, dim])
        h.scalars.withUnsafeMutableBufferPointer { m in
            for i in 0..<n {
                for j in 0..<n { m[i * dim + j] = shift }
                m[i * dim + i] += l2Penalty
            }
            for a in 0..<k {
                for b in 0..<k { m[(n + a) * dim + n + b] = gammaBlock.scalars[a * k + b] }
                m[(n + a) * dim + n + a] += covariatePenalty
            }
            data.covariates.withUnsafeBufferPointer { cv in
                for q in 0..<rows {
                    let i = Int(data.first[q]), j = Int(data.second[q])
                    let c = evaluation.curvature[q]
                    m[i * dim + i] += c
                    m[j * dim + j] += c
                    m[i * dim + j] -= c
                    m[j * dim + i] -= c
                    for a in 0..<k {
                        let v = c * cv[q * k + a]
                        m[i * dim + n + a] += v; m[(n + a) * dim + i] += v
                        m[j * dim + n + a] -= v; m[(n + a) * dim + j] -= v
                    }
                    if hasTie {
                        let e = evaluation.crossCurvature[q]
                        m[i * dim + t] += e
                        m[t * dim + i] += e
                        m[j * dim + t] -= e
                        m[t * dim + j] -= e
                        for a in 0..<k {
                            let v = e * cv[q * k + a]
                            m[(n + a) * dim + t] += v; m[t * dim + n + a] += v
                        }
                    }
                }
            }
            if hasTie { m[t * dim + t] = evaluation.tieCurvature }
        }
        return h
    }
}
