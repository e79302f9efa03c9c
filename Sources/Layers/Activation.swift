import NumericCore

/// An elementwise nonlinearity used between the layers of an ``MLP``.
///
/// | case | `f(z)` | `f′(z)` | cached for backward |
/// |---|---|---|---|
/// | `relu` | `max(z, 0)` | `1` if `z > 0`, else `0` | the output |
/// | `gelu` | `z·Φ(z)` (exact, erf-based, PyTorch's default `nn.GELU()`) | `Φ(z) + z·φ(z)` | the input |
/// | `tanh` | `tanh z` | `1 − tanh² z` | the output |
///
/// `Φ` and `φ` are the standard normal distribution and density.
public enum Activation: String, Sendable, Codable, CaseIterable {
    /// `max(z, 0)`.
    case relu
    /// `z·Φ(z)`, the exact GELU.
    case gelu
    /// `tanh z`.
    case tanh

    /// `f` applied elementwise, and the tensor ``backward(_:cache:)`` needs.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward<Scalar: BLASScalar>(_ input: Tensor<Scalar>) -> (output: Tensor<Scalar>, cache: Tensor<Scalar>) {
        let output = apply(input)
        switch self {
        case .relu, .tanh: return (output, output)
        case .gelu: return (output, input)
        }
    }

    /// `f` applied elementwise.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func apply<Scalar: BLASScalar>(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        switch self {
        case .relu: return input.map { $0 > 0 ? $0 : 0 }
        case .gelu: return input.map { $0 * Scalar.normalCDF($0) }
        case .tanh: return input.map { Scalar.tanh($0) }
        }
    }

    /// `∂L/∂z = ∂L/∂y ⊙ f′(z)`, with `cache` as returned by ``forward(_:)``.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward<Scalar: BLASScalar>(_ outputGradient: Tensor<Scalar>, cache: Tensor<Scalar>) -> Tensor<Scalar> {
        precondition(outputGradient.shape == cache.shape,
                     "\(self) backward: gradient shape \(outputGradient.shape) does not match cached \(cache.shape)")
        switch self {
        case .relu:
            return outputGradient.zipMap(cache) { g, y in y > 0 ? g : 0 }
        case .gelu:
            return outputGradient.zipMap(cache) { g, z in g * (Scalar.normalCDF(z) + z * Scalar.normalPDF(z)) }
        case .tanh:
            return outputGradient.zipMap(cache) { g, y in g * (1 - y * y) }
        }
    }
}

/// The rectified linear unit `y = max(x, 0)`, elementwise; `∂L/∂x = ∂L/∂y ⊙ 1[x > 0]`
/// (the subgradient 0 is used at the kink `x = 0`).
public struct ReLU<Scalar: BLASScalar>: Layer {
    /// The output `y` (positive exactly where `x` is).
    public typealias Cache = Tensor<Scalar>
    /// Creates the layer (it has no parameters).
    public init() {}
    /// No parameters.
    public var parameters: [Tensor<Scalar>] {
        get { [] }
        set { precondition(newValue.isEmpty, "ReLU has no parameters, got \(newValue.count) tensors") }
    }
    /// The layer's output for `input` (no cache).
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { Activation.relu.apply(input) }
    /// The output and the cache that `backward(_:cache:)` needs.
    public func forward(_ input: Tensor<Scalar>) -> (output: Tensor<Scalar>, cache: Tensor<Scalar>) {
        Activation.relu.forward(input)
    }
    /// The gradient with respect to the input and the parameter gradients (in `parameters` order), from the output gradient and the forward cache.
    public func backward(_ outputGradient: Tensor<Scalar>, cache: Tensor<Scalar>)
        -> (inputGradient: Tensor<Scalar>, parameterGradients: [Tensor<Scalar>]) {
        (Activation.relu.backward(outputGradient, cache: cache), [])
    }
}

/// The Gaussian error linear unit, exact form: `y = x·Φ(x)` with `Φ(x) = ½·erfc(−x/√2)`
/// (PyTorch's `nn.GELU(approximate="none")`); `∂L/∂x = ∂L/∂y ⊙ (Φ(x) + x·φ(x))`.
public struct GELU<Scalar: BLASScalar>: Layer {
    /// The input `x`.
    public typealias Cache = Tensor<Scalar>
    /// Creates the layer (it has no parameters).
    public init() {}
    /// No parameters.
    public var parameters: [Tensor<Scalar>] {
        get { [] }
        set { precondition(newValue.isEmpty, "GELU has no parameters, got \(newValue.count) tensors") }
    }
    /// The layer's output for `input` (no cache).
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { Activation.gelu.apply(input) }
    /// The output and the cache that `backward(_:cache:)` needs.
    public func forward(_ input: Tensor<Scalar>) -> (output: Tensor<Scalar>, cache: Tensor<Scalar>) {
        Activation.gelu.forward(input)
    }
    /// The gradient with respect to the input and the parameter gradients (in `parameters` order), from the output gradient and the forward cache.
    public func backward(_ outputGradient: Tensor<Scalar>, cache: Tensor<Scalar>)
        -> (inputGradient: Tensor<Scalar>, parameterGradients: [Tensor<Scalar>]) {
        (Activation.gelu.backward(outputGradient, cache: cache), [])
    }
}

/// The hyperbolic tangent `y = tanh x`, elementwise; `∂L/∂x = ∂L/∂y ⊙ (1 − y²)`.
public struct Tanh<Scalar: BLASScalar>: Layer {
    /// The output `y`.
    public typealias Cache = Tensor<Scalar>
    /// Creates the layer (it has no parameters).
    public init() {}
    /// No parameters.
    public var parameters: [Tensor<Scalar>] {
        get { [] }
        set { precondition(newValue.isEmpty, "Tanh has no parameters, got \(newValue.count) tensors") }
    }
    /// The layer's output for `input` (no cache).
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { Activation.tanh.apply(input) }
    /// The output and the cache that `backward(_:cache:)` needs.
    public func forward(_ input: Tensor<Scalar>) -> (output: Tensor<Scalar>, cache: Tensor<Scalar>) {
        Activation.tanh.forward(input)
    }
    /// The gradient with respect to the input and the parameter gradients (in `parameters` order), from the output gradient and the forward cache.
    public func backward(_ outputGradient: Tensor<Scalar>, cache: Tensor<Scalar>)
        -> (inputGradient: Tensor<Scalar>, parameterGradients: [Tensor<Scalar>]) {
        (Activation.tanh.backward(outputGradient, cache: cache), [])
    }
}
