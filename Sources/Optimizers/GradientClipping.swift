import NumericCore

/// Gradient clipping by global norm, as PyTorch's `clip_grad_norm_`.
public enum GradientClipping {
    /// The global norm `‖g‖ = √(Σₖ ‖gₖ‖²)` of a list of gradients.
    public static func globalNorm<Scalar: BLASScalar>(_ gradients: [Tensor<Scalar>]) -> Scalar {
        var total: Scalar = 0
        for g in gradients {
            let n = g.norm()
            total += n * n
        }
        return total.squareRoot()
    }

    /// Rescales `gradients` so their global norm is at most `maximumNorm`, and returns the norm
    /// before clipping.
    ///
    /// With `c = maximumNorm / (‖g‖ + 1e-6)`, every gradient is multiplied by `c` when `c < 1`
    /// (PyTorch's formula). When the norm is not finite the gradients are left unchanged and the
    /// non-finite norm is returned, so the caller can skip the step.
    @discardableResult
    public static func clip<Scalar: BLASScalar>(_ gradients: inout [Tensor<Scalar>], maximumNorm: Scalar) -> Scalar {
        precondition(maximumNorm > 0, "clip maximumNorm must be positive, got \(maximumNorm)")
        let norm = globalNorm(gradients)
        guard norm.isFinite else { return norm }
        let coefficient = maximumNorm / (norm + Scalar(1e-6))
        if coefficient < 1 {
            for k in gradients.indices {
                gradients[k].withMutableScalars { storage in
                    storage.withUnsafeMutableBufferPointer { g in
                        if g.count > 0 { Scalar.scal(count: g.count, alpha: coefficient, x: g.baseAddress!, incx: 1) }
                    }
                }
            }
        }
        return norm
    }
}
