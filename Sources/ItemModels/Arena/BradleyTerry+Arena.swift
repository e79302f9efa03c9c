import Foundation
import NumericCore
import PreferenceData

extension ArenaBattles {
    /// The battles deduplicated into unique outcomes (pair, covariate pattern) for fitting and the bootstrap.
    public var outcomeTable: ComparisonOutcomeTable {
        ComparisonOutcomeTable(comparisons, covariates: covariateCount > 0 ? covariates : nil)
    }
}

extension BradleyTerry {
    /// Fits Bradley–Terry with contest covariates ("style control", as arena leaderboards fit it):
    ///
    ///   P(w ≻ l) = σ(θ_w − θ_l + γ·c),
    ///
    /// where c is the covariate row of the battle oriented from the winner (for per-answer features,
    /// c = z_w − z_l, so γ·(z_w − z_l) is the advantage an answer's style gives it). θ, γ (and the
    /// Davidson or Rao–Kupper tie parameter η when asked) are fitted jointly by the same Newton
    /// solvers as ``fit(_:)-(ComparisonSet)``, minimizing
    ///
    ///   F = −Σ w·log P(record) + (λ/2)‖θ‖² + (μ/2)‖γ‖²
    ///
    /// (μ = ``Configuration/covariatePenalty``, 0 by default). The records are deduplicated by
    /// (pair, covariate pattern) first. Without covariates this is exactly ``fit(_:)-(ComparisonSet)``.
    /// A covariate that is zero in every battle is not identified: its coefficient is 0 and has no
    /// standard error. Math: Docs/Arena.md.
    ///
    /// ```swift
    /// let battles = try ArenaBattles(csvFile: URL(fileURLWithPath: "battles.csv"),
    ///                                covariates: CovariateSpecification.parseList("len_a:len_b")!)
    /// let model = try BradleyTerry(.init(ties: .davidson)).fit(battles)
    /// print(model.coefficients, try model.hessianIntervals().coefficientStandardErrors)
    /// ```
    ///
    /// - Throws: as ``fit(_:)-(ComparisonSet)``; the MM solver does not fit covariates.
    public func fit(_ battles: ArenaBattles) throws(BradleyTerryError) -> BradleyTerryModel {
        if battles.covariateCount == 0 { return try fit(battles.comparisons) }
        let clock = ContinuousClock()
        let start = clock.now
        try configuration.validate()
        let set = battles.comparisons
        if set.itemCount < 2 { throw .tooFewItems(set.itemCount) }
        let data = battles.outcomeTable.aggregated(ties: configuration.ties)
        var (solution, report) = try fit(aggregated: data, items: set.items, initial: nil)
        report.seconds = (clock.now - start).inSeconds
        return BradleyTerryModel(items: set.items, parameters: solution, configuration: configuration, report: report,
                                 data: data, comparisonCount: set.count, covariateNames: battles.covariateNames,
                                 covariateScales: battles.covariateScales, normalization: battles.normalization)
    }

    /// Bootstrap intervals of a model fitted to `battles` (see
    /// ``bootstrapIntervals(_:model:samples:level:seed:interval:threads:)-(ComparisonSet,_,_,_,_,_,_)``):
    /// the battles are resampled with their covariates, and γ and η get intervals too.
    public func bootstrapIntervals(
        _ battles: ArenaBattles, model: BradleyTerryModel, samples: Int = 200, level: Double = 0.95,
        seed: UInt64 = 0, interval: StrengthIntervals.BootstrapInterval = .percentile, threads: Int? = nil
    ) throws(BradleyTerryError) -> StrengthIntervals {
        precondition(model.items == battles.comparisons.items && model.covariateCount == battles.covariateCount,
                     "bootstrap: the model was fitted to other battles")
        return try bootstrapIntervals(battles.outcomeTable, model: model, samples: samples, level: level, seed: seed,
                                      interval: interval, threads: threads)
    }
}
