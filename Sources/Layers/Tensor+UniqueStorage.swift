import NumericCore

extension Tensor {
    /// Runs `body` on this tensor's scalars with the array uniquely referenced, so in-place writes
    /// never copy.
    ///
    /// `Tensor.scalars` has a `didSet` observer that reads `oldValue`, which makes every in-place
    /// mutation through the property copy the whole array first. Moving the array out, mutating it
    /// and moving it back avoids that copy. `body` must not change the number of scalars.
    @inlinable
    mutating func withUniqueScalars<R>(_ body: (inout [Scalar]) throws -> R) rethrows -> R {
        let savedShape = shape
        var storage = scalars
        self = Tensor(shape: [0], scalars: [])
        defer { self = Tensor(shape: savedShape, scalars: storage) }
        return try body(&storage)
    }
}

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
