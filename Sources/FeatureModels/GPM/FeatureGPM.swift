import Layers
import NumericCore
import PreferenceData

/// A feature-level general preference model: an embedding head (linear or MLP) maps each response's
/// features `x ∈ R^d` to `u ∈ R^{2k}`, then `v = u/‖u‖` (when the configuration normalizes), and
///
///     s(a ≻ b) = v_aᵀ·R(λ)·v_b,    P(a ≻ b) = σ(s/τ),
///
/// with eigenvalues fixed (`λ = 1`), learned (`λ = exp(ρ)`) or from the prompt (``EigenvalueGate``).
/// The loss of a batch of `B` pairs (chosen `a_i`, rejected `b_i`, margin `m_i`) is the mean
/// `L = (1/B)·Σ_i softplus(−(s_i − m − m_i)/τ)`, where `m` is ``GPMConfiguration/margin``.
///
/// The same ``embed(_:)`` and ``eigenvalues(prompts:)`` serve training and every query, so the
/// normalization and gate conventions cannot drift apart (see `Docs/GPM.md`).
///
/// ``parameters`` is `[embedding parameters…] + [ρ] (learned) + [W_gate, b_gate] (prompt-gated)`.
///
/// ```swift
/// var rng = SeededGenerator(seed: 1)
/// var model = FeatureGPM<Float>(featureCount: 64, hiddenSizes: [128], configuration: .init(dimension: 4), using: &rng)
/// let (loss, gradients) = model.lossAndGradients(chosen: xc, rejected: xr)
/// ```
public struct FeatureGPM<Scalar: BLASScalar>: Sendable {
    /// The hyperparameters (dimension, τ, margin, normalization, eigenvalue mode).
    public let configuration: GPMConfiguration
    /// The embedding head `x ↦ u` (`[B, d]` → `[B, 2k]`); a one-layer MLP is a linear head.
    public var embedding: MLP<Scalar>
    /// `ρ` with `λ = exp(ρ)` (shape `[k]`) in the ``GPMEigenvalues/learned`` mode, else `nil`.
    public var logEigenvalues: Tensor<Scalar>?
    /// The prompt gate in the ``GPMEigenvalues/promptGated`` mode, else `nil`.
    public var gate: EigenvalueGate<Scalar>?

    /// The number of response features `d`.
    public var featureCount: Int { embedding.inputSize }
    /// The number of prompt features the gate expects (0 unless prompt-gated).
    public var promptFeatureCount: Int { gate?.promptSize ?? 0 }
    /// The number of planes `k`.
    public var planeCount: Int { configuration.planeCount }

    /// A freshly initialized model.
    ///
    /// - Parameters:
    ///   - featureCount: `d`, the response feature dimension.
    ///   - hiddenSizes: hidden widths of the embedding MLP; `[]` gives a linear head `u = x·W + b`.
    ///   - activation: the MLP nonlinearity.
    ///   - promptFeatureCount: the prompt feature dimension; required (> 0) for ``GPMEigenvalues/promptGated``.
    ///   - configuration: the GPM hyperparameters.
    ///   - generator: the source of randomness for the initial weights.
    public init<G: RandomNumberGenerator>(
        featureCount: Int, hiddenSizes: [Int] = [], activation: Activation = .relu, promptFeatureCount: Int = 0,
        configuration: GPMConfiguration = GPMConfiguration(), using generator: inout G
    ) {
        precondition(featureCount > 0, "FeatureGPM needs a positive feature count, got \(featureCount)")
        let mlp = MLP<Scalar>(widths: [featureCount] + hiddenSizes + [configuration.dimension], activation: activation,
                              outputBias: true, outputInitializer: .xavierUniform, using: &generator)
        var gate: EigenvalueGate<Scalar>?
        if configuration.eigenvalues == .promptGated {
            precondition(promptFeatureCount > 0, "FeatureGPM with prompt-gated eigenvalues needs prompt features (promptFeatureCount > 0)")
            gate = EigenvalueGate(promptSize: promptFeatureCount, planeCount: configuration.planeCount)
        }
        self.init(embedding: mlp, configuration: configuration,
                  logEigenvalues: configuration.eigenvalues == .learned ? configuration.initialLogEigenvalues(Scalar.self) : nil,
                  gate: gate)
    }

    /// A model from its parts; the parts must match the configuration's dimension and eigenvalue mode.
    public init(embedding: MLP<Scalar>, configuration: GPMConfiguration,
                logEigenvalues: Tensor<Scalar>? = nil, gate: EigenvalueGate<Scalar>? = nil) {
        precondition(embedding.outputSize == configuration.dimension,
                     "FeatureGPM embedding outputs \(embedding.outputSize) values, configuration needs 2k = \(configuration.dimension)")
        precondition(embedding.normalization == nil,
                     "FeatureGPM normalizes embeddings itself (configuration.normalizesEmbeddings); pass an MLP without output normalization")
        switch configuration.eigenvalues {
        case .fixed:
            precondition(logEigenvalues == nil && gate == nil, "FeatureGPM with fixed eigenvalues takes no ρ and no gate")
        case .learned:
            precondition(logEigenvalues?.shape == [configuration.planeCount] && gate == nil,
                         "FeatureGPM with learned eigenvalues needs ρ of shape [\(configuration.planeCount)], got \(String(describing: logEigenvalues?.shape))")
        case .promptGated:
            precondition(logEigenvalues == nil && gate?.planeCount == configuration.planeCount,
                         "FeatureGPM with prompt-gated eigenvalues needs a gate with \(configuration.planeCount) planes")
        }
        self.configuration = configuration
        self.embedding = embedding
        self.logEigenvalues = logEigenvalues
        self.gate = gate
    }

    // MARK: Parameters

    /// `[embedding…] + [ρ] + [W_gate, b_gate]` (the last two only in their modes).
    public var parameters: [Tensor<Scalar>] {
        get {
            var all = embedding.parameters
            if let logEigenvalues { all.append(logEigenvalues) }
            if let gate { all += gate.parameters }
            return all
        }
        set {
            let e = embedding.parameters.count
            let expected = e + (logEigenvalues == nil ? 0 : 1) + (gate == nil ? 0 : 2)
            precondition(newValue.count == expected, "FeatureGPM has \(expected) parameter tensors, got \(newValue.count)")
            embedding.parameters = Array(newValue[0..<e])
            var index = e
            if logEigenvalues != nil {
                precondition(newValue[index].shape == [planeCount], "FeatureGPM ρ must have shape [\(planeCount)], got \(newValue[index].shape)")
                logEigenvalues = newValue[index]
                index += 1
            }
            if gate != nil { gate!.parameters = Array(newValue[index ..< index + 2]) }
        }
    }

    /// The total number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    // MARK: Forward maps shared by training and inference

    /// The embeddings `v` (`[n, 2k]`) of responses `x` (`[n, d]`): the head's output, L2-normalized
    /// when the configuration says so.
    public func embed(_ responses: Tensor<Scalar>) -> Tensor<Scalar> {
        precondition(responses.rank == 2 && responses.shape[1] == featureCount,
                     "FeatureGPM.embed: responses \(responses.shape) must be [n, \(featureCount)]")
        return headForward(responses, keepsCache: false).v
    }

    /// The eigenvalues: `[k]` for fixed/learned modes, `[B, k]` (one row per prompt) when prompt-gated.
    public func eigenvalues(prompts: Tensor<Scalar>? = nil) -> Tensor<Scalar> {
        switch configuration.eigenvalues {
        case .fixed:
            return .ones(shape: [planeCount])
        case .learned:
            return logEigenvalues!.map { Scalar.exp($0) }
        case .promptGated:
            guard let prompts else {
                preconditionFailure("FeatureGPM with prompt-gated eigenvalues needs prompt features [B, \(promptFeatureCount)]")
            }
            return gate!(prompts)
        }
    }

    // MARK: Queries

    /// The scores `s(chosen_i ≻ rejected_i)` of aligned rows (`[B, d]` each; prompts `[B, p]` when gated).
    public func scores(chosen: Tensor<Scalar>, rejected: Tensor<Scalar>, prompts: Tensor<Scalar>? = nil) -> [Scalar] {
        precondition(chosen.shape == rejected.shape,
                     "FeatureGPM.scores: chosen \(chosen.shape) and rejected \(rejected.shape) differ")
        return SkewSymmetricOperator.scores(embed(chosen), embed(rejected), eigenvalues: eigenvalues(prompts: prompts))
    }

    /// `P(a ≻ b) = σ(s(a ≻ b)/τ)` for two feature vectors (and the prompt's features when gated).
    public func probability(preferring a: [Scalar], over b: [Scalar], prompt: [Scalar]? = nil) -> Scalar {
        let s = scores(chosen: Tensor(shape: [1, a.count], scalars: a), rejected: Tensor(shape: [1, b.count], scalars: b),
                       prompts: prompt.map { Tensor(shape: [1, $0.count], scalars: $0) })[0]
        return Scalar.sigmoid(s / Scalar(configuration.temperature))
    }

    /// The `n×n` score matrix `S_ij = s(i ≻ j)` of responses `x` (`[n, d]`) answering one prompt:
    /// one embedding pass (linear in `n`) and one `gemm` (see ``SkewSymmetricOperator/scoreMatrix(_:eigenvalues:)``).
    public func scoreMatrix(_ responses: Tensor<Scalar>, prompt: [Scalar]? = nil) -> Tensor<Scalar> {
        SkewSymmetricOperator.scoreMatrix(embed(responses), eigenvalues: sharedEigenvalues(prompt: prompt))
    }

    /// The preference score of each response against a reference set (both answering one prompt), the
    /// quantity General Preference Optimization maximizes; see ``ReferenceAggregate``.
    public func preferenceScores(
        of responses: Tensor<Scalar>, against reference: Tensor<Scalar>,
        aggregate: ReferenceAggregate = .meanScore, prompt: [Scalar]? = nil
    ) -> [Scalar] {
        ReferenceAggregate.evaluate(aggregate, embed(responses), embed(reference),
                                    eigenvalues: sharedEigenvalues(prompt: prompt),
                                    temperature: Scalar(configuration.temperature))
    }

    private func sharedEigenvalues(prompt: [Scalar]?) -> Tensor<Scalar> {
        if configuration.eigenvalues == .promptGated {
            guard let prompt else { preconditionFailure("FeatureGPM with prompt-gated eigenvalues needs the prompt's \(promptFeatureCount) features") }
            return eigenvalues(prompts: Tensor(shape: [1, prompt.count], scalars: prompt)).reshaped([planeCount])
        }
        return eigenvalues()
    }

    // MARK: Training objective

    /// The mean loss of a batch and its gradient with respect to ``parameters`` (same order and shapes).
    ///
    /// With `n` pairs, weights `ω_i` (1 when absent) and margins `m_i` (0 when absent):
    ///
    ///     L = (1/n)·Σ_i ω_i·softplus(−(s_i − m − m_i)/τ)
    ///
    /// The batch's stacked `[2n, d]` responses go through the head in one pass. Backward: the
    /// operator's gradient (``SkewSymmetricOperator``), the normalization Jacobian `(I − v vᵀ)/‖u‖`
    /// (the map of `L2Normalization`), then the head's backward (no input gradient); `∂L/∂ρ = λ ⊙ ∂L/∂λ`;
    /// the gate as in ``EigenvalueGate``.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func lossAndGradients(on batch: PairBatch<Scalar>) -> (loss: Double, gradients: [Tensor<Scalar>]) {
        let n = batch.count
        precondition(batch.dimension == featureCount,
                     "FeatureGPM.lossAndGradients: batch of dimension \(batch.dimension), model has \(featureCount) features")
        precondition(n > 0, "FeatureGPM.lossAndGradients needs at least one pair")
        let (v, headCache) = headForward(batch.responses, keepsCache: true)
        let (lambda, gateProbabilities) = trainingEigenvalues(prompts: batch.prompts, count: n)
        var dv = Tensor<Scalar>.zeros(shape: v.shape)
        var dLambda = Tensor<Scalar>.zeros(shape: lambda.shape)
        let loss = Self.stackedLoss(v: v, eigenvalues: lambda, margins: batch.margins, weights: batch.weights,
                                    margin: Scalar(configuration.margin), temperature: Scalar(configuration.temperature),
                                    embeddingGradient: &dv, eigenvalueGradient: &dLambda)
        var gradients = headBackward(dv, v: v, cache: headCache!)
        switch configuration.eigenvalues {
        case .fixed: break
        case .learned: gradients.append(dLambda * lambda)
        case .promptGated:
            gradients += gate!.parameterGradients(dLambda, prompt: batch.prompts!, probabilities: gateProbabilities!)
        }
        return (loss, gradients)
    }

    /// The same objective for separate `[n, d]` chosen and rejected matrices.
    public func lossAndGradients(
        chosen: Tensor<Scalar>, rejected: Tensor<Scalar>, prompts: Tensor<Scalar>? = nil,
        margins: [Scalar]? = nil, weights: [Scalar]? = nil
    ) -> (loss: Double, gradients: [Tensor<Scalar>]) {
        lossAndGradients(on: PairBatch(chosen: chosen, rejected: rejected, margins: margins, weights: weights, prompts: prompts))
    }

    /// The log-odds `s_i/τ` of `P(chosen_i ≻ rejected_i)` (margins do not enter predictions).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func preferenceLogits(on batch: PairBatch<Scalar>) -> [Scalar] {
        let n = batch.count
        let v = embed(batch.responses)
        let lambda = trainingEigenvalues(prompts: batch.prompts, count: n).eigenvalues
        let inverseTau = 1 / Scalar(configuration.temperature)
        var logits = [Scalar](repeating: 0, count: n)
        let k = planeCount, width = 2 * k
        let stride = lambda.rank == 1 ? 0 : k
        v.scalars.withUnsafeBufferPointer { vp in
            lambda.scalars.withUnsafeBufferPointer { lp in
                for i in 0..<n {
                    let a = vp.baseAddress! + i * width, b = vp.baseAddress! + (n + i) * width
                    let l = lp.baseAddress! + i * stride
                    logits[i] = SkewSymmetricOperator.pairScore(a, b, eigenvalues: l, planes: k) * inverseTau
                }
            }
        }
        return logits
    }

    /// `λ` for a batch (`[k]`, or `[n, k]` with the gate's softmax probabilities when prompt-gated).
    private func trainingEigenvalues(prompts: Tensor<Scalar>?, count n: Int) -> (eigenvalues: Tensor<Scalar>, probabilities: Tensor<Scalar>?) {
        switch configuration.eigenvalues {
        case .fixed: return (.ones(shape: [planeCount]), nil)
        case .learned: return (logEigenvalues!.map { Scalar.exp($0) }, nil)
        case .promptGated:
            guard let prompts, prompts.rank == 2, prompts.shape == [n, promptFeatureCount] else {
                preconditionFailure("FeatureGPM with prompt-gated eigenvalues needs prompts [\(n), \(promptFeatureCount)], got \(String(describing: prompts?.shape))")
            }
            let (l, pi) = gate!.forward(prompts)
            return (l, pi)
        }
    }

    /// The fused forward/backward pass over stacked embeddings `v` (`[2n, 2k]`: chosen rows, then
    /// rejected rows): returns `L` and writes `∂L/∂v`, `∂L/∂λ` (one pass, no copies of the halves).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func stackedLoss(
        v: Tensor<Scalar>, eigenvalues lambda: Tensor<Scalar>, margins: [Scalar]?, weights: [Scalar]?, margin: Scalar, temperature: Scalar,
        embeddingGradient dv: inout Tensor<Scalar>, eigenvalueGradient dLambda: inout Tensor<Scalar>
    ) -> Double {
        let n = v.rowCount / 2, width = v.columnCount, k = width / 2
        let stride = lambda.rank == 1 ? 0 : k
        let inverseN = 1 / Scalar(n)
        var total = 0.0
        v.scalars.withUnsafeBufferPointer { vp in
            lambda.scalars.withUnsafeBufferPointer { lp in
                dv.scalars.withUnsafeMutableBufferPointer { gp in
                    dLambda.scalars.withUnsafeMutableBufferPointer { dlp in
                        for i in 0..<n {
                            let a = vp.baseAddress! + i * width, b = vp.baseAddress! + (n + i) * width
                            let l = lp.baseAddress! + i * stride
                            let s = SkewSymmetricOperator.pairScore(a, b, eigenvalues: l, planes: k)
                            let w = weights?[i] ?? 1
                            let (value, derivative) = GPMLoss.valueAndDerivative(score: s, margin: margin + (margins?[i] ?? 0),
                                                                                 temperature: temperature)
                            total += Double(w * value)
                            let g = w * derivative * inverseN
                            let da = gp.baseAddress! + i * width, db = gp.baseAddress! + (n + i) * width
                            let dl = dlp.baseAddress! + i * stride
                            for p in 0..<k {
                                let (a0, a1, b0, b1) = (a[2 * p], a[2 * p + 1], b[2 * p], b[2 * p + 1])
                                let gl = g * l[p]
                                da[2 * p] = gl * b1
                                da[2 * p + 1] = -gl * b0
                                db[2 * p] = -gl * a1
                                db[2 * p + 1] = gl * a0
                                dl[p] += g * (a0 * b1 - a1 * b0)
                            }
                        }
                    }
                }
            }
        }
        return total / Double(n)
    }
}

extension FeatureGPM: PairwiseTrainable {}
