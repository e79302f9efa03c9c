import TestSupport
import Testing
@testable import FeatureModels
@testable import Layers
@testable import NumericCore
@testable import PreferenceData

@Suite("Reward-head objective and gradients")
struct GradientTests {
    @Test("linear head: analytic gradient matches finite differences (margin, temperature, centering, weights, L2)",
          arguments: objectivesUnderTest)
    func linearGradient(objective: BradleyTerryObjective) {
        let batch = randomBatch(pairs: 12, dimension: 5, seed: 11, margins: true, weights: true)
        var rng = SeededGenerator(seed: 3)
        let head = LinearRewardHead(weights: Tensor<Double>.randomNormal(shape: [5], using: &rng), objective: objective)
        let x = flatParameters(head)
        let error = FiniteDifference.check(
            { withFlatParameters(head, $0).lossAndGradients(on: batch).loss },
            gradient: { withFlatParameters(head, $0).lossAndGradients(on: batch).gradients.flatMap(\.scalars) },
            at: x)
        #expect(error < 1e-7)
    }

    @Test("MLP head: analytic gradient matches finite differences for tanh and GELU, two hidden layers",
          arguments: [Activation.tanh, .gelu], objectivesUnderTest)
    func mlpGradient(activation: Activation, objective: BradleyTerryObjective) {
        let batch = randomBatch(pairs: 9, dimension: 4, seed: 21, margins: true, weights: true)
        var rng = SeededGenerator(seed: 5)
        var head = MLPRewardHead<Double>(inputSize: 4, hiddenSizes: [6, 3], activation: activation, objective: objective, using: &rng)
        // Non-zero biases so every term of the chain rule is exercised.
        head.parameters = head.parameters.map { $0.count <= 6 ? Tensor.randomNormal(shape: $0.shape, standardDeviation: 0.3, using: &rng) : $0 }
        let x = flatParameters(head)
        let error = FiniteDifference.check(
            { withFlatParameters(head, $0).lossAndGradients(on: batch).loss },
            gradient: { withFlatParameters(head, $0).lossAndGradients(on: batch).gradients.flatMap(\.scalars) },
            at: x)
        #expect(error < 1e-6)
    }

    @Test("MLP head: the stacked pass equals Layers' MLP.backward applied to ∂L/∂r (ReLU, GELU, tanh)",
          arguments: Activation.allCases)
    func fusedPassMatchesLayers(activation: Activation) {
        let batch = randomBatch(pairs: 16, dimension: 7, seed: 31, margins: true)
        var rng = SeededGenerator(seed: 8)
        let objective = BradleyTerryObjective(temperature: 1.5, centeringCoefficient: 0.05)
        let head = MLPRewardHead<Double>(inputSize: 7, hiddenSizes: [10, 5], activation: activation, objective: objective, using: &rng)
        let (loss, gradients) = head.lossAndGradients(on: batch)
        // Reference: Layers' forward/backward with ∂L/∂r from the objective.
        let (rewards, cache) = head.network.forward(batch.responses)
        var dr = [Double](repeating: 0, count: rewards.count)
        let referenceLoss = rewards.scalars.withUnsafeBufferPointer { r in
            dr.withUnsafeMutableBufferPointer { g in objective.pairLoss(rewards: r, margins: batch.margins, weights: nil, gradient: g) }
        }
        let reference = head.network.backward(Tensor(shape: [dr.count, 1], scalars: dr), cache: cache).parameterGradients
        #expect(Tolerance.isClose(loss, referenceLoss, rtol: 1e-13, atol: 1e-15))
        #expect(gradients.count == reference.count)
        for (a, b) in zip(gradients, reference) {
            #expect(a.shape == b.shape)
            #expect(Tolerance.allClose(a, b, rtol: 1e-11, atol: 1e-13))
        }
        #expect(head.rewards(batch.responses) == head.network(batch.responses).scalars.map { $0 } ||
                Tolerance.allClose(Tensor(head.rewards(batch.responses)), Tensor(head.network(batch.responses).scalars), rtol: 1e-12, atol: 1e-14))
    }

    @Test("the loss equals the plain BT negative log-likelihood written out, and stays finite at logits ±1e4")
    func lossValues() {
        let objective = BradleyTerryObjective(temperature: 0.5, centeringCoefficient: 0.2)
        let rewards: [Double] = [1.0, -2.0, -1e4, 0.5, 3.0, 1e4]   // chosen 1, −2, −1e4; rejected 0.5, 3, 1e4
        let margins: [Double] = [0.1, 0, -0.3]
        var gradient = [Double](repeating: 0, count: 6)
        let loss = rewards.withUnsafeBufferPointer { r in
            gradient.withUnsafeMutableBufferPointer { g in objective.pairLoss(rewards: r, margins: margins, weights: nil, gradient: g) }
        }
        var expected = 0.0
        for i in 0..<3 {
            let z = (rewards[i] - rewards[3 + i] - margins[i]) / 0.5
            expected += Double.softplus(-z) + 0.2 * (rewards[i] + rewards[3 + i]) * (rewards[i] + rewards[3 + i])
        }
        #expect(Tolerance.isClose(loss, expected / 3, rtol: 1e-14))
        #expect(loss.isFinite && gradient.allSatisfy(\.isFinite))
        // ∂L/∂r_c,i = (1/n)(−σ(−zᵢ)/τ + 2c·sᵢ), ∂L/∂r_r,i = (1/n)(σ(−zᵢ)/τ + 2c·sᵢ).
        for i in 0..<3 {
            let z = (rewards[i] - rewards[3 + i] - margins[i]) / 0.5
            let s = rewards[i] + rewards[3 + i]
            #expect(Tolerance.isClose(gradient[i], (-Double.sigmoid(-z) / 0.5 + 0.4 * s) / 3, rtol: 1e-12, atol: 1e-15))
            #expect(Tolerance.isClose(gradient[3 + i], (Double.sigmoid(-z) / 0.5 + 0.4 * s) / 3, rtol: 1e-12, atol: 1e-15))
        }
        // Pair 2 saturates the wrong way (z ≈ −4e4): loss ≈ |z| and the logistic part of ∂L/∂r_c is −1/τ per pair.
        #expect(Tolerance.isClose(gradient[2], -2.0 / 3, rtol: 1e-12) && loss > 1e4)
    }

    @Test("full-batch design: value and gradient equal the minibatch head objective; Hessian matches differences of the gradient",
          arguments: objectivesUnderTest)
    func designMatchesHead(objective: BradleyTerryObjective) {
        let batch = randomBatch(pairs: 40, dimension: 6, seed: 41, margins: true, weights: true)
        let design = LinearHeadDesign(view(of: batch), includesSums: true)
        var rng = SeededGenerator(seed: 2)
        let w = (0..<6).map { _ in rng.nextNormal() * 0.5 }
        let head = LinearRewardHead(weights: Tensor(w), objective: objective)
        var gradient: [Double]? = []
        let value = design.value(at: w, objective: objective, gradient: &gradient)
        let (loss, gradients) = head.lossAndGradients(on: batch)
        #expect(Tolerance.isClose(value, loss, rtol: 1e-12))
        #expect(FiniteDifference.relativeError(analytic: gradient!, numeric: gradients[0].scalars) < 1e-12)
        let hessian = design.hessian(at: w, objective: objective)
        for j in 0..<6 {
            let column = FiniteDifference.gradient(of: { x in
                var g: [Double]? = []
                _ = design.value(at: x, objective: objective, gradient: &g)
                return g![j]
            }, at: w)
            #expect(FiniteDifference.relativeError(analytic: hessian.row(j).scalars, numeric: column) < 1e-7)
        }
    }
}
