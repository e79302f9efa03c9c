import Layers
import NumericCore
import RealModule

// Elementwise kernels of the reward heads' forward and backward passes.
//
// Every generic function here carries `@_specialize` for Float and Double: generic code called
// across a module boundary is otherwise run unspecialized (every scalar operation through a witness
// table, ~50× slower), which would dominate a training step whose matrix products take ~2 ms.

/// `z ← z + 1·bᵀ` (bias added to every row), then the activation in place when `activation` is
/// non-nil. Returns the pre-activation copy that GELU's backward needs (nil otherwise).
@_specialize(where S == Float)
@_specialize(where S == Double)
func addBiasAndActivate<S: BLASScalar>(_ z: inout Tensor<S>, bias: Tensor<S>?, activation: Activation?) -> Tensor<S>? {
    let rows = z.rowCount, cols = z.columnCount
    if let bias {
        precondition(bias.count == cols, "addBiasAndActivate: bias \(bias.shape) for \(z.shape)")
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
            for i in 0..<count where !(p[i] > 0) { p[i] = 0 }
        }
        return nil
    case .tanh:
        z.scalars.withUnsafeMutableBufferPointer { p in
            for i in 0..<count { p[i] = S.tanh(p[i]) }
        }
        return nil
    case .gelu:
        let preactivation = z
        z.scalars.withUnsafeMutableBufferPointer { p in
            for i in 0..<count { p[i] = p[i] * S.normalCDF(p[i]) }
        }
        return preactivation
    }
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
            output.scalars.withUnsafeBufferPointer { h in
                for i in 0..<count where !(h[i] > 0) { g[i] = 0 }
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
