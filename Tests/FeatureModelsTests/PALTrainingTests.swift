import TestSupport
import Testing
@testable import FeatureModels
@testable import FileFormats
@testable import Layers
@testable import NumericCore
@testable import Optimizers
@testable import PreferenceData
@testable import Training

struct PALTrainingTests {
    /// With K = 1 every user has weight 1 on the single prototype: the user logits get no gradient,
    /// all users get the same predictions, and trained by the shared trainer the model matches the
    /// single Bradley–Terry head's held-out accuracy on single-population data.
    @Test func singlePrototypeReducesToOneRewardModel() throws {
        let all = PlantedUsers(groups: 1, usersPerGroup: [8], pairsPerUser: 250, dimension: 6, scale: 3, seed: 31).pairs
        let trainPairs = all.subset((0..<all.count).filter { $0 % 5 != 0 })
        let testPairs = all.subset((0..<all.count).filter { $0 % 5 == 0 })

        let reference = try LinearRewardHead<Double>.fit(FeaturePairsView(trainPairs))
        let referenceAccuracy = PairwiseTrainer.evaluate(reference.head, on: FeaturePairsView(testPairs)).accuracy

        var rng = SeededGenerator(seed: 3)
        var palA = PALIdealPointModel<Double>(inputSize: 6, projector: .linear(outputSize: 4), prototypeCount: 1, userCount: 8, using: &rng)
        var palB = PALCosineMixtureModel<Double>(inputSize: 6, projector: .linear(outputSize: 4), prototypeCount: 1, userCount: 8, using: &rng)
        let batch = FeaturePairsView(testPairs).batch
        let logitIndexA = palA.userLogitsIndex, logitIndexB = palB.userLogitsIndex
        #expect(palA.lossAndGradients(on: batch).gradients[logitIndexA].scalars.allSatisfy { $0 == 0 })
        #expect(palB.lossAndGradients(on: batch).gradients[logitIndexB].scalars.allSatisfy { $0 == 0 })

        let trainer = PairwiseTrainer(configuration: .init(epochs: 25, batchSize: 128, seed: 1))
        var adamA = Adam<Double>(learningRate: 1e-2)
        _ = trainer.fit(&palA, on: FeaturePairsView(trainPairs), optimizer: &adamA)
        var adamB = Adam<Double>(learningRate: 1e-2)
        _ = trainer.fit(&palB, on: FeaturePairsView(trainPairs), optimizer: &adamB)
        let accuracyA = PairwiseTrainer.evaluate(palA, on: FeaturePairsView(testPairs)).accuracy
        let accuracyB = PairwiseTrainer.evaluate(palB, on: FeaturePairsView(testPairs)).accuracy
        #expect(abs(accuracyA - referenceAccuracy) < 0.03, "PAL-A K=1 \(accuracyA) vs BT \(referenceAccuracy)")
        #expect(abs(accuracyB - referenceAccuracy) < 0.03, "PAL-B K=1 \(accuracyB) vs BT \(referenceAccuracy)")

        // Identical predictions for every user on the same pair.
        let x = testPairs.subset([0, 0, 0])
        var b3 = FeaturePairsView(x).batch
        b3.users = [0, 3, 7]
        let s = palB.preferenceLogits(on: b3)
        #expect(s[0] == s[1] && s[1] == s[2])
    }

    /// PAL-B with two prototypes recovers a conflicting minority, and a new user's weights fitted
    /// from 20 of their comparisons predict their held-out pairs.
    @Test func palBServesMinorityAndAdaptsToNewUsers() throws {
        let data = PlantedUsers(groups: 2, usersPerGroup: [10, 4], pairsPerUser: 120, dimension: 6, scale: 4, seed: 41,
                                conflicting: true)
        let ids = data.pairs.userIDs!
        let seen = (0..<data.pairs.count).filter { ids[$0] % 7 != 6 }       // users 6 and 13 are unseen
        let trainRows = seen.filter { $0 % 4 != 0 }, testRows = seen.filter { $0 % 4 == 0 }
        var rng = SeededGenerator(seed: 5)
        var model = PALCosineMixtureModel<Double>(inputSize: 6, projector: .linear(outputSize: 4), prototypeCount: 2,
                                                  userCount: data.groupOfUser.count, using: &rng)
        var adam = Adam<Double>(learningRate: 2e-2)
        _ = PairwiseTrainer(configuration: .init(epochs: 30, batchSize: 64, seed: 2))
            .fit(&model, on: FeaturePairsView(data.pairs.subset(trainRows)), optimizer: &adam)
        let test = data.pairs.subset(testRows)
        let logits = PairwiseTrainer.preferenceLogits(model, on: FeaturePairsView(test))
        var correct = [0, 0], total = [0, 0]
        for (i, u) in test.userIDs!.enumerated() {
            total[data.groupOfUser[u]] += 1
            if logits[i] > 0 { correct[data.groupOfUser[u]] += 1 }
        }
        let minority = Double(correct[1]) / Double(total[1])
        #expect(minority > 0.8, "minority accuracy \(minority)")

        let unseen = (0..<data.pairs.count).filter { ids[$0] % 7 == 6 }
        let curve = FewShotEvaluation.curve(chosen: data.pairs.chosen.gatherRows(unseen),
                                            rejected: data.pairs.rejected.gatherRows(unseen),
                                            users: unseen.map { ids[$0] }, shots: [1, 20], seed: 3) { support, query in
            var adapted = model
            let u = adapted.appendUser(logits: model.fitNewUserLogits(support))
            var q = query
            q.users = [Int](repeating: u, count: q.count)
            return adapted.preferenceLogits(on: q).map { Double.sigmoid($0) }
        }
        #expect(curve[1].users == 2)
        #expect(curve[1].accuracy > 0.8, "20-shot accuracy \(curve[1].accuracy)")
    }

    @Test func modelFilesRoundTrip() throws {
        var rng = SeededGenerator(seed: 7)
        let a = PALIdealPointModel<Double>(inputSize: 4, projector: .mlp(hiddenSizes: [3], outputSize: 2), prototypeCount: 2,
                                           userCount: 3, loss: .hinge(margin: 0.5), using: &rng)
        let a2 = try PALIdealPointModel<Double>(modelFile: ModelFile.decode(a.modelFile.encoded()))
        #expect(a2.parameters == a.parameters && a2.loss == a.loss)
        let b = PALCosineMixtureModel<Double>(inputSize: 4, projector: .linear(outputSize: 2), prototypeCount: 2,
                                              userCount: 3, promptSize: 3, using: &rng)
        let b2 = try PALCosineMixtureModel<Double>(modelFile: ModelFile.decode(b.modelFile.encoded()))
        #expect(b2.parameters == b.parameters)
        let data = PlantedUsers(groups: 2, usersPerGroup: [3, 3], pairsPerUser: 20, dimension: 4, scale: 2, seed: 2)
        let em = try BradleyTerryMixture<Double>(componentCount: 2, head: .mlp(hiddenSizes: [3]), maximumIterations: 2).fit(data.pairs)
        let em2 = try BradleyTerryMixtureModel<Double>(modelFile: ModelFile.decode(em.modelFile.encoded()))
        #expect(em2.components.map(\.parameters) == em.components.map(\.parameters))
        #expect(em2.responsibilities == em.responsibilities && em2.users == em.users)
    }
}
