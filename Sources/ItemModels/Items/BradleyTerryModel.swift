import Foundation
import NumericCore
import PreferenceData

/// A fitted item-level paired-comparison model (the result of ``BradleyTerry/fit(_:)``).
///
/// `strengths[i]` is θᵢ for `items[i]`, centered so Σθᵢ = 0. P(i ≻ j) = σ(θᵢ − θⱼ) for the
/// Bradley–Terry link or Φ(θᵢ − θⱼ) for Thurstone, modified by the tie model (see ``BradleyTerry/TieModel``).
public struct BradleyTerryModel: Sendable {
    /// Item names, in index order.
    public let items: [String]
    /// Centered strengths θ.
    public let strengths: [Double]
    /// The tie parameter on its natural scale: ν for Davidson, θ_RK ≥ 1 for Rao–Kupper; nil otherwise.
    public var tieParameter: Double? { logTieParameter.map { exp($0) } }
    /// η = log ν (Davidson) or log θ_RK (Rao–Kupper), the coordinate the solver optimizes.
    public let logTieParameter: Double?
    /// The hyperparameters of the fit.
    public let configuration: BradleyTerry.Configuration
    /// Iterations, objective, log-likelihood, gradient norm and stop reason.
    public let report: BradleyTerryFitReport
    /// The aggregated data the model was fitted to.
    public let data: AggregatedComparisons
    /// The number of records fitted.
    public let comparisonCount: Int
    let itemIndex: [String: Int]

    init(items: [String], parameters: [Double], configuration: BradleyTerry.Configuration,
         report: BradleyTerryFitReport, data: AggregatedComparisons, comparisonCount: Int) {
        let n = items.count
        self.items = items
        strengths = Array(parameters.prefix(n))
        logTieParameter = parameters.count > n ? parameters[n] : nil
        self.configuration = configuration
        self.report = report
        self.data = data
        self.comparisonCount = comparisonCount
        var index = [String: Int](minimumCapacity: n)
        for (i, name) in items.enumerated() { index[name] = i }
        itemIndex = index
    }

    /// The full parameter vector (θ[, η]) as the solver sees it.
    public var parameters: [Double] { strengths + (logTieParameter.map { [$0] } ?? []) }

    /// The index of an item name.
    public func index(of item: String) -> Int? { itemIndex[item] }

    /// θ of the named item, or nil for an unknown name.
    public func strength(of item: String) -> Double? { itemIndex[item].map { strengths[$0] } }

    /// (P(i ≻ j), P(tie)) for item indices i ≠ j.
    public func outcomeProbabilities(_ i: Int, _ j: Int) -> (win: Double, tie: Double) {
        precondition(i >= 0 && i < items.count && j >= 0 && j < items.count,
                     "items (\(i), \(j)) outside 0..<\(items.count)")
        let d = strengths[i] - strengths[j]
        let eta = logTieParameter ?? 0
        switch (configuration.link, configuration.ties) {
        case (.thurstone, _): return ProbitPairLikelihood.probabilities(difference: d, tieParameter: eta)
        case (.bradleyTerry, .davidson): return DavidsonPairLikelihood.probabilities(difference: d, tieParameter: eta)
        case (.bradleyTerry, .raoKupper): return RaoKupperPairLikelihood.probabilities(difference: d, tieParameter: eta)
        case (.bradleyTerry, _): return LogisticPairLikelihood.probabilities(difference: d, tieParameter: eta)
        }
    }

    /// P(item i beats item j) (a tie is not a win).
    public func probability(preferring i: Int, over j: Int) -> Double { outcomeProbabilities(i, j).win }

    /// P(`winner` beats `loser`), or nil when either name is unknown.
    public func probability(preferring winner: String, over loser: String) -> Double? {
        guard let i = itemIndex[winner], let j = itemIndex[loser] else { return nil }
        return probability(preferring: i, over: j)
    }

    /// P(tie) between items i and j (0 without a tie model).
    public func tieProbability(between i: Int, and j: Int) -> Double { outcomeProbabilities(i, j).tie }

    /// Item indices sorted by strength, strongest first (ties in strength by index).
    public var ranking: [Int] {
        items.indices.sorted { strengths[$0] > strengths[$1] || (strengths[$0] == strengths[$1] && $0 < $1) }
    }

    /// The objective this model minimizes, for re-evaluation or further analysis.
    func withObjective<R>(_ body: (any ObjectiveAccess) throws(BradleyTerryError) -> R) throws(BradleyTerryError) -> R {
        let lambda = configuration.l2Penalty
        switch (configuration.link, configuration.ties) {
        case (.thurstone, _):
            return try body(PairedComparisonObjective<ProbitPairLikelihood>(data: data, l2Penalty: lambda))
        case (.bradleyTerry, .davidson):
            return try body(PairedComparisonObjective<DavidsonPairLikelihood>(data: data, l2Penalty: lambda))
        case (.bradleyTerry, .raoKupper):
            return try body(PairedComparisonObjective<RaoKupperPairLikelihood>(data: data, l2Penalty: lambda))
        case (.bradleyTerry, _):
            return try body(PairedComparisonObjective<LogisticPairLikelihood>(data: data, l2Penalty: lambda))
        }
    }
}

/// Type-erased access to a ``PairedComparisonObjective`` (used for standard errors).
protocol ObjectiveAccess {
    var dimension: Int { get }
    var itemCount: Int { get }
    var l2Penalty: Double { get }
    func denseHessian(at x: [Double], shift: Double) -> Tensor<Double>
}

extension PairedComparisonObjective: ObjectiveAccess {
    func denseHessian(at x: [Double], shift: Double) -> Tensor<Double> {
        denseHessian(evaluate(x), shift: shift)
    }
}
