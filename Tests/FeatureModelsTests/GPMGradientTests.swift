import TestSupport
import Testing
@testable import FeatureModels
@testable import Layers
@testable import NumericCore
@testable import PreferenceData

/// Finite-difference checks (Double) of every GPM derivative: score, gate, normalization, loss,
/// the feature-level objective in each eigenvalue mode and the item-level objective.
@Suite("GPM gradients")
struct GPMGradientTests {
    static let tolerance = 1e-6

    @Test("score: ∂s/∂a, ∂s/∂b, ∂s/∂λ (shared and per-pair eigenvalues)", arguments: [false, true])
    func scoreGradient(perPair: Bool) {
        var rng = SeededGenerator(seed: 11)
        let (batch, k) = (5, 3)
        let a = Tensor<Double>.randomNormal(shape: [batch, 2 * k], using: &rng)
        let b = Tensor<Double>.randomNormal(shape: [batch, 2 * k], using: &rng)
        let lambdaShape = perPair ? [batch, k] : [k]
        let lambda = Tensor<Double>.randomUniform(shape: lambdaShape, in: 0.2...2, using: &rng)
        let weights = (0..<batch).map { _ in rng.nextNormal() }
        let na = a.count, nb = b.count
        func unpack(_ x: [Double]) -> (Tensor<Double>, Tensor<Double>, Tensor<Double>) {
            (Tensor(shape: a.shape, scalars: Array(x[0..<na])),
             Tensor(shape: b.shape, scalars: Array(x[na..<(na + nb)])),
             Tensor(shape: lambdaShape, scalars: Array(x[(na + nb)...])))
        }
        let f: ([Double]) -> Double = { x in
            let (a, b, l) = unpack(x)
            return zip(SkewSymmetricOperator.scores(a, b, eigenvalues: l), weights).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let grad: ([Double]) -> [Double] = { x in
            let (a, b, l) = unpack(x)
            let (da, db, dl) = SkewSymmetricOperator.backward(weights, a, b, eigenvalues: l)
            return da.scalars + db.scalars + dl.scalars
        }
        let error = FiniteDifference.check(f, gradient: grad, at: a.scalars + b.scalars + lambda.scalars)
        #expect(error < Self.tolerance, "score gradient relative error \(error)")
    }

    @Test("loss: dℓ/ds at moderate and saturating scores; finite at ±1e4")
    func lossDerivative() {
        for (s, m, tau) in [(0.3, 0.0, 0.1), (-0.7, 0.2, 0.1), (2.0, 0.0, 1.0), (-40.0, 0.0, 0.5), (30.0, 1.0, 0.25)] {
            let numeric = FiniteDifference.gradient(of: { GPMLoss.valueAndDerivative(score: $0[0], margin: m, temperature: tau).value },
                                                    at: [s])[0]
            let analytic = GPMLoss.valueAndDerivative(score: s, margin: m, temperature: tau).derivative
            #expect(FiniteDifference.relativeError(analytic: [analytic], numeric: [numeric]) < Self.tolerance,
                    "s = \(s), m = \(m), τ = \(tau): analytic \(analytic), numeric \(numeric)")
        }
        for s in [1e4, -1e4] {
            let (value, derivative) = GPMLoss.valueAndDerivative(score: s, margin: 0, temperature: 0.1)
            #expect(value.isFinite && derivative.isFinite)
        }
        #expect(GPMLoss.valueAndDerivative(score: -1e4, margin: 0, temperature: 0.1).value == 1e5)
    }

    @Test("gate: λ = k·softmax(x·W + b), gradient w.r.t. W and b")
    func gateGradient() {
        var rng = SeededGenerator(seed: 12)
        let (batch, p, k) = (6, 4, 3)
        let prompts = Tensor<Double>.randomNormal(shape: [batch, p], using: &rng)
        let upstream = Tensor<Double>.randomNormal(shape: [batch, k], using: &rng)
        var gate = EigenvalueGate<Double>(linear: Linear(weight: .randomNormal(shape: [p, k], using: &rng),
                                                         bias: .randomNormal(shape: [k], using: &rng)))
        let layout = ParameterVector<Double>(describing: gate.parameters)
        let f: ([Double]) -> Double = { x in
            var g = gate
            g.parameters = layout.unflatten(x)
            return g(prompts).dot(upstream)
        }
        let grad: ([Double]) -> [Double] = { x in
            gate.parameters = layout.unflatten(x)
            let (_, pi) = gate.forward(prompts)
            return layout.flatten(gate.parameterGradients(upstream, prompt: prompts, probabilities: pi))
        }
        let error = FiniteDifference.check(f, gradient: grad, at: layout.flatten(gate.parameters))
        #expect(error < Self.tolerance, "gate gradient relative error \(error)")
        // Row sums of λ are k (mean eigenvalue 1).
        let lambda = gate(prompts)
        for i in 0..<batch {
            #expect(Tolerance.isClose(lambda.rowArray(i).reduce(0, +), Double(k), rtol: 1e-12))
        }
    }

    @Test("normalization: ∂(Σ G ⊙ u/‖u‖)/∂u is (I − v vᵀ)·g/‖u‖")
    func normalizationGradient() {
        var rng = SeededGenerator(seed: 13)
        let u = Tensor<Double>.randomNormal(shape: [4, 6], using: &rng)
        let g = Tensor<Double>.randomNormal(shape: [4, 6], using: &rng)
        let layer = L2Normalization<Double>()
        let f: ([Double]) -> Double = { x in layer(Tensor(shape: u.shape, scalars: x)).dot(g) }
        let grad: ([Double]) -> [Double] = { x in
            let (_, cache) = layer.forward(Tensor(shape: u.shape, scalars: x))
            return layer.backward(g, cache: cache).inputGradient.scalars
        }
        #expect(FiniteDifference.check(f, gradient: grad, at: u.scalars) < Self.tolerance)
    }

    struct FeatureCase: Sendable, CustomTestStringConvertible {
        var eigenvalues: GPMEigenvalues
        var normalizes: Bool
        var hidden: [Int]
        var margin: Double
        var testDescription: String { "\(eigenvalues.rawValue), normalized \(normalizes), hidden \(hidden), margin \(margin)" }
    }

    @Test("feature-level objective: full gradient in every mode", arguments: [
        FeatureCase(eigenvalues: .fixed, normalizes: true, hidden: [5], margin: 0),
        FeatureCase(eigenvalues: .fixed, normalizes: false, hidden: [], margin: 0.1),
        FeatureCase(eigenvalues: .learned, normalizes: true, hidden: [5], margin: 0),
        FeatureCase(eigenvalues: .learned, normalizes: false, hidden: [4], margin: 0),
        FeatureCase(eigenvalues: .promptGated, normalizes: true, hidden: [5], margin: 0.05),
        FeatureCase(eigenvalues: .promptGated, normalizes: false, hidden: [], margin: 0),
    ])
    func featureObjective(_ c: FeatureCase) {
        var rng = SeededGenerator(seed: 14)
        let (batch, d, p) = (7, 3, 2)
        let configuration = GPMConfiguration(dimension: 6, temperature: 0.5, margin: c.margin,
                                             normalizesEmbeddings: c.normalizes, eigenvalues: c.eigenvalues)
        var model = FeatureGPM<Double>(featureCount: d, hiddenSizes: c.hidden, activation: .tanh,
                                       promptFeatureCount: c.eigenvalues == .promptGated ? p : 0,
                                       configuration: configuration, using: &rng)
        // Move ρ and the gate away from their zero start so their gradients are generic.
        var start = model.parameters
        for t in start.indices { start[t] += Tensor.randomNormal(shape: start[t].shape, standardDeviation: 0.3, using: &rng) }
        model.parameters = start
        let chosen = Tensor<Double>.randomNormal(shape: [batch, d], using: &rng)
        let rejected = Tensor<Double>.randomNormal(shape: [batch, d], using: &rng)
        let prompts: Tensor<Double>? = c.eigenvalues == .promptGated ? .randomNormal(shape: [batch, p], using: &rng) : nil
        let margins = (0..<batch).map { _ in 0.1 * rng.nextNormal() }
        let weights = (0..<batch).map { _ in 0.5 + rng.nextOpenUnit() }
        let layout = ParameterVector<Double>(describing: model.parameters)
        let f: ([Double]) -> Double = { x in
            var m = model
            m.parameters = layout.unflatten(x)
            return m.lossAndGradients(chosen: chosen, rejected: rejected, prompts: prompts, margins: margins, weights: weights).loss
        }
        let grad: ([Double]) -> [Double] = { x in
            var m = model
            m.parameters = layout.unflatten(x)
            return layout.flatten(m.lossAndGradients(chosen: chosen, rejected: rejected, prompts: prompts, margins: margins, weights: weights).gradients)
        }
        let error = FiniteDifference.check(f, gradient: grad, at: layout.flatten(model.parameters))
        #expect(error < Self.tolerance, "\(c.testDescription): relative error \(error)")
        // The loss equals the weighted mean of −log σ((s − m − mᵢ)/τ) over the model's own scores.
        let s = model.scores(chosen: chosen, rejected: rejected, prompts: prompts)
        let expected = (0..<batch).map { -weights[$0] * Double.logSigmoid((s[$0] - c.margin - margins[$0]) / 0.5) }
            .reduce(0, +) / Double(batch)
        let loss = model.lossAndGradients(chosen: chosen, rejected: rejected, prompts: prompts, margins: margins, weights: weights).loss
        #expect(Tolerance.isClose(loss, expected, rtol: 1e-12))
    }

    @Test("item-level objective: gradient with ties, weights and penalty",
          arguments: [(GPMEigenvalues.fixed, true), (.fixed, false), (.learned, true), (.learned, false)])
    func itemObjective(eigenvalues: GPMEigenvalues, normalizes: Bool) throws {
        var rng = SeededGenerator(seed: 15)
        let names = ["a", "b", "c", "d", "e"]
        var builder = ComparisonSet.Builder(items: names)
        for _ in 0..<30 {
            let i = Int.random(in: 0..<5, using: &rng)
            var j = Int.random(in: 0..<4, using: &rng)
            if j >= i { j += 1 }
            try builder.append(winner: names[i], loser: names[j], isTie: rng.nextOpenUnit() < 0.2,
                           weight: 0.5 + rng.nextOpenUnit())
        }
        let set = builder.build()
        let objective = ItemGPMObjective(set, configuration: GPMConfiguration(dimension: 4, temperature: 0.3,
                                                                              margin: 0.05, normalizesEmbeddings: normalizes,
                                                                              eigenvalues: eigenvalues),
                                         l2Penalty: 0.01)
        let x = (0..<objective.parameterCount).map { _ in rng.nextNormal() }
        let error = FiniteDifference.check({ objective.valueAndGradient($0).value },
                                           gradient: { objective.valueAndGradient($0).gradient }, at: x)
        #expect(error < Self.tolerance, "relative error \(error)")
    }

    @Test("the specialized head pass equals Layers' MLP + L2Normalization, forward and backward",
          arguments: Activation.allCases, [true, false])
    func headPassMatchesLayers(activation: Activation, normalizes: Bool) {
        var rng = SeededGenerator(seed: 16)
        let model = FeatureGPM<Double>(featureCount: 5, hiddenSizes: [7, 6], activation: activation,
                                       configuration: GPMConfiguration(dimension: 4, normalizesEmbeddings: normalizes), using: &rng)
        let x = Tensor<Double>.randomNormal(shape: [9, 5], using: &rng)
        let g = Tensor<Double>.randomNormal(shape: [9, 4], using: &rng)
        let (u, mlpCache) = model.embedding.forward(x)
        let layer = L2Normalization<Double>()
        let (reference, normalizationCache) = layer.forward(u)
        let (v, cache) = model.headForward(x, keepsCache: true)
        #expect(Tolerance.allClose(v, normalizes ? reference : u, rtol: 1e-12, atol: 1e-14))
        let du = normalizes ? layer.backward(g, cache: normalizationCache).inputGradient : g
        let expected = model.embedding.parameterGradients(du, cache: mlpCache)
        let actual = model.headBackward(g, v: v, cache: cache!)
        #expect(actual.count == expected.count)
        for (a, e) in zip(actual, expected) { #expect(Tolerance.allClose(a, e, rtol: 1e-10, atol: 1e-13)) }
    }
}
