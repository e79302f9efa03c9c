// A majority and a minority (10:1) whose linear rewards conflict: one Bradley–Terry model learns
// the majority's taste and fails the minority; MaxMin-RLHF EM, PAL-A and PAL-B learn one reward
// per group and serve both. Then unseen users: accuracy after seeing 1, 2, 5, 10, 20, 50 of their
// comparisons.
//
//   swift run -c release pluralistic-mixture
import Foundation
import RewardKit

let dimension = 16
let majorityUsers = 50, minorityUsers = 5          // 10:1
let pairsPerUser = 120

// Conflicting rewards: the minority's weight vector points mostly against the majority's.
var rng = SeededGenerator(seed: 2024)
let majorityWeights = Tensor<Double>.randomNormal(shape: [dimension], standardDeviation: 3 / Double(dimension).squareRoot(), using: &rng)
let twist = Tensor<Double>.randomNormal(shape: [dimension], standardDeviation: 1 / Double(dimension).squareRoot(), using: &rng)
let minorityWeights = majorityWeights * -0.9 + twist
let truth = [majorityWeights, minorityWeights]

/// Pairs for `users` (group of each), labels drawn from Bradley–Terry under the user's group reward.
func simulate(groups: [Int], pairsPerUser: Int, using rng: inout SeededGenerator) -> FeaturePairs<Double> {
    let n = groups.count * pairsPerUser
    var chosen = [Double](), rejected = [Double](), ids = [Int]()
    for i in 0..<n {
        let u = i % groups.count
        let a = Tensor<Double>.randomNormal(shape: [dimension], using: &rng)
        let b = Tensor<Double>.randomNormal(shape: [dimension], using: &rng)
        let aWins = rng.nextOpenUnit() < Double.sigmoid(truth[groups[u]].dot(a - b))
        chosen += (aWins ? a : b).scalars
        rejected += (aWins ? b : a).scalars
        ids.append(u)
    }
    return try! FeaturePairs(chosen: Tensor(shape: [n, dimension], scalars: chosen),
                             rejected: Tensor(shape: [n, dimension], scalars: rejected),
                             userIDs: ids, users: UserTable(names: groups.indices.map { "user\($0)" }))
}

let groupOfUser = [Int](repeating: 0, count: majorityUsers) + [Int](repeating: 1, count: minorityUsers)
let all = simulate(groups: groupOfUser, pairsPerUser: pairsPerUser, using: &rng)
let train = all.subset((0..<all.count).filter { $0 % 4 != 0 })
let test = all.subset((0..<all.count).filter { $0 % 4 == 0 })

func groupAccuracy(_ probabilities: [Double]) -> (overall: Double, majority: Double, minority: Double) {
    var hits = [0, 0], totals = [0, 0]
    for (i, u) in test.userIDs!.enumerated() {
        totals[groupOfUser[u]] += 1
        if probabilities[i] > 0.5 { hits[groupOfUser[u]] += 1 }
    }
    return (Double(hits[0] + hits[1]) / Double(totals[0] + totals[1]),
            Double(hits[0]) / Double(totals[0]), Double(hits[1]) / Double(totals[1]))
}

func row(_ name: String, _ p: [Double]) {
    let a = groupAccuracy(p)
    print(name.padding(toLength: 26, withPad: " ", startingAt: 0),
          String(format: "%8.3f %9.3f %9.3f", a.overall, a.majority, a.minority))
}

print("Held-out accuracy (\(majorityUsers) majority users, \(minorityUsers) minority users, \(train.count) training pairs)")
print("model                       overall  majority  minority")

// 1. One Bradley–Terry reward for everyone.
let single = try LinearRewardHead<Double>.fit(FeaturePairsView(train))
row("single Bradley–Terry", single.head.probabilities(chosen: test.chosen, rejected: test.rejected))

// 2. MaxMin-RLHF EM with two components (hard assignment, k-means++ start).
let em = try BradleyTerryMixture<Double>(componentCount: 2).fit(train)
row("MaxMin EM (K = 2)", em.preferenceProbabilities(chosen: test.chosen, rejected: test.rejected, users: test.userIDs!))
let maxMin = em.maxMinRewards(test.chosen)
print("  MaxMin aggregate reward min_k r_k of the first test response: \(String(format: "%.3f", maxMin[0]))")

// 3. PAL-A and PAL-B, trained by the shared minibatch trainer.
let trainer = PairwiseTrainer(configuration: .init(epochs: 30, batchSize: 128, seed: 1))
var palA = PALIdealPointModel<Double>(inputSize: dimension, projector: .linear(outputSize: 8), prototypeCount: 2,
                                      userCount: groupOfUser.count, using: &rng)
var adamA = Adam<Double>(learningRate: 1e-2)
_ = trainer.fit(&palA, on: FeaturePairsView(train), optimizer: &adamA)
row("PAL-A (K = 2)", palA.preferenceProbabilities(test))
var palB = PALCosineMixtureModel<Double>(inputSize: dimension, projector: .linear(outputSize: 8), prototypeCount: 2,
                                         userCount: groupOfUser.count, using: &rng)
var adamB = Adam<Double>(learningRate: 1e-2)
_ = trainer.fit(&palB, on: FeaturePairsView(train), optimizer: &adamB)
row("PAL-B (K = 2)", palB.preferenceProbabilities(test))

// 4. Unseen users: 10 new majority users and 10 new minority users with 100 comparisons each.
let newGroups = [Int](repeating: 0, count: 10) + [Int](repeating: 1, count: 10)
let unseen = simulate(groups: newGroups, pairsPerUser: 100, using: &rng)
let shots = [1, 2, 5, 10, 20, 50]
func curve(_ predict: (PairBatch<Double>, PairBatch<Double>) -> [Double]) -> [FewShotEvaluation.Point] {
    FewShotEvaluation.curve(chosen: unseen.chosen, rejected: unseen.rejected, users: unseen.userIDs!, shots: shots,
                            seed: 7, predict: predict)
}
func responses(_ batch: PairBatch<Double>) -> (Tensor<Double>, Tensor<Double>) {
    let n = batch.count, d = batch.dimension
    return (Tensor(shape: [n, d], scalars: Array(batch.responses.scalars[..<(n * d)])),
            Tensor(shape: [n, d], scalars: Array(batch.responses.scalars[(n * d)...])))
}
let emCurve = curve { support, query in
    let (sc, sr) = responses(support), (qc, qr) = responses(query)
    return em.preferenceProbabilities(chosen: qc, rejected: qr, responsibilities: em.posterior(chosen: sc, rejected: sr))
}
func palCurve<M: PluralisticPreferenceModel>(_ model: M) -> [FewShotEvaluation.Point] where M.Scalar == Double {
    curve { support, query in
        var adapted = model
        let user = adapted.appendUser(logits: model.fitNewUserLogits(support))
        var q = query
        q.users = [Int](repeating: user, count: q.count)
        return adapted.preferenceLogits(on: q).map { Double.sigmoid($0) }
    }
}
let aCurve = palCurve(palA), bCurve = palCurve(palB)
print("\nUnseen users (\(newGroups.count), half minority): accuracy after s of their comparisons, everything else frozen")
print("  s      EM   PAL-A   PAL-B")
for i in shots.indices {
    print(String(format: "%3d  %6.3f  %6.3f  %6.3f", shots[i], emCurve[i].accuracy, aCurve[i].accuracy, bCurve[i].accuracy))
}
