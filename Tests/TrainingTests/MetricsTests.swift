import Foundation
import TestSupport
import Testing
@testable import FileFormats
@testable import NumericCore
@testable import PreferenceData
@testable import Training

@Suite struct MetricsTests {
    @Test func accuracyIsStrict() {
        #expect(PreferenceMetrics.accuracy(scores: [1.0, 0, -1, 2]) == 0.5)
        #expect(PreferenceMetrics.accuracy(chosenRewards: [Float(1), 2, 3], rejectedRewards: [0, 2, 4]) == 1.0 / 3)
        #expect(PreferenceMetrics.accuracy(probabilities: [0.5, 0.51, 0.2, 1]) == 0.5)
    }

    @Test func logLossMatchesHandValuesAndStaysFinite() {
        #expect(Tolerance.isClose(PreferenceMetrics.logLoss(scores: [0.0]), Foundation.log(2.0), rtol: 1e-15))
        // −log σ(2) = log(1 + e^{−2}); −log σ(−1) = log(1 + e).
        let expected = (Foundation.log(1 + Foundation.exp(-2.0)) + Foundation.log(1 + Foundation.exp(1.0))) / 2
        #expect(Tolerance.isClose(PreferenceMetrics.logLoss(scores: [2.0, -1]), expected, rtol: 1e-14))
        #expect(PreferenceMetrics.logLoss(scores: [-1e4]) == 1e4)
        #expect(PreferenceMetrics.logLoss(scores: [1e4]) == 0)
        let scores = [0.3, -1.2, 2.5, 0.01]
        #expect(Tolerance.isClose(PreferenceMetrics.logLoss(probabilities: PreferenceMetrics.probabilities(scores: scores)),
                                  PreferenceMetrics.logLoss(scores: scores), rtol: 1e-12))
        #expect(PreferenceMetrics.logLoss(probabilities: [0.0]) == -Foundation.log(1e-15))
    }

    @Test func brierScoreMatchesHandValue() {
        // ((0.1)² + (0.4)² + (0.8)²)/3 = 0.81/3.
        #expect(Tolerance.isClose(PreferenceMetrics.brierScore(probabilities: [0.9, 0.6, 0.2]), 0.27, rtol: 1e-14))
    }

    @Test func binaryReliabilityCurveMatchesHandComputation() {
        // Bins 1: {0.1, no}, 2: {0.2, yes}, 7: {0.75, no}, 8: {0.8, yes}, 9: {0.9, yes}:
        // ECE = (0.1 + 0.8 + 0.75 + 0.2 + 0.1)/5 = 0.39.
        let curve = ReliabilityCurve(predictions: [0.1, 0.2, 0.8, 0.9, 0.75], outcomes: [false, true, true, true, false])
        #expect(Tolerance.isClose(curve.expectedCalibrationError, 0.39, rtol: 1e-14))
        #expect(curve.bins.map(\.count) == [0, 1, 1, 0, 0, 0, 0, 1, 1, 1])
        #expect(curve.bins[2].meanPrediction == 0.2 && curve.bins[2].observedFrequency == 1)
        #expect(curve.bins[0].meanPrediction == nil)
        #expect(curve.bins[9].lowerBound == 0.9 && curve.bins[9].upperBound == 1)
        // 0 and 1 fall into the first and last bins.
        let edges = ReliabilityCurve(predictions: [0.0, 1.0], outcomes: [false, true])
        #expect(edges.bins[0].count == 1 && edges.bins[9].count == 1 && edges.expectedCalibrationError == 0)
    }

    @Test func pairwiseECECountsBothOrientations() {
        // (p, won) and (1 − p, lost) for p = 0.95, 0.85, 0.65, 0.55, 0.3 fill bins
        // 0: {.05 lost} 1: {.15 lost} 3: {.35 lost, .3 won} 4: {.45 lost} 5: {.55 won} 6: {.65 won}
        // 7: {.7 lost} 8: {.85 won} 9: {.95 won}; gaps .05 .15 2×.175 .45 .45 .35 .7 .15 .05 → 2.7/10.
        let p = [0.95, 0.85, 0.65, 0.55, 0.3]
        let curve = ReliabilityCurve(pairwiseProbabilities: p)
        #expect(curve.count == 10)
        #expect(curve.bins.map(\.count) == [1, 1, 0, 2, 1, 1, 1, 1, 1, 1])
        #expect(Tolerance.isClose(curve.bins[3].meanPrediction!, 0.325, rtol: 1e-14))
        #expect(curve.bins[3].observedFrequency == 0.5)
        #expect(Tolerance.isClose(curve.expectedCalibrationError, 0.27, rtol: 1e-13))
        #expect(Tolerance.isClose(PreferenceMetrics.expectedCalibrationError(probabilities: p), 0.27, rtol: 1e-13))
        // It is the binary curve of the doubled, mirrored set.
        let binary = ReliabilityCurve(predictions: p + p.map { 1 - $0 }, outcomes: p.map { _ in true } + p.map { _ in false })
        #expect(Tolerance.isClose(binary.expectedCalibrationError, curve.expectedCalibrationError, rtol: 1e-14))
        // A perfectly calibrated model has ECE near 0: labels sampled from p.
        var generator = SeededGenerator(seed: 1)
        var sampled = [Double]()
        for _ in 0..<40_000 {
            let q = generator.nextOpenUnit()
            sampled.append(generator.nextOpenUnit() < q ? q : 1 - q)  // P(chosen ≻ rejected) of the sampled winner
        }
        #expect(ReliabilityCurve(pairwiseProbabilities: sampled).expectedCalibrationError < 0.01)
        // Symmetry: bin b mirrors bin B − 1 − b.
        let mirrored = ReliabilityCurve(pairwiseProbabilities: sampled)
        for b in 0..<10 { #expect(mirrored.bins[b].count == mirrored.bins[9 - b].count) }
    }

    @Test func rewardStatisticsMatchHandValues() {
        let stats = RewardStatistics(chosen: [Float(2), 0.5, 3], rejected: [1, 1, -4])
        #expect(stats.minimum == -4 && stats.maximum == 3)
        #expect(Tolerance.isClose(stats.mean, 3.5 / 6, rtol: 1e-15))
        #expect(Tolerance.isClose(stats.meanChosen, 5.5 / 3, rtol: 1e-15))
        #expect(Tolerance.isClose(stats.meanRejected, -2.0 / 3, rtol: 1e-15))
        #expect(Tolerance.isClose(stats.meanMargin, 7.5 / 3, rtol: 1e-15))
    }

    @Test func groupedAccuracyNamesTheWorstGroup() {
        let grouped = GroupedAccuracy(correct: [true, false, true, true, false, false, true],
                                      labelOfPair: [0, 0, 1, 1, 2, 2, 2], names: ["a", "b", "c", "unused"])
        #expect(grouped.groups.map(\.name) == ["a", "b", "c"])
        #expect(grouped.groups.map(\.accuracy) == [0.5, 1, 1.0 / 3])
        #expect(grouped.worst?.name == "c")
        #expect(Tolerance.isClose(grouped.meanAccuracy, (0.5 + 1 + 1.0 / 3) / 3, rtol: 1e-15))
        let tie = GroupedAccuracy(correct: [true, false, true, false], labelOfPair: [1, 1, 0, 0], names: ["x", "y"])
        #expect(tie.worst?.name == "x")
    }

    @Test func evaluationCombinesEverything() throws {
        let chosen = [2.0, 1, 0.5, 3, -1, 0]
        let rejected = [1.0, 2, 0, 1, 0, 0]
        let users = UserTable(names: ["u0", "u1", "u2"])
        let groups = try UserGroups.parse(text: "user,group\nu0,A\nu1,B\nu2,B\n")
        let pairs = try FeaturePairs(chosen: Tensor<Double>(shape: [6, 1], scalars: chosen), rejected: Tensor<Double>(shape: [6, 1], scalars: rejected),
                                     userIDs: [0, 0, 1, 1, 2, 2], users: users)
        let grouping = try #require(try PairGrouping(pairs: pairs, groups: groups))
        let evaluation = PreferenceEvaluation(chosenRewards: chosen, rejectedRewards: rejected, grouping: grouping)
        let margins = zip(chosen, rejected).map { $0 - $1 }
        #expect(evaluation.count == 6)
        #expect(evaluation.accuracy == 0.5)  // 1, −1, 0.5, 2, −1, 0 → three strictly positive
        #expect(Tolerance.isClose(evaluation.logLoss, PreferenceMetrics.logLoss(scores: margins), rtol: 1e-15))
        #expect(Tolerance.isClose(evaluation.brierScore, PreferenceMetrics.brierScore(probabilities: PreferenceMetrics.probabilities(scores: margins)), rtol: 1e-15))
        #expect(evaluation.rewards?.meanMargin == margins.reduce(0, +) / 6)
        #expect(evaluation.byUser?.groups.map(\.accuracy) == [0.5, 1, 0])
        #expect(evaluation.byUser?.worst?.name == "u2")
        #expect(evaluation.byGroup?.groups.map(\.name) == ["A", "B"])
        #expect(evaluation.byGroup?.groups.map(\.accuracy) == [0.5, 0.5])
        #expect(evaluation.byGroup?.worst?.name == "A")
        let json = evaluation.jsonValue
        #expect(json["accuracy"] == .number(0.5))
        #expect(json["by_group"]?["worst"]?["name"] == .string("A"))
        #expect(json["reliability"]?.arrayValue?.count == 10)
        #expect(json["rewards"]?["mean_margin"] == .number(margins.reduce(0, +) / 6))
        // Round trip of the JSON text.
        #expect(try JSONValue(parsing: json.serialized(pretty: true)) == json)
        // Probabilities path.
        let byProbability = PreferenceEvaluation(probabilities: PreferenceMetrics.probabilities(scores: margins))
        #expect(byProbability.accuracy == 0.5)
        #expect(Tolerance.isClose(byProbability.expectedCalibrationError, evaluation.expectedCalibrationError, rtol: 1e-12))
    }

    @Test func adjustedRandIndexMatchesScikitLearn() {
        // Reference values from sklearn.metrics.adjusted_rand_score 1.9.1.
        #expect(Tolerance.isClose(ClusteringAgreement.adjustedRandIndex([0, 0, 0, 1, 1, 1, 2, 2, 2, 2], [1, 1, 0, 0, 2, 2, 2, 2, 0, 1]),
                                  -0.022727272727272728, rtol: 1e-12))
        #expect(Tolerance.isClose(ClusteringAgreement.adjustedRandIndex([5, 5, 7, 7, 7, 9, 9, 1, 1, 1, 1, 3], [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]),
                                  0.21052631578947367, rtol: 1e-12))
        #expect(ClusteringAgreement.adjustedRandIndex([0, 0, 1, 1], [1, 1, 0, 0]) == 1)
        #expect(ClusteringAgreement.adjustedRandIndex([0, 1, 2, 3], [0, 0, 1, 1]) == 0)
        #expect(ClusteringAgreement.adjustedRandIndex([4, 4, 4], [1, 1, 1]) == 1)
    }

    @Test func purityMatchesHandValue() {
        // Cluster 0 holds classes {0, 0, 1}, cluster 1 holds {1, 1, 2}: (2 + 2)/6.
        #expect(ClusteringAgreement.purity(predicted: [0, 0, 0, 1, 1, 1], truth: [0, 0, 1, 1, 1, 2]) == 4.0 / 6)
        #expect(ClusteringAgreement.purity(predicted: [0, 1, 2, 3], truth: [0, 0, 1, 1]) == 1)
    }
}
