import RealModule
import NumericCore
import PreferenceData

/// How the Thurstonian item variances are modelled.
public enum ThurstonianVariance: String, Sendable, Hashable, Codable, CaseIterable {
    /// σ_i free per item (Utility Engineering's model).
    case perItem
    /// σ_i = 1 for every item: Thurstone Case V, P(a ≻ b) = Φ((μ_a − μ_b)/√2).
    case shared
}

/// The penalized negative log-likelihood of hard or soft labels under a ``ThurstonianModel``,
/// with its gradient, in the parameters x = (μ_1…μ_n, s_1…s_n), s_i = log σ_i (only μ for
/// ``ThurstonianVariance/shared``).
///
/// For an aggregated pair (i, j) with total weight W and mean label ȳ of "i ≻ j":
///
///     τ = √(σ_i² + σ_j²),  z = (μ_i − μ_j)/τ
///     ℓ = −W [ȳ log Φ(z) + (1 − ȳ) log Φ(−z)]
///     ∂ℓ/∂z = −W [ȳ λ(z) − (1 − ȳ) λ(−z)],  λ(x) = φ(x)/Φ(x) (the inverse Mills ratio)
///     ∂z/∂μ_i = 1/τ,  ∂z/∂μ_j = −1/τ,  ∂z/∂s_i = −z σ_i²/τ²,  ∂z/∂s_j = −z σ_j²/τ²
///
/// and the objective is Σ ℓ + (λ_μ/2)‖μ‖² + (λ_s/2)‖s‖². log Φ and λ come from
/// `Real.logNormalCDF` and `Real.inverseMillsRatio`, which stay finite and accurate for |z| in
/// the thousands; a term whose coefficient (ȳ or 1 − ȳ) is zero is skipped, so hard labels never
/// evaluate log Φ at the far tail they do not use.
public struct ThurstonianLikelihood: Sendable {
    public let itemCount: Int
    public let variance: ThurstonianVariance
    public let first: [Int]
    public let second: [Int]
    public let weight: [Double]
    public let label: [Double]
    /// λ_μ.
    public var meanPenalty: Double
    /// λ_s (unused for shared variance).
    public var logScalePenalty: Double

    public init(data: ProbabilisticComparisons, variance: ThurstonianVariance,
                meanPenalty: Double = 0, logScalePenalty: Double = 0) {
        precondition(meanPenalty >= 0 && logScalePenalty >= 0,
                     "ThurstonianLikelihood: penalties \(meanPenalty), \(logScalePenalty) must be ≥ 0")
        let a = data.aggregated()
        itemCount = data.itemCount
        self.variance = variance
        first = a.first
        second = a.second
        weight = a.weight
        label = a.label
        self.meanPenalty = meanPenalty
        self.logScalePenalty = logScalePenalty
    }

    /// The number of parameters: n for shared variance, 2n per item.
    public var parameterCount: Int { variance == .shared ? itemCount : 2 * itemCount }

    /// The model at parameters `x`.
    public func model(_ x: [Double], items: [String]) -> ThurstonianModel {
        let n = itemCount
        let sigma = variance == .shared ? [Double](repeating: 1, count: n) : (0..<n).map { Double.exp(x[n + $0]) }
        return ThurstonianModel(items: items, means: Array(x[0..<n]), standardDeviations: sigma)
    }

    /// The objective at `x`, writing ∇ into `gradient`.
    public func evaluate(_ x: [Double], gradient: inout [Double]) -> Double {
        let n = itemCount
        precondition(x.count == parameterCount, "ThurstonianLikelihood: \(x.count) parameters, expected \(parameterCount)")
        if gradient.count != x.count { gradient = [Double](repeating: 0, count: x.count) }
        for k in gradient.indices { gradient[k] = 0 }
        var value = 0.0
        let perItem = variance == .perItem
        for p in 0..<first.count {
            let i = first[p], j = second[p]
            let w = weight[p], y = label[p]
            guard w > 0 else { continue }
            let vi = perItem ? Double.exp(2 * x[n + i]) : 1
            let vj = perItem ? Double.exp(2 * x[n + j]) : 1
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
            if perItem {
                gradient[n + i] -= dz * z * vi / tau2
                gradient[n + j] -= dz * z * vj / tau2
            }
        }
        if meanPenalty > 0 {
            for i in 0..<n {
                value += 0.5 * meanPenalty * x[i] * x[i]
                gradient[i] += meanPenalty * x[i]
            }
        }
        if perItem && logScalePenalty > 0 {
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
