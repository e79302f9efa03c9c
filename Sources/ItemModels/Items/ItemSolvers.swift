import Foundation
import NumericCore
import Optimizers
import PreferenceData
import RewardKitInternals

// The item-model solvers: damped Newton (dense Cholesky or truncated conjugate-gradient steps) and
// Hunter's MM. Derivations in Docs/BradleyTerry.md.

struct SolverSettings {
    var tolerance: Double
    var maximumIterations: Int
}

struct SolverResult {
    var x: [Double]
    var evaluation: PairedComparisonObjective<LogisticPairLikelihood>.Evaluation
    var iterations: Int
    var innerIterations: Int
    var stopReason: BradleyTerryFitReport.StopReason
}

enum NewtonDirection {
    case cholesky
    case conjugateGradient
}

/// One evaluation of an objective the item Newton solvers minimize.
protocol NewtonItemEvaluation {
    /// F(x) (meaningful only when `hasValue`).
    var value: Double { get }
    /// ∇F(x).
    var gradient: [Double] { get }
    /// Whether `value` was computed.
    var hasValue: Bool { get }
}

/// An objective over x = (θ, other parameters) whose first `itemCount` coordinates are strengths
/// invariant to a common shift (Σθ = 0 is imposed by re-centering), with the derivatives the
/// Newton solvers use: Bradley–Terry's ``PairedComparisonObjective`` and the Plackett–Luce objective.
protocol NewtonItemObjective {
    associatedtype Evaluation: NewtonItemEvaluation
    /// n, the strengths.
    var itemCount: Int { get }
    /// The number of parameters.
    var dimension: Int { get }
    /// F and ∇F at x (F only when `value`; the gradient always).
    func evaluate(_ x: [Double], value: Bool) -> Evaluation
    /// The shift c > 0 added along u = (1ₙ, 0) to make the Hessian definite without changing it on Σθ = 0.
    func centeringShift(_ evaluation: Evaluation) -> Double
    /// ∇²F + c·uuᵀ, dense.
    func denseHessian(_ evaluation: Evaluation, shift: Double) -> Tensor<Double>
    /// The diagonal of ∇²F.
    func hessianDiagonal(_ evaluation: Evaluation) -> [Double]
    /// ∇²F·v.
    func hessianVectorProduct(_ evaluation: Evaluation, _ v: [Double]) -> [Double]
}

extension PairedComparisonObjective.Evaluation: NewtonItemEvaluation {}
extension PairedComparisonObjective: NewtonItemObjective {}

/// The end of a Newton solve.
struct NewtonOutcome<Evaluation> {
    var x: [Double]
    var evaluation: Evaluation
    var iterations: Int
    var innerIterations: Int
    var stopReason: BradleyTerryFitReport.StopReason
}


/// Subtracts the mean of the first `itemCount` entries from them.
func centerStrengths(_ x: inout [Double], itemCount n: Int) {
    guard n > 0 else { return }
    var mean = 0.0
    for i in 0..<n { mean += x[i] }
    mean /= Double(n)
    for i in 0..<n { x[i] -= mean }
}

extension PairedComparisonObjective.Evaluation {
    /// The same evaluation with the generic parameter erased (the fields do not depend on it).
    var erased: PairedComparisonObjective<LogisticPairLikelihood>.Evaluation {
        .init(value: value, negativeLogLikelihood: negativeLogLikelihood, gradient: gradient, curvature: curvature,
              crossCurvature: crossCurvature, tieCurvature: tieCurvature, hessianDiagonal: hessianDiagonal,
              hasValue: hasValue)
    }
}

/// Damped Newton on F with an Armijo backtracking line search; strengths are re-centered after
/// every step (this never increases F: the likelihood is shift-invariant and ‖θ‖² is smallest at mean 0).
func newton<L: PairLikelihood>(
    _ objective: PairedComparisonObjective<L>, _ start: [Double], _ settings: SolverSettings,
    direction: NewtonDirection
) throws(BradleyTerryError) -> SolverResult {
    let outcome = try newtonSolve(objective, start, settings, direction: direction)
    return SolverResult(x: outcome.x, evaluation: outcome.evaluation.erased, iterations: outcome.iterations,
                        innerIterations: outcome.innerIterations, stopReason: outcome.stopReason)
}

/// ``newton(_:_:_:direction:)`` for any item objective.
func newtonSolve<O: NewtonItemObjective>(
    _ objective: O, _ start: [Double], _ settings: SolverSettings, direction: NewtonDirection
) throws(BradleyTerryError) -> NewtonOutcome<O.Evaluation> {
    let n = objective.itemCount
    let dim = objective.dimension
    var x = start
    var evaluation = objective.evaluate(x, value: false)
    if !evaluation.value.isFinite { throw .numericalFailure("the objective is not finite at the starting point") }
    var iterations = 0, inner = 0
    var stop = BradleyTerryFitReport.StopReason.maximumIterations
    while true {
        let gmax = maxAbs(evaluation.gradient)
        if gmax <= settings.tolerance { stop = .gradientTolerance; break }
        if iterations >= settings.maximumIterations { stop = .maximumIterations; break }
        iterations += 1
        let g = evaluation.gradient
        var p: [Double]
        switch direction {
        case .cholesky:
            p = try choleskyDirection(objective, evaluation)
        case .conjugateGradient:
            let (d, k) = conjugateGradientDirection(objective, evaluation)
            p = d
            inner += k
        }
        var slope = 0.0
        for k in 0..<dim { slope += g[k] * p[k] }
        if !(slope < 0) {
            p = g.map { -$0 }
            slope = -g.reduce(0) { $0 + $1 * $1 }
        }
        // The full step is tried first and judged by derivatives only (no logarithms): F is
        // convex along the line, so a directional derivative ≤ 0 at x + p means F decreased over
        // the whole step. Otherwise backtrack from the full step with the Armijo condition on
        // values (or F flat to rounding while the gradient shrinks).
        var accepted = false
        var full = x
        for k in 0..<dim { full[k] += p[k] }
        centerStrengths(&full, itemCount: n)
        let fullEvaluation = objective.evaluate(full, value: false)
        if fullEvaluation.value.isFinite {
            var slopeAtFull = 0.0
            for k in 0..<dim { slopeAtFull += fullEvaluation.gradient[k] * p[k] }
            if slopeAtFull <= 0 {
                x = full
                evaluation = fullEvaluation
                accepted = true
            }
        }
        if !accepted {
            if !evaluation.hasValue { evaluation = objective.evaluate(x, value: true) }
            if let step = backtrackingStep(from: x, direction: p, value: evaluation.value, slope: slope, gradientMax: gmax,
                                           recenter: { centerStrengths(&$0, itemCount: n) }, evaluate: { objective.evaluate($0, value: true) },
                                           value: \.value, gradient: \.gradient) {
                x = step.point
                evaluation = step.evaluation
                accepted = true
            }
        }
        if !accepted { stop = .noFurtherProgress; break }
    }
    if !evaluation.hasValue { evaluation = objective.evaluate(x, value: true) }
    return NewtonOutcome(x: x, evaluation: evaluation, iterations: iterations, innerIterations: inner, stopReason: stop)
}

/// The Newton direction −(∇²F + c·uuᵀ)⁻¹∇F by a dense Cholesky factorization (u = (1ₙ, 0, 0));
/// a Levenberg–Marquardt diagonal is added if the factorization fails.
func choleskyDirection<O: NewtonItemObjective>(
    _ objective: O, _ evaluation: O.Evaluation
) throws(BradleyTerryError) -> [Double] {
    let dim = objective.dimension
    let shift = objective.centeringShift(evaluation)
    let meanDiagonal = shift * Double(objective.itemCount)
    var hessian = objective.denseHessian(evaluation, shift: shift)
    let overflow = BradleyTerryError.numericalFailure(
        "the Hessian overflows (weights or covariate values too large); rescale them, e.g. with covariate normalization (--normalize scaled)")
    guard evaluation.gradient.allSatisfy(\.isFinite) else { throw overflow }
    var damping = 0.0
    for _ in 0..<30 {
        do throws(LinearAlgebraError) {
            let factor = try hessian.cholesky()
            let solution = factor.solve(Tensor(evaluation.gradient))
            return solution.scalars.map { -$0 }
        } catch .nonFiniteEntry {
            throw overflow   // damping cannot make an infinite entry finite
        } catch {
            let add = damping == 0 ? 1e-10 * meanDiagonal : damping * 9
            for k in 0..<dim { hessian.scalars[k * dim + k] += add - damping }
            damping = add
        }
    }
    throw .numericalFailure("the Hessian could not be factorized")
}

/// An approximate Newton direction by preconditioned conjugate gradients on ∇²F·p = −∇F, stopped
/// at relative residual min(0.1, ‖∇F‖) (a forcing sequence that keeps Newton's quadratic convergence).
///
/// The preconditioner is the Jacobi diagonal D restricted to Σθ = 0:
/// z = D⁻¹(r − μ·u), μ = (uᵀD⁻¹r)/(uᵀD⁻¹u), which is symmetric positive definite on that subspace
/// and keeps every iterate centered, so the (near-)null direction u of the Hessian is never excited.
func conjugateGradientDirection<O: NewtonItemObjective>(
    _ objective: O, _ evaluation: O.Evaluation
) -> ([Double], Int) {
    let n = objective.itemCount
    let dim = objective.dimension
    let precondition = centeredJacobiPreconditioner(diagonal: objective.hessianDiagonal(evaluation), centeredBlocks: [0..<n])
    var r = evaluation.gradient.map { -$0 }
    // Remove rounding drift along u so the right-hand side lies in the centered subspace.
    var drift = 0.0
    for i in 0..<n { drift += r[i] }
    drift /= Double(n)
    for i in 0..<n { r[i] -= drift }
    let bNorm = r.reduce(0) { $0 + $1 * $1 }.squareRoot()
    return preconditionedConjugateGradient(
        rightHandSide: r, target: min(0.1, bNorm) * bNorm, maximumIterations: max(dim, 10),
        product: { objective.hessianVectorProduct(evaluation, $0) }, precondition: precondition)
}

/// The Jacobi preconditioner D⁻¹ (entries with D ≤ 0 taken as 1) restricted to the subspace on
/// which every block in `centeredBlocks` sums to zero: on a block B, z_B = D_B⁻¹(r_B − m·1) with
/// m = (1ᵀD_B⁻¹r_B)/(1ᵀD_B⁻¹1), so z is centred on B and the map is symmetric positive definite
/// there; other entries are z = D⁻¹r. The truncated-Newton steps of the item solvers (Σθ = 0)
/// and of the per-item Thurstonian fit (mean μ = 0 and mean log σ = 0) use it.
func centeredJacobiPreconditioner(diagonal: [Double], centeredBlocks: [Range<Int>]) -> ([Double]) -> [Double] {
    let inverseDiagonal = diagonal.map { $0 > 0 ? 1 / $0 : 1 }
    let inverseSums = centeredBlocks.map { block in
        var sum = 0.0
        for i in block { sum += inverseDiagonal[i] }
        return sum
    }
    return { r in
        var z = [Double](repeating: 0, count: r.count)
        for q in 0..<r.count { z[q] = r[q] * inverseDiagonal[q] }
        for (block, inverseSum) in zip(centeredBlocks, inverseSums) {
            var m = 0.0
            for i in block { m += r[i] * inverseDiagonal[i] }
            m /= inverseSum
            for i in block { z[i] = (r[i] - m) * inverseDiagonal[i] }
        }
        return z
    }
}

/// Hunter's (2004) MM for Bradley–Terry, generalized to the L2 penalty.
///
/// With Wᵢ the (weighted) wins of item i and Bᵢ = Σ_j n_ij/(e^{θᵢ} + e^{θⱼ}) at the current
/// iterate, −log σ(θᵢ − θⱼ) is majorized (log x ≤ log y + x/y − 1) by a separable surrogate whose
/// i-th term is −Wᵢθ + Bᵢe^θ + (λ/2)θ². Its minimizer solves Bᵢe^θ + λθ = Wᵢ: θ = log(Wᵢ/Bᵢ) for
/// λ = 0 (Hunter's update), and a monotone 1-D Newton iteration otherwise.
func minorizationMaximization(
    _ objective: PairedComparisonObjective<LogisticPairLikelihood>, _ start: [Double], _ settings: SolverSettings
) -> SolverResult {
    let data = objective.data
    let n = data.itemCount
    let lambda = objective.l2Penalty
    var wins = [Double](repeating: 0, count: n)
    var counts = [Double](repeating: 0, count: data.pairCount)
    for q in 0..<data.pairCount {
        wins[Int(data.first[q])] += data.firstWins[q]
        wins[Int(data.second[q])] += data.secondWins[q]
        counts[q] = data.firstWins[q] + data.secondWins[q]
    }
    var theta = start
    var iterations = 0
    var stop = BradleyTerryFitReport.StopReason.maximumIterations
    var b = [Double](repeating: 0, count: n)
    var gradient = [Double](repeating: 0, count: n)
    var e = [Double](repeating: 0, count: n)
    while true {
        let m = theta.max() ?? 0
        for i in 0..<n {
            e[i] = exp(theta[i] - m)
            b[i] = 0
            gradient[i] = lambda * theta[i] - wins[i]
        }
        data.first.withUnsafeBufferPointer { fp in
            data.second.withUnsafeBufferPointer { sp in
                counts.withUnsafeBufferPointer { cp in
                    for q in 0..<cp.count {
                        let i = Int(fp[q]), j = Int(sp[q])
                        let inverse = 1 / (e[i] + e[j])
                        let c = cp[q] * inverse
                        b[i] += c
                        b[j] += c
                        gradient[i] += c * e[i]
                        gradient[j] += c * e[j]
                    }
                }
            }
        }
        if maxAbs(gradient) <= settings.tolerance { stop = .gradientTolerance; break }
        if iterations >= settings.maximumIterations { stop = .maximumIterations; break }
        iterations += 1
        for i in 0..<n { theta[i] = minorizationStep(theta[i], b: b[i], wins: wins[i], lambda: lambda, shift: m) }
        centerStrengths(&theta, itemCount: n)
    }
    let evaluation = objective.evaluate(theta)
    return SolverResult(x: theta, evaluation: evaluation, iterations: iterations, innerIterations: 0, stopReason: stop)
}

/// The minimizer of the separable MM surrogate term −W·t + b·e^{t−m} + (λ/2)t² of one item
/// (Bradley–Terry and Plackett–Luce MM): log(W/b) + m for λ = 0 (Hunter's update), otherwise the
/// root of φ(t) = b·e^{t−m} + λt − W (φ increasing and convex) by Newton from `current`.
func minorizationStep(_ current: Double, b: Double, wins: Double, lambda: Double, shift m: Double) -> Double {
    if lambda == 0 { return m + log(wins / b) }
    var t = current
    for _ in 0..<100 {
        let value = b * exp(t - m)
        let step = (value + lambda * t - wins) / (value + lambda)
        t -= step
        if abs(step) <= 1e-15 * max(1, abs(t)) { break }
    }
    return t
}
