import NumericCore
import Optimizers
import PreferenceData
import RewardKitInternals

/// How ``LinearRewardHead/fit(_:solver:objective:start:)`` minimizes the convex full-batch objective.
public enum LinearHeadSolver: Sendable, Equatable {
    /// L-BFGS with a strong-Wolfe line search (Optimizers' `LBFGS`) in Double on the parameter
    /// vector; each evaluation is one fused pass over the design in the data's precision. Stops when
    /// `max|∂L/∂wⱼ| ≤ gradientTolerance` or, on Double designs, the relative decrease falls below
    /// `relativeFunctionTolerance`. On Float designs the objective's values carry round-off noise
    /// (~1e-9 relative): steps are accepted under the approximate Wolfe conditions and only the
    /// gradient tolerance (keep it ≥ 1e-8 there) or `maximumIterations` stops the solver.
    case lbfgs(memory: Int = 10, gradientTolerance: Double = 1e-6, relativeFunctionTolerance: Double = 1e-12,
               maximumIterations: Int = 1000)
    /// Damped Newton: the Hessian `(1/n)Σ σ(zᵢ)σ(−zᵢ)/τ²·dᵢdᵢᵀ (+ centering) + λI` in Double, a LAPACK
    /// Cholesky solve for the step, and backtracking (Armijo) on the step length. Stops when
    /// `max|∂L/∂wⱼ| ≤ gradientTolerance`. Costs n·d² per iteration: for moderate d. Once the
    /// predicted decrease falls below the value's round-off (1e-9 relative on Float designs) full
    /// steps are taken while they shrink the gradient; if they stop doing so the fit ends with stop
    /// reason `noise-floor` (converged only if the gradient tolerance was met).
    case newton(gradientTolerance: Double = 1e-10, maximumIterations: Int = 100)

    /// L-BFGS with the defaults.
    public static var lbfgs: LinearHeadSolver { .lbfgs() }
    /// Newton with the defaults.
    public static var newton: LinearHeadSolver { .newton() }
}

/// The outcome of a full-batch fit of a ``LinearRewardHead``.
public struct LinearHeadFit<Scalar: BLASScalar>: Sendable {
    /// The fitted head.
    public var head: LinearRewardHead<Scalar>
    /// The weights in Double as the solver left them (the head holds them rounded to `Scalar`).
    public var weights: [Double]
    /// The objective at ``weights``.
    public var objectiveValue: Double
    /// `max|∂L/∂wⱼ|` at ``weights``.
    public var maximumAbsoluteGradient: Double
    /// Iterations taken.
    public var iterations: Int
    /// Objective evaluations (passes over the data) used.
    public var functionEvaluations: Int
    /// Whether the solver's convergence test was met.
    public var converged: Bool
    /// Why the solver stopped (its ``LinearHeadStopReason/description`` is the word reports write).
    public var stopReason: LinearHeadStopReason
    /// Wall-clock seconds of the solve (excluding building the design).
    public var seconds: Double
}

/// Why a full-batch linear-head solve stopped.
public enum LinearHeadStopReason: Sendable, Equatable, CustomStringConvertible {
    /// Why Newton's method stopped.
    public enum NewtonStop: String, Sendable, Equatable, CaseIterable {
        /// `max|∂L/∂wⱼ|` reached the gradient tolerance: converged.
        case gradientTolerance = "gradient-tolerance"
        /// The iteration budget was used.
        case maximumIterations = "maximum-iterations"
        /// The Newton decrement fell below what the objective's value can resolve.
        case noiseFloor = "noise-floor"
        /// No step along the Newton direction decreased the objective (optimal to rounding).
        case noDecrease = "no-decrease"
    }

    /// The L-BFGS solver's reason.
    case lbfgs(LBFGS<Double>.StopReason)
    /// Newton's method's reason.
    case newton(NewtonStop)

    /// The word reports write: L-BFGS's raw value (`gradientToleranceReached`, …) or Newton's
    /// (`gradient-tolerance`, `maximum-iterations`, `noise-floor`, `no-decrease`).
    public var description: String {
        switch self {
        case .lbfgs(let reason): return reason.rawValue
        case .newton(let reason): return reason.rawValue
        }
    }
}

/// Why a full-batch fit could not run.
public enum LinearHeadFitError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The data has no pairs.
    case emptyData
    /// The Newton Hessian was not positive definite (add an L2 penalty, or the data is degenerate).
    case singularHessian(leadingMinor: Int)
    /// The objective or its gradient became NaN or infinite.
    case nonFiniteObjective

    /// The error in words, for messages.
    public var description: String {
        switch self {
        case .emptyData: return "no pairs to fit"
        case .singularHessian(let minor):
            return "the Newton Hessian is not positive definite (leading minor \(minor)); add an L2 penalty"
        case .nonFiniteObjective: return "the objective or its gradient is not finite"
        }
    }
}

extension LinearRewardHead {
    /// Fits `w` to all pairs at once by minimizing `objective` (convex for any τ, c, λ ≥ 0; strictly
    /// convex when λ > 0 or the differences span R^d).
    ///
    /// - Parameters:
    ///   - pairs: the training pairs (margins and weights are used when present).
    ///   - solver: L-BFGS (default) or Newton.
    ///   - objective: temperature, centering and L2 penalty.
    ///   - start: the initial weights (zeros when nil).
    public static func fit(
        _ pairs: FeaturePairsView<Scalar>, solver: LinearHeadSolver = .lbfgs,
        objective: BradleyTerryObjective = BradleyTerryObjective(), start: [Double]? = nil
    ) throws(LinearHeadFitError) -> LinearHeadFit<Scalar> {
        guard pairs.count > 0 else { throw .emptyData }
        let design = LinearHeadDesign(pairs, includesSums: objective.centeringCoefficient > 0)
        return try fit(design: design, solver: solver, objective: objective, start: start)
    }

    /// Fits from a prebuilt ``LinearHeadDesign`` (build it once to fit several objectives, or to time
    /// the solve alone).
    public static func fit(
        design: LinearHeadDesign<Scalar>, solver: LinearHeadSolver = .lbfgs,
        objective: BradleyTerryObjective = BradleyTerryObjective(), start: [Double]? = nil
    ) throws(LinearHeadFitError) -> LinearHeadFit<Scalar> {
        try fit(terms: design, solver: solver, objective: objective, start: start)
    }

    /// Fits from any source of the objective's data terms: an in-memory ``LinearHeadDesign``, a
    /// ``StreamedLinearHeadDesign`` over memory-mapped files (out of core), or the all-reduced
    /// terms of a sharded fit. The solver only sees values, gradients and Hessians, so every
    /// source gives the in-memory result up to the order of summation.
    public static func fit(
        terms design: some LinearHeadObjectiveTerms, solver: LinearHeadSolver = .lbfgs,
        objective: BradleyTerryObjective = BradleyTerryObjective(), start: [Double]? = nil
    ) throws(LinearHeadFitError) -> LinearHeadFit<Scalar> {
        guard design.pairCount > 0 else { throw .emptyData }
        let d = design.dimension
        let x0 = start ?? [Double](repeating: 0, count: d)
        precondition(x0.count == d, "LinearRewardHead.fit: start has \(x0.count) weights for dimension \(d)")
        let clock = ContinuousClock()
        let began = clock.now
        var fit: LinearHeadFit<Scalar>
        switch solver {
        case .lbfgs(let memory, let gtol, let ftol, let maxIterations):
            // Float designs sum single-precision products: their values carry ~1e-9 relative noise,
            // so the line search also accepts steps under the approximate Wolfe conditions (ε = 1e-6,
            // Hager and Zhang's default) and only the gradient tolerance stops the solver.
            let noise = Scalar.self == Float.self ? 1e-6 : 0
            let solver = LBFGS<Double>(memory: memory, gradientTolerance: gtol, relativeFunctionTolerance: ftol,
                                       maximumIterations: maxIterations, lineSearch: StrongWolfeLineSearch(valueNoise: noise))
            let result = solver.minimize(from: x0) { x, g in
                var gradient: [Double]? = g
                let value = design.value(at: x, objective: objective, gradient: &gradient)
                g = gradient!
                return value
            }
            guard result.value.isFinite else { throw .nonFiniteObjective }
            fit = LinearHeadFit(
                head: LinearRewardHead(weights: Tensor(result.parameters.map { Scalar($0) }), objective: objective),
                weights: result.parameters, objectiveValue: result.value,
                maximumAbsoluteGradient: result.maximumAbsoluteGradient, iterations: result.iterations,
                functionEvaluations: result.functionEvaluations, converged: result.converged,
                stopReason: .lbfgs(result.stopReason), seconds: 0)
        case .newton(let gtol, let maxIterations):
            fit = try newton(design: design, objective: objective, start: x0, gradientTolerance: gtol,
                             maximumIterations: maxIterations)
        }
        let elapsed = clock.now - began
        fit.seconds = elapsed.inSeconds
        return fit
    }

    /// `H⁻¹g` by Cholesky; when `H` is not numerically positive definite (λ = 0 with collinear or
    /// separable features), the Levenberg–Marquardt step `(H + μI)⁻¹g` with the smallest
    /// `μ = 10⁻¹⁰·m·10ʲ` (`m` the largest diagonal entry, `j = 0…15`) that factorizes.
    ///
    /// - Throws: ``LinearHeadFitError/nonFiniteObjective`` when `H` or the step is not finite,
    ///   ``LinearHeadFitError/singularHessian(leadingMinor:)`` when no shift makes `H` factorize.
    static func regularizedStep(_ hessian: Tensor<Double>, gradient g: [Double]) throws(LinearHeadFitError) -> Tensor<Double> {
        let d = hessian.rowCount
        var shifted = hessian
        var largest = 0.0
        for j in 0..<d { largest = Swift.max(largest, Swift.abs(hessian[j, j])) }
        var mu = 0.0
        var firstMinor = 0
        for attempt in 0...16 {
            if attempt > 0 {
                let next = attempt == 1 ? Swift.max(largest, Double.leastNormalMagnitude) * 1e-10 : mu * 10
                for j in 0..<d { shifted[j, j] += next - mu }
                mu = next
            }
            do {
                let step = try shifted.cholesky().checkedSolve(Tensor(g))
                return step
            } catch {
                switch error {
                case .notPositiveDefinite(let minor): if firstMinor == 0 { firstMinor = minor }
                default: throw .nonFiniteObjective
                }
            }
        }
        throw .singularHessian(leadingMinor: firstMinor)
    }

    /// Damped Newton with a Cholesky solve (Levenberg–Marquardt shifted when the Hessian is
    /// singular, ``regularizedStep(_:gradient:)``) and Armijo backtracking. Every failure is a
    /// typed ``LinearHeadFitError``: a non-finite objective, gradient, Hessian or step is
    /// ``LinearHeadFitError/nonFiniteObjective``.
    static func newton(
        design: some LinearHeadObjectiveTerms, objective: BradleyTerryObjective, start: [Double],
        gradientTolerance: Double, maximumIterations: Int
    ) throws(LinearHeadFitError) -> LinearHeadFit<Scalar> {
        let d = start.count
        var w = start
        var gradient: [Double]? = []
        var value = design.value(at: w, objective: objective, gradient: &gradient)
        var g = gradient!
        var evaluations = 1
        var iterations = 0
        var stop = LinearHeadStopReason.NewtonStop.maximumIterations
        var converged = false
        // Relative size of a decrease the objective's value can still resolve.
        let noiseFloor = Scalar.self == Float.self ? 1e-9 : 1e-15
        while true {
            guard value.isFinite, g.allSatisfy(\.isFinite) else { throw .nonFiniteObjective }
            if maxAbs(g) <= gradientTolerance {
                stop = .gradientTolerance
                converged = true
                break
            }
            if iterations >= maximumIterations { break }
            let hessian = design.hessian(at: w, objective: objective)
            let step = try regularizedStep(hessian, gradient: g)
            // Newton decrement g·H⁻¹g: the expected decrease is half of it.
            let decrement = zip(g, step.scalars).reduce(0) { $0 + $1.0 * $1.1 }
            if decrement / 2 <= noiseFloor * Swift.max(abs(value), 1) {
                // The predicted decrease is below the round-off of the objective's value (Float
                // designs: ~1e-9 relative), so an Armijo test would only compare noise. Near the
                // optimum Newton's full step is right; keep it while it shrinks the gradient.
                var trial = w
                for j in 0..<d { trial[j] -= step.scalars[j] }
                var trialGradient: [Double]? = []
                let trialValue = design.value(at: trial, objective: objective, gradient: &trialGradient)
                evaluations += 1
                iterations += 1
                if trialValue.isFinite, let tg = trialGradient, maxAbs(tg) < maxAbs(g) {
                    w = trial
                    value = trialValue
                    g = tg
                    continue
                }
                stop = .noiseFloor
                converged = maxAbs(g) <= gradientTolerance
                break
            }
            var t = 1.0
            var accepted = false
            var candidate = w
            var candidateGradient: [Double]? = []
            var candidateValue = value
            for _ in 0..<40 {
                for j in 0..<d { candidate[j] = w[j] - t * step.scalars[j] }
                candidateValue = design.value(at: candidate, objective: objective, gradient: &candidateGradient)
                evaluations += 1
                if candidateValue.isFinite && candidateValue <= value - 1e-4 * t * decrement {
                    accepted = true
                    break
                }
                t *= 0.5
            }
            iterations += 1
            if !accepted {
                // No decrease at machine precision: the iterate is optimal to rounding.
                stop = .noDecrease
                converged = decrement < 1e-20 || maxAbs(g) <= gradientTolerance * 1e3
                break
            }
            w = candidate
            value = candidateValue
            g = candidateGradient!
        }
        return LinearHeadFit(
            head: LinearRewardHead(weights: Tensor(w.map { Scalar($0) }), objective: objective),
            weights: w, objectiveValue: value, maximumAbsoluteGradient: maxAbs(g), iterations: iterations,
            functionEvaluations: evaluations, converged: converged, stopReason: .newton(stop), seconds: 0)
    }
}
