import Synchronization
import COpenBLAS
import RealModule

extension Float: BLASScalar {
    /// Row-major `cblas_?gemm`: C ← α·op(A)·op(B) + β·C, op = transpose when asked.
    @inlinable
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    /// Row-major `cblas_?gemv`: y ← α·op(A)·x + β·y.
    @inlinable
    public static func gemv(
        transpose: Bool, m: Int, n: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, x: UnsafePointer<Float>, incx: Int,
        beta: Float, y: UnsafeMutablePointer<Float>, incy: Int
    ) {
        cblas_sgemv(CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, blasint(m), blasint(n), alpha,
                    a, blasint(lda), x, blasint(incx), beta, y, blasint(incy))
    }

    /// Row-major `cblas_?ger`: A ← α·x·yᵀ + A.
    @inlinable
    public static func ger(
        m: Int, n: Int, alpha: Float, x: UnsafePointer<Float>, incx: Int,
        y: UnsafePointer<Float>, incy: Int, a: UnsafeMutablePointer<Float>, lda: Int
    ) {
        cblas_sger(CblasRowMajor, blasint(m), blasint(n), alpha, x, blasint(incx), y, blasint(incy), a, blasint(lda))
    }

    /// Row-major `cblas_?syrk`, lower triangle: C ← α·A·Aᵀ + β·C, or α·Aᵀ·A + β·C when `transpose`.
    @inlinable
    public static func syrk(
        transpose: Bool, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_ssyrk(CblasRowMajor, CblasLower, transpose ? CblasTrans : CblasNoTrans, blasint(n), blasint(k),
                    alpha, a, blasint(lda), beta, c, blasint(ldc))
    }

    /// `cblas_?dot`: Σ xᵢ·yᵢ over `count` strided elements.
    @inlinable
    public static func dot(count: Int, _ x: UnsafePointer<Float>, _ incx: Int, _ y: UnsafePointer<Float>, _ incy: Int) -> Float {
        cblas_sdot(blasint(count), x, blasint(incx), y, blasint(incy))
    }

    /// `cblas_?axpy`: y ← α·x + y.
    @inlinable
    public static func axpy(count: Int, alpha: Float, x: UnsafePointer<Float>, incx: Int, y: UnsafeMutablePointer<Float>, incy: Int) {
        cblas_saxpy(blasint(count), alpha, x, blasint(incx), y, blasint(incy))
    }

    /// `cblas_?scal`: x ← α·x.
    @inlinable
    public static func scal(count: Int, alpha: Float, x: UnsafeMutablePointer<Float>, incx: Int) {
        cblas_sscal(blasint(count), alpha, x, blasint(incx))
    }

    /// `cblas_?nrm2`: the Euclidean norm of x.
    @inlinable
    public static func nrm2(count: Int, x: UnsafePointer<Float>, incx: Int) -> Float {
        cblas_snrm2(blasint(count), x, blasint(incx))
    }

    /// LAPACKE `?potrf` (row-major, lower triangle): the Cholesky factor L of A in place; returns LAPACK's `info` (0 on success, > 0 when A is not positive definite).
    public static func potrf(n: Int, a: UnsafeMutablePointer<Float>, lda: Int) -> Int {
        Int(LAPACKE_spotrf(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "L")), Int32(n), a, Int32(lda)))
    }

    /// LAPACKE `?potrs` (row-major, lower triangle): solves A·X = B in place with the factor of `potrf`; returns `info`.
    public static func potrs(n: Int, nrhs: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafeMutablePointer<Float>, ldb: Int) -> Int {
        Int(LAPACKE_spotrs(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "L")), Int32(n), Int32(nrhs),
                           a, Int32(lda), b, Int32(ldb)))
    }

    /// LAPACKE `?syevd` (row-major, lower triangle): eigenvalues into `w` (ascending) and eigenvectors into `a`; returns `info`.
    public static func syevd(n: Int, a: UnsafeMutablePointer<Float>, lda: Int, w: UnsafeMutablePointer<Float>) -> Int {
        Int(LAPACKE_ssyevd(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "L")), Int32(n),
                           a, Int32(lda), w))
    }

    /// LAPACKE `?gels` (row-major, no transpose): the least-squares (or minimum-norm) solution of A·X = B by QR or LQ, written into `b`; returns `info`.
    public static func gels(m: Int, n: Int, nrhs: Int, a: UnsafeMutablePointer<Float>, lda: Int, b: UnsafeMutablePointer<Float>, ldb: Int) -> Int {
        Int(LAPACKE_sgels(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "N")), Int32(m), Int32(n), Int32(nrhs),
                          a, Int32(lda), b, Int32(ldb)))
    }
}

/// The BLAS library's runtime configuration (core type and thread count).
public enum BLASRuntime {
    /// The CPU kernel OpenBLAS selected (for example `Haswell`), as `openblas_get_corename()` reports it.
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// OpenBLAS's build configuration string.
    public static var configuration: String {
        guard let config = openblas_get_config() else { return "unknown" }
        return String(cString: config)
    }

    /// The number of threads BLAS calls may use.
    public static var threadCount: Int { Int(openblas_get_num_threads()) }

    /// Sets the number of threads BLAS calls may use.
    public static func setThreadCount(_ count: Int) {
        precondition(count >= 1, "BLAS thread count must be at least 1, got \(count)")
        openblas_set_num_threads(Int32(count))
    }

    /// Runs `body` with BLAS limited to one thread, then restores the previous count. For code that
    /// runs independent small problems in parallel (bootstrap replicates, restarts, one MDP per
    /// worker): there BLAS's own threads only contend with the caller's workers. On W9's arena
    /// bootstrap (1,000 Newton refits of 101 parameters on two workers) the replicates took 5.5 s
    /// with OpenBLAS's two threads per call and 1.5 s with one.
    ///
    /// Calls may overlap (nested, or from concurrent tasks): the count is set to one by the first
    /// caller to enter and restored by the last to leave, so no caller's body ever runs with more
    /// than one BLAS thread (which would change the reduction order, and with it the last bits).
    public static func withSingleThread<R>(_ body: () throws -> R) rethrows -> R {
        singleThreadScope.withLock { scope in
            if scope.depth == 0 {
                scope.saved = threadCount
                if scope.saved != 1 { setThreadCount(1) }
            }
            scope.depth += 1
        }
        defer {
            singleThreadScope.withLock { scope in
                scope.depth -= 1
                if scope.depth == 0 && scope.saved != 1 { setThreadCount(scope.saved) }
            }
        }
        return try body()
    }

    private struct SingleThreadScope {
        var depth = 0
        var saved = 1
    }

    private static let singleThreadScope = Mutex(SingleThreadScope())
}
