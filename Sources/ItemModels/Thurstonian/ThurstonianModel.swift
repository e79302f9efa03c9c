import RealModule
import NumericCore

/// Thurstonian utilities with per-item variance ("Utility Engineering", Mazeika et al. 2025): item
/// i has a utility distributed N(μ_i, σ_i²), and
///
///     P(a ≻ b) = Φ((μ_a − μ_b) / √(σ_a² + σ_b²)).
///
/// With all σ_i equal this is Thurstone's Case V: with σ_i = 1, P(a ≻ b) = Φ(θ_a − θ_b) for the
/// probit-scale strengths θ = μ/√2 (``probitStrengths``) that ``BradleyTerry`` fits with the
/// ``BradleyTerry/Link/thurstone`` link. P is unchanged by adding a constant to every μ and by
/// scaling every μ and σ by the same factor; fitted models fix both (see ``ThurstonianFitter``).
public struct ThurstonianModel: Sendable, Hashable, Codable {
    /// Item names.
    public var items: [String]
    /// Utility means μ_i.
    public var means: [Double]
    /// Utility standard deviations σ_i > 0.
    public var standardDeviations: [Double]

    /// A model of `items` with means μ and standard deviations σ (same order).
    public init(items: [String], means: [Double], standardDeviations: [Double]) {
        precondition(means.count == items.count && standardDeviations.count == items.count,
                     "ThurstonianModel: \(items.count) items, \(means.count) means, \(standardDeviations.count) standard deviations")
        self.items = items
        self.means = means
        self.standardDeviations = standardDeviations
    }

    /// The Case V model of probit-scale strengths θ (P(a ≻ b) = Φ(θ_a − θ_b), the strengths of
    /// ``BradleyTerry`` with the ``BradleyTerry/Link/thurstone`` link): μ = √2·θ, σ_i = 1.
    public init(items: [String], probitStrengths strengths: [Double]) {
        let scale = 2.0.squareRoot()
        self.init(items: items, means: strengths.map { scale * $0 },
                  standardDeviations: [Double](repeating: 1, count: strengths.count))
    }

    /// θ = μ/√2: the strengths ``ThurstonianFitter``'s penalty (λ/2)‖θ‖² acts on, and for a Case V
    /// model (σ_i = 1) the strengths of the same model as ``BradleyTerry`` with the Thurstone link.
    public var probitStrengths: [Double] {
        let scale = 2.0.squareRoot()
        return means.map { $0 / scale }
    }

    /// The number of items.
    public var itemCount: Int { items.count }

    /// σ_i².
    public var variances: [Double] { standardDeviations.map { $0 * $0 } }

    /// z = (μ_a − μ_b)/√(σ_a² + σ_b²).
    public func standardizedDifference(_ a: Int, _ b: Int) -> Double {
        let sa = standardDeviations[a], sb = standardDeviations[b]
        return (means[a] - means[b]) / (sa * sa + sb * sb).squareRoot()
    }

    /// P(a ≻ b) = Φ(z).
    public func probability(preferring a: Int, over b: Int) -> Double {
        Double.normalCDF(standardizedDifference(a, b))
    }

    /// log P(a ≻ b) = log Φ(z), finite far into the tail.
    public func logProbability(preferring a: Int, over b: Int) -> Double {
        Double.logNormalCDF(standardizedDifference(a, b))
    }

    /// Item indices by decreasing mean utility.
    public var ranking: [Int] { means.indices.sorted { means[$0] > means[$1] } }
}
