import NumericCore

/// `c ← alpha·op(a)·op(b) + beta·c` on raw row-major arrays (`c` must already hold m·n scalars).
@inlinable
func gemm<Scalar: BLASScalar>(
    _ a: [Scalar], _ b: [Scalar], into c: inout [Scalar],
    m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false,
    alpha: Scalar = 1, beta: Scalar = 0
) {
    precondition(c.count == m * n, "gemm: output holds \(c.count) scalars, needs \(m)×\(n)")
    if m == 0 || n == 0 { return }
    if k == 0 {
        if beta == 0 {
            c.withUnsafeMutableBufferPointer { p in p.update(repeating: 0) }
        } else {
            c.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] *= beta } }
        }
        return
    }
    let lda = transposeA ? m : k
    let ldb = transposeB ? k : n
    a.withUnsafeBufferPointer { ap in
        b.withUnsafeBufferPointer { bp in
            c.withUnsafeMutableBufferPointer { cp in
                Scalar.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                            alpha: alpha, a: ap.baseAddress!, lda: lda, b: bp.baseAddress!, ldb: ldb,
                            beta: beta, c: cp.baseAddress!, ldc: n)
            }
        }
    }
}
