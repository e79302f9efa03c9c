import TestSupport
import Testing
import Layers
import NumericCore

@Suite("Layer gradients (central differences in Double)")
struct LayerGradientTests {
    let tolerance = 1e-7

    @Test("Linear with and without bias", arguments: [true, false])
    func linear(hasBias: Bool) {
        var rng = SeededGenerator(seed: 11)
        var layer = Linear<Double>(inputSize: 4, outputSize: 3, hasBias: hasBias, using: &rng)
        if hasBias { layer.bias = Tensor.randomNormal(shape: [3], using: &rng) }
        let x = Tensor<Double>.randomNormal(shape: [5, 4], using: &rng)
        let errors = gradientErrors(of: layer, at: x)
        #expect(errors.input < tolerance)
        #expect(errors.parameters < tolerance)
        #expect(errors.normalized < tolerance)
        #expect(layer.parameters.count == (hasBias ? 2 : 1))
    }

    @Test("ReLU away from the kink")
    func relu() {
        var rng = SeededGenerator(seed: 12)
        // |x| ≥ 0.1, so the ±1e-6 probes never cross x = 0.
        let x = Tensor<Double>.randomNormal(shape: [6, 5], using: &rng).map { $0 >= 0 ? $0 + 0.1 : $0 - 0.1 }
        let errors = gradientErrors(of: ReLU<Double>(), at: x)
        #expect(errors.input < tolerance)
        #expect(errors.normalized < tolerance)
    }

    @Test("GELU at ordinary and large inputs", arguments: [1.0, 8.0])
    func gelu(scale: Double) {
        var rng = SeededGenerator(seed: 13)
        let x = Tensor<Double>.randomNormal(shape: [6, 5], standardDeviation: scale, using: &rng)
        let errors = gradientErrors(of: GELU<Double>(), at: x)
        #expect(errors.input < tolerance)
        #expect(errors.normalized < 1e-6)
    }

    @Test("Tanh at ordinary and saturating inputs", arguments: [1.0, 30.0])
    func tanh(scale: Double) {
        var rng = SeededGenerator(seed: 14)
        let x = Tensor<Double>.randomNormal(shape: [6, 5], standardDeviation: scale, using: &rng)
        let errors = gradientErrors(of: Tanh<Double>(), at: x)
        #expect(errors.input < tolerance)
        #expect(errors.normalized < 1e-6)
    }

    @Test("L2 normalization at small, unit and large norms", arguments: [1e-3, 1.0, 1e4])
    func l2Normalization(scale: Double) {
        var rng = SeededGenerator(seed: 15)
        let x = Tensor<Double>.randomNormal(shape: [4, 6], standardDeviation: scale, using: &rng)
        // Probe steps proportional to the scale keep the central difference accurate.
        let errors = gradientErrors(of: L2Normalization<Double>(), at: x, step: 1e-6 * min(scale, 1))
        #expect(errors.input < 1e-6)
        #expect(errors.normalized < 1e-6)
    }

    @Test("MLP input and parameter gradients", arguments: Activation.allCases, [false, true])
    func mlp(activation: Activation, normalizesOutput: Bool) {
        var rng = SeededGenerator(seed: 16)
        var mlp = MLP<Double>(widths: [4, 7, 5, 3], activation: activation, normalizesOutput: normalizesOutput, using: &rng)
        // Non-zero biases so every parameter gradient is exercised.
        mlp.parameters = mlp.parameters.map { $0.rank == 1 ? Tensor.randomNormal(shape: $0.shape, standardDeviation: 0.3, using: &rng) : $0 }
        let x = Tensor<Double>.randomNormal(shape: [5, 4], using: &rng)
        let errors = gradientErrors(of: mlp, at: x)
        #expect(errors.input < tolerance, "\(activation) input")
        #expect(errors.parameters < tolerance, "\(activation) parameters")
        #expect(errors.normalized < 1e-6, "\(activation) normalized")
    }

    @Test("MLP without output bias and with saturating tanh weights (×30)")
    func mlpSaturating() {
        var rng = SeededGenerator(seed: 17)
        var mlp = MLP<Double>(widths: [3, 6, 2], activation: .tanh, outputBias: false, using: &rng)
        #expect(mlp.parameters.map(\.shape) == [[3, 6], [6], [6, 2]])
        mlp.parameters = mlp.parameters.map { $0 * 30 }
        let x = Tensor<Double>.randomNormal(shape: [4, 3], using: &rng)
        let errors = gradientErrors(of: mlp, at: x, step: 1e-7)
        // Central-difference truncation error grows like h²·|f‴|, and f‴ scales with 30³ here.
        #expect(errors.input < 1e-6)
        #expect(errors.parameters < 1e-6)
        #expect(errors.normalized < 1e-5)
    }

    @Test("parameterGradients(_:cache:) equals the gradients of backward(_:cache:)")
    func parameterGradientsOnly() {
        var rng = SeededGenerator(seed: 18)
        let mlp = MLP<Double>(widths: [3, 4, 2], activation: .gelu, using: &rng)
        let x = Tensor<Double>.randomNormal(shape: [5, 3], using: &rng)
        let (y, cache) = mlp.forward(x)
        let g = Tensor<Double>.randomNormal(shape: y.shape, using: &rng)
        let full = mlp.backward(g, cache: cache).parameterGradients
        let only = mlp.parameterGradients(g, cache: cache)
        #expect(full == only)
    }

    @Test("Logistic loss on an MLP reward: Σ softplus(−yᵢ·r(xᵢ)) + the chain rule")
    func logisticLossOnTop() {
        var rng = SeededGenerator(seed: 19)
        let mlp = MLP<Double>(widths: [5, 8, 1], activation: .gelu, using: &rng)
        let x = Tensor<Double>.randomNormal(shape: [12, 5], using: &rng)
        let labels = (0..<12).map { _ in rng.nextOpenUnit() < 0.5 ? -1.0 : 1.0 }
        func loss(_ model: MLP<Double>) -> Double {
            let r = model(x)
            return (0..<12).reduce(0) { $0 + Double.softplus(-labels[$1] * r.scalars[$1]) }
        }
        let (r, cache) = mlp.forward(x)
        // ∂/∂r softplus(−y·r) = −y·σ(−y·r).
        let dr = Tensor(shape: r.shape, scalars: (0..<12).map { -labels[$0] * Double.sigmoid(-labels[$0] * r.scalars[$0]) })
        let analytic = mlp.parameterGradients(dr, cache: cache)
        let layout = ParameterVector<Double>(describing: mlp.parameters)
        let error = FiniteDifference.check({ flat in
            var probe = mlp
            probe.parameters = layout.unflatten(flat)
            return loss(probe)
        }, gradient: { _ in layout.flatten(analytic) }, at: layout.flatten(mlp.parameters))
        #expect(error < tolerance)
    }
}
