// Matrix products and level-1 operations dispatched to BLAS.

extension Tensor {
    /// `op(self)·op(other)` through `gemm`, where `op` transposes when the flag is set.
    ///
    /// Both operands must be matrices; a vector operand should use ``matvec(_:transposed:)``.
    public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false) -> Tensor {
        precondition(rank == 2 && other.rank == 2, "matmul needs matrices, got shapes \(shape) and \(other.shape)")
        let m = transposeSelf ? shape[1] : shape[0]
        let k = transposeSelf ? shape[0] : shape[1]
        let k2 = transposeOther ? other.shape[1] : other.shape[0]
        let n = transposeOther ? other.shape[0] : other.shape[1]
        precondition(k == k2, "matmul: inner dimensions differ for shapes \(shape)\(transposeSelf ? "ᵀ" : "") and \(other.shape)\(transposeOther ? "ᵀ" : "")")
        var out = Tensor.zeros(shape: [m, n])
        out.formMatmul(self, other, transposeA: transposeSelf, transposeB: transposeOther, alpha: 1, beta: 0)
        return out
    }

    /// `self ← alpha·op(a)·op(b) + beta·self` in place (no allocation when `self` already has the shape).
    public mutating func formMatmul(
        _ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false,
        alpha: Scalar = 1, beta: Scalar = 0
    ) {
        precondition(a.rank == 2 && b.rank == 2 && rank == 2,
                     "formMatmul needs matrices, got \(a.shape), \(b.shape) into \(shape)")
        let m = transposeA ? a.shape[1] : a.shape[0]
        let k = transposeA ? a.shape[0] : a.shape[1]
        let k2 = transposeB ? b.shape[1] : b.shape[0]
        let n = transposeB ? b.shape[0] : b.shape[1]
        precondition(k == k2 && shape == [m, n],
                     "formMatmul: \(a.shape)\(transposeA ? "ᵀ" : "")·\(b.shape)\(transposeB ? "ᵀ" : "") into \(shape)")
        if m == 0 || n == 0 { return }
        if k == 0 {
            self *= beta
            return
        }
        let lda = a.shape[1], ldb = b.shape[1]
        scalars.withUnsafeMutableBufferPointer { c in
            a.scalars.withUnsafeBufferPointer { ap in
                b.scalars.withUnsafeBufferPointer { bp in
                    Scalar.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                                alpha: alpha, a: ap.baseAddress!, lda: lda, b: bp.baseAddress!, ldb: ldb,
                                beta: beta, c: c.baseAddress!, ldc: n)
                }
            }
        }
    }

    /// `op(self)·x` for a matrix and a vector, through `gemv`.
    public func matvec(_ x: Tensor, transposed: Bool = false) -> Tensor {
        precondition(rank == 2, "matvec needs a matrix, got shape \(shape)")
        let (m, n) = (shape[0], shape[1])
        let inner = transposed ? m : n
        precondition(x.count == inner, "matvec: matrix \(shape)\(transposed ? "ᵀ" : "") and vector \(x.shape)")
        var y = Tensor.zeros(shape: [transposed ? n : m])
        if m == 0 || n == 0 { return y }
        y.scalars.withUnsafeMutableBufferPointer { yp in
            scalars.withUnsafeBufferPointer { ap in
                x.scalars.withUnsafeBufferPointer { xp in
                    Scalar.gemv(transpose: transposed, m: m, n: n, alpha: 1, a: ap.baseAddress!, lda: n,
                                x: xp.baseAddress!, incx: 1, beta: 0, y: yp.baseAddress!, incy: 1)
                }
            }
        }
        return y
    }

    /// `self ← self + alpha·x·yᵀ` for a matrix (rank-one update through `ger`).
    public mutating func addOuterProduct(_ x: Tensor, _ y: Tensor, alpha: Scalar = 1) {
        precondition(rank == 2 && x.count == shape[0] && y.count == shape[1],
                     "addOuterProduct: matrix \(shape), vectors \(x.shape) and \(y.shape)")
        let (m, n) = (shape[0], shape[1])
        if m == 0 || n == 0 { return }
        scalars.withUnsafeMutableBufferPointer { ap in
            x.scalars.withUnsafeBufferPointer { xp in
                y.scalars.withUnsafeBufferPointer { yp in
                    Scalar.ger(m: m, n: n, alpha: alpha, x: xp.baseAddress!, incx: 1, y: yp.baseAddress!, incy: 1,
                               a: ap.baseAddress!, lda: n)
                }
            }
        }
    }

    /// The Gram matrix `selfᵀ·self` (n×n, symmetric) through `syrk`.
    public func gram() -> Tensor {
        precondition(rank == 2, "gram needs a matrix, got shape \(shape)")
        let (m, n) = (shape[0], shape[1])
        var g = Tensor.zeros(shape: [n, n])
        if m > 0 && n > 0 {
            g.scalars.withUnsafeMutableBufferPointer { gp in
                scalars.withUnsafeBufferPointer { ap in
                    Scalar.syrk(transpose: true, n: n, k: m, alpha: 1, a: ap.baseAddress!, lda: n,
                                beta: 0, c: gp.baseAddress!, ldc: n)
                }
            }
        }
        for i in 0..<n { for j in (i + 1)..<n { g.scalars[i * n + j] = g.scalars[j * n + i] } }
        return g
    }

    /// The inner product of two tensors of equal shape, through `dot`.
    public func dot(_ other: Tensor) -> Scalar {
        checkSameShape(other, "dot")
        if count == 0 { return 0 }
        return scalars.withUnsafeBufferPointer { a in
            other.scalars.withUnsafeBufferPointer { b in
                Scalar.dot(count: count, a.baseAddress!, 1, b.baseAddress!, 1)
            }
        }
    }

    /// `self ← self + alpha·x` through `axpy`.
    public mutating func axpy(_ alpha: Scalar, _ x: Tensor) {
        checkSameShape(x, "axpy")
        let n = count
        if n == 0 { return }
        scalars.withUnsafeMutableBufferPointer { y in
            x.scalars.withUnsafeBufferPointer { xp in
                Scalar.axpy(count: n, alpha: alpha, x: xp.baseAddress!, incx: 1, y: y.baseAddress!, incy: 1)
            }
        }
    }

    /// `self ← alpha·self` through `scal`.
    public mutating func scale(by alpha: Scalar) {
        let n = count
        if n == 0 { return }
        scalars.withUnsafeMutableBufferPointer { x in
            Scalar.scal(count: n, alpha: alpha, x: x.baseAddress!, incx: 1)
        }
    }

    /// The Euclidean norm of all scalars, through `nrm2`.
    public func norm() -> Scalar {
        if count == 0 { return 0 }
        return scalars.withUnsafeBufferPointer { x in Scalar.nrm2(count: count, x: x.baseAddress!, incx: 1) }
    }
}
