import RealModule
import NumericCore
import PreferenceData

/// How the Thurstonian item variances are modelled.
public enum ThurstonianVariance: String, Sendable, Hashable, Codable, CaseIterable {
    /// σ_i free per item (Utility Engineering's model), fitted by truncated Newton on ``ThurstonianLikelihood``.
    case perItem
    /// σ_i = 1 for every item: Thurstone Case V, P(a ≻ b) = Φ((μ_a − μ_b)/√2) = Φ(θ_a − θ_b) with
    /// θ = μ/√2, fitted as ``BradleyTerry`` with the ``BradleyTerry/Link/thurstone`` link.
    case shared
}

/// The penalized negative log-likelihood of hard or soft labels under a ``ThurstonianModel`` with
/// per-item variances, with its gradient, in the parameters x = (μ_1…μ_n, s_1…s_n), s_i = log σ_i.
/// (Case V, σ_i = 1, is the Bradley–Terry objective with the Thurstone link; see ``ThurstonianFitter``.)
///
/// For an aggregated pair (i, j) with total weight W and mean label ȳ of "i ≻ j":
///
///     τ = √(σ_i² + σ_j²),  z = (μ_i − μ_j)/τ
///     ℓ = −W [ȳ log Φ(z) + (1 − ȳ) log Φ(−z)]
///     ∂ℓ/∂z = −W [ȳ λ(z) − (1 − ȳ) λ(−z)],  λ(x) = φ(x)/Φ(x) (the inverse Mills ratio)
///     ∂z/∂μ_i = 1/τ,  ∂z/∂μ_j = −1/τ,  ∂z/∂s_i = −z σ_i²/τ²,  ∂z/∂s_j = −z σ_j²/τ²
///
/// and the objective is Σ ℓ + (λ/2)‖θ‖² + (λ_s/2)‖s‖² with θ = μ/√2, i.e. (λ/4)‖μ‖²: the
/// Bradley–Terry penalty on the probit-scale strengths (see ``ThurstonianFitter``). log Φ and λ
/// come from `Real.logNormalCDF` and `Real.inverseMillsRatio`, which stay finite and accurate for
/// |z| in the thousands; a term whose coefficient (ȳ or 1 − ȳ) is zero is skipped, so hard labels
/// never evaluate log Φ at the far tail they do not use.
public struct ThurstonianLikelihood: Sendable {
    /// The number of items n.
    public let itemCount: Int
    /// The smaller item of each aggregated pair.
    public let first: [Int]
    /// The larger item of each aggregated pair.
    public let second: [Int]
    /// W, the total weight of each pair.
    public let weight: [Double]
    /// ȳ, the weighted mean label of "first ≻ second".
    public let label: [Double]
    /// λ in (λ/2)‖θ‖², θ = μ/√2.
    public var l2Penalty: Double
    /// λ_s in (λ_s/2)‖log σ‖².
    public var logScalePenalty: Double

    /// The objective of `data` (aggregated per unordered pair) with the given penalties.
    public init(data: ProbabilisticComparisons, l2Penalty: Double = 0, logScalePenalty: Double = 0) {
        precondition(l2Penalty >= 0 && logScalePenalty >= 0,
                     "ThurstonianLikelihood: penalties \(l2Penalty), \(logScalePenalty) must be ≥ 0")
        let a = data.aggregated()
        itemCount = data.itemCount
        first = a.first
        second = a.second
        weight = a.weight
        label = a.label
        self.l2Penalty = l2Penalty
        self.logScalePenalty = logScalePenalty
    }

    /// The number of parameters, 2n.
    public var parameterCount: Int { 2 * itemCount }

    /// The model at parameters `x`.
    public func model(_ x: [Double], items: [String]) -> ThurstonianModel {
        let n = itemCount
        return ThurstonianModel(items: items, means: Array(x[0..<n]), standardDeviations: (0..<n).map { Double.exp(x[n + $0]) })
    }

    /// The objective at `x`, writing ∇ into `gradient`.
    public func evaluate(_ x: [Double], gradient: inout [Double]) -> Double {
        var none: Curvature? = nil
        return evaluate(x, gradient: &gradient, curvature: &none)
    }

    /// What a Hessian-vector product needs of one evaluation, per aggregated pair: ℓ′(z), ℓ″(z), z,
    /// 1/τ and the variance shares rᵢ = σᵢ²/τ², rⱼ = σⱼ²/τ².
    struct Curvature {
        var first = [Double](), second = [Double](), z = [Double](), inverseTau = [Double]()
        var shareFirst = [Double](), shareSecond = [Double]()
    }

    /// The objective and gradient at `x`; when `curvature` is non-nil it is filled for
    /// ``hessianVectorProduct(_:_:)`` at the same point.
    func evaluate(_ x: [Double], gradient: inout [Double], curvature: inout Curvature?) -> Double {
        let n = itemCount
        precondition(x.count == parameterCount, "ThurstonianLikelihood: \(x.count) parameters, expected \(parameterCount)")
        if gradient.count != x.count { gradient = [Double](repeating: 0, count: x.count) }
        for k in gradient.indices { gradient[k] = 0 }
        let pairs = first.count
        if curvature != nil {
            let zeros = [Double](repeating: 0, count: pairs)
            curvature = Curvature(first: zeros, second: zeros, z: zeros, inverseTau: zeros, shareFirst: zeros, shareSecond: zeros)
        }
        var value = 0.0
        for p in 0..<pairs {
            let i = first[p], j = second[p]
            let w = weight[p], y = label[p]
            guard w > 0 else { continue }
            let vi = Double.exp(2 * x[n + i])
            let vj = Double.exp(2 * x[n + j])
            let tau2 = vi + vj
            let tau = tau2.squareRoot()
            let z = (x[i] - x[j]) / tau
            var dz = 0.0, ddz = 0.0
            if y > 0 {
                let mills = Double.inverseMillsRatio(z)
                value -= w * y * Double.logNormalCDF(z)
                dz -= w * y * mills
                ddz += w * y * mills * (z + mills)
            }
            if y < 1 {
                let mills = Double.inverseMillsRatio(-z)
                value -= w * (1 - y) * Double.logNormalCDF(-z)
                dz += w * (1 - y) * mills
                ddz += w * (1 - y) * mills * (mills - z)
            }
            gradient[i] += dz / tau
            gradient[j] -= dz / tau
            gradient[n + i] -= dz * z * vi / tau2
            gradient[n + j] -= dz * z * vj / tau2
            if curvature != nil {
                curvature!.first[p] = dz
                curvature!.second[p] = ddz
                curvature!.z[p] = z
                curvature!.inverseTau[p] = 1 / tau
                curvature!.shareFirst[p] = vi / tau2
                curvature!.shareSecond[p] = vj / tau2
            }
        }
        if l2Penalty > 0 {
            // (λ/2)‖μ/√2‖² = (λ/4)‖μ‖²; gradient (λ/2)μ.
            for i in 0..<n {
                value += 0.25 * l2Penalty * x[i] * x[i]
                gradient[i] += 0.5 * l2Penalty * x[i]
            }
        }
        if logScalePenalty > 0 {
            for i in 0..<n {
                value += 0.5 * logScalePenalty * x[n + i] * x[n + i]
                gradient[n + i] += logScalePenalty * x[n + i]
            }
        }
        return value
    }

    /// ∇²F·v at the point of `curvature`: per pair ℓ″·∇z(∇zᵀv) + ℓ′·∇²z·v in the coordinates
    /// (μᵢ, μⱼ, sᵢ, sⱼ), plus the penalties' diagonal (λ/2 on μ, λ_s on s). With a = 1/τ:
    ///
    ///     ∇z = (a, −a, −z rᵢ, −z rⱼ)
    ///     ∂²z/∂μᵢ∂sᵢ = −a rᵢ, ∂²z/∂μᵢ∂sⱼ = −a rⱼ, ∂²z/∂μⱼ∂sₖ = −∂²z/∂μᵢ∂sₖ, ∂²z/∂μ∂μ = 0
    ///     ∂²z/∂sᵢ² = −z(2rᵢ − 3rᵢ²), ∂²z/∂sᵢ∂sⱼ = 3z rᵢrⱼ, ∂²z/∂sⱼ² = −z(2rⱼ − 3rⱼ²)
    ///
    /// (derivation in Docs/ValueTools.md, "Per-item variances"). The objective is not convex in
    /// (μ, s), so this Hessian may be indefinite.
    func hessianVectorProduct(_ curvature: Curvature, _ v: [Double]) -> [Double] {
        let n = itemCount
        var out = [Double](repeating: 0, count: 2 * n)
        for p in 0..<first.count where weight[p] > 0 {
            let i = first[p], j = second[p]
            let d1 = curvature.first[p], d2 = curvature.second[p], z = curvature.z[p]
            let a = curvature.inverseTau[p], ri = curvature.shareFirst[p], rj = curvature.shareSecond[p]
            let vmi = v[i], vmj = v[j], vsi = v[n + i], vsj = v[n + j]
            let gv = a * (vmi - vmj) - z * (ri * vsi + rj * vsj)
            let c = d2 * gv
            // ℓ′·∇²z·v
            let dm = vmi - vmj
            let hmi = -a * (ri * vsi + rj * vsj)
            let hsi = -a * ri * dm - z * (2 * ri - 3 * ri * ri) * vsi + 3 * z * ri * rj * vsj
            let hsj = -a * rj * dm + 3 * z * ri * rj * vsi - z * (2 * rj - 3 * rj * rj) * vsj
            out[i] += c * a + d1 * hmi
            out[j] += -c * a - d1 * hmi
            out[n + i] += -c * z * ri + d1 * hsi
            out[n + j] += -c * z * rj + d1 * hsj
        }
        for i in 0..<n {
            out[i] += 0.5 * l2Penalty * v[i]
            out[n + i] += logScalePenalty * v[n + i]
        }
        return out
    }

    /// The Gauss–Newton part of the Hessian's diagonal (ℓ″ (∂z/∂xₖ)² per pair, plus the penalties):
    /// non-negative, the Jacobi preconditioner of the per-item fit.
    func gaussNewtonDiagonal(_ curvature: Curvature) -> [Double] {
        let n = itemCount
        var d = [Double](repeating: 0, count: 2 * n)
        for p in 0..<first.count where weight[p] > 0 {
            let i = first[p], j = second[p]
            let d2 = curvature.second[p], z = curvature.z[p], a = curvature.inverseTau[p]
            d[i] += d2 * a * a
            d[j] += d2 * a * a
            d[n + i] += d2 * z * z * curvature.shareFirst[p] * curvature.shareFirst[p]
            d[n + j] += d2 * z * z * curvature.shareSecond[p] * curvature.shareSecond[p]
        }
        for i in 0..<n {
            d[i] += 0.5 * l2Penalty
            d[n + i] += logScalePenalty
        }
        return d
    }

    /// The objective and its gradient as a new array.
    public func valueAndGradient(_ x: [Double]) -> (value: Double, gradient: [Double]) {
        var g = [Double]()
        let v = evaluate(x, gradient: &g)
        return (v, g)
    }
}
