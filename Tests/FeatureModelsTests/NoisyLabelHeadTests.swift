import Foundation
import TestSupport
import Testing
@testable import FeatureModels
@testable import NumericCore
@testable import PreferenceData
@testable import Training
import Optimizers
import FileFormats

/// Reward heads with per-annotator reliability (NoisyLabelHead) in the one trainer.
@Suite("Noisy reward heads")
struct NoisyLabelHeadTests {
    /// Linear-truth pairs labelled by 6 annotators: 0–3 careful, 4 adversarial (flips 80%), 5 a coin flipper.
    static func labelled(count: Int, seed: UInt64) throws -> (train: FeaturePairs<Double>, test: FeaturePairs<Double>) {
        let data = SyntheticFeaturePairs.linear(Double.self, trainCount: count, testCount: 2000, dimension: 8, weightScale: 4, seed: seed)
        var rng = SeededGenerator(seed: seed + 1)
        var chosen = data.train.chosen, rejected = data.train.rejected
        let d = chosen.columnCount
        var users = [Int]()
        for i in 0..<count {
            let a = i % 6
            users.append(a)
            let flip = a == 4 ? 0.8 : a == 5 ? 0.5 : 0
            if rng.nextOpenUnit() < flip {
                for j in 0..<d { let c = chosen[i, j]; chosen[i, j] = rejected[i, j]; rejected[i, j] = c }
            }
        }
        let table = UserTable(names: (0..<6).map { "a\($0)" })
        return (try FeaturePairs(chosen: chosen, rejected: rejected, userIDs: users, users: table), data.test)
    }

    @Test("the gradient of the head's tensors and of the reliabilities matches central differences (linear and MLP)")
    func gradient() throws {
        let (pairs, _) = try Self.labelled(count: 60, seed: 3)
        var rng = SeededGenerator(seed: 2)
        let objective = BradleyTerryObjective(temperature: 0.7, centeringCoefficient: 0.05, l2Penalty: 0.01)
        let heads: [RewardHead<Double>] = [
            .linear(LinearRewardHead(weights: Tensor.randomNormal(shape: [8], using: &rng), objective: objective)),
            .mlp(MLPRewardHead(inputSize: 8, hiddenSizes: [5], activation: .tanh, objective: objective, using: &rng)),
        ]
        let margins = (0..<pairs.count).map { Double($0 % 3) * 0.2 }
        let weights = (0..<pairs.count).map { 0.5 + Double($0 % 4) * 0.25 }
        let batch = PairBatch(chosen: pairs.chosen, rejected: pairs.rejected, margins: margins, weights: weights, users: pairs.userIDs)
        for head in heads {
            var model = NoisyLabelHead(head: head, annotatorCount: 6, pairCount: 200, reliabilityPrior: (3, 2))
            model.reliabilityParameters = Tensor(shape: [6], scalars: (0..<6).map { Double($0) * 0.04 - 0.1 })
            let shapes = model.parameters.map(\.shape)
            let flat = model.parameters.flatMap(\.scalars)
            func unflatten(_ x: [Double]) -> [Tensor<Double>] {
                var offset = 0
                return shapes.map { shape in
                    let count = shape.reduce(1, *)
                    defer { offset += count }
                    return Tensor(shape: shape, scalars: Array(x[offset..<(offset + count)]))
                }
            }
            func loss(_ x: [Double]) -> Double {
                var m = model
                m.parameters = unflatten(x)
                return m.lossAndGradients(on: batch).loss
            }
            let analytic = model.lossAndGradients(on: batch).gradients.flatMap(\.scalars)
            let numeric = FiniteDifference.gradient(of: loss, at: flat)
            let split = flat.count - 6
            let headError = FiniteDifference.relativeError(analytic: Array(analytic[..<split]), numeric: Array(numeric[..<split]))
            let etaError = FiniteDifference.relativeError(analytic: Array(analytic[split...]), numeric: Array(numeric[split...]))
            #expect(headError <= 1e-6 && etaError <= 1e-6, "\(head.family): head \(headError), reliabilities \(etaError)")
            #expect(analytic[split...].contains { abs($0) > 1e-4 })
        }
    }

    @Test("trained with Adam in PairwiseTrainer, the noisy head finds the adversary (η < 0.5) and the coin flipper (η ≈ 0.5) and beats the plain MLP head")
    func recovery() throws {
        let (train, test) = try Self.labelled(count: 6000, seed: 11)
        let objective = BradleyTerryObjective()
        for family in ["linear", "mlp"] {
            var rng = SeededGenerator(seed: 5)
            let start: RewardHead<Double> = family == "linear"
                ? .linear(LinearRewardHead(dimension: 8, objective: objective))
                : .mlp(MLPRewardHead(inputSize: 8, hiddenSizes: [16], activation: .tanh, objective: objective, using: &rng))
            let trainer = PairwiseTrainer(configuration: .init(epochs: 8, batchSize: 128, seed: 1))
            var plain = start
            var adam = Adam<Double>(learningRate: 1e-2)
            _ = trainer.fit(&plain, on: FeaturePairsView(train), optimizer: &adam)
            var noisy = try NoisyLabelHead(head: start, pairs: train)
            var adamNoisy = Adam<Double>(learningRate: 1e-2)
            _ = trainer.fit(&noisy, on: FeaturePairsView(train), optimizer: &adamNoisy)
            let eta = noisy.reliabilities
            #expect(eta[4] < 0.35, "\(family): adversary η \(eta[4])")
            #expect(abs(eta[5] - 0.5) < 0.15, "\(family): coin η \(eta[5])")
            #expect(eta[0..<4].allSatisfy { $0 > 0.8 }, "\(family): careful η \(eta[0..<4])")
            func accuracy(_ head: RewardHead<Double>) -> Double {
                let rc = head.rewards(test.chosen), rr = head.rewards(test.rejected)
                return Double(zip(rc, rr).filter { $0 > $1 }.count) / Double(test.count)
            }
            let plainAccuracy = accuracy(plain), noisyAccuracy = accuracy(noisy.head)
            // Measured: linear η (0.997, 0.998, 0.999, 0.999, 0.182, 0.526), accuracy 0.904 vs plain 0.901;
            // MLP η (…, 0.193, 0.524), 0.902 vs 0.8915. Flips mostly shrink a linear head's weights without
            // turning them, so the linear gain is small; the MLP's is larger.
            if family == "linear" {
                #expect(noisyAccuracy >= plainAccuracy - 0.002, "\(family): noisy \(noisyAccuracy), plain \(plainAccuracy)")
            } else {
                #expect(noisyAccuracy > plainAccuracy, "\(family): noisy \(noisyAccuracy), plain \(plainAccuracy)")
            }
        }
    }

    @Test("pairs without users are a DataError, not a head")
    func needsUsers() throws {
        let data = SyntheticFeaturePairs.linear(Double.self, trainCount: 20, testCount: 5, dimension: 3, seed: 1)
        #expect(throws: DataError.self) { try NoisyLabelHead(head: .linear(LinearRewardHead(dimension: 3)), pairs: data.train) }
    }
}
