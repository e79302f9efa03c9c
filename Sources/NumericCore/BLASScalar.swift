import RealModule

/// A floating-point type whose dense linear algebra runs through BLAS and LAPACK.
///
/// RewardKit's numeric core is generic over this protocol; `Float` and `Double` conform in
/// `Float+BLAS.swift` and `Double+BLAS.swift`, the only two files that import the C module.
/// All matrices are row-major and contiguous; `lda`-style leading dimensions are row strides.
///
/// The requirements mirror the CBLAS / LAPACKE routines one to one, so each conformance is a
/// thin dispatch. Callers should use the ``Tensor`` API rather than these entry points.
public protocol BLASScalar: Real, BinaryFloatingPoint, SIMDScalar, Sendable, Codable
where Self.RawSignificand: FixedWidthInteger {
    /// `C ← alpha·op(A)·op(B) + beta·C` with `op(A)` of shape m×k and `op(B)` k×n.
    static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Self, a: UnsafePointer<Self>, lda: Int,
        b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)

    /// `y ← alpha·op(A)·x + beta·y` for a row-major m×n matrix `A`.
    static func gemv(
        transpose: Bool, m: Int, n: Int, alpha: Self,
        a: UnsafePointer<Self>, lda: Int, x: UnsafePointer<Self>, incx: Int,
        beta: Self, y: UnsafeMutablePointer<Self>, incy: Int)

    /// `A ← alpha·x·yᵀ + A` (rank-one update) for a row-major m×n matrix `A`.
    static func ger(
        m: Int, n: Int, alpha: Self, x: UnsafePointer<Self>, incx: Int,
        y: UnsafePointer<Self>, incy: Int, a: UnsafeMutablePointer<Self>, lda: Int)

    /// `C ← alpha·A·Aᵀ + beta·C` (or `AᵀA` when `transpose`), lower triangle and then mirrored by the caller.
    static func syrk(
        transpose: Bool, n: Int, k: Int, alpha: Self, a: UnsafePointer<Self>, lda: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)

    /// `Σ xᵢ·yᵢ` over `count` strided elements (`cblas_?dot`).
    static func dot(count: Int, _ x: UnsafePointer<Self>, _ incx: Int, _ y: UnsafePointer<Self>, _ incy: Int) -> Self
    /// `y ← alpha·x + y` (`cblas_?axpy`).
    static func axpy(count: Int, alpha: Self, x: UnsafePointer<Self>, incx: Int, y: UnsafeMutablePointer<Self>, incy: Int)
    /// `x ← alpha·x` (`cblas_?scal`).
    static func scal(count: Int, alpha: Self, x: UnsafeMutablePointer<Self>, incx: Int)
    /// The Euclidean norm of `x` (`cblas_?nrm2`).
    static func nrm2(count: Int, x: UnsafePointer<Self>, incx: Int) -> Self

    /// Cholesky factorization (lower) in place; returns LAPACK's `info`.
    static func potrf(n: Int, a: UnsafeMutablePointer<Self>, lda: Int) -> Int
    /// Solves `A·X = B` from a lower Cholesky factor; `B` is n×nrhs row-major.
    static func potrs(n: Int, nrhs: Int, a: UnsafePointer<Self>, lda: Int, b: UnsafeMutablePointer<Self>, ldb: Int) -> Int
    /// Symmetric eigendecomposition (divide and conquer): eigenvalues ascending into `w`,
    /// eigenvectors replace `a` as columns.
    static func syevd(n: Int, a: UnsafeMutablePointer<Self>, lda: Int, w: UnsafeMutablePointer<Self>) -> Int
    /// Least squares `min ‖A·X − B‖` by QR; `A` is m×n, `B` is max(m,n)×nrhs row-major.
    static func gels(m: Int, n: Int, nrhs: Int, a: UnsafeMutablePointer<Self>, lda: Int, b: UnsafeMutablePointer<Self>, ldb: Int) -> Int
}
