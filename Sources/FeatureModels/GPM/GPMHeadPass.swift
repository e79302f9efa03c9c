import Layers
import NumericCore

// The embedding head's forward and backward passes: the one MLP pass of Layers (`MLP.forward`,
// `MLP.parameterGradients`), then GPM's row normalization `v = u/max(‖u‖, 1e-12)` written as plain
// loops (checked against `L2Normalization` in the tests).

/// What the head's forward pass keeps for the backward pass.
struct GPMHeadCache<Scalar: BLASScalar>: Sendable {
    /// The embedding MLP's cache.
    var network: MLP<Scalar>.Cache
    /// The row norms `max(‖u‖, ε)` when normalizing.
    var norms: [Scalar]?
}

extension FeatureGPM {
    /// `u` (and `v` when normalizing) for `[m, d]` inputs: `u = MLP(x)`, `v = u/max(‖u‖, 1e-12)`
    /// (PyTorch's `F.normalize`).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func headForward(_ input: Tensor<Scalar>, keepsCache: Bool) -> (v: Tensor<Scalar>, cache: GPMHeadCache<Scalar>?) {
        var networkCache: MLP<Scalar>.Cache?
        var v: Tensor<Scalar>
        if keepsCache {
            (v, networkCache) = embedding.forward(input)
        } else {
            v = embedding(input)
        }
        guard configuration.normalizesEmbeddings else {
            return (v, networkCache.map { GPMHeadCache(network: $0, norms: nil) })
        }
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
        return (v, networkCache.map { GPMHeadCache(network: $0, norms: norms) })
    }

    /// The head's parameter gradients `[W₁, b₁, …, W_L, (b_L)]` from `∂L/∂v`: through the normalization
    /// Jacobian `(I − v vᵀ)/‖u‖` (rows with `‖u‖ ≤ ε` use `1/ε`), then the MLP's backward pass.
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
        return embedding.parameterGradients(g, cache: cache.network)
    }
}
