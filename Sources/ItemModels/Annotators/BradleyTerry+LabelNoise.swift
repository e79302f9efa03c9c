import PreferenceData

extension BradleyTerry {
    /// The fold penalty when the configuration has none: λ = 1e-3, so an item whose records all fall
    /// in one fold still has a finite strength when that fold is held out.
    public static let labelNoiseFoldPenalty = 1e-3

    /// Cross-fitted label-noise scores of the decisive records of `comparisons` (ties and zero-weight
    /// records are not scored): K Bradley–Terry fits with this configuration (λ raised to
    /// ``labelNoiseFoldPenalty`` when it is 0), each scoring the records it did not see by the
    /// probability of the reported outcome given a decisive one, P(w ≻ l)/(P(w ≻ l) + P(l ≻ w)).
    /// See ``LabelNoiseScores`` for the flip probabilities.
    ///
    /// - Throws: ``BradleyTerryError`` of a fold's fit.
    public func labelNoiseScores(_ comparisons: ComparisonSet, folds: Int = 5, seed: UInt64 = 0)
        throws(BradleyTerryError) -> LabelNoiseScores {
        let decisive = (0..<comparisons.count).filter { !comparisons.ties[$0] && comparisons.weights[$0] > 0 }
        guard folds >= 2, decisive.count >= folds else {
            throw .unsupportedConfiguration("label-noise scores need at least \(folds) decisive records, found \(decisive.count)")
        }
        var fold = configuration
        fold.l2Penalty = max(configuration.l2Penalty, Self.labelNoiseFoldPenalty)
        let estimator = BradleyTerry(fold)
        return try LabelNoiseScores.crossFitted(rows: comparisons.count, scoredRows: decisive, folds: folds, seed: seed,
                                                weights: comparisons.weights) { (_, test) throws(BradleyTerryError) in
            // The training folds keep every record not held out (ties and zero weights included).
            let held = Set(test)
            let model = try estimator.fit(comparisons.subset((0..<comparisons.count).filter { !held.contains($0) }))
            return test.map { k in
                let forward = model.outcomeProbabilities(comparisons.winners[k], comparisons.losers[k]).win
                let backward = model.outcomeProbabilities(comparisons.losers[k], comparisons.winners[k]).win
                return forward / (forward + backward)
            }
        }
    }
}

extension AnnotatorOutlierTest {
    /// The outlier test of the annotators of `comparisons` from cross-fitted label-noise `scores`
    /// (``BradleyTerry/labelNoiseScores(_:folds:seed:)``); nil when the data name no annotators.
    public init?(_ comparisons: ComparisonSet, scores: LabelNoiseScores, level: Double = 0.05) {
        guard let ids = comparisons.annotators else { return nil }
        self.init(labelProbabilities: scores.labelProbabilities, annotators: scores.rows.map { ids[$0] },
                  annotatorCount: comparisons.annotatorNames.count, level: level)
    }
}
