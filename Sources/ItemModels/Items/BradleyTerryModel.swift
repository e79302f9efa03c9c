import Foundation
import NumericCore
import PreferenceData

/// A fitted item-level paired-comparison model (the result of ``BradleyTerry/fit(_:)-(ComparisonSet)``).
///
/// `strengths[i]` is θᵢ for `items[i]`, centered so Σθᵢ = 0. P(i ≻ j | c) = σ(θᵢ − θⱼ + γ·c) for the
/// Bradley–Terry link or Φ(θᵢ − θⱼ + γ·c) for Thurstone, modified by the tie model (see
/// ``BradleyTerry/TieModel``); without covariates (k = 0) γ·c is absent, and with covariates the
/// covariate-neutral comparison is c = 0.
public struct BradleyTerryModel: Sendable {
    /// Item names, in index order.
    public let items: [String]
    /// Centered strengths θ.
    public let strengths: [Double]
    /// γ, one per covariate (empty without covariates), on the normalized covariate axis; 0 for a
    /// covariate that is zero in every record (not identified).
    public let coefficients: [Double]
    /// The covariates' names (see ``CovariateSpecification/description``).
    public let covariateNames: [String]
    /// The divisor normalization applied to each covariate column: γ per raw unit = γ / scale.
    public let covariateScales: [Double]
    /// The covariate normalization applied before fitting.
    public let normalization: CovariateNormalization
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
         report: BradleyTerryFitReport, data: AggregatedComparisons, comparisonCount: Int,
         covariateNames: [String] = [], covariateScales: [Double]? = nil, normalization: CovariateNormalization = .none) {
        let n = items.count, k = data.covariateCount
        precondition(covariateNames.count == k, "\(covariateNames.count) covariate names for \(k) covariates")
        self.items = items
        strengths = Array(parameters.prefix(n))
        coefficients = Array(parameters[n..<(n + k)])
        logTieParameter = parameters.count > n + k ? parameters[n + k] : nil
        self.covariateNames = covariateNames
        self.covariateScales = covariateScales ?? [Double](repeating: 1, count: k)
        self.normalization = normalization
        self.configuration = configuration
        self.report = report
        self.data = data
        self.comparisonCount = comparisonCount
        var index = [String: Int](minimumCapacity: n)
        for (i, name) in items.enumerated() { index[name] = i }
        itemIndex = index
    }

    /// The full parameter vector (θ, γ[, η]) as the solver sees it.
    public var parameters: [Double] { strengths + coefficients + (logTieParameter.map { [$0] } ?? []) }

    /// The number of covariates k.
    public var covariateCount: Int { coefficients.count }

    /// The index of an item name.
    public func index(of item: String) -> Int? { itemIndex[item] }

    /// θ of the named item, or nil for an unknown name.
    public func strength(of item: String) -> Double? { itemIndex[item].map { strengths[$0] } }

    /// (P(i ≻ j), P(tie)) for item indices i ≠ j, for a comparison with covariate row `covariates`
    /// oriented to i (nil: all zero, the covariate-neutral comparison).
    public func outcomeProbabilities(_ i: Int, _ j: Int, covariates: [Double]? = nil) -> (win: Double, tie: Double) {
        precondition(i >= 0 && i < items.count && j >= 0 && j < items.count,
                     "items (\(i), \(j)) outside 0..<\(items.count)")
        var d = strengths[i] - strengths[j]
        if let covariates {
            precondition(covariates.count == coefficients.count, "\(covariates.count) covariates for \(coefficients.count) coefficients")
            for a in coefficients.indices { d += coefficients[a] * covariates[a] }
        }
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

    /// The covariate-neutral expected score of i against j: P(i ≻ j) + ½·P(tie).
    public func expectedScore(_ i: Int, against j: Int) -> Double {
        let p = outcomeProbabilities(i, j)
        return p.win + p.tie / 2
    }

    /// The matrix of expected scores among `indices` (rows against columns).
    public func expectedScores(_ indices: [Int]) -> Tensor<Double> {
        var m = Tensor<Double>.zeros(shape: [indices.count, indices.count])
        for (a, i) in indices.enumerated() {
            for (b, j) in indices.enumerated() { m[a, b] = expectedScore(i, against: j) }
        }
        return m
    }

    /// Item indices sorted by strength, strongest first (ties in strength by index).
    public var ranking: [Int] {
        items.indices.sorted { strengths[$0] > strengths[$1] || (strengths[$0] == strengths[$1] && $0 < $1) }
    }

    /// The objective this model minimizes, for re-evaluation or further analysis.
    func withObjective<R>(_ body: (any ObjectiveAccess) throws(BradleyTerryError) -> R) throws(BradleyTerryError) -> R {
        let lambda = configuration.l2Penalty, mu = configuration.covariatePenalty
        switch (configuration.link, configuration.ties) {
        case (.thurstone, _):
            return try body(PairedComparisonObjective<ProbitPairLikelihood>(data: data, l2Penalty: lambda, covariatePenalty: mu))
        case (.bradleyTerry, .davidson):
            return try body(PairedComparisonObjective<DavidsonPairLikelihood>(data: data, l2Penalty: lambda, covariatePenalty: mu))
        case (.bradleyTerry, .raoKupper):
            return try body(PairedComparisonObjective<RaoKupperPairLikelihood>(data: data, l2Penalty: lambda, covariatePenalty: mu))
        case (.bradleyTerry, _):
            return try body(PairedComparisonObjective<LogisticPairLikelihood>(data: data, l2Penalty: lambda, covariatePenalty: mu))
        }
    }
}

/// Type-erased access to a ``PairedComparisonObjective`` (used for standard errors).
protocol ObjectiveAccess {
    var dimension: Int { get }
    var itemCount: Int { get }
    var l2Penalty: Double { get }
    /// The dense Hessian at `x` plus c·uuᵀ with c its ``PairedComparisonObjective/centeringShift(_:)``.
    func centeredDenseHessian(at x: [Double]) -> (hessian: Tensor<Double>, shift: Double)
}

extension PairedComparisonObjective: ObjectiveAccess {
    func centeredDenseHessian(at x: [Double]) -> (hessian: Tensor<Double>, shift: Double) {
        let evaluation = evaluate(x)
        let shift = centeringShift(evaluation)
        return (denseHessian(evaluation, shift: shift), shift)
    }
}
