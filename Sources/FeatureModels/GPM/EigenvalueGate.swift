import Layers
import NumericCore

/// Prompt-dependent eigenvalues: a linear gate followed by a softmax scaled by the number of planes,
///
///     g = x·W + b ∈ R^k,   π = softmax(g),   λ(x) = k·π.
///
/// So `λ_l > 0`, `Σ_l λ_l = k` (mean 1), and a uniform gate gives the `λ = 1` model. With the weight
/// and bias starting at zero the gated model starts exactly as the fixed model.
///
/// Backward, for `u = ∂L/∂λ` (one row per pair): `∂λ_l/∂g_j = k·π_l(δ_lj − π_j)`, hence
///
///     ∂L/∂g_j = k·π_j·(u_j − Σ_l π_l u_l),   ∂L/∂W = xᵀ·∂L/∂g,   ∂L/∂b = (∂L/∂g)ᵀ·1.
///
/// Why this convention: the released GPM code trains with `k·softmax(g/√H)` but infers with a plain
/// `softmax(g)` (scale 1 instead of k, and a different temperature), so a trained model is scored with
/// different eigenvalues than it was fit with. RewardKit uses one map in both. The `1/√H` factor is
/// dropped because it only reparameterizes `W` (it is absorbed by the learned weight), and the `k`
/// factor is kept so that the gated model's scores have the same scale as the `λ = 1` model's and the
/// temperature `τ` means the same thing in both.
public struct EigenvalueGate<Scalar: BLASScalar>: Sendable {
    /// The affine gate `x ↦ x·W + b`, `W` of shape `[promptSize, k]`.
    public var linear: Linear<Scalar>

    /// The number of prompt features.
    public var promptSize: Int { linear.inputSize }
    /// The number of planes `k`.
    public var planeCount: Int { linear.outputSize }

    /// A gate with zero weight and bias (uniform `λ = 1` at the start).
    public init(promptSize: Int, planeCount: Int) {
        precondition(promptSize > 0 && planeCount > 0,
                     "EigenvalueGate sizes must be positive, got \(promptSize) prompt features, \(planeCount) planes")
        linear = Linear(weight: .zeros(shape: [promptSize, planeCount]), bias: .zeros(shape: [planeCount]))
    }

    /// A gate with the given affine map.
    public init(linear: Linear<Scalar>) {
        precondition(linear.bias != nil, "EigenvalueGate needs a gate with a bias")
        self.linear = linear
    }

    /// `[W, b]`.
    public var parameters: [Tensor<Scalar>] {
        get { linear.parameters }
        set { linear.parameters = newValue }
    }

    /// `λ = k·softmax(x·W + b)` row by row (`[B, promptSize]` → `[B, k]`); also returns `π` for the backward pass.
    public func forward(_ prompt: Tensor<Scalar>) -> (eigenvalues: Tensor<Scalar>, probabilities: Tensor<Scalar>) {
        precondition(prompt.rank == 2 && prompt.shape[1] == promptSize,
                     "EigenvalueGate: prompt features \(prompt.shape) must be [B, \(promptSize)]")
        var pi = linear(prompt)
        let (batch, k) = (pi.shape[0], pi.shape[1])
        pi.scalars.withUnsafeMutableBufferPointer { q in
            for i in 0..<batch {
                let row = q.baseAddress! + i * k
                var top = row[0]
                for l in 1..<k where row[l] > top { top = row[l] }
                var total: Scalar = 0
                for l in 0..<k {
                    row[l] = Scalar.exp(row[l] - top)
                    total += row[l]
                }
                for l in 0..<k { row[l] /= total }
            }
        }
        return (pi * Scalar(k), pi)
    }

    /// `λ(x)` alone.
    public func callAsFunction(_ prompt: Tensor<Scalar>) -> Tensor<Scalar> { forward(prompt).eigenvalues }

    /// `∂L/∂g` from `∂L/∂λ` (both `[B, k]`) and the softmax probabilities `π`.
    public func gateGradient(_ eigenvalueGradient: Tensor<Scalar>, probabilities pi: Tensor<Scalar>) -> Tensor<Scalar> {
        precondition(eigenvalueGradient.shape == pi.shape,
                     "EigenvalueGate.backward: gradient \(eigenvalueGradient.shape) and probabilities \(pi.shape) differ")
        let (batch, k) = (pi.shape[0], pi.shape[1])
        let scale = Scalar(k)
        var dg = [Scalar](repeating: 0, count: batch * k)
        eigenvalueGradient.scalars.withUnsafeBufferPointer { u in
            pi.scalars.withUnsafeBufferPointer { p in
                for i in 0..<batch {
                    var mean: Scalar = 0
                    for l in 0..<k { mean += p[i * k + l] * u[i * k + l] }
                    for j in 0..<k { dg[i * k + j] = scale * p[i * k + j] * (u[i * k + j] - mean) }
                }
            }
        }
        return Tensor(shape: [batch, k], scalars: dg)
    }

    /// `[∂L/∂W, ∂L/∂b]` from `∂L/∂λ`, the prompt features and `π`.
    public func parameterGradients(
        _ eigenvalueGradient: Tensor<Scalar>, prompt: Tensor<Scalar>, probabilities: Tensor<Scalar>
    ) -> [Tensor<Scalar>] {
        linear.parameterGradients(gateGradient(eigenvalueGradient, probabilities: probabilities), cache: prompt)
    }
}
