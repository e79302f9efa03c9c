import Foundation
import NumericCore
import PreferenceData
import RewardKitInternals

/// Item-level paired-comparison models fitted by penalized maximum likelihood: Bradley–Terry
/// (P(i ≻ j) = σ(θᵢ − θⱼ)) or Thurstone–Mosteller Case V (P(i ≻ j) = Φ(θᵢ − θⱼ)), optionally with
/// Davidson or Rao–Kupper ties and with contest covariates ("style control",
/// P(w ≻ l) = σ(θ_w − θ_l + γ·c), see ``fit(_:)-(ArenaBattles)``).
///
/// The objective is F(θ, γ, η) = −Σ_records w·log P(record) + (λ/2)‖θ‖² + (μ/2)‖γ‖², a Gaussian prior
/// of variance 1/λ on each strength (choix's `opt_pairwise(alpha)` penalizes alpha·‖θ‖², so
/// λ = 2·alpha); γ is unpenalized unless μ > 0. Strengths are returned centered to mean zero (for
/// λ > 0 the optimum already is). The math is in Docs/BradleyTerry.md and Docs/Arena.md.
///
/// ```swift
/// let data = try ComparisonSet(csvFile: URL(fileURLWithPath: "battles.csv"))
/// let model = try BradleyTerry(.init(l2Penalty: 1e-4, ties: .davidson)).fit(data)
/// print(model.report.iterations, model.strength(of: "gpt-4")!)
/// ```
public struct BradleyTerry: Sendable {
    /// The pairwise link.
    public enum Link: String, Sendable, Equatable, CaseIterable, Codable {
        /// Bradley–Terry: P(i ≻ j) = σ(θᵢ − θⱼ).
        case bradleyTerry
        /// Thurstone–Mosteller Case V: P(i ≻ j) = Φ(θᵢ − θⱼ).
        case thurstone
    }

    /// How ties enter the likelihood.
    public enum TieModel: String, Sendable, Equatable, CaseIterable, Codable {
        /// No tie parameter; a tie counts as half a win for each side (the Elo / Chatbot Arena convention).
        case halfWins
        /// No tie parameter; tie records are left out.
        case drop
        /// Davidson (1970): P(tie) ∝ ν√(πᵢπⱼ); ν = e^η is fitted jointly with θ.
        case davidson
        /// Rao–Kupper (1967): P(i ≻ j) = πᵢ/(πᵢ + θ_RK·πⱼ); θ_RK = e^η ≥ 1 is fitted jointly with θ.
        case raoKupper
    }

    /// The optimization algorithm.
    public enum Solver: String, Sendable, Equatable, CaseIterable, Codable {
        /// Newton for n ≤ 1500 parameters, truncated Newton otherwise.
        case automatic
        /// Damped Newton with a dense LAPACK Cholesky solve per step (O(n³) per step).
        case newtonCholesky
        /// Hunter's (2004) minorization–maximization, extended to the L2 penalty by a 1-D Newton
        /// solve per item (Bradley–Terry link without a tie parameter only). Linear convergence.
        case minorizationMaximization
        /// Truncated Newton: each step solves the Newton system by conjugate gradients with a
        /// Jacobi preconditioner projected onto Σθ = 0, using O(pairs) Hessian-vector products.
        /// For the Bradley–Terry link without a tie parameter a specialized implementation runs
        /// (one division per pair per evaluation, no exponential; see Docs/BradleyTerry.md).
        case truncatedNewton
    }

    /// The hyperparameters of a fit.
    public struct Configuration: Sendable, Equatable {
        /// λ in (λ/2)‖θ‖² (0 for the plain maximum-likelihood estimate).
        public var l2Penalty: Double
        /// μ in (μ/2)‖γ‖² on the covariate coefficients (0: γ is not penalized; no effect without covariates).
        public var covariatePenalty: Double
        /// The pairwise link.
        public var link: Link
        /// How ties enter.
        public var ties: TieModel
        /// The algorithm.
        public var solver: Solver
        /// Stop when max |∂F/∂x| ≤ this.
        public var gradientTolerance: Double
        /// The iteration limit (nil: 100 for the Newton solvers, 100,000 for MM).
        public var maximumIterations: Int?
        /// Whether the objective may use several threads.
        public var parallel: Bool

        /// A configuration; the defaults fit the unpenalized Bradley–Terry model with ties counted as half wins.
        public init(
            l2Penalty: Double = 0, link: Link = .bradleyTerry, ties: TieModel = .halfWins,
            solver: Solver = .automatic, gradientTolerance: Double = 1e-9, maximumIterations: Int? = nil,
            parallel: Bool = true, covariatePenalty: Double = 0
        ) {
            self.l2Penalty = l2Penalty
            self.covariatePenalty = covariatePenalty
            self.link = link
            self.ties = ties
            self.solver = solver
            self.gradientTolerance = gradientTolerance
            self.maximumIterations = maximumIterations
            self.parallel = parallel
        }

        /// Whether the model has a tie parameter.
        public var hasTieParameter: Bool { ties == .davidson || ties == .raoKupper }

        /// How the aggregation treats tie records.
        public var tieHandling: AggregatedComparisons.TieHandling {
            switch ties {
            case .halfWins: return .halfWins
            case .drop: return .drop
            case .davidson, .raoKupper: return .keep
            }
        }

        /// The solver `.automatic` resolves to for `parameters` unknowns.
        public func resolvedSolver(parameters: Int) -> Solver {
            if solver != .automatic { return solver }
            return parameters <= 1500 ? .newtonCholesky : .truncatedNewton
        }

        func validate() throws(BradleyTerryError) {
            if !(l2Penalty.isFinite && l2Penalty >= 0) {
                throw .unsupportedConfiguration("l2Penalty must be finite and ≥ 0, got \(l2Penalty)")
            }
            if !(covariatePenalty.isFinite && covariatePenalty >= 0) {
                throw .unsupportedConfiguration("covariatePenalty must be finite and ≥ 0, got \(covariatePenalty)")
            }
            if !(gradientTolerance > 0) {
                throw .unsupportedConfiguration("gradientTolerance must be > 0, got \(gradientTolerance)")
            }
            if let maximumIterations, maximumIterations < 1 {
                throw .unsupportedConfiguration("maximumIterations must be ≥ 1, got \(maximumIterations)")
            }
            if link == .thurstone && hasTieParameter {
                throw .unsupportedConfiguration("the Thurstone link supports ties as half wins or dropped, not \(ties.rawValue)")
            }
            if solver == .minorizationMaximization && (link != .bradleyTerry || hasTieParameter) {
                throw .unsupportedConfiguration("the MM solver fits the Bradley–Terry link without a tie parameter only")
            }
        }
    }

    /// The hyperparameters.
    public var configuration: Configuration

    /// An estimator with `configuration`.
    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Fits the model to `comparisons`.
    ///
    /// - Throws: ``BradleyTerryError`` for an empty data set, fewer than two items, a tie model on
    ///   data without ties (or with only ties), an unsupported option combination, or — when λ = 0 —
    ///   a comparison graph that is not strongly connected (the error names the components and the
    ///   items that never won or never lost). Non-convergence is not an error: see ``BradleyTerryModel/report``.
    public func fit(_ comparisons: ComparisonSet) throws(BradleyTerryError) -> BradleyTerryModel {
        let clock = ContinuousClock()
        let start = clock.now
        try configuration.validate()
        if comparisons.itemCount < 2 { throw .tooFewItems(comparisons.itemCount) }
        let data = AggregatedComparisons(comparisons, ties: configuration.tieHandling)
        return try fitModel(aggregated: data, items: comparisons.items, comparisonCount: comparisons.count, since: start)
    }

    /// Fits the model to counts already aggregated with this configuration's
    /// ``Configuration/tieHandling`` (for example merged from the shards of a distributed job);
    /// `comparisonCount` is the number of records they came from. The same fit as
    /// ``fit(_:)`` on the records.
    public func fitModel(aggregated data: AggregatedComparisons, items: [String], comparisonCount: Int)
        throws(BradleyTerryError) -> BradleyTerryModel {
        try configuration.validate()
        if items.count < 2 { throw .tooFewItems(items.count) }
        return try fitModel(aggregated: data, items: items, comparisonCount: comparisonCount, since: ContinuousClock().now)
    }

    private func fitModel(aggregated data: AggregatedComparisons, items: [String], comparisonCount: Int,
                          since start: ContinuousClock.Instant) throws(BradleyTerryError) -> BradleyTerryModel {
        if data.pairCount == 0 { throw .emptyData }
        var (solution, report) = try fit(aggregated: data, items: items, initial: nil)
        report.seconds = (ContinuousClock().now - start).inSeconds
        return BradleyTerryModel(items: items, parameters: solution, configuration: configuration,
                                 report: report, data: data, comparisonCount: comparisonCount)
    }

    /// Fits aggregated counts (with or without covariates); returns the parameter vector
    /// (θ centered, γ[, η]) and the report. `initial` (θ alone, or the full vector) warm-starts the
    /// solver (it is centered first).
    ///
    /// A covariate that is zero in every row with positive weight does not enter the likelihood: its
    /// coefficient is not identified and is returned as 0 (the solver works without that column).
    public func fit(aggregated data: AggregatedComparisons, items: [String], initial: [Double]?)
        throws(BradleyTerryError) -> (parameters: [Double], report: BradleyTerryFitReport) {
        try configuration.validate()
        precondition(items.count == data.itemCount, "\(items.count) item names for \(data.itemCount) items")
        let n = data.itemCount, k = data.covariateCount
        if n < 2 { throw .tooFewItems(n) }
        if k > 0 && configuration.solver == .minorizationMaximization {
            throw .unsupportedConfiguration("the MM solver fits models without covariates only")
        }
        // Weights are ≥ 0, so the total is 0 exactly when no pair has positive weight (this stops
        // at the first positive entry instead of summing every pair).
        if data.pairCount == 0 || !(data.firstWins.contains { $0 > 0 } || data.secondWins.contains { $0 > 0 }
                                    || data.ties.contains { $0 > 0 }) {
            throw .emptyData
        }
        var tieStart = 0.0
        if configuration.hasTieParameter {
            let ties = data.totalTies
            let decisive = data.totalWeight - ties
            if !(ties > 0 && decisive > 0) { throw .tieParameterUndefined(ties: ties, decisive: decisive) }
            let rate = ties / (ties + decisive)
            tieStart = configuration.ties == .davidson ? log(2 * rate / (1 - rate)) : log((1 + rate) / (1 - rate))
        }
        if configuration.l2Penalty == 0 { try ComparisonGraph.requireStronglyConnected(data, items: items) }
        let identified = data.identifiedCovariates()
        let columns = (0..<k).filter { identified[$0] }
        let fitted = data.keepingCovariates(identified)
        let hasTie = configuration.hasTieParameter
        // The start in the solver's layout (θ, identified γ[, η]).
        var x = [Double](repeating: 0, count: n + columns.count)
        if let initial {
            precondition(initial.count == n || initial.count == n + k || initial.count == n + k + 1,
                         "initial parameters of length \(initial.count) for \(n) items and \(k) covariates")
            for i in 0..<n { x[i] = initial[i] }
            if initial.count >= n + k { for (position, a) in columns.enumerated() { x[n + position] = initial[n + a] } }
            if hasTie { x.append(initial.count == n + k + 1 ? initial[n + k] : tieStart) }
            if configuration.ties == .raoKupper && !(x[n + columns.count] > 0) { x[n + columns.count] = tieStart }
        } else if hasTie {
            x.append(tieStart)
        }
        centerStrengths(&x, itemCount: n)
        let solver = configuration.resolvedSolver(parameters: x.count)
        let settings = SolverSettings(tolerance: configuration.gradientTolerance,
                                      maximumIterations: configuration.maximumIterations
                                          ?? (solver == .minorizationMaximization ? 100_000 : 100))
        let lambda = configuration.l2Penalty, mu = configuration.covariatePenalty, parallel = configuration.parallel
        let result: SolverResult
        switch (configuration.link, configuration.ties) {
        case (.bradleyTerry, .davidson):
            result = try solve(PairedComparisonObjective<DavidsonPairLikelihood>(
                data: fitted, l2Penalty: lambda, covariatePenalty: mu, parallel: parallel), x, solver, settings)
        case (.bradleyTerry, .raoKupper):
            result = try solve(PairedComparisonObjective<RaoKupperPairLikelihood>(
                data: fitted, l2Penalty: lambda, covariatePenalty: mu, parallel: parallel), x, solver, settings)
        case (.thurstone, _):
            result = try solve(PairedComparisonObjective<ProbitPairLikelihood>(
                data: fitted, l2Penalty: lambda, covariatePenalty: mu, parallel: parallel), x, solver, settings)
        case (.bradleyTerry, _):
            let objective = PairedComparisonObjective<LogisticPairLikelihood>(
                data: fitted, l2Penalty: lambda, covariatePenalty: mu, parallel: parallel)
            if solver == .minorizationMaximization {
                result = minorizationMaximization(objective, x, settings)
            } else if solver == .truncatedNewton && fitted.covariateCount == 0 {
                result = logisticTruncatedNewton(fitted, l2Penalty: lambda, start: initial == nil ? nil : x,
                                                 parallel: parallel, settings)
            } else {
                result = try solve(objective, x, solver, settings)
            }
        }
        // Back to the full layout: unidentified coefficients are 0.
        var parameters = Array(result.x[0..<n])
        var coefficients = [Double](repeating: 0, count: k)
        for (position, a) in columns.enumerated() { coefficients[a] = result.x[n + position] }
        parameters += coefficients
        if hasTie { parameters.append(result.x[n + columns.count]) }
        let gmax = maxAbs(result.evaluation.gradient)
        let report = BradleyTerryFitReport(
            solver: .init(solver), iterations: result.iterations, innerIterations: result.innerIterations,
            objective: result.evaluation.value, logLikelihood: -result.evaluation.negativeLogLikelihood,
            maxAbsGradient: gmax, stopReason: result.stopReason,
            converged: gmax <= configuration.gradientTolerance, seconds: 0)
        return (parameters, report)
    }

    private func solve<L: PairLikelihood>(
        _ objective: PairedComparisonObjective<L>, _ x: [Double], _ solver: Solver, _ settings: SolverSettings
    ) throws(BradleyTerryError) -> SolverResult {
        switch solver {
        case .truncatedNewton: return try newton(objective, x, settings, direction: .conjugateGradient)
        default: return try newton(objective, x, settings, direction: .cholesky)
        }
    }
}
