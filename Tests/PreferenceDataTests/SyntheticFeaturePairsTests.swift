import Foundation
import TestSupport
import Testing
@testable import NumericCore
@testable import PreferenceData

@Suite struct SyntheticFeaturePairsTests {
    /// Share of pairs the truth ranks correctly, recomputed from the stored features.
    static func recomputedOracle<S: BLASScalar>(_ pairs: FeaturePairs<S>, _ truth: SyntheticRewardTruth) -> Double {
        let c = Tensor<Double>(shape: pairs.chosen.shape, scalars: pairs.chosen.scalars.map { Double($0) })
        let r = Tensor<Double>(shape: pairs.rejected.shape, scalars: pairs.rejected.scalars.map { Double($0) })
        let s = truth.logits(c, r, users: pairs.userIDs)
        return Double(s.filter { $0 > 0 }.count) / Double(s.count)
    }

    @Test func linearDataMatchesTheRecipe() throws {
        let data = SyntheticFeaturePairs.linear(Float.self, trainCount: 6_000, testCount: 3_000, dimension: 16, seed: 1)
        #expect(data.train.count == 6_000 && data.test.count == 3_000 && data.train.dimension == 16)
        // Responses lie on the sphere of radius √d.
        for i in [0, 17, 5_999] {
            let norm = data.train.chosen.rowArray(i).reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            #expect(abs(norm - 4) < 1e-5)
        }
        guard case .linear(let w) = data.truth else { Issue.record("wrong truth"); return }
        #expect(w.count == 16)
        // The reported oracle accuracies are the truth's accuracy on the stored features.
        #expect(data.oracleTrainAccuracy == Self.recomputedOracle(data.train, data.truth))
        #expect(data.oracleTestAccuracy == Self.recomputedOracle(data.test, data.truth))
        // Labels are Bradley–Terry samples: the empirical oracle accuracy matches its expectation
        // E[max(p, 1 − p)] within sampling error (sd ≈ 0.006 for 3,000 pairs).
        #expect(abs(data.oracleTestAccuracy - data.oracleExpectedTestAccuracy) < 0.025)
        #expect(data.oracleExpectedTestAccuracy > 0.75)
        // Same seed, same data; another seed, other data.
        let again = SyntheticFeaturePairs.linear(Float.self, trainCount: 6_000, testCount: 3_000, dimension: 16, seed: 1)
        #expect(again.train.chosen == data.train.chosen && again.test.rejected == data.test.rejected)
        let other = SyntheticFeaturePairs.linear(Float.self, trainCount: 6_000, testCount: 3_000, dimension: 16, seed: 2)
        #expect(other.train.chosen != data.train.chosen)
    }

    @Test func labelsAreBradleyTerrySamples() {
        // Among pairs whose true confidence q = σ(|s|) lies in a band, the share oriented with the
        // truth (s(chosen, rejected) > 0) must equal the band's mean q (4 standard errors).
        let data = SyntheticFeaturePairs.linear(trainCount: 20_000, testCount: 10, dimension: 8, weightScale: 2, seed: 3)
        let s = data.truth.logits(data.train.chosen, data.train.rejected)
        for band in [(0.5, 0.7), (0.7, 0.9), (0.9, 1.0)] {
            let members = s.filter { Double.sigmoid(abs($0)) >= band.0 && Double.sigmoid(abs($0)) < band.1 }
            #expect(members.count > 1_000)
            let agree = Double(members.filter { $0 > 0 }.count) / Double(members.count)
            let expected = members.reduce(0.0) { $0 + Double.sigmoid(abs($1)) } / Double(members.count)
            #expect(abs(agree - expected) < 4 * (expected * (1 - expected) / Double(members.count)).squareRoot() + 1e-3,
                    "band \(band): \(agree) vs \(expected)")
        }
    }

    @Test func mlpTruthIsTheStatedNetwork() {
        let data = SyntheticFeaturePairs.mlp(trainCount: 500, testCount: 100, dimension: 12, hiddenWidth: 5, rewardScale: 3, seed: 4)
        guard case .mlp(let w1, let b1, let v, let c) = data.truth else { Issue.record("wrong truth"); return }
        #expect(w1.shape == [5, 12] && b1.count == 5 && v.count == 5 && c == 3)
        let x = data.train.chosen.rowArray(3)
        var manual = 0.0
        for j in 0..<5 {
            var z = b1.scalars[j]
            for k in 0..<12 { z += w1[j, k] * x[k] / Double(12).squareRoot() }
            manual += v.scalars[j] * Foundation.tanh(z)
        }
        let reward = data.truth.rewards(Tensor(shape: [1, 12], scalars: x))![0]
        #expect(Tolerance.isClose(reward, 3 * manual, rtol: 1e-12, atol: 1e-12))
        #expect(data.oracleTestAccuracy == Self.recomputedOracle(data.test, data.truth))
    }

    @Test func userGroupsFollowTheFractionsAndGroupRewards() {
        let data = SyntheticFeaturePairs.userGroups(Float.self, trainCount: 8_000, testCount: 2_000, dimension: 12, userCount: 200, seed: 5)
        guard case .userGroups(let weights, let groupOfUser, let activity) = data.truth else { Issue.record("wrong truth"); return }
        #expect(weights.shape == [3, 12])
        #expect([0, 1, 2].map { g in groupOfUser.filter { $0 == g }.count } == [120, 60, 20])
        #expect(activity.count == 200 && activity.allSatisfy { $0 > 0 })
        #expect(data.train.users.names[17] == "17")
        #expect(data.train.userIDs!.allSatisfy { (0..<200).contains($0) })
        #expect(data.test.users == data.train.users)
        #expect(data.oracleTestAccuracy == Self.recomputedOracle(data.test, data.truth))
        // Labels follow each user's own group: scoring everyone with group 0's reward is much worse
        // on the pairs of users in other groups.
        let c = Tensor<Double>(shape: data.train.chosen.shape, scalars: data.train.chosen.scalars.map { Double($0) })
        let r = Tensor<Double>(shape: data.train.rejected.shape, scalars: data.train.rejected.scalars.map { Double($0) })
        let wrong = SyntheticRewardTruth.userGroups(groupWeights: weights, groupOfUser: Array(repeating: 0, count: 200), activity: activity)
        let ids = data.train.userIDs!
        let others = (0..<8_000).filter { groupOfUser[ids[$0]] != 0 }
        let right = data.truth.logits(c.gatherRows(others), r.gatherRows(others), users: others.map { ids[$0] })
        let mixed = wrong.logits(c.gatherRows(others), r.gatherRows(others), users: others.map { ids[$0] })
        let rightAccuracy = Double(right.filter { $0 > 0 }.count) / Double(others.count)
        let wrongAccuracy = Double(mixed.filter { $0 > 0 }.count) / Double(others.count)
        #expect(rightAccuracy > 0.8 && wrongAccuracy < 0.65)
        // More active users have more pairs (activity is the sampling weight).
        var counts = [Int](repeating: 0, count: 200)
        for u in ids { counts[u] += 1 }
        let top = activity.indices.max { activity[$0] < activity[$1] }!
        let bottom = activity.indices.min { activity[$0] < activity[$1] }!
        #expect(counts[top] > counts[bottom])
    }

    @Test func cyclicTruthIsSkewSymmetricAndTestPairsAreNew() {
        let data = SyntheticFeaturePairs.cyclic(trainCount: 3_000, testCount: 600, itemCount: 120, dimension: 8, seed: 6)
        let c = data.test.chosen, r = data.test.rejected
        let forward = data.truth.logits(c, r), backward = data.truth.logits(r, c), same = data.truth.logits(c, c)
        for i in 0..<600 {
            #expect(forward[i] == -backward[i])
            #expect(same[i] == 0)
        }
        #expect(data.truth.rewards(c) == nil)
        var trainPairs = Set<[Double]>()
        for i in 0..<3_000 {
            let a = data.train.chosen.rowArray(i), b = data.train.rejected.rowArray(i)
            trainPairs.insert(a.lexicographicallyPrecedes(b) ? a + b : b + a)
        }
        for i in 0..<600 {
            let a = c.rowArray(i), b = r.rowArray(i)
            #expect(!trainPairs.contains(a.lexicographicallyPrecedes(b) ? a + b : b + a))
        }
        #expect(data.oracleTestAccuracy == Self.recomputedOracle(data.test, data.truth))
        #expect(data.oracleExpectedTestAccuracy > 0.8)
        // Intransitive: some triple of items forms a cycle under the truth.
        let items = Tensor.concatenate([data.train.chosen, data.train.rejected])
        var foundCycle = false
        search: for a in 0..<20 {
            for b in (a + 1)..<20 {
                for d in (b + 1)..<20 {
                    let rows = [a, b, d]
                    let x = items.gatherRows(rows), y = items.gatherRows([b, d, a])
                    let s = data.truth.logits(x, y)
                    if (s[0] > 0 && s[1] > 0 && s[2] > 0) || (s[0] < 0 && s[1] < 0 && s[2] < 0) { foundCycle = true; break search }
                }
            }
        }
        #expect(foundCycle)
    }
}
