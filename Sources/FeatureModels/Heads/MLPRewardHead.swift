import Layers
import NumericCore
import PreferenceData

/// A multilayer-perceptron Bradley–Terry reward head: `r(x) = MLP(x)` with widths
/// `[d, h₁, …, h_k, 1]` and any ``Activation`` between layers.
///
/// The network is a Layers ``MLP`` (hidden layers with bias, output layer without: an output bias
/// cancels in every reward difference). ``BradleyTerryObjective`` defines the loss; ``parameters``
/// are the network's `[W₁, b₁, …, W_L]` in Layers' `[in, out]` storage.
///
/// ``lossAndGradients(on:)`` runs the chosen and rejected responses through the network as one
/// stacked `[2n, d]` batch, so each layer costs one `gemm` forward and one `gemm` for its weight
/// gradient (the input gradient of the first layer is never formed). The pass is the same chain rule
/// as ``MLP/backward(_:cache:)`` with the elementwise steps specialized for Float and Double; the tests
/// check it against the Layers backward and against finite differences.
///
/// ```swift
/// var rng = SeededGenerator(seed: 1)
/// let head = MLPRewardHead<Float>(inputSize: 768, hiddenSizes: [256], activation: .relu, using: &rng)
/// ```
public struct MLPRewardHead<Scalar: BLASScalar>: PairwiseTrainable, ScalarRewardModel, Sendable {
    /// The network, `[d, h₁, …, 1]`.
    public var network: MLP<Scalar>
    /// The objective minimized by ``lossAndGradients(on:)``.
    public var objective: BradleyTerryObjective

    /// A head around an existing network (its output must be one unit, without output normalization).
    public init(network: MLP<Scalar>, objective: BradleyTerryObjective = BradleyTerryObjective()) {
        precondition(network.outputSize == 1, "MLPRewardHead needs a network with one output, got widths \(network.widths)")
        precondition(network.normalization == nil, "MLPRewardHead: a normalized output cannot be a reward")
        self.network = network
        self.objective = objective
    }

    /// A freshly initialized head `[inputSize, hiddenSizes…, 1]`: hidden weights Kaiming-normal for
    /// ReLU/GELU and Xavier-uniform for tanh (Layers' defaults), zero hidden biases, output weights
    /// Xavier-uniform, no output bias.
    public init<G: RandomNumberGenerator>(
        inputSize: Int, hiddenSizes: [Int], activation: Activation = .relu,
        objective: BradleyTerryObjective = BradleyTerryObjective(), using generator: inout G
    ) {
        precondition(inputSize > 0 && hiddenSizes.allSatisfy { $0 > 0 },
                     "MLPRewardHead sizes must be positive, got input \(inputSize), hidden \(hiddenSizes)")
        self.init(network: MLP(widths: [inputSize] + hiddenSizes + [1], activation: activation, outputBias: false,
                               using: &generator),
                  objective: objective)
    }

    /// The input dimension d.
    public var dimension: Int { network.inputSize }
    /// `[d, h₁, …, 1]`.
    public var widths: [Int] { network.widths }
    /// The activation between layers.
    public var activation: Activation { network.activation }

    /// `[W₁, b₁, …, W_L]` (Layers storage: `W_l` is `[in, out]`).
    public var parameters: [Tensor<Scalar>] {
        get { network.parameters }
        set { network.parameters = newValue }
    }

    /// `r(x)` for the rows of `features` (`[m, d]`), in chunks of 4096 rows to bound memory.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func rewards(_ features: Tensor<Scalar>) -> [Scalar] {
        precondition(features.rank == 2 && features.columnCount == dimension,
                     "MLPRewardHead.rewards: features \(features.shape) for dimension \(dimension)")
        let m = features.rowCount
        let chunk = 4096
        if m <= chunk { return forward(features, keepsCache: false).rewards.scalars }
        var out = [Scalar]()
        out.reserveCapacity(m)
        var start = 0
        while start < m {
            let end = Swift.min(start + chunk, m)
            out.append(contentsOf: forward(features.gatherRows(start..<end), keepsCache: false).rewards.scalars)
            start = end
        }
        return out
    }

    /// The objective and its gradient for every tensor of ``parameters``, by one stacked forward and
    /// backward pass.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func lossAndGradients(on batch: PairBatch<Scalar>) -> (loss: Double, gradients: [Tensor<Scalar>]) {
        precondition(batch.dimension == dimension, "MLPRewardHead: batch dimension \(batch.dimension), head dimension \(dimension)")
        let pass = forward(batch.responses, keepsCache: true)
        var dr = Tensor<Scalar>.zeros(shape: [pass.rewards.count, 1])
        let loss = pass.rewards.scalars.withUnsafeBufferPointer { rp in
            dr.scalars.withUnsafeMutableBufferPointer { g in
                objective.pairLoss(rewards: rp, margins: batch.margins, weights: batch.weights, gradient: g)
            }
        }
        var gradients = backward(dr, pass: pass)
        objective.addPenaltyGradient(parameters, to: &gradients)
        return (loss + objective.penalty(parameters), gradients)
    }

    /// `(r_c,i − r_r,i)/τ`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func preferenceLogits(on batch: PairBatch<Scalar>) -> [Scalar] {
        let r = rewards(batch.responses)
        return r.withUnsafeBufferPointer { objective.logits(rewards: $0) }
    }

    // MARK: The stacked pass

    /// What the forward pass keeps: `h_l`, the input of layer `l` (`h₀ = x`), and for GELU the
    /// pre-activations `z_l` of the hidden layers.
    struct Pass {
        var rewards: Tensor<Scalar>
        var layerInputs: [Tensor<Scalar>]
        var preactivations: [Tensor<Scalar>?]
    }

    /// `z_l = h_{l−1}·W_l + b_l`, `h_l = f(z_l)` for the hidden layers, `r = h_{L−1}·W_L` (a `gemv`:
    /// the output layer has one unit).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func forward(_ input: Tensor<Scalar>, keepsCache: Bool) -> Pass {
        let layers = network.layers
        var layerInputs = [Tensor<Scalar>]()
        var preactivations = [Tensor<Scalar>?]()
        if keepsCache {
            layerInputs.reserveCapacity(layers.count)
            preactivations.reserveCapacity(layers.count)
        }
        var h = input
        for l in 0..<(layers.count - 1) {
            let layer = layers[l]
            if keepsCache { layerInputs.append(h) }
            var z = Tensor<Scalar>.zeros(shape: [h.rowCount, layer.outputSize])
            z.formMatmul(h, layer.weight)
            let kept = addBiasAndActivate(&z, bias: layer.bias, activation: network.activation)
            if keepsCache { preactivations.append(kept) }
            h = z
        }
        let last = layers[layers.count - 1]
        if keepsCache { layerInputs.append(h) }
        var r = h.matvec(last.weight.reshaped([last.inputSize]))
        if let bias = last.bias {
            let b = bias.scalars[0]
            r.formMap { $0 + b }
        }
        return Pass(rewards: r.reshaped([r.count, 1]), layerInputs: layerInputs, preactivations: preactivations)
    }

    /// Backpropagates `∂L/∂r` (`[2n, 1]`) through the cached pass:
    /// `∂L/∂W_l = h_{l−1}ᵀ·δ_l`, `∂L/∂b_l = δ_lᵀ·1`, `δ_{l−1} = (δ_l·W_lᵀ) ⊙ f′(z_{l−1})`; for the
    /// one-unit output layer `∂L/∂W_L = h_{L−1}ᵀ·∂L/∂r` is a `gemv` and `δ_{L−1}` an outer product
    /// fused with `f′`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func backward(_ rewardGradient: Tensor<Scalar>, pass: Pass) -> [Tensor<Scalar>] {
        let layers = network.layers
        let count = layers.count
        var perLayer = [[Tensor<Scalar>]](repeating: [], count: count)
        let g = rewardGradient.reshaped([rewardGradient.count])
        let last = layers[count - 1]
        let top = pass.layerInputs[count - 1]
        let dwLast = top.matvec(g, transposed: true).reshaped([last.inputSize, 1])
        perLayer[count - 1] = last.bias == nil ? [dwLast] : [dwLast, Tensor([g.sum()])]
        guard count > 1 else { return perLayer[0] }
        var delta = outputLayerDelta(rewardGradient: g, outputWeights: last.weight.reshaped([last.inputSize]),
                                     activation: network.activation, output: top, preactivation: pass.preactivations[count - 2])
        for l in stride(from: count - 2, through: 0, by: -1) {
            let layer = layers[l]
            let input = pass.layerInputs[l]
            var dw = Tensor<Scalar>.zeros(shape: [layer.inputSize, layer.outputSize])
            dw.formMatmul(input, delta, transposeA: true)
            perLayer[l] = layer.bias == nil ? [dw] : [dw, columnSums(delta)]
            if l > 0 {
                var dh = Tensor<Scalar>.zeros(shape: [delta.rowCount, layer.inputSize])
                dh.formMatmul(delta, layer.weight, transposeB: true)
                multiplyByActivationDerivative(&dh, activation: network.activation, output: input,
                                               preactivation: pass.preactivations[l - 1])
                delta = dh
            }
        }
        return perLayer.flatMap { $0 }
    }
}
