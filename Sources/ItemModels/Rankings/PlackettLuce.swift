import Foundation
import NumericCore
import PreferenceData
import RewardKitInternals

/// Item strengths from rankings by the Plackett–Luce model, fitted by penalized maximum likelihood:
/// a ranking C₁ ≻ C₂ ≻ … has probability Π_places e^{θ_{Cₖ}} / Σ_{j remaining} e^{θⱼ}, partial
/// rankings over the items they rank and top-k rankings with their unranked options in every
/// denominator (exactly, without padding). Ties count as the geometric mean of the tied items'
/// first-choice probabilities (``TieModel/none``, the rankings' analogue of half wins) or by the
/// Davidson–Luce model with one parameter δ_t per tie order t = 2 … D fitted jointly
/// (``TieModel/davidsonLuce``).
///
/// The objective is F(θ[, η]) = −Σ_rankings w·log P(ranking) + (λ/2)‖θ‖², the convention of
/// ``BradleyTerry`` (a ranking of two items is a Bradley–Terry comparison, and the fits agree);
/// strengths are returned centered to mean zero. Pseudo-rankings (R PlackettLuce's `npseudo`) add,
/// for every item, `pseudoRankings` wins and as many losses against a hypothetical item whose
/// strength is fitted with the others and then dropped; they make the maximum-likelihood estimate
/// exist on any data. The math is in Docs/PlackettLuce.md.
///
/// ```swift
/// let rankings = try RankingSet.load(contentsOf: URL(fileURLWithPath: "races.csv"))
/// let model = try PlackettLuce(.init(l2Penalty: 0.01)).fit(rankings)
/// print(model.report.iterations, model.strength(of: "driver7")!)
/// ```
public struct PlackettLuce: Sendable {
    /// How ties inside a ranking enter the likelihood.
    public enum TieModel: String, Sendable, Equatable, CaseIterable, Codable {
        /// No tie parameter: a tie group of t items contributes (1/t)Σ θ_C − log Σ_R e^θ, the
        /// geometric mean of the probabilities that each tied item is chosen first.
        case none
        /// Davidson–Luce: P(C | R) ∝ δ_|C|·(Π_{i∈C} e^{θᵢ})^{1/|C|} over all groups of up to D
        /// remaining items; η_t = log δ_t for t = 2 … D (the largest tie in the data) fitted jointly.
        case davidsonLuce
    }

    /// The optimization algorithm.
    public enum Solver: String, Sendable, Equatable, CaseIterable, Codable {
        /// Newton for n ≤ 1500 parameters, truncated Newton otherwise.
        case automatic
        /// Damped Newton with a dense Cholesky solve per step (the item solvers' Newton).
        case newtonCholesky
        /// Hunter's (2004) MM for Plackett–Luce, extended to the L2 penalty by a 1-D Newton solve
        /// per item (``TieModel/none`` only). Linear convergence.
        case minorizationMaximization
        /// Truncated Newton: conjugate-gradient Newton steps with O(options) Hessian-vector
        /// products per ranking.
        case truncatedNewton
    }

    /// The hyperparameters of a fit.
    public struct Configuration: Sendable, Equatable {
        /// λ in (λ/2)‖θ‖² (0 for the plain maximum-likelihood estimate).
        public var l2Penalty: Double
        /// Wins and losses per item against a hypothetical item (0: none).
        public var pseudoRankings: Double
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

        /// A configuration; the defaults fit the unpenalized model without a tie parameter.
        public init(l2Penalty: Double = 0, pseudoRankings: Double = 0, ties: TieModel = .none, solver: Solver = .automatic,
                    gradientTolerance: Double = 1e-9, maximumIterations: Int? = nil, parallel: Bool = true) {
            self.l2Penalty = l2Penalty
            self.pseudoRankings = pseudoRankings
            self.ties = ties
            self.solver = solver
            self.gradientTolerance = gradientTolerance
            self.maximumIterations = maximumIterations
            self.parallel = parallel
        }

        /// The solver `.automatic` resolves to for `parameters` unknowns.
        public func resolvedSolver(parameters: Int) -> Solver {
            if solver != .automatic { return solver }
            return parameters <= 1500 ? .newtonCholesky : .truncatedNewton
        }

        func validate() throws(PlackettLuceError) {
            if !(l2Penalty.isFinite && l2Penalty >= 0) {
                throw .unsupportedConfiguration("l2Penalty must be finite and ≥ 0, got \(l2Penalty)")
            }
            if !(pseudoRankings.isFinite && pseudoRankings >= 0) {
                throw .unsupportedConfiguration("pseudoRankings must be finite and ≥ 0, got \(pseudoRankings)")
            }
            if !(gradientTolerance > 0) {
                throw .unsupportedConfiguration("gradientTolerance must be > 0, got \(gradientTolerance)")
            }
            if let maximumIterations, maximumIterations < 1 {
                throw .unsupportedConfiguration("maximumIterations must be ≥ 1, got \(maximumIterations)")
            }
            if solver == .minorizationMaximization && ties == .davidsonLuce {
                throw .unsupportedConfiguration("the MM solver fits the model without a tie parameter only")
            }
        }
    }

    /// The hyperparameters.
    public var configuration: Configuration

    /// An estimator with `configuration`.
    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Fits the model to `rankings`.
    ///
    /// - Throws: ``PlackettLuceError`` for no rankings with positive weight, fewer than two items,
    ///   Davidson–Luce ties on data without ties, an unsupported option combination, or — when
    ///   λ = 0 without pseudo-rankings — a "beats" graph that is not strongly connected (the error
    ///   names the components and the items never ranked below or above another). Non-convergence
    ///   is not an error: see ``PlackettLuceModel/report``.
    public func fit(_ rankings: RankingSet) throws(PlackettLuceError) -> PlackettLuceModel {
        let clock = ContinuousClock()
        let start = clock.now
        try configuration.validate()
        if rankings.itemCount < 2 { throw .tooFewItems(rankings.itemCount) }
        let choices = PlackettLuceChoices(rankings)
        var (parameters, report) = try fit(choices: choices, items: rankings.items, initial: nil)
        report.seconds = (clock.now - start).inSeconds
        return PlackettLuceModel(items: rankings.items, parameters: parameters, configuration: configuration,
                                 report: report, choices: choices, rankingCount: rankings.count)
    }

    /// The choices with the pseudo-rankings added: a hypothetical item n with `pseudoRankings`
    /// wins and as many losses against every item (the choices themselves without pseudo-rankings).
    func augmented(_ data: PlackettLuceChoices) -> PlackettLuceChoices {
        let pseudo = configuration.pseudoRankings, n = data.dimension
        guard pseudo > 0 else { return data }
        var fitted = PlackettLuceChoices(dimension: n + 1)
        fitted.append(contentsOf: data)
        for i in 0..<n {
            fitted.append(places: [[i], [n]], weight: pseudo)
            fitted.append(places: [[n], [i]], weight: pseudo)
        }
        return fitted
    }

    /// Fits prepared choice events over `items`; returns (θ centered[, η]) and the report.
    /// `initial` (θ[, η], or with `keepAugmented` the solver's layout including the hypothetical
    /// item) warm-starts the solver; with `keepAugmented` the solver's own vector is returned.
    func fit(choices data: PlackettLuceChoices, items: [String], initial: [Double]?, keepAugmented: Bool = false)
        throws(PlackettLuceError) -> (parameters: [Double], report: BradleyTerryFitReport) {
        try configuration.validate()
        let n = data.dimension
        if n < 2 { throw .tooFewItems(n) }
        if data.chainCount == 0 || !data.chainWeights.contains(where: { $0 > 0 }) { throw .emptyData }
        let modelTies = configuration.ties == .davidsonLuce
        if modelTies && data.maximumTieSize < 2 { throw .tieParameterUndefined }
        if modelTies {
            // The Davidson–Luce denominators enumerate every group of ≤ D remaining items.
            let alternatives = Self.tieAlternatives(data, largestTie: data.maximumTieSize)
            if alternatives > 5e7 {
                throw .unsupportedConfiguration(
                    "Davidson–Luce ties of up to \(data.maximumTieSize) items need \(String(format: "%.3g", alternatives)) "
                    + "alternatives per evaluation (every group of tied size over each remaining set); use --ties none")
            }
        }
        let pseudo = configuration.pseudoRankings
        if configuration.l2Penalty == 0 && pseudo == 0 { try Self.requireStronglyConnected(data, items: items) }
        let objective = objective(for: data)
        let fitted = objective.choices, tieKernel = objective.ties
        let m = fitted.dimension, tieCount = tieKernel?.tieParameterCount ?? 0
        var x = [Double](repeating: 0, count: objective.dimension)
        if let initial {
            precondition(initial.count == n + tieCount || initial.count == m + tieCount,
                         "initial parameters of length \(initial.count)")
            let strengths = initial.count - tieCount
            for i in 0..<strengths { x[i] = initial[i] }
            for t in 0..<tieCount { x[m + t] = initial[strengths + t] }
        } else if let tieKernel {
            // Start δ_t at the share of places that are ties of t items.
            let places = fitted.chainWeights.enumerated().reduce(0.0) { total, entry in
                total + entry.element * Double(fitted.stageBounds[entry.offset + 1] - fitted.stageBounds[entry.offset])
            }
            for t in 0..<tieCount { x[m + t] = log(max(tieKernel.tieCounts[t], 0.5) / places) }
        }
        centerStrengths(&x, itemCount: m)
        let solver = configuration.resolvedSolver(parameters: x.count)
        var warmStartSweeps = 0
        if initial == nil && tieKernel == nil && solver != .minorizationMaximization {
            // Newton from θ = 0 overshoots items that win (or lose) most of their places: their
            // first step is the gradient over a curvature the log-sum-exp soon loses, and the line
            // search then halves every coordinate for many trials. Three MM sweeps (one kernel
            // evaluation each) put every item near its log-odds first, so Newton takes full steps.
            let warm = Self.minorizationMaximization(objective, x, SolverSettings(tolerance: configuration.gradientTolerance,
                                                                                  maximumIterations: 3))
            x = warm.x
            warmStartSweeps = warm.iterations
        }
        let settings = SolverSettings(tolerance: configuration.gradientTolerance,
                                      maximumIterations: configuration.maximumIterations
                                          ?? (solver == .minorizationMaximization ? 100_000 : 100))
        let outcome: NewtonOutcome<PlackettLuceObjective.Evaluation>
        do throws(BradleyTerryError) {
            switch solver {
            case .minorizationMaximization: outcome = Self.minorizationMaximization(objective, x, settings)
            case .truncatedNewton: outcome = try newtonSolve(objective, x, settings, direction: .conjugateGradient)
            case .newtonCholesky, .automatic: outcome = try newtonSolve(objective, x, settings, direction: .cholesky)
            }
        } catch {
            if case .numericalFailure(let detail) = error { throw .numericalFailure(detail) }
            throw .numericalFailure("\(error)")
        }
        var theta = Array(outcome.x[0..<n])
        centerStrengths(&theta, itemCount: n)
        let parameters = keepAugmented ? outcome.x : theta + Array(outcome.x[m...])
        // The log-likelihood of the data alone (pseudo-rankings and penalty excluded).
        var logLikelihood = -outcome.evaluation.negativeLogLikelihood
        if pseudo > 0 {
            logLikelihood = -(tieKernel != nil
                ? PlackettLuceTieKernel(data, largestTie: data.maximumTieSize).evaluate(theta + Array(outcome.x[m...])).negativeLogLikelihood
                : data.negativeLogLikelihood(theta, parallel: configuration.parallel))
        }
        let gmax = maxAbs(outcome.evaluation.gradient)
        let report = BradleyTerryFitReport(
            solver: Self.reportSolver(solver), iterations: outcome.iterations + warmStartSweeps,
            innerIterations: outcome.innerIterations,
            objective: outcome.evaluation.value, logLikelihood: logLikelihood, maxAbsGradient: gmax,
            stopReason: outcome.stopReason, converged: gmax <= configuration.gradientTolerance, seconds: 0)
        return (parameters, report)
    }

    /// Σ over places of Σ_{t ≤ D} C(|R|, t), the Davidson–Luce alternatives of one evaluation.
    static func tieAlternatives(_ data: PlackettLuceChoices, largestTie: Int) -> Double {
        var total = 0.0
        for c in 0..<data.chainCount {
            let length = data.chainBounds[c + 1] - data.chainBounds[c]
            for stage in data.stageBounds[c]..<data.stageBounds[c + 1] {
                let r = length - Int(data.stageStarts[stage])
                var binomial = 1.0
                for t in 1...min(largestTie, r) {
                    binomial *= Double(r - t + 1) / Double(t)
                    total += binomial
                }
            }
            if total > 1e12 { break }
        }
        return total
    }

    static func reportSolver(_ solver: Solver) -> BradleyTerryFitReport.Solver {
        switch solver {
        case .automatic, .newtonCholesky: return .newtonCholesky
        case .minorizationMaximization: return .minorizationMaximization
        case .truncatedNewton: return .truncatedNewton
        }
    }

    /// Hunter's (2004) MM for Plackett–Luce: with Wᵢ the weighted chosen counts and
    /// Bᵢ = Σ_{places whose remaining set holds i} w/Σ_{j∈R} e^{θⱼ}, −log Σ_R e^θ is majorized
    /// (log x ≤ log y + x/y − 1) by a separable surrogate whose i-th term is −Wᵢθ + Bᵢe^θ + (λ/2)θ²
    /// (``minorizationStep(_:b:wins:lambda:shift:)``, shared with Bradley–Terry's MM).
    static func minorizationMaximization(_ objective: PlackettLuceObjective, _ start: [Double],
                                         _ settings: SolverSettings) -> NewtonOutcome<PlackettLuceObjective.Evaluation> {
        let n = objective.itemCount, lambda = objective.l2Penalty
        let wins = objective.choices.chosenCounts
        var theta = start
        var iterations = 0
        var stop = BradleyTerryFitReport.StopReason.maximumIterations
        var evaluation = objective.evaluate(theta)
        while true {
            if maxAbs(evaluation.gradient) <= settings.tolerance { stop = .gradientTolerance; break }
            if iterations >= settings.maximumIterations { stop = .maximumIterations; break }
            iterations += 1
            // The kernel's gradient is e^{θᵢ}·Bᵢ − Wᵢ (+ λθᵢ), so Bᵢ·e^{θᵢ − m} follows from it.
            let m = theta.max() ?? 0
            for i in 0..<n {
                let scaled = (evaluation.gradient[i] - lambda * theta[i] + wins[i]) * exp(m - theta[i])
                theta[i] = minorizationStep(theta[i], b: scaled, wins: wins[i], lambda: lambda, shift: m)
            }
            centerStrengths(&theta, itemCount: n)
            evaluation = objective.evaluate(theta)
        }
        return NewtonOutcome(x: theta, evaluation: evaluation, iterations: iterations, innerIterations: 0, stopReason: stop)
    }

    /// Throws ``PlackettLuceError/noMaximumLikelihood(components:neverBeaten:neverBeating:)``
    /// unless the "beats" graph of the choices is strongly connected. The edges between adjacent
    /// places (and around each tie group, and from the last place to the unranked options) have
    /// the reachability of the full relation "placed above", so O(options) edges per ranking suffice.
    static func requireStronglyConnected(_ data: PlackettLuceChoices, items: [String]) throws(PlackettLuceError) {
        let n = data.dimension
        var first: [Int32] = [], second: [Int32] = [], firstWins: [Double] = [], secondWins: [Double] = [], ties: [Double] = []
        func edge(_ a: Int32, _ b: Int32, tie: Bool) {
            first.append(min(a, b)); second.append(max(a, b))
            firstWins.append(!tie && a < b ? 1 : 0); secondWins.append(!tie && a > b ? 1 : 0); ties.append(tie ? 1 : 0)
        }
        var beaten = [Bool](repeating: false, count: n), beating = beaten
        // A chain of weight 0 (a ranking a bootstrap replicate did not draw) is no evidence.
        for c in 0..<data.chainCount where data.chainWeights[c] > 0 {
            let lo = data.chainBounds[c], hi = data.chainBounds[c + 1]
            var groups: [(range: Range<Int>, isTie: Bool)] = []
            for stage in data.stageBounds[c]..<data.stageBounds[c + 1] {
                let start = lo + Int(data.stageStarts[stage]), size = Int(data.stageChosen[stage])
                groups.append((start..<(start + size), size > 1))
            }
            // The options after the last stored place (the last single item, or the unranked ones).
            if let last = groups.last, last.range.upperBound < hi { groups.append((last.range.upperBound..<hi, false)) }
            for (k, entry) in groups.enumerated() {
                let group = entry.range
                if entry.isTie {
                    for q in group {
                        let next = q + 1 < group.upperBound ? q + 1 : group.lowerBound
                        edge(data.positions[q], data.positions[next], tie: true)
                        beaten[Int(data.positions[q])] = true
                        beating[Int(data.positions[q])] = true
                    }
                }
                if k + 1 < groups.count {
                    for q in group {
                        for r in groups[k + 1].range { edge(data.positions[q], data.positions[r], tie: false) }
                        beating[Int(data.positions[q])] = true
                    }
                    for r in groups[k + 1].range { beaten[Int(data.positions[r])] = true }
                }
            }
        }
        let graph = ComparisonGraph(AggregatedComparisons(itemCount: n, first: first, second: second, firstWins: firstWins,
                                                          secondWins: secondWins, ties: ties))
        if graph.isStronglyConnected { return }
        throw .noMaximumLikelihood(components: graph.components.map { $0.map { items[$0] } },
                                   neverBeaten: (0..<n).filter { !beaten[$0] }.map { items[$0] },
                                   neverBeating: (0..<n).filter { !beating[$0] }.map { items[$0] })
    }
}
