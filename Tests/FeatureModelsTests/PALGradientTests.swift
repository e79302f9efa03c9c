import TestSupport
import Testing
@testable import FeatureModels
@testable import Layers
@testable import NumericCore
@testable import PreferenceData

/// Finite-difference checks of every PAL parameter (projector, prototypes, user weights, scale).
struct PALGradientTests {
    func randomBatch(n: Int, d: Int, users: Int, prompts: Int = 0, seed: UInt64) -> PairBatch<Double> {
        var rng = SeededGenerator(seed: seed)
        let c = Tensor<Double>.randomNormal(shape: [n, d], using: &rng)
        let r = Tensor<Double>.randomNormal(shape: [n, d], using: &rng)
        let ids = (0..<n).map { $0 % users }
        let weights = (0..<n).map { _ in 0.5 + rng.nextOpenUnit() }
        let p: Tensor<Double>? = prompts > 0 ? Tensor.randomNormal(shape: [n, prompts], using: &rng) : nil
        return PairBatch(chosen: c, rejected: r, weights: weights, users: ids, prompts: p)
    }

    func check<M: PluralisticPreferenceModel>(_ model: M, _ batch: PairBatch<Double>) -> Double where M.Scalar == Double {
        let layout = ParameterVector<Double>(describing: model.parameters)
        let x0 = layout.flatten(model.parameters)
        var probe = model
        return FiniteDifference.check({ x in
            probe.parameters = layout.unflatten(x)
            return probe.lossAndGradients(on: batch).loss
        }, gradient: { x in
            probe.parameters = layout.unflatten(x)
            return layout.flatten(probe.lossAndGradients(on: batch).gradients)
        }, at: x0)
    }

    @Test(arguments: [PALProjector.linear(outputSize: 4), .mlp(hiddenSizes: [5], outputSize: 3, activation: .tanh)])
    func palAGradientLogistic(projector: PALProjector) {
        var rng = SeededGenerator(seed: 11)
        var model = PALIdealPointModel<Double>(inputSize: 6, projector: projector, prototypeCount: 3, userCount: 4, using: &rng)
        model.logits = Tensor.randomNormal(shape: [4, 3], using: &rng)
        // Scale the projector down so δ is O(1) and the logistic loss is not saturated.
        var p = model.parameters
        p[0] = p[0] * 0.5
        model.parameters = p
        let error = check(model, randomBatch(n: 9, d: 6, users: 4, seed: 3))
        #expect(error < 1e-6, "PAL-A logistic gradient error \(error)")
    }

    @Test func palAGradientHinge() {
        var rng = SeededGenerator(seed: 12)
        var model = PALIdealPointModel<Double>(inputSize: 5, projector: .linear(outputSize: 3), prototypeCount: 2,
                                               userCount: 3, loss: .hinge(margin: 100), using: &rng)
        model.logits = Tensor.randomNormal(shape: [3, 2], using: &rng)
        // margin 100 keeps every pair on the linear side of the hinge (no kink inside the stencil).
        let error = check(model, randomBatch(n: 7, d: 5, users: 3, seed: 4))
        #expect(error < 1e-6, "PAL-A hinge gradient error \(error)")
    }

    @Test(arguments: [0, 4])
    func palBGradient(promptSize: Int) {
        var rng = SeededGenerator(seed: 13)
        var model = PALCosineMixtureModel<Double>(
            inputSize: 6, projector: .mlp(hiddenSizes: [5], outputSize: 3, activation: .tanh), prototypeCount: 3,
            userCount: 4, promptSize: promptSize, promptMap: .linear(outputSize: 3), using: &rng)
        model.logits = Tensor.randomNormal(shape: [4, 3], using: &rng)
        model.logScale = 0.7
        let batch = randomBatch(n: 8, d: 6, users: 4, prompts: promptSize, seed: 5)
        let error = check(model, batch)
        #expect(error < 1e-6, "PAL-B gradient error \(error) (prompt size \(promptSize))")
        // The scale gradient is nonzero below the cap and exactly zero above it.
        let scaleIndex = model.parameters.count - 1
        #expect(model.lossAndGradients(on: batch).gradients[scaleIndex].scalars[0] != 0)
        model.logScale = 5   // e^5 ≈ 148 > 100
        #expect(model.scale == 100)
        #expect(model.lossAndGradients(on: batch).gradients[scaleIndex].scalars[0] == 0)
    }

    @Test func preferenceLogitsAreAntisymmetric() {
        var rng = SeededGenerator(seed: 14)
        let a = PALIdealPointModel<Double>(inputSize: 4, projector: .linear(outputSize: 3), prototypeCount: 2, userCount: 2, using: &rng)
        let b = PALCosineMixtureModel<Double>(inputSize: 4, projector: .linear(outputSize: 3), prototypeCount: 2, userCount: 2, using: &rng)
        let x = randomBatch(n: 6, d: 4, users: 2, seed: 6)
        let n = x.count
        let swapped = PairBatch(chosen: Tensor(shape: [n, 4], scalars: Array(x.responses.scalars[(n * 4)...])),
                                rejected: Tensor(shape: [n, 4], scalars: Array(x.responses.scalars[..<(n * 4)])),
                                users: x.users)
        for (s, t) in zip(a.preferenceLogits(on: x), a.preferenceLogits(on: swapped)) { #expect(Tolerance.isClose(s, -t)) }
        for (s, t) in zip(b.preferenceLogits(on: x), b.preferenceLogits(on: swapped)) { #expect(Tolerance.isClose(s, -t)) }
    }
}
