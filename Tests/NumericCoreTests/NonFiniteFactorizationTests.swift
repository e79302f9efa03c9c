import TestSupport
import Testing
import NumericCore

/// Regression tests of issue 15: a float64 feature of 1e300 made a Newton Hessian infinite and a
/// gradient NaN, and `CholeskyFactorization.solve` trapped ("potrs rejected argument 5").
@Suite("Cholesky on non-finite input")
struct NonFiniteFactorizationTests {
    @Test func choleskyRejectsNonFiniteEntriesWithTheirPosition() {
        let infinite = Tensor<Double>(rows: [[4, 0], [.infinity, 2e300]])
        #expect(throws: LinearAlgebraError.nonFiniteEntry(row: 1, column: 0)) { try infinite.cholesky() }
        let nan = Tensor<Float>(rows: [[1, 0, 0], [0, .nan, 0], [0, 0, 1]])
        #expect(throws: LinearAlgebraError.nonFiniteEntry(row: 1, column: 1)) { try nan.cholesky() }
        #expect(LinearAlgebraError.nonFiniteEntry(row: 1, column: 0).description == "entry (1, 0) is NaN or infinite")
        // The upper triangle is not read.
        let upper = Tensor<Double>(rows: [[1, .nan], [0, 1]])
        #expect((try? upper.cholesky()) != nil)
    }

    @Test func solveWithANonFiniteRightHandSideIsNaNNotATrap() throws {
        let factor = try Tensor<Double>(rows: [[4, 1], [1, 3]]).cholesky()
        for bad in [Double.nan, .infinity, -.infinity] {
            let x = factor.solve(Tensor([1, bad]))
            #expect(x.shape == [2] && x.scalars.allSatisfy(\.isNaN))
            #expect(throws: LinearAlgebraError.nonFiniteEntry(row: 1, column: 0)) { try factor.checkedSolve(Tensor([1, bad])) }
        }
        let matrix = factor.solve(Tensor(shape: [2, 2], scalars: [1, 2, .nan, 4]))
        #expect(matrix.shape == [2, 2] && matrix.scalars.allSatisfy(\.isNaN))
        // Finite input is unchanged.
        let x = try factor.checkedSolve(Tensor([1, 2]))
        #expect(Tolerance.allClose(Tensor<Double>(rows: [[4, 1], [1, 3]]).matvec(x), Tensor([1, 2]), rtol: 1e-12, atol: 1e-12))
    }
}
