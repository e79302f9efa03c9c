import Layers
import NumericCore

// The embedding head's forward and backward passes, specialized for Float and Double.
//
// `MLP.forward`/`backward` (Layers) are generic methods in another module; called from here they run
// unspecialized, so every elementwise step (bias, activation, normalization) goes through witness
// tables — on W4 that made the two passes ~3 ms per 512-pair step against ~0.4 ms of matrix products.
// These loops compute exactly the same maps (checked against `MLP`/`L2Normalization` in the tests),
// with the products through `gemm`.

/// What the head's forward pass keeps for the backward pass.
struct GPMHeadCache<Scalar: BLASScalar>: Sendable {
    /// `h_{l−1}`, the input of layer `l` (`h₀ = x`).
    var layerInputs: [Tensor<Scalar>]
    /// The pre-activations `z_l` of the hidden layers (GELU's derivative needs them; empty otherwise).
    var preactivations: [Tensor<Scalar>?]
    /// The raw embeddings `u` and, when normalizing, `v = u/‖u‖` and the row norms `max(‖u‖, ε)`.
    var raw: Tensor<Scalar>
    var norms: [Scalar]?
}

extension FeatureGPM {
    /// `u` (and `v` when normalizing) for `[m, d]` inputs: `z_l = h_{l−1}·W_l + b_l`, `h_l = f(z_l)`,
    /// `u = z_L`, `v = u/max(‖u‖, 1e-12)` (PyTorch's `F.normalize`).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func headForward(_ input: Tensor<Scalar>, keepsCache: Bool) -> (v: Tensor<Scalar>, cache: GPMHeadCache<Scalar>?) {
        let layers = embedding.layers
        let activation = embedding.activation
        var inputs = [Tensor<Scalar>]()
        var preactivations = [Tensor<Scalar>?]()
        var h = input
        for l in layers.indices {
            if keepsCache { inputs.append(h) }
            var z = Self.uninitialized([h.rowCount, layers[l].outputSize])
            z.formMatmul(h, layers[l].weight)
            let hidden = l < layers.count - 1
            let pre = Self.addBiasAndActivate(&z, bias: layers[l].bias, activation: hidden ? activation : nil,
                                              keepsPreactivation: keepsCache)
            if keepsCache && hidden { preactivations.append(pre) }
            h = z
        }
        guard configuration.normalizesEmbeddings else {
            return (h, keepsCache ? GPMHeadCache(layerInputs: inputs, preactivations: preactivations, raw: h, norms: nil) : nil)
        }
        var v = h
        let (m, n) = (v.rowCount, v.columnCount)
        var norms = [Scalar](repeating: 1, count: m)
        v.scalars.withUnsafeMutableBufferPointer { p in
            for i in 0..<m {
                let row = p.baseAddress! + i * n
                var squares: Scalar = 0
                for j in 0..<n { squares += row[j] * row[j] }
                let norm = Swift.max(squares.squareRoot(), Scalar(1e-12))
                norms[i] = norm
                let inverse = 1 / norm
                for j in 0..<n { row[j] *= inverse }
            }
        }
        return (v, keepsCache ? GPMHeadCache(layerInputs: inputs, preactivations: preactivations, raw: h, norms: norms) : nil)
    }

    /// The head's parameter gradients `[W₁, b₁, …, W_L, (b_L)]` from `∂L/∂v`: through the normalization
    /// Jacobian `(I − v vᵀ)/‖u‖` (rows with `‖u‖ ≤ ε` use `1/ε`), then `∂L/∂W_l = h_{l−1}ᵀ·g`,
    /// `∂L/∂b_l = gᵀ·1`, `g ← (g·W_lᵀ) ⊙ f′(z_{l−1})`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func headBackward(_ embeddingGradient: Tensor<Scalar>, v: Tensor<Scalar>, cache: GPMHeadCache<Scalar>) -> [Tensor<Scalar>] {
        var g = embeddingGradient
        if let norms = cache.norms {
            let (m, n) = (g.rowCount, g.columnCount)
            g.scalars.withUnsafeMutableBufferPointer { gp in
                v.scalars.withUnsafeBufferPointer { vp in
                    for i in 0..<m {
                        let gi = gp.baseAddress! + i * n, vi = vp.baseAddress! + i * n
                        let inverse = 1 / norms[i]
                        if norms[i] > Scalar(1e-12) {
                            var projection: Scalar = 0
                            for j in 0..<n { projection += vi[j] * gi[j] }
                            for j in 0..<n { gi[j] = (gi[j] - projection * vi[j]) * inverse }
                        } else {
                            for j in 0..<n { gi[j] *= inverse }
                        }
                    }
                }
            }
        }
        let layers = embedding.layers
        let activation = embedding.activation
        var perLayer = [[Tensor<Scalar>]](repeating: [], count: layers.count)
        for l in layers.indices.reversed() {
            let input = cache.layerInputs[l]
            var dw = Self.uninitialized([layers[l].inputSize, layers[l].outputSize])
            dw.formMatmul(input, g, transposeA: true)
            perLayer[l] = layers[l].bias == nil ? [dw] : [dw, columnSums(g)]
            if l > 0 {
                var dh = Self.uninitialized([g.rowCount, layers[l].inputSize])
                dh.formMatmul(g, layers[l].weight, transposeB: true)
                Self.multiplyByActivationDerivative(&dh, activation: activation, output: input, preactivation: cache.preactivations[l - 1])
                g = dh
            }
        }
        return perLayer.flatMap { $0 }
    }

    /// `z ← z + 1·bᵀ`, then `f` in place when `activation` is given; returns `z` before `f` for GELU.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func addBiasAndActivate(_ z: inout Tensor<Scalar>, bias: Tensor<Scalar>?, activation: Activation?,
                                   keepsPreactivation: Bool) -> Tensor<Scalar>? {
        let (rows, cols) = (z.rowCount, z.columnCount)
        if let bias, activation == .relu {
            // Bias and ReLU fused, as x·1[x > 0]: a product of the mask vectorizes, while `x > 0 ? x : 0`
            // compiles to a branch and two stores per entry (4× slower on W4). Equal to max(x, 0) for
            // finite x (a negative x gives −0).
            z.scalars.withUnsafeMutableBufferPointer { p in
                bias.scalars.withUnsafeBufferPointer { b in
                    for i in 0..<rows {
                        let row = p.baseAddress! + i * cols
                        for j in 0..<cols {
                            let x = row[j] + b[j]
                            row[j] = x * (x > 0 ? 1 : 0)
                        }
                    }
                }
            }
            return nil
        }
        if let bias {
            z.scalars.withUnsafeMutableBufferPointer { p in
                bias.scalars.withUnsafeBufferPointer { b in
                    for i in 0..<rows {
                        let row = p.baseAddress! + i * cols
                        for j in 0..<cols { row[j] += b[j] }
                    }
                }
            }
        }
        guard let activation else { return nil }
        let count = rows * cols
        switch activation {
        case .relu:
            z.scalars.withUnsafeMutableBufferPointer { p in for i in 0..<count { p[i] = p[i] * (p[i] > 0 ? 1 : 0) } }
            return nil
        case .tanh:
            z.scalars.withUnsafeMutableBufferPointer { p in for i in 0..<count { p[i] = Scalar.tanh(p[i]) } }
            return nil
        case .gelu:
            let pre = keepsPreactivation ? z : nil
            z.scalars.withUnsafeMutableBufferPointer { p in for i in 0..<count { p[i] = p[i] * Scalar.normalCDF(p[i]) } }
            return pre
        }
    }

    /// `g ← g ⊙ f′(z)` with `output = f(z)` (ReLU: `1[h > 0]`, tanh: `1 − h²`) or `preactivation = z` (GELU: `Φ(z) + zφ(z)`).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func multiplyByActivationDerivative(_ g: inout Tensor<Scalar>, activation: Activation, output: Tensor<Scalar>,
                                               preactivation: Tensor<Scalar>?) {
        let count = g.count
        g.scalars.withUnsafeMutableBufferPointer { gp in
            output.scalars.withUnsafeBufferPointer { h in
                switch activation {
                case .relu:
                    // g·1[h > 0] as a product (vectorizes); equals the select for finite g.
                    for i in 0..<count { gp[i] = gp[i] * (h[i] > 0 ? 1 : 0) }
                case .tanh: for i in 0..<count { gp[i] *= 1 - h[i] * h[i] }
                case .gelu:
                    preactivation!.scalars.withUnsafeBufferPointer { z in
                        for i in 0..<count { gp[i] *= Scalar.normalCDF(z[i]) + z[i] * Scalar.normalPDF(z[i]) }
                    }
                }
            }
        }
    }

    /// A tensor whose scalars are all overwritten next (a `gemm` with `beta = 0`): skips the zero fill.
    static func uninitialized(_ shape: [Int]) -> Tensor<Scalar> {
        let count = shape.reduce(1, *)
        return Tensor(shape: shape, scalars: [Scalar](unsafeUninitializedCapacity: count) { _, initialized in initialized = count })
    }
}
