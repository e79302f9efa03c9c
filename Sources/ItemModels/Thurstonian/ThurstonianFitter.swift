import RealModule
import NumericCore
import Optimizers
import PreferenceData
import RewardKitInternals

/// Fits a ``ThurstonianModel`` to hard or soft labels by penalized maximum likelihood, with
/// shared variances (Thurstone Case V) or per-item variances.
///
/// ```swift
/// let fit = try ThurstonianFitter(variance: .perItem, l2Penalty: 0.02).fit(comparisons)
/// print(fit.model.means, fit.report.logLikelihood, fit.report.stopReason)
/// ```
///
/// **Case V (``ThurstonianVariance/shared``)** is one estimator with ``BradleyTerry`` and the
/// ``BradleyTerry/Link/thurstone`` link: P(a ≻ b) = Φ((μ_a − μ_b)/√2) = Φ(θ_a − θ_b) with
/// θ = μ/√2. Labels become aggregated weights — a record (a, b) with label y and weight w adds
/// w·y to "a beat b" and w·(1 − y) to "b beat a" — the fit is ``BradleyTerry/fit(aggregated:items:initial:)``
/// (Newton; ``solver``, ``gradientTolerance``), and the model has μ = √2·θ, σ_i = 1. Its report is
/// the Bradley–Terry report: objective, log-likelihood and max |∂F/∂θ| on the probit scale.
///
/// **Per-item variances (``ThurstonianVariance/perItem``)** minimize ``ThurstonianLikelihood`` by a
/// line-search truncated Newton method: exact Hessian-vector products over the aggregated pairs,
/// Jacobi-preconditioned CG stopped at a forcing tolerance or at negative curvature (the objective
/// is not convex in (μ, log σ)), Armijo backtracking; at most ``maximumIterations`` steps, stopping
/// at max |∇F| ≤ ``gradientTolerance``. Memory and time per step are linear in the number of
/// distinct pairs (no n×n matrix). P(a ≻ b) is unchanged by μ → μ + c and by (μ, σ) → (kμ, kσ);
/// the fit fixes the gauge exactly: μ is centred (mean μ = 0) and the log standard deviations are
/// centred (mean log σ = 0, i.e. the geometric mean of σ is 1). Gradients, Hessian products and
/// steps are projected on that subspace (P = I − 11ᵀ/n per block), so iterates started centred
/// never leave it. The report says `solver == .truncatedNewton`. Being non-convex, the objective
/// can have several local minima on sparse data; the fit returns the stationary point it reaches.
///
/// **One penalty convention**, the Bradley–Terry one: (λ/2)‖θ‖² on the probit-scale strengths
/// θ = μ/√2 (``l2Penalty``; for Case V exactly ``BradleyTerry/Configuration/l2Penalty``), which is
/// (λ/4)‖μ‖² on the means. A penalty λ_μ‖μ‖²/2 on the means (this type's `meanPenalty` before,
/// `rewardkit fit thurstone --mean-penalty`) is λ = 2·λ_μ. Per-item fits add (λ_s/2)‖log σ‖²
/// (``logScalePenalty``). The penalties (Gaussian priors) keep the estimate finite when the
/// comparisons are separable (an item that never loses) and are negligible otherwise.
public struct ThurstonianFitter: Sendable {
    /// Per-item or shared variances.
    public var variance: ThurstonianVariance
    /// λ in (λ/2)‖θ‖², θ = μ/√2 (0 for the maximum-likelihood estimate; Case V then needs a
    /// strongly connected comparison graph).
    public var l2Penalty: Double
    /// λ_s in (λ_s/2)‖log σ‖² (per-item variances only).
    public var logScalePenalty: Double
    /// The Bradley–Terry solver of a Case V fit.
    public var solver: BradleyTerry.Solver
    /// A fit stops when the largest entry of the gradient is at most this (max |∂F/∂θ| for Case V;
    /// max |∂F/∂(μ, log σ)| on the gauge subspace for per-item variances).
    public var gradientTolerance: Double
    /// The most Newton iterations of a per-item fit.
    public var maximumIterations: Int

    /// A fitter; the default penalty λ = 0.02 is the former default `meanPenalty` 0.01 (λ = 2·λ_μ).
    public init(variance: ThurstonianVariance = .perItem, l2Penalty: Double = 2e-2, logScalePenalty: Double = 1e-1,
                solver: BradleyTerry.Solver = .automatic, gradientTolerance: Double = 1e-9,
                maximumIterations: Int = 500) {
        precondition(l2Penalty >= 0 && logScalePenalty >= 0,
                     "ThurstonianFitter: penalties \(l2Penalty), \(logScalePenalty) must be ≥ 0")
        self.variance = variance
        self.l2Penalty = l2Penalty
        self.logScalePenalty = logScalePenalty
        self.solver = solver
        self.gradientTolerance = gradientTolerance
        self.maximumIterations = maximumIterations
    }

    /// The Bradley–Terry estimator a Case V fit runs (the Thurstone link, ties as half wins — a
    /// label ½ is half a win each way).
    public var caseV: BradleyTerry {
        BradleyTerry(.init(l2Penalty: l2Penalty, link: .thurstone, ties: .halfWins, solver: solver,
                           gradientTolerance: gradientTolerance))
    }

    /// Fits the model; `start` (a previous fit over the same items) warm-starts the solver.
    ///
    /// - Throws: ``BradleyTerryError``: fewer than two items, no record of positive weight, or —
    ///   for Case V with λ = 0 — a comparison graph that is not strongly connected (see
    ///   `BradleyTerry.fit(_:)`); a numerical failure of the solver. Non-convergence is not an
    ///   error: see ``ThurstonianFit/report``.
    public func fit(_ data: ProbabilisticComparisons, start: ThurstonianModel? = nil)
        throws(BradleyTerryError) -> ThurstonianFit {
        let clock = ContinuousClock()
        let began = clock.now
        if data.itemCount < 2 { throw .tooFewItems(data.itemCount) }
        if !data.weights.contains(where: { $0 > 0 }) { throw .emptyData }
        let warmStart = start.flatMap { $0.itemCount == data.itemCount ? $0 : nil }
        var fit = variance == .shared ? try fitCaseV(data, start: warmStart) : try fitPerItem(data, start: warmStart)
        fit.report.seconds = (clock.now - began).inSeconds
        return fit
    }

    private func fitCaseV(_ data: ProbabilisticComparisons, start: ThurstonianModel?) throws(BradleyTerryError)
        -> ThurstonianFit {
        let (theta, report) = try caseV.fit(aggregated: Self.aggregatedCounts(data), items: data.items,
                                            initial: start?.probitStrengths)
        return ThurstonianFit(model: ThurstonianModel(items: data.items, probitStrengths: theta), report: report)
    }

    private func fitPerItem(_ data: ProbabilisticComparisons, start: ThurstonianModel?) throws(BradleyTerryError)
        -> ThurstonianFit {
        let n = data.itemCount
        let likelihood = ThurstonianLikelihood(data: data, l2Penalty: l2Penalty, logScalePenalty: logScalePenalty)
        typealias Point = (value: Double, gradient: [Double], curvature: ThurstonianLikelihood.Curvature)
        func evaluate(_ x: [Double]) -> Point {
            var gradient = [Double]()
            var curvature: ThurstonianLikelihood.Curvature? = .init()
            let value = likelihood.evaluate(x, gradient: &gradient, curvature: &curvature)
            Self.centerBlocks(&gradient, itemCount: n)
            return (value, gradient, curvature!)
        }
        var x = [Double](repeating: 0, count: likelihood.parameterCount)
        if let start {
            for i in 0..<n {
                x[i] = start.means[i]
                x[n + i] = Double.log(start.standardDeviations[i])
            }
            Self.centerBlocks(&x, itemCount: n)
        }
        var point = evaluate(x)
        guard point.value.isFinite, point.gradient.allSatisfy(\.isFinite) else {
            throw .numericalFailure("the per-item Thurstonian objective is not finite at the starting point")
        }
        var iterations = 0, inner = 0
        var stop = BradleyTerryFitReport.StopReason.maximumIterations
        while true {
            let gmax = maxAbs(point.gradient)
            if gmax <= gradientTolerance { stop = .gradientTolerance; break }
            if iterations >= maximumIterations { stop = .maximumIterations; break }
            iterations += 1
            let (p, k) = Self.newtonDirection(likelihood, point.curvature, gradient: point.gradient)
            inner += k
            var direction = p
            var slope = zip(point.gradient, p).reduce(0) { $0 + $1.0 * $1.1 }
            if !(slope < 0) {
                direction = point.gradient.map { -$0 }
                slope = -point.gradient.reduce(0) { $0 + $1 * $1 }
            }
            guard let step = backtrackingStep(
                from: x, direction: direction, value: point.value, slope: slope, gradientMax: gmax,
                recenter: { Self.centerBlocks(&$0, itemCount: n) }, evaluate: evaluate,
                value: \.value, gradient: \.gradient)
            else { stop = .noFurtherProgress; break }
            x = step.point
            point = step.evaluation
        }
        let model = likelihood.model(x, items: data.items)
        guard model.means.allSatisfy(\.isFinite),
              model.standardDeviations.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw .numericalFailure("the per-item Thurstonian fit left the range of floating point (σ overflowed or reached 0); "
                                    + "the weights span too many orders of magnitude for this model — rescale them or use --variance shared")
        }
        // The log-likelihood: the same pairs without the penalties (no second aggregation of the records).
        var unpenalized = likelihood
        unpenalized.l2Penalty = 0
        unpenalized.logScalePenalty = 0
        var scratch = [Double]()
        let nll = unpenalized.evaluate(x, gradient: &scratch)
        let report = BradleyTerryFitReport(
            solver: .truncatedNewton, iterations: iterations, innerIterations: inner, objective: point.value,
            logLikelihood: -nll, maxAbsGradient: maxAbs(point.gradient), stopReason: stop,
            converged: stop == .gradientTolerance, seconds: 0)
        return ThurstonianFit(model: model, report: report)
    }

    /// Subtracts each block's mean (the μ block and the log σ block): the gauge of a per-item fit.
    static func centerBlocks(_ v: inout [Double], itemCount n: Int) {
        for b in 0..<2 {
            var mean = 0.0
            for i in 0..<n { mean += v[b * n + i] }
            mean /= Double(n)
            for i in 0..<n { v[b * n + i] -= mean }
        }
    }

    /// A truncated-Newton direction on the gauge subspace (both blocks centred): preconditioned CG
    /// on P∇²F P·p = −P∇F with the exact Hessian, stopped at relative residual min(0.1, ‖P∇F‖) or
    /// at the first direction of non-positive curvature (the per-item objective is not convex;
    /// the CG iterate so far is still a descent direction). The preconditioner is the Gauss–Newton
    /// Jacobi diagonal D restricted to the subspace, z = D⁻¹(r − m·1) per block with
    /// m = (1ᵀD⁻¹r)/(1ᵀD⁻¹1), which keeps every CG iterate centred.
    static func newtonDirection(_ likelihood: ThurstonianLikelihood, _ curvature: ThurstonianLikelihood.Curvature,
                                gradient: [Double]) -> ([Double], Int) {
        let n = likelihood.itemCount
        let precondition = centeredJacobiPreconditioner(diagonal: likelihood.gaussNewtonDiagonal(curvature),
                                                        centeredBlocks: [0..<n, n..<(2 * n)])
        let b = gradient.map { -$0 }
        let bNorm = b.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return preconditionedConjugateGradient(
            rightHandSide: b, target: min(0.1, bNorm) * bNorm, maximumIterations: min(2 * n, 500),
            product: { v in
                var hv = likelihood.hessianVectorProduct(curvature, v)
                centerBlocks(&hv, itemCount: n)
                return hv
            }, precondition: precondition)
    }

    /// Labels as Bradley–Terry counts: record k adds w·y to "first beat second" and w·(1 − y) to
    /// the reverse, per unordered pair (first appearance order, smaller index first), no ties.
    static func aggregatedCounts(_ data: ProbabilisticComparisons) -> AggregatedComparisons {
        let n = data.itemCount
        var slot = [Int: Int]()
        var first = [Int32](), second = [Int32](), firstWins = [Double](), secondWins = [Double]()
        for k in 0..<data.count {
            let a = data.first[k], b = data.second[k], w = data.weights[k], y = data.labels[k]
            let (i, j) = a < b ? (a, b) : (b, a)
            let p: Int
            if let existing = slot[i * n + j] {
                p = existing
            } else {
                p = first.count
                slot[i * n + j] = p
                first.append(Int32(i)); second.append(Int32(j)); firstWins.append(0); secondWins.append(0)
            }
            let (won, lost) = (w * y, w * (1 - y))
            if a < b {
                firstWins[p] += won; secondWins[p] += lost
            } else {
                firstWins[p] += lost; secondWins[p] += won
            }
        }
        return AggregatedComparisons(itemCount: n, first: first, second: second, firstWins: firstWins,
                                     secondWins: secondWins, ties: [Double](repeating: 0, count: first.count))
    }
}

/// A fitted ``ThurstonianModel`` and the report of its fit.
public struct ThurstonianFit: Sendable, Equatable, Codable {
    /// The model (mean μ = 0; σ_i = 1 for Case V, mean log σ = 0 for per-item variances).
    public var model: ThurstonianModel
    /// The fit's facts, in the report type of every item-level fit: the solver (`.truncatedNewton` for per-item variances),
    /// iterations, penalized objective, weighted log-likelihood Σ w[y log P + (1 − y) log(1 − P)],
    /// max |gradient|, stop reason, convergence and seconds.
    public var report: BradleyTerryFitReport

    /// A model and its report.
    public init(model: ThurstonianModel, report: BradleyTerryFitReport) {
        self.model = model
        self.report = report
    }
}
