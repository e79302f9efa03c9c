import NumericCore

/// A multilayer perceptron: affine layers with an elementwise ``Activation`` between them and an
/// optional row-wise L2 normalization of the output.
///
/// With widths `[d₀, d₁, …, d_L]` and layers `Linear_l : R^{d_{l−1}} → R^{d_l}`,
///
///     h₀ = x,   z_l = h_{l−1}·W_l + b_l,   h_l = f(z_l) (l < L),   y = z_L  or  y = z_L/‖z_L‖.
///
/// Hidden layers always have a bias; the output layer's bias is optional (`outputBias`). The
/// backward pass applies the chain rule from the top: `∂L/∂z_L` (through the normalization), then
/// for `l = L … 1`: `∂L/∂W_l = h_{l−1}ᵀ·∂L/∂z_l`, `∂L/∂b_l = (∂L/∂z_l)ᵀ·1`,
/// `∂L/∂h_{l−1} = ∂L/∂z_l·W_lᵀ` and `∂L/∂z_{l−1} = ∂L/∂h_{l−1} ⊙ f′(z_{l−1})`.
///
/// ``parameters`` is the concatenation of the layers' parameters: `[W₁, b₁, W₂, b₂, …, W_L, (b_L)]`.
///
/// ```swift
/// var rng = SeededGenerator(seed: 3)
/// let head = MLP<Double>(widths: [16, 32, 1], activation: .gelu, using: &rng)
/// let rewards = head(Tensor.randomNormal(shape: [5, 16], using: &rng))   // [5, 1]
/// ```
public struct MLP<Scalar: BLASScalar>: Layer {
    /// What the forward pass keeps: each layer's input and each activation's cache.
    public struct Cache: Sendable {
        /// `h_{l−1}`, the input of layer `l`.
        public let layerInputs: [Tensor<Scalar>]
        /// The cache of the activation after each hidden layer (see ``Activation/forward(_:)``).
        public let activationCaches: [Tensor<Scalar>]
        /// The output normalization's cache, when the MLP normalizes its output.
        public let normalizationCache: L2Normalization<Scalar>.Cache?
    }

    /// The affine layers, input to output.
    public private(set) var layers: [Linear<Scalar>]
    /// The nonlinearity between layers.
    public let activation: Activation
    /// The output normalization, if any.
    public let normalization: L2Normalization<Scalar>?

    /// `[d₀, d₁, …, d_L]`: the input size followed by each layer's output size.
    public var widths: [Int] { [layers[0].inputSize] + layers.map(\.outputSize) }
    /// The input size `d₀`.
    public var inputSize: Int { layers[0].inputSize }
    /// The output size `d_L`.
    public var outputSize: Int { layers[layers.count - 1].outputSize }

    /// Builds an MLP from existing layers (consecutive sizes must chain).
    public init(layers: [Linear<Scalar>], activation: Activation = .relu, normalization: L2Normalization<Scalar>? = nil) {
        precondition(!layers.isEmpty, "MLP needs at least one layer")
        for l in 1..<max(layers.count, 1) {
            precondition(layers[l].inputSize == layers[l - 1].outputSize,
                         "MLP layer \(l) has input size \(layers[l].inputSize) but layer \(l - 1) outputs \(layers[l - 1].outputSize)")
        }
        for l in 0..<(layers.count - 1) {
            precondition(layers[l].bias != nil, "MLP hidden layer \(l) must have a bias")
        }
        self.layers = layers
        self.activation = activation
        self.normalization = normalization
    }

    /// Builds a freshly initialized MLP.
    ///
    /// - Parameters:
    ///   - widths: `[d₀, d₁, …, d_L]`, at least two positive sizes; `[d, 1]` is a linear head.
    ///   - activation: the nonlinearity after every hidden layer.
    ///   - outputBias: whether the last layer has a bias.
    ///   - normalizesOutput: whether the output rows are L2-normalized (``L2Normalization``).
    ///   - hiddenInitializer: the hidden layers' weights; `nil` picks ``Initializer/kaimingNormal``
    ///     for ReLU/GELU and ``Initializer/xavierUniform`` for tanh.
    ///   - outputInitializer: the last layer's weights.
    ///   - generator: the source of randomness.
    public init<G: RandomNumberGenerator>(
        widths: [Int], activation: Activation = .relu, outputBias: Bool = true, normalizesOutput: Bool = false,
        hiddenInitializer: Initializer? = nil, outputInitializer: Initializer = .xavierUniform,
        using generator: inout G
    ) {
        precondition(widths.count >= 2 && widths.allSatisfy { $0 > 0 },
                     "MLP widths must list at least two positive sizes, got \(widths)")
        let hidden = hiddenInitializer ?? (activation == .tanh ? .xavierUniform : .kaimingNormal)
        var layers = [Linear<Scalar>]()
        for l in 1..<widths.count {
            let isOutput = l == widths.count - 1
            layers.append(Linear(inputSize: widths[l - 1], outputSize: widths[l],
                                 hasBias: isOutput ? outputBias : true,
                                 initializer: isOutput ? outputInitializer : hidden, using: &generator))
        }
        self.init(layers: layers, activation: activation, normalization: normalizesOutput ? L2Normalization() : nil)
    }

    /// `[W₁, b₁, …, W_L, (b_L)]`.
    public var parameters: [Tensor<Scalar>] {
        get { layers.flatMap(\.parameters) }
        set {
            let expected = layers.reduce(0) { $0 + $1.parameters.count }
            precondition(newValue.count == expected, "MLP has \(expected) parameter tensors, got \(newValue.count)")
            var index = 0
            for l in layers.indices {
                let k = layers[l].bias == nil ? 1 : 2
                layers[l].parameters = Array(newValue[index ..< index + k])
                index += k
            }
        }
    }

    /// The forward pass without caches.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        pass(input, keepsCache: false).output
    }

    /// The forward pass, keeping each layer's input and each activation's cache.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ input: Tensor<Scalar>) -> (output: Tensor<Scalar>, cache: Cache) {
        let (output, cache) = pass(input, keepsCache: true)
        return (output, cache!)
    }

    /// The one forward pass: per layer one `gemm` into an uninitialized output, then the bias and the
    /// activation fused in one loop; the output normalization last.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func pass(_ input: Tensor<Scalar>, keepsCache: Bool) -> (output: Tensor<Scalar>, cache: Cache?) {
        checkBatch(input, features: inputSize, "MLP")
        var layerInputs = [Tensor<Scalar>]()
        var activationCaches = [Tensor<Scalar>]()
        if keepsCache {
            layerInputs.reserveCapacity(layers.count)
            activationCaches.reserveCapacity(layers.count - 1)
        }
        var h = input
        for l in layers.indices {
            let layer = layers[l]
            if keepsCache { layerInputs.append(h) }
            var z: Tensor<Scalar> = uninitializedTensor([h.rowCount, layer.outputSize])
            z.formMatmul(h, layer.weight)
            let hidden = l < layers.count - 1
            let preactivation = addBiasAndActivate(&z, bias: layer.bias, activation: hidden ? activation : nil,
                                                   keepsPreactivation: keepsCache)
            // Activation's cache: the output for ReLU and tanh (shared storage, no copy), the input for GELU.
            if keepsCache && hidden { activationCaches.append(preactivation ?? z) }
            h = z
        }
        var normalizationCache: L2Normalization<Scalar>.Cache?
        if let normalization {
            let (y, cache) = normalization.forward(h)
            normalizationCache = cache
            h = y
        }
        guard keepsCache else { return (h, nil) }
        return (h, Cache(layerInputs: layerInputs, activationCaches: activationCaches, normalizationCache: normalizationCache))
    }

    /// The gradient with respect to the input and the parameter gradients (in `parameters` order), from the output gradient and the forward cache.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(_ outputGradient: Tensor<Scalar>, cache: Cache)
        -> (inputGradient: Tensor<Scalar>, parameterGradients: [Tensor<Scalar>]) {
        let (inputGradient, gradients) = backpropagate(outputGradient, cache: cache, needsInputGradient: true)
        return (inputGradient!, gradients)
    }

    /// The parameter gradients alone, skipping `∂L/∂x` (one `gemm` less than ``backward(_:cache:)``).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func parameterGradients(_ outputGradient: Tensor<Scalar>, cache: Cache) -> [Tensor<Scalar>] {
        backpropagate(outputGradient, cache: cache, needsInputGradient: false).parameterGradients
    }

    /// The one backward pass: `∂L/∂W_l = h_{l−1}ᵀ·δ_l` (a `gemv` for a one-unit layer),
    /// `∂L/∂b_l = δ_lᵀ·1`, `δ_{l−1} = (δ_l·W_lᵀ) ⊙ f′(z_{l−1})` (an outer product fused with `f′`
    /// below a one-unit layer).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func backpropagate(_ outputGradient: Tensor<Scalar>, cache: Cache, needsInputGradient: Bool)
        -> (inputGradient: Tensor<Scalar>?, parameterGradients: [Tensor<Scalar>]) {
        precondition(cache.layerInputs.count == layers.count && cache.activationCaches.count == layers.count - 1,
                     "MLP backward: cache from a different network (\(cache.layerInputs.count) layer inputs, \(layers.count) layers)")
        var g = outputGradient
        if let normalization {
            guard let normalizationCache = cache.normalizationCache else {
                preconditionFailure("MLP backward: cache has no normalization state but the MLP normalizes its output")
            }
            g = normalization.backward(g, cache: normalizationCache).inputGradient
        }
        checkBatch(g, features: outputSize, "MLP.backward")
        var perLayer = [[Tensor<Scalar>]](repeating: [], count: layers.count)
        var inputGradient: Tensor<Scalar>?
        for l in layers.indices.reversed() {
            let layer = layers[l]
            let input = cache.layerInputs[l]
            precondition(input.shape == [g.rowCount, layer.inputSize],
                         "MLP backward: cached input \(input.shape) does not match gradient \(g.shape)")
            if layer.outputSize == 1 {
                let column = g.reshaped([g.count])
                let dw = input.matvec(column, transposed: true).reshaped([layer.inputSize, 1])
                perLayer[l] = layer.bias == nil ? [dw] : [dw, Tensor([column.sum()])]
            } else {
                var dw: Tensor<Scalar> = uninitializedTensor([layer.inputSize, layer.outputSize])
                dw.formMatmul(input, g, transposeA: true)
                perLayer[l] = layer.bias == nil ? [dw] : [dw, columnSums(g)]
            }
            if l > 0 {
                let activationCache = cache.activationCaches[l - 1]
                if layer.outputSize == 1 {
                    g = oneUnitInputDelta(g.reshaped([g.count]), weights: layer.weight.reshaped([layer.inputSize]),
                                          activation: activation, cache: activationCache)
                } else {
                    var dh: Tensor<Scalar> = uninitializedTensor([g.rowCount, layer.inputSize])
                    dh.formMatmul(g, layer.weight, transposeB: true)
                    multiplyByActivationDerivative(&dh, activation: activation, cache: activationCache)
                    g = dh
                }
            } else if needsInputGradient {
                inputGradient = layer.inputGradient(g)
            }
        }
        return (inputGradient, perLayer.flatMap { $0 })
    }
}
