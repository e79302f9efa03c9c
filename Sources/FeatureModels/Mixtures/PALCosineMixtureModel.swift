import RealModule
import Layers
import NumericCore
import PreferenceData

/// PAL-B, the mixture of preference functions of Chen et al. 2024 ("PAL: Pluralistic alignment
/// framework").
///
/// A shared projector `f : R^d → R^m` of responses, K prototype maps `g_k` and per-user weights
/// `w_i = softmax(u_i)`. User `i`'s reward of response `y` to prompt `x` is
///
///     r_i(x, y) = s·cos(f(y), v_i(x)),   v_i(x) = Σ_k w_ik g_k(x),   s = min(e^ℓ, 100),
///
/// where `g_k : R^p → R^m` are networks over prompt features when the pairs carry prompts, and
/// learned constant vectors `g_k ∈ R^m` (the rows of ``prototypeVectors``) otherwise. The loss is
/// `−log σ(Δ) = softplus(−Δ)` with `Δ = r_i(x, y_c) − r_i(x, y_r)`; the scale's gradient is
/// `∂/∂ℓ = s·∂/∂s` below the cap and 0 at it (as `clamp` in the reference). With
/// `cos(a, v) = a·v / (‖a‖‖v‖)`:
///
///     ∂cos/∂a = v/(‖a‖‖v‖) − cos·a/‖a‖²,    ∂cos/∂v = a/(‖a‖‖v‖) − cos·v/‖v‖²,
///
/// and `h = ∂loss/∂Δ = −σ(−Δ)` gives `∂/∂f(y_c) = h·s·∂cos_c/∂a`, `∂/∂f(y_r) = −h·s·∂cos_r/∂a`,
/// `∂/∂v = h·s·(∂cos_c/∂v − ∂cos_r/∂v)`, `∂/∂s = h·(cos_c − cos_r)`, and through the mixture
/// `∂/∂g_k = w_ik ∂/∂v`, `∂/∂w_ik = g_k·∂/∂v`. Norms are guarded by `max(‖·‖, 1e-12)`.
public struct PALCosineMixtureModel<Scalar: BLASScalar>: PluralisticPreferenceModel {
    /// The response projector `f`.
    public var projector: MLP<Scalar>
    /// `g_k` over prompt features (empty when the model has no prompt input).
    public var promptMaps: [MLP<Scalar>]
    /// `g_k` as vectors (K×m) when the model has no prompt input; empty (0×m) otherwise.
    public var prototypeVectors: Tensor<Scalar>
    /// `u` (U×K).
    public var logits: Tensor<Scalar>
    /// `ℓ`, with `s = min(e^ℓ, 100)`; starts at `log(1/0.07)` as in CLIP and the reference code.
    public var logScale: Scalar
    /// The largest scale, 100.
    public static var maximumScale: Scalar { 100 }

    /// A randomly initialized model. `promptSize` > 0 makes each `g_k` a network of shape
    /// `promptMap` over prompt features; otherwise `g_k` are vectors drawn from `N(0, 1)`.
    public init<G: RandomNumberGenerator>(
        inputSize: Int, projector: PALProjector, prototypeCount: Int, userCount: Int,
        promptSize: Int = 0, promptMap: PALProjector? = nil, using generator: inout G
    ) {
        precondition(inputSize > 0 && prototypeCount > 0 && userCount > 0 && promptSize >= 0,
                     "PAL-B needs positive sizes, got d = \(inputSize), K = \(prototypeCount), U = \(userCount), p = \(promptSize)")
        let m = projector.outputSize
        self.projector = projector.make(inputSize: inputSize, using: &generator)
        if promptSize > 0 {
            let map = promptMap ?? projector
            precondition(map.outputSize == m, "PAL-B prompt maps must output \(m) features, got \(map.outputSize)")
            self.promptMaps = (0..<prototypeCount).map { _ in map.make(inputSize: promptSize, using: &generator) }
            self.prototypeVectors = Tensor.zeros(shape: [0, m])
        } else {
            self.promptMaps = []
            self.prototypeVectors = Tensor.randomNormal(shape: [prototypeCount, m], using: &generator)
        }
        self.logits = PALMath.initialLogits(users: userCount, k: prototypeCount, using: &generator)
        self.logScale = Scalar.log(1 / 0.07)
    }

    /// K, the number of prototypes.
    public var prototypeCount: Int { logits.columnCount }
    /// Whether `g_k` read prompt features.
    public var usesPrompts: Bool { !promptMaps.isEmpty }
    /// `s = min(e^ℓ, 100)`.
    public var scale: Scalar { Swift.min(Scalar.exp(logScale), Self.maximumScale) }

    private var promptParameterCount: Int { usesPrompts ? promptMaps.reduce(0) { $0 + $1.parameters.count } : 1 }
    /// The index of the user-logit matrix in `parameters`.
    public var userLogitsIndex: Int { projector.parameters.count + promptParameterCount }

    /// `f`'s tensors, then the `g_k` tensors (or the K×m vectors), then `u`, then `[ℓ]`.
    public var parameters: [Tensor<Scalar>] {
        get {
            projector.parameters + (usesPrompts ? promptMaps.flatMap(\.parameters) : [prototypeVectors])
                + [logits, Tensor([logScale])]
        }
        set {
            let expected = userLogitsIndex + 2
            precondition(newValue.count == expected, "PAL-B has \(expected) parameter tensors, got \(newValue.count)")
            var index = projector.parameters.count
            projector.parameters = Array(newValue[0..<index])
            if usesPrompts {
                for k in promptMaps.indices {
                    let n = promptMaps[k].parameters.count
                    promptMaps[k].parameters = Array(newValue[index ..< index + n])
                    index += n
                }
            } else {
                precondition(newValue[index].shape == prototypeVectors.shape,
                             "PAL-B prototype vectors must have shape \(prototypeVectors.shape), got \(newValue[index].shape)")
                prototypeVectors = newValue[index]
                index += 1
            }
            precondition(newValue[index].columnCount == prototypeCount && newValue[index + 1].count == 1,
                         "PAL-B logits \(newValue[index].shape) / scale \(newValue[index + 1].shape) do not match K = \(prototypeCount)")
            logits = newValue[index]
            logScale = newValue[index + 1].scalars[0]
        }
    }

    /// The per-pair user vectors `v_i(x)` (B×m), and each `g_k(x)` (K tensors of B×m, with caches) when prompts are used.
    private func userVectors(_ weights: Tensor<Scalar>, prompts: Tensor<Scalar>?)
        -> (V: Tensor<Scalar>, maps: [(Tensor<Scalar>, MLP<Scalar>.Cache)]) {
        if !usesPrompts { return (weights.matmul(prototypeVectors), []) }
        guard let prompts else { preconditionFailure("this PAL-B model maps prompt features; the pairs carry no prompts") }
        let B = weights.rowCount, K = prototypeCount
        let outputs = promptMaps.map { $0.forward(prompts) }
        let m = outputs[0].0.columnCount
        var V = Tensor<Scalar>.zeros(shape: [B, m])
        for k in 0..<K {
            for b in 0..<B {
                let w = weights.scalars[b * K + k]
                for j in 0..<m { V.scalars[b * m + j] += w * outputs[k].0.scalars[b * m + j] }
            }
        }
        return (V, outputs)
    }

    /// `r_i(x, y)` for each row of `responses` with its user and (when used) prompt.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func rewards(_ responses: Tensor<Scalar>, prompts: Tensor<Scalar>?, users ids: [Int]) -> [Scalar] {
        let F = projector(responses)
        let (V, _) = userVectors(logits.gatherRows(ids).softmax(), prompts: prompts)
        let m = F.columnCount, s = scale
        return ids.indices.map { b in s * Self.cosine(F.scalars, b * m, V.scalars, b * m, m).cos }
    }

    /// `Δ = r_i(x, y_c) − r_i(x, y_r)` per pair (the log-odds of `P(c ≻ r) = σ(Δ)`).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func preferenceLogits(on batch: PairBatch<Scalar>) -> [Scalar] {
        let ids = PALMath.userIDs(batch, userCount: logits.rowCount)
        let n = batch.count
        let F = projector(batch.responses)
        let (V, _) = userVectors(logits.gatherRows(ids).softmax(), prompts: batch.prompts)
        let m = F.columnCount, s = scale
        return (0..<n).map { b in
            s * (Self.cosine(F.scalars, b * m, V.scalars, b * m, m).cos
                 - Self.cosine(F.scalars, (n + b) * m, V.scalars, b * m, m).cos)
        }
    }

    static func cosine(_ a: [Scalar], _ ao: Int, _ v: [Scalar], _ vo: Int, _ m: Int)
        -> (cos: Scalar, na: Scalar, nv: Scalar) {
        var dot: Scalar = 0, aa: Scalar = 0, vv: Scalar = 0
        for j in 0..<m {
            dot += a[ao + j] * v[vo + j]
            aa += a[ao + j] * a[ao + j]
            vv += v[vo + j] * v[vo + j]
        }
        let na = Swift.max(aa.squareRoot(), 1e-12), nv = Swift.max(vv.squareRoot(), 1e-12)
        return (dot / (na * nv), na, nv)
    }

    /// The mean loss `(1/n) Σᵢ ωᵢ·softplus(−Δᵢ)` (ωᵢ = 1 without batch weights) and its gradients.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func lossAndGradients(on batch: PairBatch<Scalar>) -> (loss: Double, gradients: [Tensor<Scalar>]) {
        let ids = PALMath.userIDs(batch, userCount: logits.rowCount)
        let B = batch.count, K = prototypeCount
        precondition(B > 0, "PAL-B loss on an empty batch")
        let (F, cache) = projector.forward(batch.responses)
        let m = F.columnCount
        let weights = logits.gatherRows(ids).softmax()
        let (V, maps) = userVectors(weights, prompts: batch.prompts)
        let s = scale
        let inverseB = 1 / Scalar(B)
        var upstream = Tensor<Scalar>.zeros(shape: [2 * B, m])
        var dV = Tensor<Scalar>.zeros(shape: [B, m])
        var dScale: Scalar = 0
        var total: Scalar = 0
        let f = F.scalars, v = V.scalars
        for b in 0..<B {
            let c = b * m, r = (B + b) * m, vb = b * m
            let (cc, nc, nvc) = Self.cosine(f, c, v, vb, m)
            let (cr, nr, _) = Self.cosine(f, r, v, vb, m)
            let nv = nvc
            let delta = s * (cc - cr)
            let omega = batch.weights?[b] ?? 1
            total += omega * Scalar.softplus(-delta)
            let h = -Scalar.sigmoid(-delta) * inverseB * omega
            dScale += h * (cc - cr)
            let hs = h * s
            for j in 0..<m {
                upstream.scalars[c + j] = hs * (v[vb + j] / (nc * nv) - cc * f[c + j] / (nc * nc))
                upstream.scalars[r + j] = -hs * (v[vb + j] / (nr * nv) - cr * f[r + j] / (nr * nr))
                let dvc = f[c + j] / (nc * nv) - cc * v[vb + j] / (nv * nv)
                let dvr = f[r + j] / (nr * nv) - cr * v[vb + j] / (nv * nv)
                dV.scalars[vb + j] = hs * (dvc - dvr)
            }
        }
        let projectorGradients = projector.parameterGradients(upstream, cache: cache)
        var dW: Tensor<Scalar>
        var prototypeGradients: [Tensor<Scalar>]
        if usesPrompts {
            dW = Tensor.zeros(shape: [B, K])
            prototypeGradients = []
            for k in 0..<K {
                let (Gk, cacheK) = maps[k]
                var dGk = Tensor<Scalar>.zeros(shape: [B, m])
                for b in 0..<B {
                    let w = weights.scalars[b * K + k]
                    var inner: Scalar = 0
                    for j in 0..<m {
                        dGk.scalars[b * m + j] = w * dV.scalars[b * m + j]
                        inner += Gk.scalars[b * m + j] * dV.scalars[b * m + j]
                    }
                    dW.scalars[b * K + k] = inner
                }
                prototypeGradients += promptMaps[k].parameterGradients(dGk, cache: cacheK)
            }
        } else {
            prototypeGradients = [weights.matmul(dV, transposeSelf: true)]
            dW = dV.matmul(prototypeVectors, transposeOther: true)
        }
        var dLogits = Tensor<Scalar>.zeros(shape: logits.shape)
        PALMath.accumulateSoftmaxBackward(weights: weights, weightGradient: dW, ids: ids, into: &dLogits)
        let dLogScale: Scalar = Scalar.exp(logScale) < Self.maximumScale ? dScale * s : 0
        return (Double(total * inverseB), projectorGradients + prototypeGradients + [dLogits, Tensor([dLogScale])])
    }
}
