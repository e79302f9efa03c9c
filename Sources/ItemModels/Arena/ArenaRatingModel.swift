import Foundation
import NumericCore
import PreferenceData

/// A fitted contest-covariate Bradley–Terry model (the result of ``ArenaRating/fit(_:)``).
///
/// P(i ≻ j | c) = σ(θᵢ − θⱼ + γ·c) (with the tie model's modification); the style-neutral
/// comparison is c = 0. `strengths` are centered (Σθ = 0), on the logit scale.
public struct ArenaRatingModel: Sendable {
    public let items: [String]
    /// Centered θ.
    public let strengths: [Double]
    /// γ, one per covariate, on the normalized covariate axis.
    public let coefficients: [Double]
    public let covariateNames: [String]
    /// The divisor normalization applied to each covariate column: γ per raw unit = γ / scale.
    public let covariateScales: [Double]
    public let normalization: CovariateNormalization
    /// η = log ν (Davidson) or log θ_RK (Rao–Kupper); nil otherwise.
    public let logTieParameter: Double?
    /// Standard errors from the inverse penalized Hessian under Σθ = 0 (nil above 3,000 parameters
    /// or when the Hessian is singular).
    public let standardErrors: ArenaStandardErrors?
    public let configuration: ArenaRating.Configuration
    public let report: BradleyTerryFitReport
    /// The deduplicated outcomes (the bootstrap resamples these).
    public let table: ArenaOutcomeTable
    /// Weighted battles of each item.
    public let battles: [Double]
    /// The number of records fitted.
    public let recordCount: Int

    init(items: [String], parameters: [Double], covariateNames: [String], covariateScales: [Double],
         normalization: CovariateNormalization, standardErrors: ArenaStandardErrors?,
         configuration: ArenaRating.Configuration, report: BradleyTerryFitReport, table: ArenaOutcomeTable,
         battles: [Double], recordCount: Int) {
        let n = items.count, k = covariateNames.count
        self.items = items
        strengths = Array(parameters[0..<n])
        coefficients = Array(parameters[n..<(n + k)])
        logTieParameter = parameters.count > n + k ? parameters[n + k] : nil
        self.covariateNames = covariateNames
        self.covariateScales = covariateScales
        self.normalization = normalization
        self.standardErrors = standardErrors
        self.configuration = configuration
        self.report = report
        self.table = table
        self.battles = battles
        self.recordCount = recordCount
    }

    /// (θ, γ[, η]) as the solver sees it.
    public var parameters: [Double] { strengths + coefficients + (logTieParameter.map { [$0] } ?? []) }

    /// ν (Davidson) or θ_RK (Rao–Kupper) on the natural scale.
    public var tieParameter: Double? { logTieParameter.map { exp($0) } }

    public func index(of item: String) -> Int? { items.firstIndex(of: item) }

    /// (P(i ≻ j), P(tie)) for a battle with covariate row `covariates` oriented to i (nil: all zero).
    public func outcomeProbabilities(_ i: Int, _ j: Int, covariates: [Double]? = nil) -> (win: Double, tie: Double) {
        precondition(i >= 0 && i < items.count && j >= 0 && j < items.count, "items (\(i), \(j)) outside 0..<\(items.count)")
        var d = strengths[i] - strengths[j]
        if let covariates {
            precondition(covariates.count == coefficients.count, "\(covariates.count) covariates for \(coefficients.count) coefficients")
            for a in coefficients.indices { d += coefficients[a] * covariates[a] }
        }
        let eta = logTieParameter ?? 0
        switch configuration.ties {
        case .davidson: return DavidsonPairLikelihood.probabilities(difference: d, tieParameter: eta)
        case .raoKupper: return RaoKupperPairLikelihood.probabilities(difference: d, tieParameter: eta)
        case .halfWins, .drop: return LogisticPairLikelihood.probabilities(difference: d, tieParameter: eta)
        }
    }

    /// The style-neutral expected score of i against j: P(i ≻ j) + ½·P(tie) at c = 0
    /// (σ(θᵢ − θⱼ) without a tie parameter).
    public func expectedScore(_ i: Int, against j: Int) -> Double {
        let p = outcomeProbabilities(i, j)
        return p.win + p.tie / 2
    }

    /// The matrix of expected scores among `indices` (rows beat columns).
    public func expectedScores(_ indices: [Int]) -> Tensor<Double> {
        var m = Tensor<Double>.zeros(shape: [indices.count, indices.count])
        for (a, i) in indices.enumerated() {
            for (b, j) in indices.enumerated() { m[a, b] = expectedScore(i, against: j) }
        }
        return m
    }

    /// Item indices by strength, strongest first.
    public var ranking: [Int] {
        items.indices.sorted { strengths[$0] > strengths[$1] || (strengths[$0] == strengths[$1] && $0 < $1) }
    }
}
