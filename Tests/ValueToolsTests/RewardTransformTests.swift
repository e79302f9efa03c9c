import Foundation
import TestSupport
import Testing
@testable import NumericCore
@testable import RewardKitInternals
@testable import ValueTools

@Suite("Reward transforms")
struct RewardTransformTests {
    @Test func logSigmoidIdentities() {
        #expect(Tolerance.isClose(RewardTransform.logSigmoid(1.3, reference: 1.3), -log(2.0)))
        var previous = -Double.infinity
        for r in stride(from: -10.0, through: 10.0, by: 0.5) {
            let u = RewardTransform.logSigmoid(r, reference: 0.7)
            #expect(u < 0 && u > previous)                                   // negative, increasing
            #expect(Tolerance.isClose(u, log(1 / (1 + exp(-(r - 0.7)))), rtol: 1e-12, atol: 1e-15))
            let numeric = FiniteDifference.gradient(of: { RewardTransform.logSigmoid($0[0], reference: 0.7) }, at: [r])[0]
            #expect(abs(numeric - RewardTransform.derivative(r, reference: 0.7)) < 1e-8)
            previous = u
        }
        // Far tails stay finite: u ≈ r − r_ref below, u → 0⁻ above.
        #expect(Tolerance.isClose(RewardTransform.logSigmoid(-1e4, reference: 0), -1e4))
        let high = RewardTransform.logSigmoid(1e4, reference: 0)
        #expect(high <= 0 && high > -1e-300)
        #expect(RewardTransform.logSigmoid(40, reference: 0) > -1e-17)
    }

    @Test func quantileIsType7() {
        let v = [5.0, 1, 4, 2, 3]
        #expect(RewardTransform.quantile(0, of: v) == 1)
        #expect(RewardTransform.quantile(1, of: v) == 5)
        #expect(Tolerance.isClose(RewardTransform.quantile(0.5, of: v), 3))
        #expect(Tolerance.isClose(RewardTransform.quantile(0.85, of: v), 4.4))      // numpy.quantile([1..5], 0.85)
        #expect(Tolerance.isClose(RewardTransform.quantile(0.3, of: [10.0, 20]), 13))
        #expect(RewardTransform.quantile(0.7, of: [2.5]) == 2.5)
    }

    @Test func combinedRewardIsLogOfProductOfWinProbabilities() {
        let transform = RewardTransform(referenceQuantile: 0.5)
        let helpfulRefs = [0.0, 1, 2, 3, 4], harmlessRefs = [-1.0, 1]
        let rewards = [3.2, -0.4]
        let combined = transform.combined(rewards: rewards, referenceRewards: [helpfulRefs, harmlessRefs])
        let product = (1 / (1 + exp(-(3.2 - 2)))) * (1 / (1 + exp(-(-0.4 - 0))))
        #expect(Tolerance.isClose(combined, log(product)))
        // The batch form agrees, and the sum is dominated by the weaker property.
        let batch = transform.combined(rewards: [rewards, [10, -0.4], [3.2, 10]], referenceRewards: [helpfulRefs, harmlessRefs])
        #expect(Tolerance.isClose(batch[0], combined))
        #expect(batch[1] - combined < batch[2] - combined)   // raising the weak property helps more
        // Per-prompt transform uses that prompt's reference quantile.
        let u = transform.transform([2, 3], referenceRewards: helpfulRefs)
        #expect(Tolerance.isClose(u[0], -log(2.0)))
        #expect(Tolerance.isClose(u[1], RewardTransform.logSigmoid(3, reference: 2)))
    }
}
