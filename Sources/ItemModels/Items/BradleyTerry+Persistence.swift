import Foundation
import FileFormats
import NumericCore
import PreferenceData

extension BradleyTerryModel {
    /// The model-file kind of an item-level Bradley–Terry (or Thurstone Case V) model.
    public static var modelKind: String { "bradley-terry-items" }
    /// The `family` value in the metadata.
    public static var modelFamily: String { "bradley-terry" }
    /// The `version` value in the metadata (the layout of this family's metadata and tensors).
    public static var modelFormatVersion: Int { 1 }

    /// The model as a `ModelFile`. Metadata: `family`, `version`, `items`, the configuration
    /// (`l2`, `link`, `ties`, `solver`, `gradient_tolerance`, `maximum_iterations`, `parallel`),
    /// `comparison_count` and the fit report (`report`, without its timing, so that the same fit
    /// writes the same bytes; files that have `seconds` still load). Tensors (all F64): `strengths` (`[n]`),
    /// `log_tie_parameter` (`[1]`, with a tie model only), and the aggregated data the model was
    /// fitted to — `pair_first`, `pair_second`, `first_wins`, `second_wins`, `ties` (`[pairs]`) and
    /// `pair_of_record` (`[records]`, when known) — so that a loaded model re-evaluates its
    /// objective and bootstraps like the fitted one. A model with k > 0 contest covariates also
    /// stores `coefficients` (`[k]`) and the rows' `covariates` (`[pairs, k]`), with the metadata
    /// `covariate_names`, `covariate_scales`, `normalization` and (when nonzero) `covariate_penalty`.
    public func modelFile(extraMetadata: [String: JSONValue] = [:]) -> ModelFile {
        var metadata: [String: JSONValue] = [
            "family": .string(Self.modelFamily), "version": .number(Double(Self.modelFormatVersion)),
            "items": .array(items.map { .string($0) }), "comparison_count": .number(Double(comparisonCount)),
            "report": ModelFile.withoutTiming(report.metadata),
        ]
        for (key, value) in configuration.metadata { metadata[key] = value }
        for (key, value) in extraMetadata where metadata[key] == nil { metadata[key] = value }
        var file = ModelFile(kind: Self.modelKind, metadata: metadata)
        file.append("strengths", Tensor(strengths))
        if let logTieParameter { file.append("log_tie_parameter", Tensor([logTieParameter])) }
        file.append("pair_first", Tensor(data.first.map(Double.init)))
        file.append("pair_second", Tensor(data.second.map(Double.init)))
        file.append("first_wins", Tensor(data.firstWins))
        file.append("second_wins", Tensor(data.secondWins))
        file.append("ties", Tensor(data.ties))
        if !data.pairOfRecord.isEmpty { file.append("pair_of_record", Tensor(data.pairOfRecord.map(Double.init))) }
        if covariateCount > 0 {
            file.metadata["covariate_names"] = .array(covariateNames.map { .string($0) })
            file.metadata["covariate_scales"] = .array(covariateScales.map { .number($0) })
            file.metadata["normalization"] = .string(normalization.rawValue)
            file.append("coefficients", Tensor(coefficients))
            file.append("covariates", Tensor(shape: [data.pairCount, covariateCount], scalars: data.covariates))
        }
        return file
    }

    /// Reads a model written by ``modelFile(extraMetadata:)``.
    public init(modelFile file: ModelFile, source: String = "model") throws(ModelFileError) {
        try file.requireKind(Self.modelKind, source: source)
        let metadata = file.metadata
        func fail(_ detail: String) -> ModelFileError { ModelFileError(file: source, reason: .invalidMetadata(detail)) }
        try requireFamily(metadata, family: Self.modelFamily, version: Self.modelFormatVersion, source: source)
        let items = try itemNames(metadata, source: source)
        let n = items.count
        let configuration = try BradleyTerry.Configuration(metadata: metadata, source: source)
        guard let count = metadata["comparison_count"]?.intValue, count >= 0 else {
            throw fail("'comparison_count' must be an integer ≥ 0")
        }
        guard let reportValue = metadata["report"] else { throw fail("missing key 'report'") }
        let report = try BradleyTerryFitReport(metadata: reportValue, source: source)
        var parameters = try file.tensor("strengths", as: Double.self, shape: [n], source: source).scalars
        var covariateNames: [String] = [], covariateScales: [Double] = []
        var normalization = CovariateNormalization.none
        if let names = metadata["covariate_names"] {
            guard let list = names.arrayValue, case let strings = list.compactMap(\.stringValue), strings.count == list.count,
                  !strings.isEmpty else {
                throw fail("'covariate_names' must be a non-empty list of names")
            }
            covariateNames = strings
            guard let scales = metadata["covariate_scales"]?.arrayValue, case let numbers = scales.compactMap(\.doubleValue),
                  numbers.count == strings.count, numbers.allSatisfy({ $0 > 0 && $0.isFinite }) else {
                throw fail("'covariate_scales' must list one positive number per covariate")
            }
            covariateScales = numbers
            normalization = try enumValue(metadata, "normalization", source: source)
            parameters += try file.tensor("coefficients", as: Double.self, shape: [strings.count], source: source).scalars
        }
        if configuration.hasTieParameter {
            parameters += try file.tensor("log_tie_parameter", as: Double.self, shape: [1], source: source).scalars
        }
        let first = try file.tensor("pair_first", as: Double.self, source: source).scalars
        let p = first.count
        func column(_ name: String) throws(ModelFileError) -> [Double] {
            try file.tensor(name, as: Double.self, shape: [p], source: source).scalars
        }
        let second = try column("pair_second")
        let firstWins = try column("first_wins"), secondWins = try column("second_wins"), ties = try column("ties")
        var pairOfRecord = [Int32]()
        if let stored = file["pair_of_record"] {
            // −1 marks a record the aggregation left out (a dropped tie).
            pairOfRecord = try storedIndices(stored.tensor(as: Double.self).scalars, from: -1, below: p,
                                             name: "pair_of_record", source: source)
        }
        let firstIndices = try storedIndices(first, below: n, name: "pair_first", source: source)
        let secondIndices = try storedIndices(second, below: n, name: "pair_second", source: source)
        for q in 0..<p where !(firstIndices[q] < secondIndices[q]) {
            throw ModelFileError(file: source, reason: .corrupt("pair \(q) is not first < second"))
        }
        let k = covariateNames.count
        var covariates: [Double] = []
        if k > 0 { covariates = try file.tensor("covariates", as: Double.self, shape: [p, k], source: source).scalars }
        if !covariates.allSatisfy(\.isFinite) { throw ModelFileError(file: source, reason: .corrupt("'covariates' holds a non-finite value")) }
        let data = AggregatedComparisons(itemCount: n, first: firstIndices, second: secondIndices, firstWins: firstWins,
                                         secondWins: secondWins, ties: ties, pairOfRecord: pairOfRecord,
                                         covariateCount: k, covariates: covariates)
        self.init(items: items, parameters: parameters, configuration: configuration, report: report, data: data,
                  comparisonCount: count, covariateNames: covariateNames, covariateScales: covariateScales,
                  normalization: normalization)
    }

    /// Writes the model file atomically (see ``modelFile(extraMetadata:)``).
    public func write(to url: URL) throws(ModelFileError) { try modelFile().write(to: url) }

    /// Reads a model file written by ``write(to:)``.
    public init(contentsOf url: URL) throws(ModelFileError) {
        try self.init(modelFile: ModelFile.read(from: url), source: url.path)
    }
}

extension BradleyTerry.Configuration {
    /// The configuration as model-file metadata.
    var metadata: [String: JSONValue] {
        var m: [String: JSONValue] = [
            "l2": .number(l2Penalty), "link": .string(link.rawValue), "ties": .string(ties.rawValue),
            "solver": .string(solver.rawValue), "gradient_tolerance": .number(gradientTolerance), "parallel": .bool(parallel),
        ]
        m["maximum_iterations"] = maximumIterations.map { .number(Double($0)) } ?? .null
        if covariatePenalty != 0 { m["covariate_penalty"] = .number(covariatePenalty) }
        return m
    }

    /// Reads the configuration back from model-file metadata.
    init(metadata: [String: JSONValue], source: String) throws(ModelFileError) {
        func fail(_ detail: String) -> ModelFileError { ModelFileError(file: source, reason: .invalidMetadata(detail)) }
        guard let l2 = metadata["l2"]?.doubleValue, l2 >= 0 else { throw fail("'l2' must be a number ≥ 0") }
        let link: BradleyTerry.Link = try enumValue(metadata, "link", source: source)
        let ties: BradleyTerry.TieModel = try enumValue(metadata, "ties", source: source)
        let solver: BradleyTerry.Solver = try enumValue(metadata, "solver", source: source)
        guard let tolerance = metadata["gradient_tolerance"]?.doubleValue, tolerance > 0 else {
            throw fail("'gradient_tolerance' must be a positive number")
        }
        guard let parallel = metadata["parallel"]?.boolValue else { throw fail("'parallel' must be a boolean") }
        var maximumIterations: Int? = nil
        if let value = metadata["maximum_iterations"], value != .null {
            guard let limit = value.intValue, limit >= 1 else { throw fail("'maximum_iterations' must be null or an integer ≥ 1") }
            maximumIterations = limit
        }
        var covariatePenalty = 0.0
        if let value = metadata["covariate_penalty"] {
            guard let mu = value.doubleValue, mu >= 0, mu.isFinite else { throw fail("'covariate_penalty' must be a number ≥ 0") }
            covariatePenalty = mu
        }
        self.init(l2Penalty: l2, link: link, ties: ties, solver: solver, gradientTolerance: tolerance,
                  maximumIterations: maximumIterations, parallel: parallel, covariatePenalty: covariatePenalty)
    }
}

extension BradleyTerryFitReport {
    /// The report as one metadata object (stop reason and solver as their raw strings).
    var metadata: JSONValue {
        [
            "solver": .string(solver.rawValue), "iterations": .number(Double(iterations)),
            "inner_iterations": .number(Double(innerIterations)), "objective": .number(objective),
            "log_likelihood": .number(logLikelihood), "max_abs_gradient": .number(maxAbsGradient),
            "stop_reason": .string(stopReason.rawValue), "converged": .bool(converged), "seconds": .number(seconds),
        ]
    }

    /// Reads a report written by ``metadata``.
    init(metadata value: JSONValue, source: String) throws(ModelFileError) {
        func fail(_ detail: String) -> ModelFileError { ModelFileError(file: source, reason: .invalidMetadata("report: \(detail)")) }
        guard let fields = value.objectValue else { throw fail("not an object") }
        func number(_ key: String) throws(ModelFileError) -> Double {
            guard let x = fields[key]?.doubleValue else { throw fail("'\(key)' must be a number") }
            return x
        }
        func count(_ key: String) throws(ModelFileError) -> Int {
            guard let x = fields[key]?.intValue, x >= 0 else { throw fail("'\(key)' must be an integer ≥ 0") }
            return x
        }
        let solver: BradleyTerryFitReport.Solver = try enumValue(fields, "solver", source: source)
        let stop: StopReason = try enumValue(fields, "stop_reason", source: source)
        guard let converged = fields["converged"]?.boolValue else { throw fail("'converged' must be a boolean") }
        self.init(solver: solver, iterations: try count("iterations"), innerIterations: try count("inner_iterations"),
                  objective: try number("objective"), logLikelihood: try number("log_likelihood"),
                  maxAbsGradient: try number("max_abs_gradient"), stopReason: stop, converged: converged,
                  seconds: fields["seconds"]?.doubleValue ?? 0)
    }
}

/// Throws unless the metadata names `family` at `version`.
func requireFamily(_ metadata: [String: JSONValue], family: String, version: Int, source: String) throws(ModelFileError) {
    guard metadata["family"]?.stringValue == family else {
        throw ModelFileError(file: source, reason: .invalidMetadata("'family' must be '\(family)'"))
    }
    guard let found = metadata["version"]?.intValue, found == version else {
        throw ModelFileError(file: source, reason: .invalidMetadata(
            "'version' \(metadata["version"]?.serialized() ?? "missing") is not the supported version \(version)"))
    }
}

/// The `items` list of a model file (at least two distinct names).
func itemNames(_ metadata: [String: JSONValue], source: String) throws(ModelFileError) -> [String] {
    guard let values = metadata["items"]?.arrayValue else {
        throw ModelFileError(file: source, reason: .invalidMetadata("'items' must be a list of names"))
    }
    let names = values.compactMap(\.stringValue)
    guard names.count == values.count, names.count >= 2, Set(names).count == names.count else {
        throw ModelFileError(file: source, reason: .invalidMetadata("'items' must list at least two distinct names"))
    }
    return names
}

/// A metadata string read as an enum case.
func enumValue<E: RawRepresentable & CaseIterable>(_ metadata: [String: JSONValue], _ key: String, source: String)
    throws(ModelFileError) -> E where E.RawValue == String {
    guard let raw = metadata[key]?.stringValue, let value = E(rawValue: raw) else {
        throw ModelFileError(file: source, reason: .invalidMetadata(
            "'\(key)' must be one of \(E.allCases.map(\.rawValue))"))
    }
    return value
}

/// Stored F64 indices as Int32, each an integer in lower..<bound.
func storedIndices(_ values: [Double], from lower: Int = 0, below bound: Int, name: String, source: String)
    throws(ModelFileError) -> [Int32] {
    var out = [Int32]()
    out.reserveCapacity(values.count)
    for v in values {
        guard v >= Double(lower), v < Double(bound), v.rounded() == v else {
            throw ModelFileError(file: source, reason: .corrupt("'\(name)' holds \(v), not an index in \(lower)..<\(bound)"))
        }
        out.append(Int32(v))
    }
    return out
}
