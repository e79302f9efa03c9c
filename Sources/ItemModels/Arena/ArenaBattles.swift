import Foundation
import FileFormats
import NumericCore
import PreferenceData

/// One contest covariate: how a column (or a pair of columns) of the battle file becomes the value
/// c that enters P(winner ≻ loser) = σ(θ_winner − θ_loser + γ·c).
public enum CovariateSpecification: Sendable, Equatable, CustomStringConvertible {
    /// A per-answer feature z (answer length, markdown headers, …): `winnerColumn` holds z of the
    /// item in the record's `winner` column, `loserColumn` z of the item in its `loser` column, and
    /// c = z_winner − z_loser (before normalization). Written `winnerColumn:loserColumn` on the command line.
    case perAnswer(winnerColumn: String, loserColumn: String)
    /// A battle-level covariate (e.g. +1 when the winner was shown first, −1 otherwise), already
    /// signed from the winner's perspective: c is the column's value. Written as a bare column name.
    case battle(column: String)

    /// The name used in reports: `a:b` or the column name.
    public var description: String {
        switch self {
        case .perAnswer(let w, let l): return "\(w):\(l)"
        case .battle(let c): return c
        }
    }

    /// Parses a comma-separated list such as `len_a:len_b,headers_a:headers_b,shown_first`.
    /// Returns nil for an empty entry or a malformed pair (`a:`, `a:b:c`).
    public static func parseList(_ text: String) -> [CovariateSpecification]? {
        var result: [CovariateSpecification] = []
        for raw in text.split(separator: ",", omittingEmptySubsequences: false) {
            let entry = raw.trimmingCharacters(in: .whitespaces)
            if entry.isEmpty { return nil }
            let parts = entry.split(separator: ":", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            switch parts.count {
            case 1: result.append(.battle(column: parts[0]))
            case 2 where !parts[0].isEmpty && !parts[1].isEmpty:
                result.append(.perAnswer(winnerColumn: parts[0], loserColumn: parts[1]))
            default: return nil
            }
        }
        return result
    }
}

/// How covariate columns are rescaled before fitting (γ is reported on the rescaled axis, together
/// with the factor, so γ_raw = γ / scale).
public enum CovariateNormalization: String, Sendable, Equatable, CaseIterable, Codable {
    /// c as given.
    case none
    /// c / s with s = √(mean c²), the root mean square over records (1 when all values are 0).
    case scaled
    /// The Chatbot Arena convention: a per-answer pair becomes the relative difference
    /// (z_w − z_l)/(z_w + z_l + 1) (z ≥ 0 counts such as tokens or headers), then every column is
    /// divided by its root mean square. The Arena notebook standardizes (x − mean)/sd over a column
    /// oriented model_a − model_b, whose mean is ≈ 0 because sides are assigned at random; our
    /// columns are oriented from the winner, so subtracting the mean would act as an intercept and
    /// break P(a ≻ b) + P(b ≻ a) = 1. Dividing by the root mean square (the sd of the
    /// sign-symmetrized column) is the same scale without that defect.
    case arena
}

/// Battles between named items with contest covariates: a `ComparisonSet` plus, for each record,
/// a row of covariate values c (k columns) oriented from the record's winner.
public struct ArenaBattles: Sendable {
    /// The records (winner, loser, tie, weight).
    public let comparisons: ComparisonSet
    /// Covariate names (see ``CovariateSpecification/description``).
    public let covariateNames: [String]
    /// c, shape [records, k] (row-major), after normalization.
    public let covariates: Tensor<Double>
    /// The divisor applied to each column by normalization (1 for `.none`).
    public let covariateScales: [Double]
    /// The normalization applied.
    public let normalization: CovariateNormalization

    /// The number of covariates k.
    public var covariateCount: Int { covariateNames.count }

    /// Battles without covariates.
    public init(_ comparisons: ComparisonSet) {
        self.comparisons = comparisons
        covariateNames = []
        covariates = Tensor(shape: [comparisons.count, 0], scalars: [])
        covariateScales = []
        normalization = .none
    }

    /// Battles with covariate values already oriented from each record's winner.
    ///
    /// - Parameters:
    ///   - comparisons: the battles, one record per row of `values`.
    ///   - covariateNames: the k covariate names.
    ///   - normalization: how the columns are scaled before fitting.
    ///   - values: c, shape [records, k]; `.arena` normalization treats every column as battle-level
    ///     (it cannot form relative differences from c alone).
    /// - Throws: `DataError` with the 0-based record as `line` for a non-finite value.
    public init(_ comparisons: ComparisonSet, covariateNames: [String], values: Tensor<Double>,
                normalization: CovariateNormalization = .none) throws(DataError) {
        let m = comparisons.count, k = covariateNames.count
        precondition(values.shape == [m, k], "covariates of shape \(values.shape) for \(m) records and \(k) names")
        for r in 0..<m {
            for a in 0..<k where !values.scalars[r * k + a].isFinite {
                throw DataError(file: "<memory>", line: r, reason: .nonFiniteValue(column: a))
            }
        }
        self.comparisons = comparisons
        self.covariateNames = covariateNames
        var scaled = values
        var scales = [Double](repeating: 1, count: k)
        if normalization != .none { Self.divideByRootMeanSquare(&scaled, scales: &scales) }
        covariates = scaled
        covariateScales = scales
        self.normalization = normalization
    }

    static func divideByRootMeanSquare(_ c: inout Tensor<Double>, scales: inout [Double]) {
        let m = c.shape[0], k = c.shape[1]
        guard m > 0 else { return }
        for a in 0..<k {
            var sum = 0.0
            for r in 0..<m { sum += c.scalars[r * k + a] * c.scalars[r * k + a] }
            let s = (sum / Double(m)).squareRoot()
            scales[a] = s > 0 ? s : 1
            if s > 0 { for r in 0..<m { c.scalars[r * k + a] /= s } }
        }
    }

    /// Loads a battle CSV (the `ComparisonSet` format: `winner`, `loser`, optional `tie`,
    /// `weight`, `annotator`) and the named numeric covariate columns.
    ///
    /// For `.perAnswer(winnerColumn: "len_a", loserColumn: "len_b")`, `len_a` is the feature of the
    /// item named in the `winner` column and `len_b` that of the `loser` column's item (for a tie
    /// the two columns still follow the record's winner/loser order); c = len_a − len_b.
    /// For `.battle(column:)` the column's value is c, signed from the winner's perspective.
    ///
    /// - Throws: `DataError` naming the file and the 1-based line: a missing covariate column
    ///   (line 1, the header), a non-numeric or non-finite value, `.arena` normalization with
    ///   z_w + z_l + 1 ≤ 0, and every error of `ComparisonSet.init(csvFile:)`.
    public init(csvFile url: URL, covariates specifications: [CovariateSpecification],
                normalization: CovariateNormalization = .none) throws(DataError) {
        let path = url.path
        var columns: [String] = []
        for spec in specifications {
            switch spec {
            case .perAnswer(let w, let l): columns += [w, l]
            case .battle(let c): columns.append(c)
            }
        }
        // One pass over the file: the comparisons and the covariate columns' numbers together.
        var reader = CSVReader(bytes: try CSVReader.readFile(path), source: path)
        let (comparisons, numbers, lineOfRecord) = try ComparisonSet.parseCSV(&reader, numericColumns: columns)
        if specifications.isEmpty {
            self = ArenaBattles(comparisons)
            return
        }
        let m = comparisons.count, k = specifications.count, perRecord = columns.count
        var values = [Double](repeating: 0, count: m * k)
        for record in 0..<m {
            var next = record * perRecord
            for (a, spec) in specifications.enumerated() {
                let first = numbers[next]
                next += 1
                var c = first
                if case .perAnswer(let w, let l) = spec {
                    let z = numbers[next]
                    next += 1
                    c = first - z
                    if normalization == .arena {
                        let denominator = first + z + 1
                        guard denominator > 0 else {
                            throw DataError(file: path, line: lineOfRecord[record], reason: .invalidValue(
                                "arena normalization needs \(w.lowercased()) + \(l.lowercased()) + 1 > 0, found \(denominator)"))
                        }
                        c /= denominator
                    }
                }
                values[record * k + a] = c
            }
        }
        var tensor = Tensor(shape: [m, k], scalars: values)
        var scales = [Double](repeating: 1, count: k)
        if normalization != .none { Self.divideByRootMeanSquare(&tensor, scales: &scales) }
        self.comparisons = comparisons
        covariateNames = specifications.map(\.description)
        covariates = tensor
        covariateScales = scales
        self.normalization = normalization
    }
}
