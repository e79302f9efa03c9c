import NumericCore
import Optimizers

/// The skew-symmetric block operator of the general preference model (Zhang et al. 2024,
/// "General Preference Modeling with Preference Representations for Aligning Language Models").
///
/// Embeddings `v ∈ R^{2k}` are split into `k` planes `(v[2l], v[2l+1])`. With eigenvalues
/// `λ_l ≥ 0`, the operator is `R = blockdiag(λ_l·[[0, 1], [−1, 0]])` and the score of `a` over `b` is
///
///     s(a ≻ b) = v_aᵀ·R·v_b = Σ_l λ_l (v_a[2l]·v_b[2l+1] − v_a[2l+1]·v_b[2l]),
///
/// a sum of signed areas (2-D cross products), one per plane. `Rᵀ = −R`, so `s(a, b) = −s(b, a)`
/// and `s(a, a) = 0`. This is the official code's convention: its `v_cᵀ·R'ᵀ·v_r` with
/// `R'[2l, 2l+1] = −λ_l` gives the same number.
///
/// Gradients of one score, written next to the forward map (`c_l` is the cross product of plane `l`):
///
///     ∂s/∂v_a[2l]   =  λ_l v_b[2l+1]        ∂s/∂v_b[2l]   = −λ_l v_a[2l+1]
///     ∂s/∂v_a[2l+1] = −λ_l v_b[2l]          ∂s/∂v_b[2l+1] =  λ_l v_a[2l]
///     ∂s/∂λ_l = c_l = v_a[2l] v_b[2l+1] − v_a[2l+1] v_b[2l]
///
/// Batched functions take embeddings as `[B, 2k]` matrices and eigenvalues either shared
/// (shape `[k]`) or one row per pair (shape `[B, k]`, the prompt-gated case).
public enum SkewSymmetricOperator {
    /// The dense `2k×2k` operator `R = blockdiag(λ_l·[[0, 1], [−1, 0]])` for eigenvalues `λ` of shape `[k]`.
    public static func matrix<Scalar: BLASScalar>(eigenvalues: Tensor<Scalar>) -> Tensor<Scalar> {
        precondition(eigenvalues.rank == 1, "SkewSymmetricOperator.matrix: eigenvalues must be a vector, got shape \(eigenvalues.shape)")
        let k = eigenvalues.count
        var r = Tensor<Scalar>.zeros(shape: [2 * k, 2 * k])
        for l in 0..<k {
            r[2 * l, 2 * l + 1] = eigenvalues.scalars[l]
            r[2 * l + 1, 2 * l] = -eigenvalues.scalars[l]
        }
        return r
    }

    /// The score of one pair, `s(a, b) = Σ_l λ_l (a[2l]·b[2l+1] − a[2l+1]·b[2l])`, from raw pointers
    /// to the two embeddings (`2k` scalars each) and the `k` eigenvalues: the kernel every batched
    /// score, loss and objective of the GPM code runs per pair.
    @inline(__always)
    static func pairScore<Scalar: BLASScalar>(
        _ a: UnsafePointer<Scalar>, _ b: UnsafePointer<Scalar>, eigenvalues lambda: UnsafePointer<Scalar>, planes k: Int
    ) -> Scalar {
        var s: Scalar = 0
        for l in 0..<k { s += lambda[l] * (a[2 * l] * b[2 * l + 1] - a[2 * l + 1] * b[2 * l]) }
        return s
    }

    /// `s_i = Σ_l λ_il (a_i[2l] b_i[2l+1] − a_i[2l+1] b_i[2l])` for each row `i` of `a` and `b` (`[B, 2k]`).
    public static func scores<Scalar: BLASScalar>(
        _ a: Tensor<Scalar>, _ b: Tensor<Scalar>, eigenvalues: Tensor<Scalar>
    ) -> [Scalar] {
        let (batch, k, lambdaStride) = checkShapes(a, b, eigenvalues, "scores")
        var out = [Scalar](repeating: 0, count: batch)
        a.scalars.withUnsafeBufferPointer { ap in
            b.scalars.withUnsafeBufferPointer { bp in
                eigenvalues.scalars.withUnsafeBufferPointer { lp in
                    for i in 0..<batch {
                        let ai = ap.baseAddress! + i * 2 * k
                        let bi = bp.baseAddress! + i * 2 * k
                        let li = lp.baseAddress! + i * lambdaStride
                        out[i] = pairScore(ai, bi, eigenvalues: li, planes: k)
                    }
                }
            }
        }
        return out
    }

    /// The plane cross products `c_il = a_i[2l] b_i[2l+1] − a_i[2l+1] b_i[2l]` as a `[B, k]` matrix
    /// (`∂s_i/∂λ_il`).
    public static func crossProducts<Scalar: BLASScalar>(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>) -> Tensor<Scalar> {
        precondition(a.rank == 2 && a.shape == b.shape && a.shape[1] % 2 == 0,
                     "SkewSymmetricOperator.crossProducts: embeddings \(a.shape) and \(b.shape) must be equal [B, 2k] matrices")
        let batch = a.shape[0], k = a.shape[1] / 2
        var out = [Scalar](repeating: 0, count: batch * k)
        a.scalars.withUnsafeBufferPointer { ap in
            b.scalars.withUnsafeBufferPointer { bp in
                for i in 0..<batch {
                    for l in 0..<k {
                        let base = i * 2 * k + 2 * l
                        out[i * k + l] = ap[base] * bp[base + 1] - ap[base + 1] * bp[base]
                    }
                }
            }
        }
        return Tensor(shape: [batch, k], scalars: out)
    }

    /// The backward map of ``scores(_:_:eigenvalues:)``: given `g_i = ∂L/∂s_i`, returns
    /// `∂L/∂a`, `∂L/∂b` (each `[B, 2k]`) and `∂L/∂λ` with the shape of `eigenvalues`
    /// (summed over rows when the eigenvalues are shared).
    public static func backward<Scalar: BLASScalar>(
        _ scoreGradient: [Scalar], _ a: Tensor<Scalar>, _ b: Tensor<Scalar>, eigenvalues: Tensor<Scalar>
    ) -> (a: Tensor<Scalar>, b: Tensor<Scalar>, eigenvalues: Tensor<Scalar>) {
        let (batch, k, lambdaStride) = checkShapes(a, b, eigenvalues, "backward")
        precondition(scoreGradient.count == batch,
                     "SkewSymmetricOperator.backward: \(scoreGradient.count) score gradients for \(batch) pairs")
        var da = [Scalar](repeating: 0, count: batch * 2 * k)
        var db = [Scalar](repeating: 0, count: batch * 2 * k)
        var dl = [Scalar](repeating: 0, count: eigenvalues.count)
        a.scalars.withUnsafeBufferPointer { ap in
            b.scalars.withUnsafeBufferPointer { bp in
                eigenvalues.scalars.withUnsafeBufferPointer { lp in
                    da.withUnsafeMutableBufferPointer { dap in
                        db.withUnsafeMutableBufferPointer { dbp in
                            dl.withUnsafeMutableBufferPointer { dlp in
                                for i in 0..<batch {
                                    let g = scoreGradient[i]
                                    let row = i * 2 * k
                                    let li = i * lambdaStride
                                    for l in 0..<k {
                                        let (a0, a1) = (ap[row + 2 * l], ap[row + 2 * l + 1])
                                        let (b0, b1) = (bp[row + 2 * l], bp[row + 2 * l + 1])
                                        let gl = g * lp[li + l]
                                        dap[row + 2 * l] = gl * b1
                                        dap[row + 2 * l + 1] = -gl * b0
                                        dbp[row + 2 * l] = -gl * a1
                                        dbp[row + 2 * l + 1] = gl * a0
                                        dlp[li + l] += g * (a0 * b1 - a1 * b0)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (Tensor(shape: a.shape, scalars: da), Tensor(shape: b.shape, scalars: db),
                Tensor(shape: eigenvalues.shape, scalars: dl))
    }

    /// The full score matrix `S = V·R·Vᵀ` (`S_ij = s(i ≻ j)`) of `n` embeddings `V` (`[n, 2k]`) with
    /// shared eigenvalues `[k]`: `T = V·R` costs `O(n·k)` (R is block diagonal), then one
    /// `gemm` `T·Vᵀ` forms all `n²` scores.
    ///
    /// BLAS kernels round `S_ij` and `S_ji` independently, so the result is then replaced by its
    /// skew part `(S − Sᵀ)/2` (an `O(n²)` pass): `S_ii = 0` and `S_ij = −S_ji` hold exactly, and the
    /// signs that decide tournaments (``CyclicTriples``) are consistent.
    public static func scoreMatrix<Scalar: BLASScalar>(_ v: Tensor<Scalar>, eigenvalues: Tensor<Scalar>) -> Tensor<Scalar> {
        let t = applyOperator(v, eigenvalues: eigenvalues, transposed: false)
        var s = t.matmul(v, transposeOther: true)
        let n = s.rowCount
        s.scalars.withUnsafeMutableBufferPointer { p in
            for i in 0..<n {
                p[i * n + i] = 0
                for j in (i + 1)..<max(n, i + 1) {
                    let x = (p[i * n + j] - p[j * n + i]) / 2
                    p[i * n + j] = x
                    p[j * n + i] = -x
                }
            }
        }
        return s
    }

    /// The rows `v_i·R` (`transposed: false`) or `v_i·Rᵀ = −v_i·R` (`transposed: true`) of `V` (`[n, 2k]`):
    /// `(v·R)[2l] = −λ_l v[2l+1]`, `(v·R)[2l+1] = λ_l v[2l]`. Then `s(a ≻ b) = (v_a·R)·v_b`.
    public static func applyOperator<Scalar: BLASScalar>(
        _ v: Tensor<Scalar>, eigenvalues: Tensor<Scalar>, transposed: Bool = false
    ) -> Tensor<Scalar> {
        precondition(v.rank == 2 && v.shape[1] == 2 * eigenvalues.count && eigenvalues.rank == 1,
                     "SkewSymmetricOperator.applyOperator: embeddings \(v.shape) and eigenvalues \(eigenvalues.shape) need [n, 2k] and [k]")
        let n = v.shape[0], k = eigenvalues.count
        let sign: Scalar = transposed ? -1 : 1
        var out = [Scalar](repeating: 0, count: n * 2 * k)
        v.scalars.withUnsafeBufferPointer { vp in
            for i in 0..<n {
                for l in 0..<k {
                    let lambda = sign * eigenvalues.scalars[l]
                    let base = i * 2 * k + 2 * l
                    out[base] = -lambda * vp[base + 1]
                    out[base + 1] = lambda * vp[base]
                }
            }
        }
        return Tensor(shape: [n, 2 * k], scalars: out)
    }

    private static func checkShapes<Scalar: BLASScalar>(
        _ a: Tensor<Scalar>, _ b: Tensor<Scalar>, _ eigenvalues: Tensor<Scalar>, _ name: String
    ) -> (batch: Int, k: Int, lambdaStride: Int) {
        precondition(a.rank == 2 && a.shape == b.shape && a.shape[1] % 2 == 0,
                     "SkewSymmetricOperator.\(name): embeddings \(a.shape) and \(b.shape) must be equal [B, 2k] matrices")
        let batch = a.shape[0], k = a.shape[1] / 2
        if eigenvalues.rank == 1 {
            precondition(eigenvalues.count == k,
                         "SkewSymmetricOperator.\(name): \(eigenvalues.count) eigenvalues for 2k = \(2 * k)")
            return (batch, k, 0)
        }
        precondition(eigenvalues.shape == [batch, k],
                     "SkewSymmetricOperator.\(name): eigenvalues \(eigenvalues.shape) must be [\(k)] or [\(batch), \(k)]")
        return (batch, k, k)
    }
}
