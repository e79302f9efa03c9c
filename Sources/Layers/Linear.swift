import NumericCore

/// An affine map applied to each row: `y = x·W + b`.
///
/// The weight `W` has shape `[inputSize, outputSize]` (the transpose of PyTorch's `nn.Linear.weight`),
/// so a batch `x` of shape `[batch, inputSize]` maps to `[batch, outputSize]` with one `gemm`. The
/// optional bias `b` has shape `[outputSize]` and is added to every row.
///
/// Backward, for `G = ∂L/∂y` of shape `[batch, outputSize]`:
/// - `∂L/∂W = xᵀ·G` (one `gemm` with the first operand transposed),
/// - `∂L/∂b = Gᵀ·1` (the column sums of `G`, one `gemv`),
/// - `∂L/∂x = G·Wᵀ` (one `gemm` with the second operand transposed).
///
/// ``parameters`` is `[W]` without bias and `[W, b]` with bias.
public struct Linear<Scalar: BLASScalar>: Layer {
    /// The input is kept for the weight gradient.
    public typealias Cache = Tensor<Scalar>

    /// The number of input features.
    public let inputSize: Int
    /// The number of output features.
    public let outputSize: Int

    /// `W`, shape `[inputSize, outputSize]`.
    public var weight: Tensor<Scalar> {
        didSet {
            precondition(weight.shape == [inputSize, outputSize],
                         "Linear weight must have shape [\(inputSize), \(outputSize)], got \(weight.shape)")
        }
    }

    /// `b`, shape `[outputSize]`, or `nil` for a layer without bias.
    public var bias: Tensor<Scalar>? {
        didSet {
            if let bias {
                precondition(bias.shape == [outputSize],
                             "Linear bias must have shape [\(outputSize)], got \(bias.shape)")
            }
        }
    }

    /// Creates a layer from its weight `[inputSize, outputSize]` and optional bias `[outputSize]`.
    public init(weight: Tensor<Scalar>, bias: Tensor<Scalar>? = nil) {
        precondition(weight.rank == 2, "Linear weight must be a matrix, got shape \(weight.shape)")
        if let bias {
            precondition(bias.shape == [weight.shape[1]],
                         "Linear bias shape \(bias.shape) does not match weight shape \(weight.shape)")
        }
        self.inputSize = weight.shape[0]
        self.outputSize = weight.shape[1]
        self.weight = weight
        self.bias = bias
    }

    /// Creates a layer with a weight drawn by `initializer` (fan-in `inputSize`, fan-out `outputSize`)
    /// and, when `hasBias`, a zero bias.
    public init<G: RandomNumberGenerator>(
        inputSize: Int, outputSize: Int, hasBias: Bool = true,
        initializer: Initializer = .xavierUniform, using generator: inout G
    ) {
        precondition(inputSize > 0 && outputSize > 0,
                     "Linear sizes must be positive, got \(inputSize)→\(outputSize)")
        self.init(weight: initializer.weight(inputSize: inputSize, outputSize: outputSize, using: &generator),
                  bias: hasBias ? Tensor.zeros(shape: [outputSize]) : nil)
    }

    /// `[weight]` or `[weight, bias]`.
    public var parameters: [Tensor<Scalar>] {
        get { bias.map { [weight, $0] } ?? [weight] }
        set {
            let expected = bias == nil ? 1 : 2
            precondition(newValue.count == expected,
                         "Linear has \(expected) parameter tensors, got \(newValue.count)")
            weight = newValue[0]
            if expected == 2 { bias = newValue[1] }
        }
    }

    /// `y = x·W + b` without a cache.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        checkBatch(input, features: inputSize, "Linear")
        let batch = input.shape[0]
        var out: [Scalar]
        if let bias {
            out = [Scalar](unsafeUninitializedCapacity: batch * outputSize) { buffer, initialized in
                bias.scalars.withUnsafeBufferPointer { b in
                    for i in 0..<batch {
                        (buffer.baseAddress! + i * outputSize).initialize(from: b.baseAddress!, count: outputSize)
                    }
                }
                initialized = batch * outputSize
            }
        } else {
            out = [Scalar](repeating: 0, count: batch * outputSize)
        }
        gemm(input.scalars, weight.scalars, into: &out, m: batch, n: outputSize, k: inputSize,
             beta: bias == nil ? 0 : 1)
        return Tensor(shape: [batch, outputSize], scalars: out)
    }

    /// `y = x·W + b`, keeping `x`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ input: Tensor<Scalar>) -> (output: Tensor<Scalar>, cache: Tensor<Scalar>) {
        (callAsFunction(input), input)
    }

    /// `∂L/∂x = G·Wᵀ`, `∂L/∂W = xᵀ·G`, `∂L/∂b = Gᵀ·1`.
    public func backward(
        _ outputGradient: Tensor<Scalar>, cache input: Tensor<Scalar>
    ) -> (inputGradient: Tensor<Scalar>, parameterGradients: [Tensor<Scalar>]) {
        let parameterGradients = self.parameterGradients(outputGradient, cache: input)
        return (inputGradient(outputGradient), parameterGradients)
    }

    /// `∂L/∂x = G·Wᵀ` alone.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func inputGradient(_ outputGradient: Tensor<Scalar>) -> Tensor<Scalar> {
        checkBatch(outputGradient, features: outputSize, "Linear.backward")
        let batch = outputGradient.shape[0]
        var dx = [Scalar](repeating: 0, count: batch * inputSize)
        gemm(outputGradient.scalars, weight.scalars, into: &dx, m: batch, n: inputSize, k: outputSize,
             transposeB: true)
        return Tensor(shape: [batch, inputSize], scalars: dx)
    }

    /// `[∂L/∂W]` or `[∂L/∂W, ∂L/∂b]` alone, skipping the input gradient (one `gemm` less).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func parameterGradients(_ outputGradient: Tensor<Scalar>, cache input: Tensor<Scalar>) -> [Tensor<Scalar>] {
        checkBatch(outputGradient, features: outputSize, "Linear.backward")
        let batch = outputGradient.shape[0]
        precondition(input.shape == [batch, inputSize],
                     "Linear.backward: cached input \(input.shape) does not match gradient \(outputGradient.shape)")
        var dw = [Scalar](repeating: 0, count: inputSize * outputSize)
        gemm(input.scalars, outputGradient.scalars, into: &dw, m: inputSize, n: outputSize, k: batch,
             transposeA: true)
        let weightGradient = Tensor(shape: [inputSize, outputSize], scalars: dw)
        guard bias != nil else { return [weightGradient] }
        return [weightGradient, columnSums(outputGradient)]
    }
}
