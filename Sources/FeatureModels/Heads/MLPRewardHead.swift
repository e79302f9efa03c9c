import Layers
import NumericCore
import PreferenceData

/// A multilayer-perceptron Bradley–Terry reward head: `r(x) = MLP(x)` with widths
/// `[d, h₁, …, h_k, 1]` and any `Activation` between layers.
///
/// The network is a Layers `MLP` (hidden layers with bias, output layer without: an output bias
/// cancels in every reward difference). ``BradleyTerryObjective`` defines the loss; ``parameters``
/// are the network's `[W₁, b₁, …, W_L]` in Layers' `[in, out]` storage.
///
/// ``lossAndGradients(on:)`` runs the chosen and rejected responses through the network as one
/// stacked `[2n, d]` batch through the one MLP pass of Layers (`MLP/forward(_:)` and
/// `MLP/parameterGradients(_:cache:)`), so each layer costs one `gemm` forward and one `gemm` for
/// its weight gradient (a `gemv` for the one-unit output layer; the input gradient of the first layer
/// is never formed). The tests check the gradients against finite differences.
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

    /// A head `[inputSize, hiddenSizes…, 1]` started as `torch.nn.Linear` starts its layers: every
    /// weight and every bias drawn from U(−1/√fanIn, 1/√fanIn), fanIn the layer's input width (no
    /// output bias, as in ``init(inputSize:hiddenSizes:activation:objective:using:)``). This is the
    /// start of the PyTorch peer of W3 and the default of `rewardkit fit reward-head --head mlp`;
    /// on W3 it reaches the peer's test accuracy, where the Kaiming/Xavier start ends 0.006 lower
    /// after the same three epochs.
    public static func pytorchInitialized<G: RandomNumberGenerator>(
        inputSize: Int, hiddenSizes: [Int], activation: Activation = .relu,
        objective: BradleyTerryObjective = BradleyTerryObjective(), using generator: inout G
    ) -> MLPRewardHead {
        var head = MLPRewardHead(inputSize: inputSize, hiddenSizes: hiddenSizes, activation: activation,
                                 objective: objective, using: &generator)
        // Parameters alternate weight [fanIn, fanOut] and bias [fanOut] per hidden layer, then the
        // output weight; a bias takes the fanIn of the weight before it.
        var fanIn = inputSize
        head.parameters = head.parameters.map { p in
            if p.rank == 2 { fanIn = p.shape[0] }
            let bound = 1 / Double(fanIn).squareRoot()
            return Tensor(shape: p.shape, scalars: (0..<p.count).map { _ in Scalar(bound * (2 * generator.nextOpenUnit() - 1)) })
        }
        return head
    }

    /// The trainer trains the head on preference pairs (listwise training wraps it in `ListwiseRewardHead`).
    public typealias Batch = PairBatch<Scalar>

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
        if m <= chunk { return network(features).scalars }
        var out = [Scalar]()
        out.reserveCapacity(m)
        var start = 0
        while start < m {
            let end = Swift.min(start + chunk, m)
            out.append(contentsOf: network(features.gatherRows(start..<end)).scalars)
            start = end
        }
        return out
    }

    /// The objective and its gradient for every tensor of ``parameters``, by one stacked forward and
    /// backward pass.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func lossAndGradients(on batch: PairBatch<Scalar>) -> (loss: Double, gradients: [Tensor<Scalar>]) {
        lossAndGradients(responses: batch.responses) { rp, g in
            objective.pairLoss(rewards: rp, margins: batch.margins, weights: batch.weights, gradient: g)
        }
    }

    /// The objective with another loss of the stacked rewards: `pairLoss(r, ∂L/∂r)` returns the data
    /// part and writes its gradient; the penalty (λ/2)‖θ‖² is added (``NoisyLabelHead`` uses this).
    public func lossAndGradients(
        on batch: PairBatch<Scalar>,
        pairLoss: (UnsafeBufferPointer<Scalar>, UnsafeMutableBufferPointer<Scalar>) -> Double
    ) -> (loss: Double, gradients: [Tensor<Scalar>]) {
        precondition(batch.dimension == dimension, "MLPRewardHead: batch dimension \(batch.dimension), head dimension \(dimension)")
        return lossAndGradients(responses: batch.responses, dataLoss: pairLoss)
    }

    /// The listwise (Plackett–Luce) objective of ranked sets and its gradient (see
    /// ``BradleyTerryObjective``'s listwise loss), through the same forward and backward pass.
    public func lossAndGradients(on batch: RankedResponseBatch<Scalar>) -> (loss: Double, gradients: [Tensor<Scalar>]) {
        lossAndGradients(responses: batch.responses) { rp, g in
            objective.listwiseLoss(rewards: rp, choices: batch.choices, gradient: g)
        }
    }

    /// The objective from a data loss on the rewards of `responses` (which writes ∂L/∂r), plus the penalty.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func lossAndGradients(
        responses: Tensor<Scalar>, dataLoss: (UnsafeBufferPointer<Scalar>, UnsafeMutableBufferPointer<Scalar>) -> Double
    ) -> (loss: Double, gradients: [Tensor<Scalar>]) {
        precondition(responses.columnCount == dimension, "MLPRewardHead: batch dimension \(responses.columnCount), head dimension \(dimension)")
        let (rewards, cache) = network.forward(responses)
        var dr = Tensor<Scalar>.zeros(shape: [rewards.count, 1])
        let loss = rewards.scalars.withUnsafeBufferPointer { rp in
            dr.scalars.withUnsafeMutableBufferPointer { g in dataLoss(rp, g) }
        }
        var gradients = network.parameterGradients(dr, cache: cache)
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
}
