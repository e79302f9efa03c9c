import TestSupport
import Testing
@testable import FeatureModels
@testable import FileFormats
@testable import NumericCore
@testable import PreferenceData

/// Regression tests of issue 15: features whose magnitude overflows a fit's objective are rejected
/// with a typed error naming row and column, and Newton steps whose Hessian does not factorize
/// fall back to a regularized step instead of trapping.
@Suite struct ExtremeFeatureTests {
    /// 40 pairs of 3 features over 4 users, with one feature replaced by `value`.
    static func pairs(with value: Double, at row: Int = 5, column: Int = 2) throws -> FeaturePairs<Double> {
        var data = SyntheticFeaturePairs.userGroups(Double.self, trainCount: 40, testCount: 4, dimension: 3, userCount: 4,
                                                    groupFractions: [0.5, 0.5], seed: 3).train
        var chosen = data.chosen
        chosen[row, column] = value
        data = try FeaturePairs(chosen: chosen, rejected: data.rejected, userIDs: data.userIDs, users: data.users,
                                sources: FeaturePairSources(chosen: "c.npy", rejected: "r.npy"))
        return data
    }

    @Test func maxMinEMRejectsAFeatureOf1e300NamingRowAndColumn() throws {
        let data = try Self.pairs(with: 1e300)
        let em = BradleyTerryMixture<Double>(componentCount: 2, head: .linear, assignment: .hard, restarts: 2, seed: 1)
        let error = caughtDataError { () throws(DataError) in try em.fit(data) }
        #expect(error?.line == 5)
        #expect(error?.description.contains("column 2: the magnitude of 1e+300 exceeds 1.3e+148") == true, "\(String(describing: error))")
        // Float features fitted in Double: the smaller (float32) limit applies to the data as given.
        let floatData = try Self.pairs(with: 3e30).converted(to: Float.self)
        #expect(caughtDataError { () throws(DataError) in try em.fit(convertingFrom: floatData) }?.line == 5)
        // The limit itself is accepted, and the fit is finite.
        let atLimit = try Self.pairs(with: 1e6)
        let model = try em.fit(atLimit)
        let finite = model.logLikelihoodTrace.allSatisfy { $0.isFinite }
        #expect(finite)
        #expect(FeaturePairs<Double>.magnitudeLimit > 1e148 && FeaturePairs<Float>.magnitudeLimit > 1e13)
    }

    @Test func checkMagnitudeNamesTheFileOfTheOffendingMatrix() throws {
        var data = try Self.pairs(with: 1)
        var rejected = data.rejected
        rejected[7, 0] = -2e150
        data = try FeaturePairs(chosen: data.chosen, rejected: rejected)
        let error = caughtDataError { () throws(DataError) in
            try data.checkMagnitude(sources: FeaturePairSources(chosen: "c.npy", rejected: "r.npy"))
        }
        #expect(error?.file == "r.npy" && error?.line == 7)
        #expect(error?.description.contains("column 0: the magnitude of -2e+150") == true)
    }

    @Test func mStepNewtonFallsBackToARegularizedStep() {
        // Two identical columns and no penalty: the Hessian is singular, Cholesky fails.
        var rng = SeededGenerator(seed: 4)
        let base = Tensor<Double>.randomNormal(shape: [30, 1], using: &rng)
        let D = Tensor.concatenate([base, base], axis: 1)
        var w = [0.0, 0.0]
        let outcome = WeightedBradleyTerryFit.newton(differences: D, weights: [Double](repeating: 1, count: 30), weight: &w,
                                                     l2Penalty: 0, maximumIterations: 25, gradientTolerance: 1e-8)
        let finiteWeights = w.allSatisfy { $0.isFinite }
        #expect(outcome.value.isFinite && finiteWeights)
        #expect(outcome.value < 30 * Double.log(2))
        // An infinite Hessian has no regularized step: the caller takes a gradient step.
        let infinite = Tensor<Double>(rows: [[.infinity, 0], [0, 1]])
        #expect(WeightedBradleyTerryFit.regularizedNewtonStep(infinite, negativeGradient: Tensor([1, 1])) == nil)
        let singular = Tensor<Double>(rows: [[1, 1], [1, 1]])
        let step = WeightedBradleyTerryFit.regularizedNewtonStep(singular, negativeGradient: Tensor([1, 1]))
        #expect(step != nil && step!.allSatisfy(\.isFinite))
    }

    @Test func newtonHeadOnHugeFeaturesIsATypedErrorAndSingularHessiansAreRegularized() throws {
        let huge = try Self.pairs(with: 1e300)
        #expect(throws: LinearHeadFitError.nonFiniteObjective) {
            try LinearRewardHead<Double>.fit(FeaturePairsView(huge), solver: .newton, objective: BradleyTerryObjective(l2Penalty: 0))
        }
        // Collinear features without a penalty used to end in `singularHessian`; the
        // Levenberg–Marquardt shift fits them.
        let data = try Self.pairs(with: 1)
        func repeatingFirstColumn(_ t: Tensor<Double>) -> Tensor<Double> {
            Tensor(shape: [t.rowCount, 4], scalars: (0..<t.rowCount).flatMap { i in [t[i, 0], t[i, 1], t[i, 2], t[i, 0]] })
        }
        let collinear = try FeaturePairs(chosen: repeatingFirstColumn(data.chosen), rejected: repeatingFirstColumn(data.rejected))
        let fit = try LinearRewardHead<Double>.fit(FeaturePairsView(collinear), solver: .newton, objective: BradleyTerryObjective(l2Penalty: 0))
        #expect(fit.objectiveValue.isFinite && fit.weights.allSatisfy(\.isFinite))
        #expect(throws: LinearHeadFitError.nonFiniteObjective) {
            try LinearRewardHead<Double>.regularizedStep(Tensor(rows: [[1, 0], [0, .nan]]), gradient: [1, 1])
        }
    }
}
