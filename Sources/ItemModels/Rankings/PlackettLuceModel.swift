import Dispatch
import Foundation
import FileFormats
import NumericCore
import Optimizers
import PreferenceData
import RewardKitInternals

/// A fitted Plackett–Luce item model (the result of ``PlackettLuce/fit(_:)``).
///
/// `strengths[i]` is the centered log-worth θᵢ of `items[i]` (Σθᵢ = 0): item i is chosen first
/// from a set R with probability e^{θᵢ}/Σ_{j∈R} e^{θⱼ}. With Davidson–Luce ties, ``tieParameters``
/// holds δ₂ … δ_D.
public struct PlackettLuceModel: Sendable {
    /// Item names, in index order.
    public let items: [String]
    /// Centered strengths (log-worths) θ.
    public let strengths: [Double]
    /// log δ_t for t = 2 … D (empty without the Davidson–Luce tie model).
    public let logTieParameters: [Double]
    /// δ_t = e^{η_t} for t = 2 … D (empty without the Davidson–Luce tie model).
    public var tieParameters: [Double] { logTieParameters.map { exp($0) } }
    /// The hyperparameters of the fit.
    public let configuration: PlackettLuce.Configuration
    /// Iterations, objective, log-likelihood, gradient norm and stop reason.
    public let report: BradleyTerryFitReport
    /// The number of rankings fitted.
    public let rankingCount: Int
    /// The choice events the model was fitted to (nil for a model read from a file).
    let choices: PlackettLuceChoices?
    let itemIndex: [String: Int]

    init(items: [String], parameters: [Double], configuration: PlackettLuce.Configuration, report: BradleyTerryFitReport,
         choices: PlackettLuceChoices?, rankingCount: Int) {
        let n = items.count
        self.items = items
        strengths = Array(parameters[0..<n])
        logTieParameters = Array(parameters[n...])
        self.configuration = configuration
        self.report = report
        self.choices = choices
        self.rankingCount = rankingCount
        var index = [String: Int](minimumCapacity: n)
        for (i, name) in items.enumerated() { index[name] = i }
        itemIndex = index
    }

    /// The parameters (θ[, η]) as the solver sees them (without the pseudo-rankings' hypothetical item).
    public var parameters: [Double] { strengths + logTieParameters }

    /// The strength of the item called `name`, if the model knows it.
    public func strength(of name: String) -> Double? { itemIndex[name].map { strengths[$0] } }

    /// The probability that `i` is chosen first from the items `set` (which contains `i`), without ties.
    public func choiceProbability(_ i: Int, from set: [Int]) -> Double {
        let m = set.map { strengths[$0] }.max() ?? 0
        let z = set.reduce(0) { $0 + exp(strengths[$1] - m) }
        return exp(strengths[i] - m) / z
    }

    /// The objective of the fit (pseudo-rankings included) and the solver's start, at the model's parameters.
    func fittedObjective() throws(PlackettLuceError) -> (PlackettLuceObjective, [Double]) {
        guard let choices else {
            throw .unsupportedConfiguration("a model read from a file has no data; refit it to compute intervals")
        }
        var estimator = PlackettLuce(configuration)
        estimator.configuration.parallel = configuration.parallel
        let objective = estimator.objective(for: choices)
        if objective.itemCount > items.count {
            // The hypothetical item's strength is not stored: a warm-started fit of the augmented
            // objective recovers the joint optimum (in one or two Newton steps).
            let solution = try estimator.fit(choices: choices, items: items, initial: parameters, keepAugmented: true)
            return (objective, solution.parameters)
        }
        return (objective, parameters)
    }

    /// The covariance of (θ[, η]) from the inverse penalized Hessian under Σθ = 0: with u = (1ₘ, 0),
    /// Cov = (H + c·uuᵀ)⁻¹ − uuᵀ/(m(λ + cm)) (as for ``BradleyTerryModel/covariance()``); with
    /// pseudo-rankings (m = n + 1 strengths), the rows of the real items are then re-centered
    /// over them.
    ///
    /// - Throws: ``PlackettLuceError/numericalFailure(_:)`` for a singular Hessian, or
    ///   ``PlackettLuceError/unsupportedConfiguration(_:)`` for more than 6,000 parameters or a
    ///   model read from a file.
    public func covariance() throws(PlackettLuceError) -> Tensor<Double> {
        let (objective, x) = try fittedObjective()
        let m = objective.itemCount, dim = objective.dimension, n = items.count
        if dim > 6000 {
            throw .unsupportedConfiguration("Hessian standard errors for \(dim) parameters need an O(n³) inverse; use bootstrap intervals")
        }
        let evaluation = objective.evaluate(x)
        let shift = objective.centeringShift(evaluation)
        let h = objective.denseHessian(evaluation, shift: shift)
        let inverse: Tensor<Double>
        do throws(LinearAlgebraError) { inverse = try h.cholesky().inverse() } catch {
            throw .numericalFailure("the Hessian is singular: \(error)")
        }
        var full = inverse.scalars
        let correction = 1 / (Double(m) * (objective.l2Penalty + shift * Double(m)))
        for i in 0..<m { for j in 0..<m { full[i * dim + j] -= correction } }
        // Keep the real items (and η), re-centering θ over the n real items: C = [I − 11ᵀ/n, 0].
        let kept = Array(0..<n) + Array(m..<dim)
        let k = kept.count
        var out = [Double](repeating: 0, count: k * k)
        for (a, p) in kept.enumerated() { for (b, q) in kept.enumerated() { out[a * k + b] = full[p * dim + q] } }
        if m > n {
            var rowMean = [Double](repeating: 0, count: k)
            for a in 0..<k { for b in 0..<n { rowMean[a] += out[a * k + b] / Double(n) } }
            var grand = 0.0
            for a in 0..<n { grand += rowMean[a] / Double(n) }
            var centered = out
            for a in 0..<k {
                for b in 0..<k {
                    var value = out[a * k + b]
                    if b < n { value -= rowMean[a] }
                    if a < n { value -= rowMean[b] }
                    if a < n && b < n { value += grand }
                    centered[a * k + b] = value
                }
            }
            out = centered
        }
        return Tensor(shape: [k, k], scalars: out)
    }

    /// θ̂ᵢ ± z·SEᵢ intervals with SE from ``covariance()``; the tie parameters' standard errors and
    /// intervals are reported for δ₂ only (``StrengthIntervals/tieInterval`` = exp(η̂₂ ± z·SE)).
    public func hessianIntervals(level: Double = 0.95) throws(PlackettLuceError) -> StrengthIntervals {
        guard level > 0 && level < 1 else { throw .unsupportedConfiguration("level must be in (0, 1), got \(level)") }
        let covariance = try covariance()
        let n = items.count, dim = covariance.shape[0]
        let z = normalQuantile(0.5 + level / 2)
        func standardError(_ q: Int) -> Double { max(covariance.scalars[q * dim + q], 0).squareRoot() }
        let se = (0..<n).map(standardError)
        var tieSE: Double? = nil
        var tieInterval: ClosedRange<Double>? = nil
        if let eta = logTieParameters.first {
            let s = standardError(n)
            tieSE = s
            tieInterval = exp(eta - z * s)...exp(eta + z * s)
        }
        return StrengthIntervals(method: .hessian, level: level, standardErrors: se,
                                 lower: (0..<n).map { strengths[$0] - z * se[$0] },
                                 upper: (0..<n).map { strengths[$0] + z * se[$0] }, replicates: nil,
                                 coefficientStandardErrors: [], coefficientIntervals: [],
                                 tieStandardError: tieSE, tieInterval: tieInterval)
    }

    /// Quasi-standard errors (Firth & de Menezes 2004): qᵢ > 0 with Var(θ̂ᵢ − θ̂ⱼ) ≈ qᵢ² + qⱼ² for
    /// every pair, so that any two items can be compared from one number each. The quasi-variances
    /// qᵢ² minimize Σ_{i<j} (log(qᵢ² + qⱼ²) − log Vᵢⱼ)², Vᵢⱼ = Σᵢᵢ + Σⱼⱼ − 2Σᵢⱼ from
    /// ``covariance()``, by L-BFGS on log qᵢ² from the start qᵢ² = Σᵢᵢ. Returns the qᵢ and the
    /// largest relative error |(qᵢ² + qⱼ²)/Vᵢⱼ − 1| of the approximation over all pairs.
    public func quasiStandardErrors() throws(PlackettLuceError) -> (errors: [Double], maximumRelativeError: Double) {
        let covariance = try covariance()
        let n = items.count, dim = covariance.shape[0]
        let c = covariance.scalars
        var logV = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n where i != j {
            logV[i * n + j] = log(max(c[i * dim + i] + c[j * dim + j] - 2 * c[i * dim + j], 1e-300))
        } }
        let start = (0..<n).map { log(max(c[$0 * dim + $0], 1e-300)) }
        let solver = LBFGS<Double>(gradientTolerance: 1e-10, maximumIterations: 2000)
        let result = solver.minimize(from: start) { (x: [Double], g: inout [Double]) -> Double in
            var f = 0.0
            for i in 0..<n { g[i] = 0 }
            let e = x.map { exp($0) }
            for i in 0..<n {
                for j in (i + 1)..<n {
                    let s = e[i] + e[j]
                    let r = log(s) - logV[i * n + j]
                    f += r * r
                    g[i] += 2 * r * e[i] / s
                    g[j] += 2 * r * e[j] / s
                }
            }
            return f
        }
        let q = result.parameters.map { exp($0) }
        var worst = 0.0
        for i in 0..<n { for j in (i + 1)..<n {
            worst = max(worst, abs((q[i] + q[j]) / exp(logV[i * n + j]) - 1))
        } }
        return (q.map { $0.squareRoot() }, worst)
    }
}

extension PlackettLuce {
    /// The objective of a fit to `choices` (with the pseudo-rankings' hypothetical item, when any).
    func objective(for data: PlackettLuceChoices) -> PlackettLuceObjective {
        let fitted = augmented(data)
        let kernel = configuration.ties == .davidsonLuce ? PlackettLuceTieKernel(fitted, largestTie: data.maximumTieSize) : nil
        return PlackettLuceObjective(choices: fitted, l2Penalty: configuration.l2Penalty, ties: kernel,
                                     parallel: configuration.parallel)
    }

    /// Bootstrap intervals: `samples` resamples of the rankings (with replacement, same number;
    /// rankings of weight 0 carry no choice and are left out), each refitted from the full-data
    /// estimate with the same configuration. Intervals at level 1 − α from the replicate values of
    /// each strength: percentile [q_{α/2}, q_{1−α/2}] or basic [2θ̂ − q_{1−α/2}, 2θ̂ − q_{α/2}];
    /// the standard error is their standard deviation. A replicate whose fit fails (for λ = 0
    /// without pseudo-rankings, most often because its "beats" graph is not strongly connected)
    /// is counted in `failed` and gives no value. Replicate b draws from the b-th generator split
    /// from `SeededGenerator(seed:)`, so results do not depend on the number of threads.
    ///
    /// - Precondition: `model` was fitted to `rankings` with this configuration.
    /// - Throws: ``PlackettLuceError/unsupportedConfiguration(_:)`` for fewer than 2 samples or a
    ///   level outside (0, 1).
    public func bootstrapIntervals(
        _ rankings: RankingSet, model: PlackettLuceModel, samples: Int = 200, level: Double = 0.95, seed: UInt64 = 0,
        interval: StrengthIntervals.BootstrapInterval = .percentile, threads: Int? = nil
    ) throws(PlackettLuceError) -> StrengthIntervals {
        guard samples >= 2 else { throw .unsupportedConfiguration("bootstrap needs at least 2 samples, got \(samples)") }
        guard level > 0 && level < 1 else { throw .unsupportedConfiguration("level must be in (0, 1), got \(level)") }
        precondition(model.items == rankings.items, "bootstrap: the model was fitted to other items")
        let data = model.choices ?? PlackettLuceChoices(rankings)
        let n = model.items.count, chains = data.chainCount
        let full = model.parameters
        let tieCount = full.count - n
        var serial = self
        serial.configuration.parallel = false
        serial.configuration.gradientTolerance = max(configuration.gradientTolerance, 1e-8)
        let estimator = serial
        var master = SeededGenerator(seed: seed)
        let generators = (0..<samples).map { _ in master.split() }
        let values = SharedBuffer(count: samples * full.count)
        let ok = SharedBuffer<UInt8>(count: samples, repeating: 0)
        let workers = max(1, min(samples, threads ?? ProcessInfo.processInfo.activeProcessorCount))
        BLASRuntime.withSingleThread {
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                var b = worker
                while b < samples {
                    var rng = generators[b]
                    var counts = [Double](repeating: 0, count: chains)
                    for _ in 0..<chains { counts[Int.random(in: 0..<chains, using: &rng)] += 1 }
                    let replicate = data.reweighted(counts)
                    if let fit = try? estimator.fit(choices: replicate, items: model.items, initial: full) {
                        for q in 0..<full.count { values.pointer[b * full.count + q] = fit.parameters[q] }
                        ok.pointer[b] = 1
                    }
                    b += workers
                }
            }
        }
        let usable = (0..<samples).filter { ok.pointer[$0] == 1 }
        let failed = samples - usable.count
        func summary(_ q: Int) -> (se: Double?, range: ClosedRange<Double>?) {
            bootstrapSummary(estimate: full[q], values: usable.map { values.pointer[$0 * full.count + q] },
                             level: level, interval: interval)
        }
        let strengthSummaries = (0..<n).map(summary)
        var tieSE: Double? = nil
        var tieInterval: ClosedRange<Double>? = nil
        if tieCount > 0 {
            let s = summary(n)
            tieSE = s.se
            tieInterval = s.range.map { exp($0.lowerBound)...exp($0.upperBound) }
        }
        withExtendedLifetime((values, ok)) {}
        let used = StrengthIntervals.Replicates(used: usable.count, absent: 0, neverWon: 0, unbeaten: 0)
        return StrengthIntervals(method: .bootstrap(samples: samples, failed: failed, interval: interval), level: level,
                                 standardErrors: strengthSummaries.map(\.se), lower: strengthSummaries.map { $0.range?.lowerBound },
                                 upper: strengthSummaries.map { $0.range?.upperBound },
                                 replicates: [StrengthIntervals.Replicates](repeating: used, count: n),
                                 coefficientStandardErrors: [], coefficientIntervals: [],
                                 tieStandardError: tieSE, tieInterval: tieInterval)
    }
}

extension PlackettLuceModel {
    /// The model-file kind of a Plackett–Luce item model.
    public static var modelKind: String { "plackett-luce-items" }
    /// The `family` value in the metadata.
    public static var modelFamily: String { "plackett-luce" }
    /// The `version` value in the metadata.
    public static var modelFormatVersion: Int { 1 }

    /// The model as a `ModelFile`. Metadata: `family`, `version`, `items`, `l2`, `pseudo_rankings`,
    /// `ties`, `solver`, `gradient_tolerance`, `ranking_count` and the fit report (`report`, without
    /// its timing). Tensors (F64): `strengths` (`[n]`) and, with Davidson–Luce ties,
    /// `log_tie_parameters` (`[D − 1]`). The data are not stored: a loaded model predicts but
    /// computes no intervals.
    public func modelFile(extraMetadata: [String: JSONValue] = [:]) -> ModelFile {
        var metadata: [String: JSONValue] = [
            "family": .string(Self.modelFamily), "version": .number(Double(Self.modelFormatVersion)),
            "items": .array(items.map { .string($0) }), "ranking_count": .number(Double(rankingCount)),
            "report": ModelFile.withoutTiming(report.metadata),
            "l2": .number(configuration.l2Penalty), "pseudo_rankings": .number(configuration.pseudoRankings),
            "ties": .string(configuration.ties.rawValue), "solver": .string(configuration.solver.rawValue),
            "gradient_tolerance": .number(configuration.gradientTolerance),
        ]
        for (key, value) in extraMetadata where metadata[key] == nil { metadata[key] = value }
        var file = ModelFile(kind: Self.modelKind, metadata: metadata)
        file.append("strengths", Tensor(strengths))
        if !logTieParameters.isEmpty { file.append("log_tie_parameters", Tensor(logTieParameters)) }
        return file
    }

    /// Reads a model written by ``modelFile(extraMetadata:)``.
    public init(modelFile file: ModelFile, source: String = "model") throws(ModelFileError) {
        try file.requireKind(Self.modelKind, source: source)
        let metadata = file.metadata
        func fail(_ detail: String) -> ModelFileError { ModelFileError(file: source, reason: .invalidMetadata(detail)) }
        try requireFamily(metadata, family: Self.modelFamily, version: Self.modelFormatVersion, source: source)
        let items = try itemNames(metadata, source: source)
        guard let l2 = metadata["l2"]?.doubleValue, l2.isFinite, l2 >= 0 else { throw fail("'l2' must be a number ≥ 0") }
        guard let pseudo = metadata["pseudo_rankings"]?.doubleValue, pseudo.isFinite, pseudo >= 0 else {
            throw fail("'pseudo_rankings' must be a number ≥ 0")
        }
        guard let tolerance = metadata["gradient_tolerance"]?.doubleValue, tolerance > 0 else {
            throw fail("'gradient_tolerance' must be a number > 0")
        }
        guard let count = metadata["ranking_count"]?.intValue, count >= 0 else { throw fail("'ranking_count' must be an integer ≥ 0") }
        let ties: PlackettLuce.TieModel = try enumValue(metadata, "ties", source: source)
        let solver: PlackettLuce.Solver = try enumValue(metadata, "solver", source: source)
        guard let reportValue = metadata["report"] else { throw fail("'report' is missing") }
        let report = try BradleyTerryFitReport(metadata: reportValue, source: source)
        let theta: Tensor<Double> = try file.tensor("strengths", shape: [items.count], source: source)
        var etas: [Double] = []
        if ties == .davidsonLuce {
            let stored: Tensor<Double> = try file.tensor("log_tie_parameters", source: source)
            guard stored.shape.count == 1, stored.shape[0] >= 1 else { throw fail("'log_tie_parameters' must be a vector") }
            etas = stored.scalars
        }
        guard (theta.scalars + etas).allSatisfy(\.isFinite) else {
            throw ModelFileError(file: source, reason: .corrupt("non-finite parameters"))
        }
        self.init(items: items, parameters: theta.scalars + etas,
                  configuration: .init(l2Penalty: l2, pseudoRankings: pseudo, ties: ties, solver: solver, gradientTolerance: tolerance),
                  report: report, choices: nil, rankingCount: count)
    }

    /// Writes the model file to `url` (atomically).
    public func write(to url: URL) throws(ModelFileError) { try modelFile().write(to: url) }
}
