import NumericCore

/// Row-wise L2 normalization `yᵢ = xᵢ / max(‖xᵢ‖, ε)`, PyTorch's `F.normalize(x, dim=-1, eps=ε)`.
///
/// Backward, row by row, with `nᵢ = ‖xᵢ‖` and `gᵢ = ∂L/∂yᵢ`:
/// - if `nᵢ > ε`: `∂L/∂xᵢ = (gᵢ − yᵢ·(yᵢ·gᵢ)) / nᵢ` (the projection of `gᵢ` orthogonal to `yᵢ`, over `nᵢ`);
/// - otherwise the map is `yᵢ = xᵢ/ε`, and `∂L/∂xᵢ = gᵢ / ε`.
public struct L2Normalization<Scalar: BLASScalar>: Layer {
    /// The normalized rows and each row's divisor `max(‖xᵢ‖, ε)`.
    public struct Cache: Sendable {
        /// The output `y`.
        public let output: Tensor<Scalar>
        /// `max(‖xᵢ‖, ε)` per row.
        public let divisors: [Scalar]
        /// Whether row `i` was clamped (`‖xᵢ‖ ≤ ε`).
        public let clamped: [Bool]
    }

    /// The guard `ε` against division by a zero norm.
    public let epsilon: Scalar

    /// Creates the layer; `epsilon` defaults to PyTorch's `1e-12`.
    public init(epsilon: Scalar = 1e-12) {
        precondition(epsilon > 0, "L2Normalization epsilon must be positive, got \(epsilon)")
        self.epsilon = epsilon
    }

    /// No parameters.
    public var parameters: [Tensor<Scalar>] {
        get { [] }
        set { precondition(newValue.isEmpty, "L2Normalization has no parameters, got \(newValue.count) tensors") }
    }

    /// The layer's output for `input` (no cache).
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { forward(input).output }

    /// The output and the cache that `backward(_:cache:)` needs.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ input: Tensor<Scalar>) -> (output: Tensor<Scalar>, cache: Cache) {
        checkBatch(input, features: nil, "L2Normalization")
        let (m, n) = (input.shape[0], input.shape[1])
        var out = input.scalars
        var divisors = [Scalar](repeating: 1, count: m)
        var clamped = [Bool](repeating: false, count: m)
        if n > 0 {
            out.withUnsafeMutableBufferPointer { y in
                for i in 0..<m {
                    let row = y.baseAddress! + i * n
                    let norm = Scalar.nrm2(count: n, x: row, incx: 1)
                    let divisor = norm > epsilon ? norm : epsilon
                    clamped[i] = !(norm > epsilon)
                    divisors[i] = divisor
                    Scalar.scal(count: n, alpha: 1 / divisor, x: row, incx: 1)
                }
            }
        }
        let output = Tensor(shape: [m, n], scalars: out)
        return (output, Cache(output: output, divisors: divisors, clamped: clamped))
    }

    /// The gradient with respect to the input and the parameter gradients (in `parameters` order), from the output gradient and the forward cache.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(_ outputGradient: Tensor<Scalar>, cache: Cache)
        -> (inputGradient: Tensor<Scalar>, parameterGradients: [Tensor<Scalar>]) {
        precondition(outputGradient.shape == cache.output.shape,
                     "L2Normalization backward: gradient shape \(outputGradient.shape) does not match output \(cache.output.shape)")
        let (m, n) = (outputGradient.shape[0], outputGradient.shape[1])
        var dx = outputGradient.scalars
        if n > 0 {
            dx.withUnsafeMutableBufferPointer { g in
                cache.output.scalars.withUnsafeBufferPointer { y in
                    for i in 0..<m {
                        let gRow = g.baseAddress! + i * n
                        if !cache.clamped[i] {
                            let yRow = y.baseAddress! + i * n
                            let projection = Scalar.dot(count: n, yRow, 1, UnsafePointer(gRow), 1)
                            Scalar.axpy(count: n, alpha: -projection, x: yRow, incx: 1, y: gRow, incy: 1)
                        }
                        Scalar.scal(count: n, alpha: 1 / cache.divisors[i], x: gRow, incx: 1)
                    }
                }
            }
        }
        return (Tensor(shape: [m, n], scalars: dx), [])
    }
}
