import NumericCore

/// A differentiable map from a batch of row vectors to a batch of row vectors, with an explicit
/// forward pass that returns a cache and a backward pass that consumes it.
///
/// Inputs and outputs are matrices of shape `[batch, features]`; each row is one example. For a
/// layer `y = f(x; θ)` and a scalar loss `L`, ``backward(_:cache:)`` maps the output gradient
/// `∂L/∂y` to the input gradient `∂L/∂x = (∂y/∂x)ᵀ·∂L/∂y` and to the parameter gradients
/// `∂L/∂θₖ`, listed in the same order as ``parameters``. The math of every layer is in
/// `Docs/Layers.md`.
///
/// ```swift
/// var rng = SeededGenerator(seed: 1)
/// let layer = Linear<Double>(inputSize: 4, outputSize: 2, using: &rng)
/// let x = Tensor<Double>.randomNormal(shape: [8, 4], using: &rng)
/// let (y, cache) = layer.forward(x)
/// let (dx, grads) = layer.backward(Tensor.ones(shape: y.shape), cache: cache)   // L = Σ y
/// ```
public protocol Layer<Scalar>: Sendable {
    /// The scalar type of inputs, outputs and parameters.
    associatedtype Scalar: BLASScalar
    /// What the forward pass keeps for the backward pass.
    associatedtype Cache: Sendable

    /// The trainable tensors in a fixed order (empty for parameter-free layers). Setting requires the
    /// same number of tensors with the same shapes.
    var parameters: [Tensor<Scalar>] { get set }

    /// Maps a `[batch, inputSize]` matrix to a `[batch, outputSize]` matrix and keeps what
    /// ``backward(_:cache:)`` needs.
    func forward(_ input: Tensor<Scalar>) -> (output: Tensor<Scalar>, cache: Cache)

    /// Maps `∂L/∂output` to `∂L/∂input` and `[∂L/∂θₖ]` (same order and shapes as ``parameters``).
    func backward(
        _ outputGradient: Tensor<Scalar>, cache: Cache
    ) -> (inputGradient: Tensor<Scalar>, parameterGradients: [Tensor<Scalar>])

    /// The forward pass without a cache (inference).
    func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar>
}

extension Layer {
    /// The forward output, discarding the cache.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        forward(input).output
    }

    /// The total number of trainable scalars.
    public var parameterCount: Int {
        parameters.reduce(0) { $0 + $1.count }
    }
}

@inline(__always)
func checkBatch<Scalar>(_ input: Tensor<Scalar>, features: Int?, _ layer: StaticString) {
    precondition(input.rank == 2, "\(layer): input must be a [batch, features] matrix, got shape \(input.shape)")
    if let features {
        precondition(input.shape[1] == features,
                     "\(layer): input shape \(input.shape) does not have \(features) features")
    }
}
