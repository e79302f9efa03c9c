import Foundation
import TestSupport
import Testing
@testable import ItemModels
@testable import NumericCore
@testable import PreferenceData
import RewardKitInternals

/// Cross-fitted label-noise scores and the annotator outlier test on item comparisons.
@Suite("Label noise and annotator outliers (items)")
struct LabelNoiseTests {
    /// Bradley–Terry labels over 20 items with a share `flips` of them reversed; returns the set and which rows were flipped.
    static func flipped(seed: UInt64, count: Int = 3000, flips: Double = 0.1) throws -> (ComparisonSet, [Bool]) {
        var rng = SeededGenerator(seed: seed)
        let theta = SyntheticComparisons.strengths(count: 20, distribution: .normal(standardDeviation: 1.5), using: &rng)
        let clean = SyntheticComparisons.comparisons(strengths: theta, count: count, using: &rng)
        var winners = clean.winners, losers = clean.losers, planted = [Bool](repeating: false, count: count)
        for k in 0..<count where rng.nextOpenUnit() < flips {
            swap(&winners[k], &losers[k])
            planted[k] = true
        }
        return (try ComparisonSet(items: clean.items, winners: winners, losers: losers), planted)
    }

    @Test("the EM flip rate recovers a planted ε from label probabilities drawn by the model")
    func mixtureRecoversRate() {
        var rng = SeededGenerator(seed: 4)
        var q = [Double]()
        for _ in 0..<20_000 {
            let p = Double.sigmoid(2 * rng.nextNormal())                       // the model's P(first ≻ second)
            let firstWins = rng.nextOpenUnit() < p
            let reported = rng.nextOpenUnit() < 0.2 ? !firstWins : firstWins   // 20% flips
            q.append(reported ? p : 1 - p)
        }
        let (epsilon, posterior) = LabelNoiseScores.mixture(q, weights: [Double](repeating: 1, count: q.count))
        #expect(abs(epsilon - 0.2) < 0.02, "ε = \(epsilon)")
        #expect(abs(posterior.reduce(0, +) / Double(q.count) - epsilon) < 1e-9)
    }

    @Test("Bradley–Terry cross-fitted scores rank planted flips first (AUROC ≥ 0.8 at 10% flips); the CSV has row,flip_probability")
    func itemScores() throws {
        let (data, planted) = try Self.flipped(seed: 12)
        let scores = try BradleyTerry().labelNoiseScores(data, folds: 5, seed: 1)
        #expect(scores.rows == Array(0..<data.count))
        let auroc = try #require(areaUnderROC(scores: scores.flipProbabilities, labels: scores.rows.map { planted[$0] }))
        #expect(auroc >= 0.8, "AUROC \(auroc)")
        // Uniform flips are absorbed by flatter strengths, so a plain model's ε is low (here about 0.03);
        // only the ranking matters for relabelling.
        #expect(scores.flipRate >= 0 && scores.flipRate < 0.1, "ε \(scores.flipRate)")
        // Measured: AUROC 0.807.
        let lines = scores.csvText().split(separator: "\n")
        #expect(lines.first == "row,flip_probability" && lines.count == data.count + 1)
    }

    @Test("the e-value test flags an adversary and coin-flipping left-clickers, not careful annotators")
    func outliers() throws {
        let (campaign, _) = NoisyBradleyTerryTests.campaign(seed: 31, leftClickers: 2, adversaries: 1)
        // Without the first-shown column a left-clicker's labels are coin flips with respect to the items.
        let data = try ComparisonSet(items: campaign.items, winners: campaign.winners, losers: campaign.losers,
                                     annotators: campaign.annotators, annotatorNames: campaign.annotatorNames)
        let scores = try BradleyTerry().labelNoiseScores(data, folds: 5, seed: 2)
        let test = try #require(AnnotatorOutlierTest(data, scores: scores))
        for result in test.results {
            let name = data.annotatorNames[result.annotator]
            #expect(result.isOutlier == !name.hasPrefix("careful"), "\(name): \(result)")
            if name.hasPrefix("adversary") { #expect(result.flipRate >= 0.6, "\(result)") }
            if name.hasPrefix("left") { #expect(abs(result.flipRate - 0.5) <= 0.2, "\(result)") }
        }
    }

    @Test("under the null (every annotator follows the model) e-BH at α = 0.05 flags almost nobody")
    func nullCalibration() throws {
        var flagged = 0, tested = 0
        for seed in UInt64(40)..<48 {
            let (data, _) = NoisyBradleyTerryTests.campaign(seed: seed, leftClickers: 0)
            let scores = try BradleyTerry().labelNoiseScores(data, folds: 5, seed: seed)
            let test = try #require(AnnotatorOutlierTest(data, scores: scores))
            flagged += test.results.filter(\.isOutlier).count
            tested += test.results.count
        }
        #expect(flagged <= 2, "\(flagged) of \(tested) careful annotators flagged")
    }
}
