import COpenBLAS
import RealModule

extension Double: BLASScalar {
    /// Row-major `cblas_?gemm`: C ← α·op(A)·op(B) + β·C, op = transpose when asked.
    @inlinable
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Double, a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        cblas_dgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    /// Row-major `cblas_?gemv`: y ← α·op(A)·x + β·y.
    @inlinable
    public static func gemv(
        transpose: Bool, m: Int, n: Int, alpha: Double,
        a: UnsafePointer<Double>, lda: Int, x: UnsafePointer<Double>, incx: Int,
        beta: Double, y: UnsafeMutablePointer<Double>, incy: Int
    ) {
        cblas_dgemv(CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, blasint(m), blasint(n), alpha,
                    a, blasint(lda), x, blasint(incx), beta, y, blasint(incy))
    }

    /// Row-major `cblas_?ger`: A ← α·x·yᵀ + A.
    @inlinable
    public static func ger(
        m: Int, n: Int, alpha: Double, x: UnsafePointer<Double>, incx: Int,
        y: UnsafePointer<Double>, incy: Int, a: UnsafeMutablePointer<Double>, lda: Int
    ) {
        cblas_dger(CblasRowMajor, blasint(m), blasint(n), alpha, x, blasint(incx), y, blasint(incy), a, blasint(lda))
    }

    /// Row-major `cblas_?syrk`, lower triangle: C ← α·A·Aᵀ + β·C, or α·Aᵀ·A + β·C when `transpose`.
    @inlinable
    public static func syrk(
        transpose: Bool, n: Int, k: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        cblas_dsyrk(CblasRowMajor, CblasLower, transpose ? CblasTrans : CblasNoTrans, blasint(n), blasint(k),
                    alpha, a, blasint(lda), beta, c, blasint(ldc))
    }

    /// `cblas_?dot`: Σ xᵢ·yᵢ over `count` strided elements.
    @inlinable
    public static func dot(count: Int, _ x: UnsafePointer<Double>, _ incx: Int, _ y: UnsafePointer<Double>, _ incy: Int) -> Double {
        cblas_ddot(blasint(count), x, blasint(incx), y, blasint(incy))
    }

    /// `cblas_?axpy`: y ← α·x + y.
    @inlinable
    public static func axpy(count: Int, alpha: Double, x: UnsafePointer<Double>, incx: Int, y: UnsafeMutablePointer<Double>, incy: Int) {
        cblas_daxpy(blasint(count), alpha, x, blasint(incx), y, blasint(incy))
    }

    /// `cblas_?scal`: x ← α·x.
    @inlinable
    public static func scal(count: Int, alpha: Double, x: UnsafeMutablePointer<Double>, incx: Int) {
        cblas_dscal(blasint(count), alpha, x, blasint(incx))
    }

    /// `cblas_?nrm2`: the Euclidean norm of x.
    @inlinable
    public static func nrm2(count: Int, x: UnsafePointer<Double>, incx: Int) -> Double {
        cblas_dnrm2(blasint(count), x, blasint(incx))
    }

    /// LAPACKE `?potrf` (row-major, lower triangle): the Cholesky factor L of A in place; returns LAPACK's `info` (0 on success, > 0 when A is not positive definite).
    public static func potrf(n: Int, a: UnsafeMutablePointer<Double>, lda: Int) -> Int {
        Int(LAPACKE_dpotrf(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "L")), Int32(n), a, Int32(lda)))
    }

    /// LAPACKE `?potrs` (row-major, lower triangle): solves A·X = B in place with the factor of `potrf`; returns `info`.
    public static func potrs(n: Int, nrhs: Int, a: UnsafePointer<Double>, lda: Int, b: UnsafeMutablePointer<Double>, ldb: Int) -> Int {
        Int(LAPACKE_dpotrs(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "L")), Int32(n), Int32(nrhs),
                           a, Int32(lda), b, Int32(ldb)))
    }

    /// LAPACKE `?syevd` (row-major, lower triangle): eigenvalues into `w` (ascending) and eigenvectors into `a`; returns `info`.
    public static func syevd(n: Int, a: UnsafeMutablePointer<Double>, lda: Int, w: UnsafeMutablePointer<Double>) -> Int {
        Int(LAPACKE_dsyevd(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "L")), Int32(n),
                           a, Int32(lda), w))
    }

    /// LAPACKE `?gels` (row-major, no transpose): the least-squares (or minimum-norm) solution of A·X = B by QR or LQ, written into `b`; returns `info`.
    public static func gels(m: Int, n: Int, nrhs: Int, a: UnsafeMutablePointer<Double>, lda: Int, b: UnsafeMutablePointer<Double>, ldb: Int) -> Int {
        Int(LAPACKE_dgels(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "N")), Int32(m), Int32(n), Int32(nrhs),
                          a, Int32(lda), b, Int32(ldb)))
    }
}
