import Foundation
import NumericCore
import Optimizers
import PreferenceData
import RewardKitInternals

/// Bradley–Terry ratings with contest covariates ("style control"), as arena leaderboards fit them:
///
///   P(w ≻ l) = σ(θ_w − θ_l + γ·c),
///
/// where c is the covariate row of the battle oriented from the winner (for per-answer features,
/// c = z_w − z_l, so γ·(z_w − z_l) is the advantage an answer's style gives it). θ and γ (and the
/// Davidson or Rao–Kupper tie parameter η when asked) are fitted jointly by damped Newton with a dense
/// Cholesky solve of the (n + k [+ 1])-dimensional Hessian, minimizing
///
///   F = −Σ w·log P(record) + (λ/2)‖θ‖² + (μ/2)‖γ‖²
///
/// with the item model's convention for λ (a Gaussian prior of variance 1/λ on each θᵢ; choix's
/// alpha = λ/2). γ is unpenalized unless `covariatePenalty` μ > 0. Strengths are centered to mean 0.
/// With no covariates this is exactly ``BradleyTerry`` with the logistic link. Math: Docs/Arena.md.
///
/// ```swift
/// let battles = try ArenaBattles(csvFile: "battles.csv",
///                                covariates: CovariateSpecification.parseList("len_a:len_b")!)
/// let model = try ArenaRating(.init(ties: .davidson)).fit(battles)
/// print(model.coefficients, model.coefficientStandardErrors)
/// ```
public struct ArenaRating: Sendable {
    /// The hyperparameters.
    public struct Configuration: Sendable, Equatable {
        /// λ in (λ/2)‖θ‖².
        public var l2Penalty: Double
        /// μ in (μ/2)‖γ‖² (0: γ is not penalized).
        public var covariatePenalty: Double
        /// How ties enter: half wins (the Arena convention), dropped, Davidson or Rao–Kupper.
        public var ties: BradleyTerry.TieModel
        /// Stop when max |∂F/∂x| ≤ this.
        public var gradientTolerance: Double
        /// The Newton iteration limit.
        public var maximumIterations: Int
        /// Whether a large full-data evaluation may use two threads.
        public var parallel: Bool

        public init(l2Penalty: Double = 0, covariatePenalty: Double = 0, ties: BradleyTerry.TieModel = .halfWins,
                    gradientTolerance: Double = 1e-9, maximumIterations: Int = 100, parallel: Bool = true) {
            self.l2Penalty = l2Penalty
            self.covariatePenalty = covariatePenalty
            self.ties = ties
            self.gradientTolerance = gradientTolerance
            self.maximumIterations = maximumIterations
            self.parallel = parallel
        }

        var hasTieParameter: Bool { ties == .davidson || ties == .raoKupper }

        func validate() throws(BradleyTerryError) {
            if !(l2Penalty.isFinite && l2Penalty >= 0) {
                throw .unsupportedConfiguration("l2Penalty must be finite and ≥ 0, got \(l2Penalty)")
            }
            if !(covariatePenalty.isFinite && covariatePenalty >= 0) {
                throw .unsupportedConfiguration("covariatePenalty must be finite and ≥ 0, got \(covariatePenalty)")
            }
            if !(gradientTolerance > 0) { throw .unsupportedConfiguration("gradientTolerance must be > 0") }
            if maximumIterations < 1 { throw .unsupportedConfiguration("maximumIterations must be ≥ 1") }
        }
    }

    public var configuration: Configuration

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Fits θ, γ (and η) to the battles, with standard errors from the inverse penalized Hessian
    /// under Σθ = 0 (skipped above 3,000 parameters).
    ///
    /// - Throws: ``BradleyTerryError``: fewer than two items, no records, a tie model without both
    ///   ties and decisive records, or (λ = 0) a comparison graph that is not strongly connected.
    public func fit(_ battles: ArenaBattles) throws(BradleyTerryError) -> ArenaRatingModel {
        let clock = ContinuousClock()
        let start = clock.now
        try configuration.validate()
        let set = battles.comparisons
        if set.itemCount < 2 { throw .tooFewItems(set.itemCount) }
        let table = ArenaOutcomeTable(battles)
        let data = table.contestData(ties: configuration.ties)
        try checkFittable(data, items: set.items)
        let outcome = try solve(data, start: nil, tolerance: configuration.gradientTolerance,
                                parallel: configuration.parallel, covariance: true)
        var report = outcome.report
        report.seconds = (clock.now - start).inSeconds
        let totals = data.itemTotals()
        return ArenaRatingModel(items: set.items, parameters: outcome.x, covariateNames: battles.covariateNames,
                                covariateScales: battles.covariateScales, normalization: battles.normalization,
                                standardErrors: outcome.standardErrors, configuration: configuration, report: report,
                                table: table, battles: totals.battles, recordCount: set.count)
    }

    /// Throws when the data cannot be fitted (see ``fit(_:)``).
    func checkFittable(_ data: ContestData, items: [String]) throws(BradleyTerryError) {
        var total = 0.0, tieWeight = 0.0
        for u in 0..<data.rowCount {
            total += data.firstWins[u] + data.secondWins[u] + data.ties[u]
            tieWeight += data.ties[u]
        }
        if total == 0 { throw .emptyData }
        if configuration.hasTieParameter && !(tieWeight > 0 && total - tieWeight > 0) {
            throw .tieParameterUndefined(ties: tieWeight, decisive: total - tieWeight)
        }
        if configuration.l2Penalty == 0 { try ComparisonGraph.requireStronglyConnected(data.aggregated, items: items) }
    }

    struct SolveOutcome {
        var x: [Double]
        var report: BradleyTerryFitReport
        /// (θ SEs, γ SEs (nil when not identified), η SE) when asked and computable.
        var standardErrors: ArenaStandardErrors?
    }

    /// Fits `data` (already checked) from `start` (θ[, γ][, η]; missing parts start at 0 / the tie rate).
    func solve(_ data: ContestData, start: [Double]?, tolerance: Double, parallel: Bool, covariance: Bool)
        throws(BradleyTerryError) -> SolveOutcome {
        let lambda = configuration.l2Penalty, mu = configuration.covariatePenalty
        switch configuration.ties {
        case .davidson:
            return try run(ContestObjective<DavidsonPairLikelihood>(data: data, l2Penalty: lambda, covariatePenalty: mu,
                                                                    parallel: parallel), start, tolerance, covariance)
        case .raoKupper:
            return try run(ContestObjective<RaoKupperPairLikelihood>(data: data, l2Penalty: lambda, covariatePenalty: mu,
                                                                     parallel: parallel), start, tolerance, covariance)
        case .halfWins, .drop:
            return try run(ContestObjective<LogisticPairLikelihood>(data: data, l2Penalty: lambda, covariatePenalty: mu,
                                                                    parallel: parallel), start, tolerance, covariance)
        }
    }

    private func run<L: PairLikelihood>(_ objective: ContestObjective<L>, _ start: [Double]?, _ tolerance: Double,
                                        _ covariance: Bool) throws(BradleyTerryError) -> SolveOutcome {
        let data = objective.data
        let n = data.itemCount, k = data.covariateCount, dim = objective.dimension
        var x = start ?? [Double](repeating: 0, count: n + k)
        if x.count == n { x += [Double](repeating: 0, count: k) }
        if L.hasTieParameter && x.count == n + k {
            var tieWeight = 0.0, total = 0.0
            for u in 0..<data.rowCount {
                tieWeight += data.ties[u]
                total += data.firstWins[u] + data.secondWins[u] + data.ties[u]
            }
            let rate = min(max(tieWeight / max(total, 1e-300), 1e-6), 1 - 1e-6)
            x.append(configuration.ties == .davidson ? log(2 * rate / (1 - rate)) : log((1 + rate) / (1 - rate)))
        }
        precondition(x.count == dim, "start of length \(x.count) for a problem of dimension \(dim)")
        centerStrengths(&x, itemCount: n)
        let inactive = objective.unidentifiedCovariates()
        for a in 0..<k where inactive[a] { x[n + a] = 0 }
        let result = try contestNewton(objective, start: x, tolerance: tolerance,
                                       maximumIterations: configuration.maximumIterations, inactive: inactive)
        let gmax = maxAbs(result.evaluation.gradient)
        let report = BradleyTerryFitReport(
            solver: .newtonCholesky, iterations: result.iterations, innerIterations: 0,
            objective: result.evaluation.value, logLikelihood: -result.evaluation.negativeLogLikelihood,
            maxAbsGradient: gmax, stopReason: result.stop, converged: gmax <= tolerance, seconds: 0)
        var errors: ArenaStandardErrors? = nil
        if covariance && dim <= 3000 {
            errors = contestStandardErrors(objective, result.evaluation, inactive: inactive)
        }
        return SolveOutcome(x: result.x, report: report, standardErrors: errors)
    }
}

/// Standard errors of a contest fit.
public struct ArenaStandardErrors: Sendable, Equatable {
    /// SE of each centered θᵢ.
    public var strengths: [Double]
    /// SE of each γ_a (nil when γ_a is not identified: its covariate is zero in every battle).
    public var coefficients: [Double?]
    /// SE of η (nil without a tie parameter).
    public var logTieParameter: Double?
}

/// Cov = (H + c·uuᵀ)⁻¹ − uuᵀ/(n(λ + cn)), u = (1ₙ, 0, 0): the inverse penalized Hessian restricted to
/// Σθ = 0 (H⁺ when λ = 0). Not-identified γ coordinates get a unit diagonal and no SE.
func contestStandardErrors<L: PairLikelihood>(_ objective: ContestObjective<L>, _ evaluation: ContestObjective<L>.Evaluation,
                                              inactive: [Bool]) -> ArenaStandardErrors? {
    let n = objective.itemCount, k = objective.covariateCount, dim = objective.dimension
    let probe = objective.denseHessian(evaluation)
    var meanDiagonal = 0.0
    for i in 0..<n { meanDiagonal += probe.scalars[i * dim + i] }
    let shift = max(meanDiagonal / Double(n), 1e-12) / Double(n)
    var h = objective.denseHessian(evaluation, shift: shift)
    arenaDeactivate(&h, n: n, inactive: inactive)
    guard let inverse = try? h.cholesky().inverse() else { return nil }
    let correction = 1 / (Double(n) * (objective.l2Penalty + shift * Double(n)))
    let strengths = (0..<n).map { max(inverse.scalars[$0 * dim + $0] - correction, 0).squareRoot() }
    let coefficients: [Double?] = (0..<k).map { a in
        inactive[a] ? nil : max(inverse.scalars[(n + a) * dim + n + a], 0).squareRoot()
    }
    let tie: Double? = L.hasTieParameter ? max(inverse.scalars[(dim - 1) * dim + dim - 1], 0).squareRoot() : nil
    return ArenaStandardErrors(strengths: strengths, coefficients: coefficients, logTieParameter: tie)
}

/// Replaces the rows and columns of not-identified γ coordinates by the identity.
func arenaDeactivate(_ h: inout Tensor<Double>, n: Int, inactive: [Bool]) {
    let dim = h.shape[0]
    for (a, off) in inactive.enumerated() where off {
        let q = n + a
        for r in 0..<dim { h.scalars[q * dim + r] = 0; h.scalars[r * dim + q] = 0 }
        h.scalars[q * dim + q] = 1
    }
}

struct ContestNewtonResult<L: PairLikelihood> {
    var x: [Double]
    var evaluation: ContestObjective<L>.Evaluation
    var iterations: Int
    var stop: BradleyTerryFitReport.StopReason
}

/// Damped Newton with a dense Cholesky direction on H + c·uuᵀ (Levenberg–Marquardt diagonal if the
/// factorization fails), Armijo backtracking, and re-centering of θ after every step.
func contestNewton<L: PairLikelihood>(_ objective: ContestObjective<L>, start: [Double], tolerance: Double,
                                      maximumIterations: Int, inactive: [Bool]) throws(BradleyTerryError)
    -> ContestNewtonResult<L> {
    let n = objective.itemCount, dim = objective.dimension
    var x = start
    var evaluation = objective.evaluate(x)
    if !evaluation.value.isFinite { throw .numericalFailure("the objective is not finite at the starting point") }
    var iterations = 0
    var stop = BradleyTerryFitReport.StopReason.maximumIterations
    while true {
        let gmax = maxAbs(evaluation.gradient)
        if gmax <= tolerance { stop = .gradientTolerance; break }
        if iterations >= maximumIterations { stop = .maximumIterations; break }
        iterations += 1
        var g = evaluation.gradient
        for (a, off) in inactive.enumerated() where off { g[n + a] = 0 }
        var meanDiagonal = 0.0
        let probe = objective.denseHessian(evaluation)
        for i in 0..<n { meanDiagonal += probe.scalars[i * dim + i] }
        meanDiagonal = max(meanDiagonal / Double(n), 1e-12)
        var hessian = probe
        for i in 0..<n { for j in 0..<n { hessian.scalars[i * dim + j] += meanDiagonal / Double(n) } }
        arenaDeactivate(&hessian, n: n, inactive: inactive)
        var p: [Double]? = nil
        var damping = 0.0
        for _ in 0..<30 {
            if let factor = try? hessian.cholesky() {
                p = factor.solve(Tensor(g)).scalars.map { -$0 }
                break
            }
            let add = damping == 0 ? 1e-10 * meanDiagonal : damping * 9
            for q in 0..<dim { hessian.scalars[q * dim + q] += add - damping }
            damping = add
        }
        guard var direction = p else { throw .numericalFailure("the Hessian could not be factorized") }
        var slope = 0.0
        for q in 0..<dim { slope += g[q] * direction[q] }
        if !(slope < 0) {
            direction = g.map { -$0 }
            slope = -g.reduce(0) { $0 + $1 * $1 }
        }
        guard let step = backtrackingStep(from: x, direction: direction, value: evaluation.value, slope: slope, gradientMax: gmax,
                                          recenter: { centerStrengths(&$0, itemCount: n) }, evaluate: { objective.evaluate($0) },
                                          value: \.value, gradient: \.gradient) else {
            stop = .noFurtherProgress
            break
        }
        x = step.point
        evaluation = step.evaluation
    }
    return ContestNewtonResult(x: x, evaluation: evaluation, iterations: iterations, stop: stop)
}

extension ContestData {
    /// The rows as ``AggregatedComparisons`` (one entry per row; covariates dropped), for the
    /// connectivity check.
    var aggregated: AggregatedComparisons {
        AggregatedComparisons(itemCount: itemCount, first: first, second: second, firstWins: firstWins,
                              secondWins: secondWins, ties: ties)
    }
}
