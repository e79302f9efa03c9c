import NumericCore

// The elementwise steps of the one MLP pass (``MLP/forward(_:)``, ``MLP/parameterGradients(_:cache:)``),
// fused and written as plain loops over the scalars.
//
// Every generic function here carries `@_specialize` for Float and Double, and the MLP methods that
// call them do too: generic code run unspecialized goes through witness tables for every scalar
// operation (measured 100–600× slower), which would dominate a training step whose matrix products
// take a few milliseconds.

/// A tensor whose scalars are all overwritten next (a `gemm` with `beta = 0`): skips the zero fill.
@inlinable
func uninitializedTensor<S: BLASScalar>(_ shape: [Int]) -> Tensor<S> {
    let count = shape.reduce(1, *)
    return Tensor(shape: shape, scalars: [S](unsafeUninitializedCapacity: count) { _, initialized in initialized = count })
}

/// `z ← z + 1·bᵀ` (bias added to every row), then `f` in place when `activation` is given, fused into
/// one pass for ReLU. Returns `z` before `f` when GELU's backward will need it (`keepsPreactivation`).
@_specialize(where S == Float)
@_specialize(where S == Double)
func addBiasAndActivate<S: BLASScalar>(_ z: inout Tensor<S>, bias: Tensor<S>?, activation: Activation?,
                                       keepsPreactivation: Bool) -> Tensor<S>? {
    let (rows, cols) = (z.rowCount, z.columnCount)
    if let bias { precondition(bias.count == cols, "addBiasAndActivate: bias \(bias.shape) for \(z.shape)") }
    let zero: S = .zero, one: S = 1
    if let bias, activation == .relu {
        // Bias and ReLU fused, as x·1[x > 0]: a product of the mask vectorizes, while `x > 0 ? x : 0`
        // compiles to a branch and two stores per entry. Equal to max(x, 0) for finite x (a negative
        // x gives −0).
        z.scalars.withUnsafeMutableBufferPointer { p in
            bias.scalars.withUnsafeBufferPointer { b in
                for i in 0..<rows {
                    let row = p.baseAddress! + i * cols
                    for j in 0..<cols {
                        let x = row[j] + b[j]
                        let mask: S = x > zero ? one : zero
                        row[j] = x * mask
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
        z.scalars.withUnsafeMutableBufferPointer { p in
            for i in 0..<count {
                let mask: S = p[i] > zero ? one : zero
                p[i] = p[i] * mask
            }
        }
        return nil
    case .tanh:
        z.scalars.withUnsafeMutableBufferPointer { p in for i in 0..<count { p[i] = S.tanh(p[i]) } }
        return nil
    case .gelu:
        let pre = keepsPreactivation ? z : nil
        z.scalars.withUnsafeMutableBufferPointer { p in for i in 0..<count { p[i] = p[i] * S.normalCDF(p[i]) } }
        return pre
    }
}

/// `g ← g ⊙ f′(z)` in place, with `cache` as ``Activation/forward(_:)`` keeps it: the output `f(z)`
/// for ReLU (`1[h > 0]`) and tanh (`1 − h²`), the input `z` for GELU (`Φ(z) + zφ(z)`).
@_specialize(where S == Float)
@_specialize(where S == Double)
func multiplyByActivationDerivative<S: BLASScalar>(_ g: inout Tensor<S>, activation: Activation, cache: Tensor<S>) {
    let count = g.count
    precondition(cache.count == count, "\(activation) backward: gradient \(g.shape), cache \(cache.shape)")
    let zero: S = .zero, one: S = 1
    g.scalars.withUnsafeMutableBufferPointer { gp in
        cache.scalars.withUnsafeBufferPointer { c in
            switch activation {
            case .relu:
                // g·1[h > 0] as a product (vectorizes); equals the select for finite g.
                for i in 0..<count {
                    let mask: S = c[i] > zero ? one : zero
                    gp[i] = gp[i] * mask
                }
            case .tanh: for i in 0..<count { gp[i] *= 1 - c[i] * c[i] }
            case .gelu: for i in 0..<count { gp[i] *= S.normalCDF(c[i]) + c[i] * S.normalPDF(c[i]) }
            }
        }
    }
}

/// `δ = (g·wᵀ) ⊙ f′` for a one-unit layer: the outer product of its output gradient `g` (`[m]`) with
/// its weights `w` (`[h]`), times the activation derivative below it, without a `k = 1` product.
@_specialize(where S == Float)
@_specialize(where S == Double)
func oneUnitInputDelta<S: BLASScalar>(_ g: Tensor<S>, weights w: Tensor<S>, activation: Activation, cache: Tensor<S>) -> Tensor<S> {
    let (rows, cols) = (g.count, w.count)
    var delta: Tensor<S> = uninitializedTensor([rows, cols])
    delta.scalars.withUnsafeMutableBufferPointer { d in
        g.scalars.withUnsafeBufferPointer { gp in
            w.scalars.withUnsafeBufferPointer { wp in
                for i in 0..<rows {
                    let gi = gp[i]
                    let base = i * cols
                    for j in 0..<cols { d[base + j] = gi * wp[j] }
                }
            }
        }
    }
    multiplyByActivationDerivative(&delta, activation: activation, cache: cache)
    return delta
}

/// The column sums `Gᵀ·1` of a `[m, n]` matrix (a bias gradient), accumulated row by row.
@_specialize(where S == Float)
@_specialize(where S == Double)
func columnSums<S: BLASScalar>(_ matrix: Tensor<S>) -> Tensor<S> {
    let (rows, cols) = (matrix.shape[0], matrix.shape[1])
    var sums = [S](repeating: 0, count: cols)
    matrix.scalars.withUnsafeBufferPointer { p in
        sums.withUnsafeMutableBufferPointer { s in
            for i in 0..<rows {
                let row = p.baseAddress! + i * cols
                for j in 0..<cols { s[j] += row[j] }
            }
        }
    }
    return Tensor(shape: [cols], scalars: sums)
}
