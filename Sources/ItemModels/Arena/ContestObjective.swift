import Dispatch
import NumericCore
import PreferenceData
import RewardKitInternals

/// The penalized negative log-likelihood of battles with contest covariates,
///
///   F(x) = Σ_u ℓ_u(d_u, η) + (λ/2)‖θ‖² + (μ/2)‖γ‖²,   d_u = θ_{first u} − θ_{second u} + γ·c_u,
///
/// over x = (θ₁…θₙ, γ₁…γ_k[, η]), with the per-row term ℓ_u of a ``PairLikelihood`` (logistic for
/// Bradley–Terry, Davidson or Rao–Kupper with a tie parameter η). With g_u = (e_i − e_j, c_u, 0)
/// and e_η the unit vector of η:
///
///   ∇F = Σ_u [ℓ_d·g_u + ℓ_η·e_η] + (λθ, μγ, 0),
///   ∇²F = Σ_u [ℓ_dd·g_u g_uᵀ + ℓ_dη·(g_u e_ηᵀ + e_η g_uᵀ) + ℓ_ηη·e_η e_ηᵀ] + diag(λ1ₙ, μ1_k, 0).
///
/// u = (1ₙ, 0, 0) satisfies g_uᵀu = 0, so ∇²F·u = λu: the likelihood is invariant under θ → θ + c1.
public struct ContestObjective<Likelihood: PairLikelihood>: Sendable {
    public let data: ContestData
    /// λ in (λ/2)‖θ‖².
    public let l2Penalty: Double
    /// μ in (μ/2)‖γ‖² (0: γ unpenalized).
    public let covariatePenalty: Double
    /// Whether evaluation may split the rows across two threads (large data only).
    public var parallel: Bool

    public struct Evaluation: Sendable {
        public var value: Double
        public var negativeLogLikelihood: Double
        public var gradient: [Double]
        /// ℓ_dd per row.
        public var curvature: [Double]
        /// ℓ_dη per row (empty without a tie parameter).
        public var crossCurvature: [Double]
        /// Σ_u ℓ_ηη.
        public var tieCurvature: Double
    }

    public init(data: ContestData, l2Penalty: Double, covariatePenalty: Double = 0, parallel: Bool = false) {
        precondition(l2Penalty >= 0 && l2Penalty.isFinite && covariatePenalty >= 0 && covariatePenalty.isFinite,
                     "penalties must be finite and ≥ 0, got λ = \(l2Penalty), μ = \(covariatePenalty)")
        self.data = data
        self.l2Penalty = l2Penalty
        self.covariatePenalty = covariatePenalty
        self.parallel = parallel
    }

    public var itemCount: Int { data.itemCount }
    public var covariateCount: Int { data.covariateCount }
    public var dimension: Int { data.itemCount + data.covariateCount + (Likelihood.hasTieParameter ? 1 : 0) }

    /// F, ∇F and the row curvatures at x.
    public func evaluate(_ x: [Double]) -> Evaluation {
        precondition(x.count == dimension, "contest objective of dimension \(dimension) evaluated at length \(x.count)")
        let n = itemCount, k = covariateCount, dim = dimension
        let hasTie = Likelihood.hasTieParameter
        let eta = hasTie ? x[n + k] : 0
        let rows = data.rowCount
        var curvature = [Double](repeating: 0, count: rows)
        var cross = [Double](repeating: 0, count: hasTie ? rows : 0)
        let workers = parallel && rows >= 50_000 ? 2 : 1
        let partial = SharedBuffer(count: workers * (dim + 2))
        curvature.withUnsafeMutableBufferPointer { hp in
            cross.withUnsafeMutableBufferPointer { cp in
                let h = UnsafeSendable(hp), e = UnsafeSendable(cp)
                let work: @Sendable (Int) -> Void = { w in
                    let out = partial.pointer + w * (dim + 2)
                    let range = (rows * w / workers)..<(rows * (w + 1) / workers)
                    var value = 0.0, hEta = 0.0
                    self.data.first.withUnsafeBufferPointer { fp in
                    self.data.second.withUnsafeBufferPointer { sp in
                    self.data.covariates.withUnsafeBufferPointer { cv in
                    self.data.firstWins.withUnsafeBufferPointer { ap in
                    self.data.secondWins.withUnsafeBufferPointer { bp in
                    self.data.ties.withUnsafeBufferPointer { tp in
                    x.withUnsafeBufferPointer { xp in
                        for u in range {
                            let i = Int(fp[u]), j = Int(sp[u])
                            var d = xp[i] - xp[j]
                            for a in 0..<k { d += xp[n + a] * cv[u * k + a] }
                            let terms = Likelihood.terms(difference: d, tieParameter: eta, firstWins: ap[u],
                                                         secondWins: bp[u], ties: tp[u])
                            value += terms.value
                            out[i] += terms.dD
                            out[j] -= terms.dD
                            for a in 0..<k { out[n + a] += terms.dD * cv[u * k + a] }
                            h.buffer[u] = terms.dDD
                            if hasTie {
                                out[n + k] += terms.dEta
                                e.buffer[u] = terms.dDEta
                                hEta += terms.dEtaEta
                            }
                        }
                    }}}}}}}
                    out[dim] = value
                    out[dim + 1] = hEta
                }
                if workers == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: workers, execute: work) }
            }
        }
        var gradient = [Double](repeating: 0, count: dim)
        var nll = 0.0, tieCurvature = 0.0
        for w in 0..<workers {
            let out = partial.pointer + w * (dim + 2)
            for q in 0..<dim { gradient[q] += out[q] }
            nll += out[dim]
            tieCurvature += out[dim + 1]
        }
        withExtendedLifetime(partial) {}
        var penalty = 0.0
        for i in 0..<n {
            penalty += l2Penalty * x[i] * x[i]
            gradient[i] += l2Penalty * x[i]
        }
        for a in 0..<k {
            penalty += covariatePenalty * x[n + a] * x[n + a]
            gradient[n + a] += covariatePenalty * x[n + a]
        }
        return Evaluation(value: nll + penalty / 2, negativeLogLikelihood: nll, gradient: gradient,
                          curvature: curvature, crossCurvature: cross, tieCurvature: tieCurvature)
    }

    /// F(x) only.
    public func value(_ x: [Double]) -> Double { evaluate(x).value }

    /// The dense ∇²F plus `shift`·uuᵀ, u = (1ₙ, 0, 0) (moves the centering eigenvalue λ to λ + shift·n).
    /// The γγ block Σ ℓ_dd c cᵀ is a Gram product (syrk) of the rows c_u·√ℓ_dd.
    public func denseHessian(_ evaluation: Evaluation, shift: Double = 0) -> Tensor<Double> {
        let n = itemCount, k = covariateCount, dim = dimension
        let hasTie = Likelihood.hasTieParameter
        let rows = data.rowCount
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
        var hessian = Tensor<Double>.zeros(shape: [dim, dim])
        hessian.scalars.withUnsafeMutableBufferPointer { m in
            for i in 0..<n {
                for j in 0..<n { m[i * dim + j] = shift }
                m[i * dim + i] += l2Penalty
            }
            for a in 0..<k {
                for b in 0..<k { m[(n + a) * dim + n + b] = gammaBlock.scalars[a * k + b] }
                m[(n + a) * dim + n + a] += covariatePenalty
            }
            let t = n + k
            data.covariates.withUnsafeBufferPointer { cv in
                for u in 0..<rows {
                    let i = Int(data.first[u]), j = Int(data.second[u])
                    let h = evaluation.curvature[u]
                    m[i * dim + i] += h; m[j * dim + j] += h
                    m[i * dim + j] -= h; m[j * dim + i] -= h
                    for a in 0..<k {
                        let v = h * cv[u * k + a]
                        m[i * dim + n + a] += v; m[(n + a) * dim + i] += v
                        m[j * dim + n + a] -= v; m[(n + a) * dim + j] -= v
                    }
                    if hasTie {
                        let e = evaluation.crossCurvature[u]
                        m[i * dim + t] += e; m[t * dim + i] += e
                        m[j * dim + t] -= e; m[t * dim + j] -= e
                        for a in 0..<k {
                            let v = e * cv[u * k + a]
                            m[(n + a) * dim + t] += v; m[t * dim + n + a] += v
                        }
                    }
                }
            }
            if hasTie { m[t * dim + t] = evaluation.tieCurvature }
        }
        return hessian
    }

    /// Covariates whose column is zero in every row with positive weight: γ_a is not identified
    /// (the likelihood does not depend on it).
    public func unidentifiedCovariates() -> [Bool] {
        let k = covariateCount
        var zero = [Bool](repeating: true, count: k)
        for u in 0..<data.rowCount where data.firstWins[u] + data.secondWins[u] + data.ties[u] > 0 {
            for a in 0..<k where data.covariates[u * k + a] != 0 { zero[a] = false }
        }
        return zero
    }
}
