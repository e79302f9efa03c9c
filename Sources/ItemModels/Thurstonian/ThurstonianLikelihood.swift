import RealModule
import NumericCore
import PreferenceData

/// How the Thurstonian item variances are modelled.
public enum ThurstonianVariance: String, Sendable, Hashable, Codable, CaseIterable {
    /// σ_i free per item (Utility Engineering's model), fitted by L-BFGS on ``ThurstonianLikelihood``.
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
        let n = itemCount
        precondition(x.count == parameterCount, "ThurstonianLikelihood: \(x.count) parameters, expected \(parameterCount)")
        if gradient.count != x.count { gradient = [Double](repeating: 0, count: x.count) }
        for k in gradient.indices { gradient[k] = 0 }
        var value = 0.0
        for p in 0..<first.count {
            let i = first[p], j = second[p]
            let w = weight[p], y = label[p]
            guard w > 0 else { continue }
            let vi = Double.exp(2 * x[n + i])
            let vj = Double.exp(2 * x[n + j])
            let tau2 = vi + vj
            let tau = tau2.squareRoot()
            let z = (x[i] - x[j]) / tau
            var dz = 0.0
            if y > 0 {
                value -= w * y * Double.logNormalCDF(z)
                dz -= w * y * Double.inverseMillsRatio(z)
            }
            if y < 1 {
                value -= w * (1 - y) * Double.logNormalCDF(-z)
                dz += w * (1 - y) * Double.inverseMillsRatio(-z)
            }
            gradient[i] += dz / tau
            gradient[j] -= dz / tau
            gradient[n + i] -= dz * z * vi / tau2
            gradient[n + j] -= dz * z * vj / tau2
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

    /// The objective and its gradient as a new array.
    public func valueAndGradient(_ x: [Double]) -> (value: Double, gradient: [Double]) {
        var g = [Double]()
        let v = evaluate(x, gradient: &g)
        return (v, g)
    }
}
