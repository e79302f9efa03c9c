/// A recoverable failure of a LAPACK routine, with LAPACK's diagnosis.
public enum LinearAlgebraError: Error, Equatable, CustomStringConvertible {
    /// Cholesky failed: the leading minor of this order (1-based) is not positive definite.
    case notPositiveDefinite(leadingMinor: Int)
    /// The symmetric eigensolver did not converge (`info` off-diagonal elements did not reach zero).
    case eigenDecompositionFailed(info: Int)
    /// Least squares: the matrix does not have full rank (diagonal element `index` of R is zero).
    case rankDeficient(index: Int)
    /// LAPACK rejected an argument (a bug in the caller; `argument` is LAPACK's 1-based position).
    case illegalArgument(routine: String, argument: Int)
    /// An entry of the matrix or right-hand side (0-based row and column) is NaN or infinite.
    case nonFiniteEntry(row: Int, column: Int)

    /// The error in words, for messages.
    public var description: String {
        switch self {
        case .notPositiveDefinite(let k):
            return "matrix is not positive definite: the leading minor of order \(k) is not positive"
        case .eigenDecompositionFailed(let info):
            return "symmetric eigendecomposition did not converge (\(info) off-diagonal elements remained)"
        case .rankDeficient(let index):
            return "least-squares matrix is rank deficient (R[\(index), \(index)] is zero)"
        case .illegalArgument(let routine, let argument):
            return "\(routine): illegal value in argument \(argument)"
        case .nonFiniteEntry(let row, let column):
            return "entry (\(row), \(column)) is NaN or infinite"
        }
    }
}
