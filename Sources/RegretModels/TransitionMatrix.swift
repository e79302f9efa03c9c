import RealModule
import NumericCore

/// How a ``TransitionMatrix`` stores its probabilities.
public enum TransitionStorage: Sendable, Equatable {
    /// A dense (S·A)×S matrix: products go through BLAS `gemv`/`gemm`. Best for a few hundred states.
    case dense
    /// Compressed sparse rows: products cost O(nonzeros). Best for large, local dynamics.
    case sparse
    /// Dense up to `denseStateLimit` states, sparse above.
    case automatic

    /// The state count up to which ``automatic`` picks dense storage.
    public static let denseStateLimit = 400
}

/// The stacked per-action transition matrices of a finite MDP.
///
/// Row `s·A + a` holds P(· | s, a), so the stacked matrix is (S·A)×S and one product
/// `P·V` gives all expected next-state values E[V(s′) | s, a] at once (reshaped to S×A).
public struct TransitionMatrix: Sendable {
    enum Representation: Sendable {
        case dense(Tensor<Double>)
        case sparse(rowStart: [Int], columns: [Int], values: [Double])
    }

    /// Number of rows, S·A.
    public let rowCount: Int
    /// Number of columns, S.
    public let columnCount: Int
    let representation: Representation

    /// Builds the matrix from per-row (column, probability) entries; repeated columns accumulate.
    init(rows: [[(column: Int, probability: Double)]], columnCount: Int, storage: TransitionStorage) {
        self.rowCount = rows.count
        self.columnCount = columnCount
        let useDense: Bool
        switch storage {
        case .dense: useDense = true
        case .sparse: useDense = false
        case .automatic: useDense = columnCount <= TransitionStorage.denseStateLimit
        }
        if useDense {
            var m = Tensor<Double>.zeros(shape: [rows.count, columnCount])
            m.scalars.withUnsafeMutableBufferPointer { p in
                for (i, row) in rows.enumerated() {
                    for entry in row { p[i * columnCount + entry.column] += entry.probability }
                }
            }
            representation = .dense(m)
        } else {
            var rowStart = [0]
            var columns = [Int]()
            var values = [Double]()
            for row in rows {
                var merged = [Int: Double]()
                for entry in row { merged[entry.column, default: 0] += entry.probability }
                for (column, value) in merged.sorted(by: { $0.key < $1.key }) where value != 0 {
                    columns.append(column)
                    values.append(value)
                }
                rowStart.append(columns.count)
            }
            representation = .sparse(rowStart: rowStart, columns: columns, values: values)
        }
    }

    /// True when products go through dense BLAS.
    public var isDense: Bool {
        if case .dense = representation { return true }
        return false
    }

    /// The number of stored nonzero probabilities.
    public var nonzeroCount: Int {
        switch representation {
        case .dense(let m): return m.scalars.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
        case .sparse(_, let columns, _): return columns.count
        }
    }

    /// `P·x` for a vector of length S (result length S·A) or an S×k matrix (result (S·A)×k).
    ///
    /// Dense storage uses `gemv`/`gemm`; sparse storage a CSR product.
    public func apply(_ x: Tensor<Double>) -> Tensor<Double> {
        precondition(x.shape[0] == columnCount, "TransitionMatrix.apply: matrix \(rowCount)×\(columnCount), operand \(x.shape)")
        switch representation {
        case .dense(let m):
            return x.rank == 1 ? m.matvec(x) : m.matmul(x)
        case .sparse(let rowStart, let columns, let values):
            let k = x.rank == 1 ? 1 : x.shape[1]
            var out = [Double](repeating: 0, count: rowCount * k)
            x.scalars.withUnsafeBufferPointer { xp in
                out.withUnsafeMutableBufferPointer { op in
                    for i in 0..<rowCount {
                        for e in rowStart[i]..<rowStart[i + 1] {
                            let p = values[e], base = columns[e] * k
                            for j in 0..<k { op[i * k + j] += p * xp[base + j] }
                        }
                    }
                }
            }
            return x.rank == 1 ? Tensor(out) : Tensor(shape: [rowCount, k], scalars: out)
        }
    }

    /// Adds `scale·P[row, ·]` into `destination` (a length-S buffer).
    func accumulateRow(_ row: Int, scale: Double, into destination: UnsafeMutableBufferPointer<Double>) {
        switch representation {
        case .dense(let m):
            m.scalars.withUnsafeBufferPointer { p in
                let base = row * columnCount
                for j in 0..<columnCount { destination[j] += scale * p[base + j] }
            }
        case .sparse(let rowStart, let columns, let values):
            for e in rowStart[row]..<rowStart[row + 1] { destination[columns[e]] += scale * values[e] }
        }
    }

    /// The nonzero (column, probability) entries of one row.
    func entries(ofRow row: Int) -> [(column: Int, probability: Double)] {
        switch representation {
        case .dense(let m):
            var out = [(column: Int, probability: Double)]()
            let base = row * columnCount
            for j in 0..<columnCount where m.scalars[base + j] != 0 { out.append((j, m.scalars[base + j])) }
            return out
        case .sparse(let rowStart, let columns, let values):
            return (rowStart[row]..<rowStart[row + 1]).map { (columns[$0], values[$0]) }
        }
    }
}
