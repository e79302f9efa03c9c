import Testing
@testable import Training

/// Issue 15: a NaN probability reached a precondition in `ReliabilityCurve.init` (a float32 test
/// feature of 3e38 in `rewardkit train`). The curve is total; evaluations that feed reports throw.
@Suite struct NonFiniteMetricsTests {
    @Test func reliabilityCurveClampsOutOfRangeAndSkipsNaN() {
        let curve = ReliabilityCurve(pairwiseProbabilities: [Double.nan, 0.7, 1.5, -.infinity])
        // NaN is left out; 1.5 counts as 1 and −∞ as 0; each pair enters twice.
        #expect(curve.count == 6)
        #expect(curve.bins[9].count == 2 && curve.bins[0].count == 2 && curve.bins[7].count == 1 && curve.bins[3].count == 1)
        #expect(curve.expectedCalibrationError.isFinite)
        let binary = ReliabilityCurve(predictions: [Float.nan, 0.2, 2], outcomes: [true, false, true])
        #expect(binary.count == 2 && binary.bins[9].count == 1)
        let empty = ReliabilityCurve(pairwiseProbabilities: [Double.nan])
        #expect(empty.count == 0 && empty.expectedCalibrationError == 0)
        // The non-throwing evaluation is total too.
        let evaluation = PreferenceEvaluation(scores: [1, .nan, -2])
        #expect(evaluation.reliability.count == 4)
    }

    @Test func checkedEvaluationsNameThePairOfAnUndefinedPrediction() throws {
        #expect(throws: PreferenceEvaluationError.nonFiniteScore(pair: 1, value: .infinity)) {
            try PreferenceEvaluation.checked(scores: [0.5, .infinity])
        }
        let nan = try #require(throws: PreferenceEvaluationError.self) { try PreferenceEvaluation.checked(scores: [Float.nan]) }
        #expect(nan.pair == 0 && nan.description == "the model's score of pair 0 is nan, not a finite number")
        #expect(throws: PreferenceEvaluationError.invalidProbability(pair: 2, value: -0.5)) {
            try PreferenceEvaluation.checked(probabilities: [0.5, 1, -0.5])
        }
        #expect(throws: PreferenceEvaluationError.noPairs) { try PreferenceEvaluation.checked(scores: [Double]()) }
        let fine = try PreferenceEvaluation.checked(scores: [2.0, -1, 3])
        #expect(fine == PreferenceEvaluation(scores: [2.0, -1, 3]))
    }
}
