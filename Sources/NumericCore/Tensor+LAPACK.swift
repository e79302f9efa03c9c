// Dense factorizations through LAPACKE. Matrices are row-major; results are new tensors.

/// A Cholesky factorization `A = L·Lᵀ` of a symmetric positive-definite matrix.
public struct CholeskyFactorization<Scalar: BLASScalar>: Sendable {
    /// The lower-triangular factor `L` (upper triangle zero).
    public let lower: Tensor<Scalar>

    /// Solves `A·X = B` for a vector or a matrix right-hand side.
    ///
    /// Total for any values of `b`: the factor is finite (``Tensor/cholesky()`` rejects non-finite
    /// matrices), and a right-hand side holding NaN or ±∞ — which LAPACKE refuses — gives a
    /// solution of NaNs, as IEEE arithmetic would. Callers that need a finite step check it (or
    /// use ``checkedSolve(_:)``). Only a right-hand side of the wrong shape, a programming error,
    /// traps.
    public func solve(_ b: Tensor<Scalar>) -> Tensor<Scalar> {
        let n = lower.shape[0]
        precondition(b.shape[0] == n, "Cholesky solve: factor is \(n)×\(n), right-hand side \(b.shape)")
        let nrhs = b.rank == 1 ? 1 : b.shape[1]
        var x = b
        if n == 0 || nrhs == 0 { return x }
        guard b.scalars.allSatisfy(\.isFinite) else {
            return Tensor(shape: b.shape, scalars: [Scalar](repeating: .nan, count: b.scalars.count))
        }
        let info = lower.scalars.withUnsafeBufferPointer { a in
            x.scalars.withUnsafeMutableBufferPointer { xp in
                Scalar.potrs(n: n, nrhs: nrhs, a: a.baseAddress!, lda: n, b: xp.baseAddress!, ldb: nrhs)
            }
        }
        if info != 0 { return Tensor(shape: b.shape, scalars: [Scalar](repeating: .nan, count: b.scalars.count)) }
        return x
    }

    /// ``solve(_:)``, or ``LinearAlgebraError/nonFiniteEntry(row:column:)`` naming the first
    /// right-hand-side entry that is NaN or infinite (or the first non-finite solution entry,
    /// when the solve itself overflows).
    public func checkedSolve(_ b: Tensor<Scalar>) throws(LinearAlgebraError) -> Tensor<Scalar> {
        let columns = b.rank == 1 ? 1 : Swift.max(b.shape[1], 1)
        if let bad = b.scalars.firstIndex(where: { !$0.isFinite }) {
            throw .nonFiniteEntry(row: bad / columns, column: bad % columns)
        }
        let x = solve(b)
        if let bad = x.scalars.firstIndex(where: { !$0.isFinite }) {
            throw .nonFiniteEntry(row: bad / columns, column: bad % columns)
        }
        return x
    }

    /// log det A = 2 Σ log L_ii.
    public var logDeterminant: Scalar {
        let n = lower.shape[0]
        var total: Scalar = 0
        for i in 0..<n { total += Scalar.log(lower.scalars[i * n + i]) }
        return 2 * total
    }

    /// A⁻¹ (symmetric), by solving against the identity.
    public func inverse() -> Tensor<Scalar> {
        solve(Tensor<Scalar>.identity(lower.shape[0]))
    }
}

/// A symmetric eigendecomposition `A = V·diag(λ)·Vᵀ`, eigenvalues ascending.
public struct SymmetricEigendecomposition<Scalar: BLASScalar>: Sendable {
    /// Eigenvalues in ascending order.
    public let values: Tensor<Scalar>
    /// Eigenvectors as the columns of an orthogonal matrix.
    public let vectors: Tensor<Scalar>
}

extension Tensor {
    @usableFromInline
    func checkSquare(_ operation: StaticString) {
        precondition(rank == 2 && shape[0] == shape[1], "\(operation) needs a square matrix, got shape \(shape)")
    }

    /// The Cholesky factorization of a symmetric positive-definite matrix (only the lower triangle is read).
    ///
    /// - Throws: ``LinearAlgebraError/nonFiniteEntry(row:column:)`` when an entry of the lower
    ///   triangle is NaN or infinite (checked first, so the factor is always finite), and
    ///   ``LinearAlgebraError/notPositiveDefinite(leadingMinor:)`` naming the first leading minor
    ///   that is not positive.
    public func cholesky() throws(LinearAlgebraError) -> CholeskyFactorization<Scalar> {
        checkSquare("cholesky")
        let n = shape[0]
        for i in 0..<n {
            for j in 0...i where !scalars[i * n + j].isFinite { throw .nonFiniteEntry(row: i, column: j) }
        }
        var l = self
        if n > 0 {
            let info = l.scalars.withUnsafeMutableBufferPointer { a in Scalar.potrf(n: n, a: a.baseAddress!, lda: n) }
            if info > 0 { throw .notPositiveDefinite(leadingMinor: info) }
            if info < 0 { throw .illegalArgument(routine: "potrf", argument: -info) }
        }
        for i in 0..<n { for j in (i + 1)..<n { l.scalars[i * n + j] = 0 } }
        return CholeskyFactorization(lower: l)
    }

    /// Solves `self·X = b` for a symmetric positive-definite `self` (Cholesky).
    public func solveSymmetricPositiveDefinite(_ b: Tensor) throws(LinearAlgebraError) -> Tensor {
        try cholesky().solve(b)
    }

    /// The eigenvalues (ascending) and eigenvectors of a symmetric matrix (lower triangle read).
    public func symmetricEigendecomposition() throws(LinearAlgebraError) -> SymmetricEigendecomposition<Scalar> {
        checkSquare("symmetricEigendecomposition")
        let n = shape[0]
        var v = self
        var w = Tensor.zeros(shape: [n])
        if n > 0 {
            let info = v.scalars.withUnsafeMutableBufferPointer { a in
                w.scalars.withUnsafeMutableBufferPointer { wp in
                    Scalar.syevd(n: n, a: a.baseAddress!, lda: n, w: wp.baseAddress!)
                }
            }
            if info > 0 { throw .eigenDecompositionFailed(info: info) }
            if info < 0 { throw .illegalArgument(routine: "syevd", argument: -info) }
        }
        return SymmetricEigendecomposition(values: w, vectors: v)
    }

    /// The least-squares solution of `self·x ≈ b` (m ≥ n, full column rank) by QR.
    ///
    /// `b` is a vector of length m or an m×k matrix; the result has n rows.
    public func leastSquares(_ b: Tensor) throws(LinearAlgebraError) -> Tensor {
        precondition(rank == 2, "leastSquares needs a matrix, got shape \(shape)")
        let (m, n) = (shape[0], shape[1])
        precondition(m >= n, "leastSquares needs at least as many rows as columns, got shape \(shape)")
        precondition(b.shape[0] == m, "leastSquares: matrix \(shape), right-hand side \(b.shape)")
        let nrhs = b.rank == 1 ? 1 : b.shape[1]
        var a = self
        var x = b
        if n > 0 && nrhs > 0 {
            let info = a.scalars.withUnsafeMutableBufferPointer { ap in
                x.scalars.withUnsafeMutableBufferPointer { xp in
                    Scalar.gels(m: m, n: n, nrhs: nrhs, a: ap.baseAddress!, lda: n, b: xp.baseAddress!, ldb: nrhs)
                }
            }
            if info > 0 { throw .rankDeficient(index: info) }
            if info < 0 { throw .illegalArgument(routine: "gels", argument: -info) }
        }
        let solution = Array(x.scalars.prefix(n * nrhs))
        return b.rank == 1 ? Tensor(solution) : Tensor(shape: [n, nrhs], scalars: solution)
    }
}
