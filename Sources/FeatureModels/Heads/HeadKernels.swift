import RealModule
import Layers
import NumericCore

// Elementwise kernels of the reward heads' forward and backward passes.
//
// Every generic function here carries `@_specialize` for Float and Double: generic code called
// across a module boundary is otherwise run unspecialized (every scalar operation through a witness
// table, ~50× slower), which would dominate a training step whose matrix products take ~2 ms.

/// `z ← z + 1·bᵀ` (bias added to every row), then the activation in place when `activation` is
/// non-nil, fused into one pass over `z`. Returns the pre-activation copy that GELU's backward needs
/// (nil otherwise).
@_specialize(where S == Float)
@_specialize(where S == Double)
func addBiasAndActivate<S: BLASScalar>(_ z: inout Tensor<S>, bias: Tensor<S>?, activation: Activation?) -> Tensor<S>? {
    let rows = z.rowCount, cols = z.columnCount
    if let bias { precondition(bias.count == cols, "addBiasAndActivate: bias \(bias.shape) for \(z.shape)") }
    let zeros = bias == nil ? [S](repeating: 0, count: cols) : []
    let b = bias?.scalars ?? zeros
    var preactivation: Tensor<S>?
    switch activation {
    case .relu:
        // The typed `let` and the hoisted zero keep the select branch-free, so LLVM vectorizes the
        // loop (`row[j] = v > 0 ? v : 0` with a generic literal compiles to a branch per element).
        let zero: S = .zero
        z.scalars.withUnsafeMutableBufferPointer { p in
            b.withUnsafeBufferPointer { bp in
                for i in 0..<rows {
                    let row = p.baseAddress! + i * cols
                    for j in 0..<cols {
                        let v = row[j] + bp[j]
                        let relu: S = v > zero ? v : zero
                        row[j] = relu
                    }
                }
            }
        }
    case .tanh, .gelu, nil:
        if bias != nil {
            z.scalars.withUnsafeMutableBufferPointer { p in
                b.withUnsafeBufferPointer { bp in
                    for i in 0..<rows {
                        let row = p.baseAddress! + i * cols
                        for j in 0..<cols { row[j] += bp[j] }
                    }
                }
            }
        }
        let count = rows * cols
        if activation == .tanh {
            z.scalars.withUnsafeMutableBufferPointer { p in
                for i in 0..<count { p[i] = S.tanh(p[i]) }
            }
        } else if activation == .gelu {
            preactivation = z
            z.scalars.withUnsafeMutableBufferPointer { p in
                for i in 0..<count { p[i] = p[i] * S.normalCDF(p[i]) }
            }
        }
    }
    return preactivation
}

/// `∂L/∂z = ∂L/∂h ⊙ f′(z)` in place. `output` is `h = f(z)` (ReLU, tanh); `preactivation` is `z` (GELU).
@_specialize(where S == Float)
@_specialize(where S == Double)
func multiplyByActivationDerivative<S: BLASScalar>(
    _ gradient: inout Tensor<S>, activation: Activation, output: Tensor<S>, preactivation: Tensor<S>?
) {
    let count = gradient.count
    precondition(output.count == count, "activation backward: gradient \(gradient.shape), output \(output.shape)")
    gradient.scalars.withUnsafeMutableBufferPointer { g in
        switch activation {
        case .relu:
            let zero: S = .zero
            output.scalars.withUnsafeBufferPointer { h in
                for i in 0..<count {
                    let masked: S = h[i] > zero ? g[i] : zero
                    g[i] = masked
                }
            }
        case .tanh:
            output.scalars.withUnsafeBufferPointer { h in
                for i in 0..<count { g[i] *= 1 - h[i] * h[i] }
            }
        case .gelu:
            guard let preactivation else { preconditionFailure("GELU backward needs the pre-activation") }
            preactivation.scalars.withUnsafeBufferPointer { z in
                for i in 0..<count { g[i] *= S.normalCDF(z[i]) + z[i] * S.normalPDF(z[i]) }
            }
        }
    }
}

/// `δ = (g·wᵀ) ⊙ f′(z)` for a one-unit output layer: the outer product of the reward gradient
/// `g` (`[m]`) with the output weights `w` (`[h]`), times the activation derivative, in one pass
/// (no `k = 1` product).
@_specialize(where S == Float)
@_specialize(where S == Double)
func outputLayerDelta<S: BLASScalar>(
    rewardGradient g: Tensor<S>, outputWeights w: Tensor<S>, activation: Activation, output: Tensor<S>, preactivation: Tensor<S>?
) -> Tensor<S> {
    let rows = g.count, cols = w.count
    precondition(output.shape == [rows, cols], "outputLayerDelta: output \(output.shape) for \(rows)×\(cols)")
    var delta = Tensor<S>.zeros(shape: [rows, cols])
    delta.scalars.withUnsafeMutableBufferPointer { d in
        g.scalars.withUnsafeBufferPointer { gp in
            w.scalars.withUnsafeBufferPointer { wp in
                if activation == .relu {
                    let zero: S = .zero
                    output.scalars.withUnsafeBufferPointer { h in
                        for i in 0..<rows {
                            let gi = gp[i]
                            let base = i * cols
                            for j in 0..<cols {
                                let product = gi * wp[j]
                                let value: S = h[base + j] > zero ? product : zero
                                d[base + j] = value
                            }
                        }
                    }
                } else {
                    for i in 0..<rows {
                        let gi = gp[i]
                        let base = i * cols
                        for j in 0..<cols { d[base + j] = gi * wp[j] }
                    }
                }
            }
        }
    }
    if activation != .relu {
        multiplyByActivationDerivative(&delta, activation: activation, output: output, preactivation: preactivation)
    }
    return delta
}

/// The column sums `Gᵀ·1` of a matrix (the bias gradient), accumulated row by row.
@_specialize(where S == Float)
@_specialize(where S == Double)
func columnSums<S: BLASScalar>(_ matrix: Tensor<S>) -> Tensor<S> {
    let rows = matrix.rowCount, cols = matrix.columnCount
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
