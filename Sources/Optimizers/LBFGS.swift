import NumericCore
import RewardKitInternals

/// Limited-memory BFGS (Nocedal 1980; Liu & Nocedal 1989) on a flat parameter vector, with a line
/// search that satisfies the strong Wolfe conditions (``StrongWolfeLineSearch``).
///
/// At iterate `x_k` with gradient `g_k`, the direction is `d_k = −H_k·g_k`, where `H_k` is the
/// inverse-Hessian approximation defined by the last `m` pairs `s_i = x_{i+1} − x_i`,
/// `y_i = g_{i+1} − g_i` and computed by the two-loop recursion (with `ρ_i = 1/(y_iᵀs_i)`):
///
///     q ← g_k
///     for i = k−1 … k−m:  α_i ← ρ_i·s_iᵀq;  q ← q − α_i·y_i
///     r ← γ_k·q,  γ_k = s_{k−1}ᵀy_{k−1} / y_{k−1}ᵀy_{k−1}
///     for i = k−m … k−1:  β ← ρ_i·y_iᵀr;  r ← r + (α_i − β)·s_i
///     d_k = −r
///
/// A pair is stored only when `sᵀy > ε·yᵀy` (machine `ε`), which keeps `H_k` positive definite.
/// All vector work is BLAS `dot`/`axpy`/`scal` on preallocated buffers; an iteration allocates
/// nothing beyond what the objective does. The first step (and any step after a memory reset) is
/// tried at `t = min(1, 1/‖d‖₂)`, later ones at `t = 1`. If the line search fails with a
/// non-empty memory, the memory is cleared and a steepest-descent step is tried before giving up.
///
/// ```swift
/// let solver = LBFGS<Double>(gradientTolerance: 1e-10)
/// let result = solver.minimize(from: [-1.2, 1]) { x, g in
///     let (a, b) = (1 - x[0], x[1] - x[0] * x[0])
///     g[0] = -2 * a - 400 * x[0] * b
///     g[1] = 200 * b
///     return a * a + 100 * b * b
/// }
/// ```
public struct LBFGS<Scalar: BLASScalar>: Sendable {
    /// Why the minimization stopped.
    public enum StopReason: String, Sendable, Equatable, CustomStringConvertible {
        /// `max |∂f/∂xᵢ| ≤ gradientTolerance`: converged.
        case gradientToleranceReached
        /// `(f_k − f_{k+1}) ≤ relativeFunctionTolerance·max(|f_k|, |f_{k+1}|, 1)`: converged.
        case relativeFunctionChange
        /// `maximumIterations` iterations were taken.
        case maximumIterations
        /// `maximumFunctionEvaluations` objective evaluations were used.
        case maximumFunctionEvaluations
        /// No step along the search direction (nor along −g) decreased the objective enough.
        case lineSearchFailed
        /// The objective or its gradient was not finite at the start, or at every trial point of a failed line search.
        case nonFiniteValue

        /// The raw value.
        public var description: String { rawValue }
    }

    /// The outcome of ``minimize(from:objective:)``.
    public struct Result: Sendable {
        /// The final iterate (the best point found).
        public var parameters: [Scalar]
        /// `f` at ``parameters``.
        public var value: Scalar
        /// `∇f` at ``parameters``.
        public var gradient: [Scalar]
        /// `max |∇f|` at ``parameters``.
        public var maximumAbsoluteGradient: Scalar
        /// Iterations (accepted steps) taken.
        public var iterations: Int
        /// Objective evaluations used, including line-search trials.
        public var functionEvaluations: Int
        /// Why it stopped.
        public var stopReason: StopReason

        /// Whether a convergence criterion (gradient or relative function change) was met.
        public var converged: Bool {
            stopReason == .gradientToleranceReached || stopReason == .relativeFunctionChange
        }
    }

    /// The number `m` of stored `(s, y)` pairs.
    public var memory: Int
    /// Stop when `max |∂f/∂xᵢ| ≤` this (an absolute tolerance, as SciPy's `gtol`).
    public var gradientTolerance: Scalar
    /// Stop when the decrease `f_k − f_{k+1}` is at most this times `max(|f_k|, |f_{k+1}|, 1)`.
    public var relativeFunctionTolerance: Scalar
    /// The largest number of iterations.
    public var maximumIterations: Int
    /// The largest number of objective evaluations.
    public var maximumFunctionEvaluations: Int
    /// The line search used along each direction.
    public var lineSearch: StrongWolfeLineSearch<Scalar>

    /// Creates a solver. Defaults: `m = 10`, gradient tolerance `1e-6`, relative function tolerance
    /// `100·ε` (`2.2e-14` in Double), 1000 iterations, 10 000 evaluations, Wolfe constants
    /// `c₁ = 1e-4`, `c₂ = 0.9`.
    public init(
        memory: Int = 10,
        gradientTolerance: Scalar = 1e-6,
        relativeFunctionTolerance: Scalar = 100 * Scalar.ulpOfOne,
        maximumIterations: Int = 1000,
        maximumFunctionEvaluations: Int = 10_000,
        lineSearch: StrongWolfeLineSearch<Scalar> = StrongWolfeLineSearch()
    ) {
        precondition(memory >= 1, "L-BFGS memory must be ≥ 1, got \(memory)")
        precondition(gradientTolerance >= 0 && relativeFunctionTolerance >= 0,
                     "L-BFGS tolerances must be ≥ 0, got \(gradientTolerance), \(relativeFunctionTolerance)")
        precondition(maximumIterations >= 0 && maximumFunctionEvaluations >= 1,
                     "L-BFGS limits must be non-negative, got \(maximumIterations) iterations, \(maximumFunctionEvaluations) evaluations")
        self.memory = memory
        self.gradientTolerance = gradientTolerance
        self.relativeFunctionTolerance = relativeFunctionTolerance
        self.maximumIterations = maximumIterations
        self.maximumFunctionEvaluations = maximumFunctionEvaluations
        self.lineSearch = lineSearch
    }

    /// Minimizes an objective that returns its value and its gradient as a new array.
    public func minimize(
        from start: [Scalar], valueAndGradient: ([Scalar]) -> (value: Scalar, gradient: [Scalar])
    ) -> Result {
        minimize(from: start) { x, gradient in
            let (value, g) = valueAndGradient(x)
            precondition(g.count == x.count, "L-BFGS objective returned \(g.count) gradient entries for \(x.count) parameters")
            gradient = g
            return value
        }
    }

    /// Minimizes `f` from `start`.
    ///
    /// - Parameters:
    ///   - start: the first iterate x₀.
    ///   - objective: `(x, g) -> f(x)`, writing `∇f(x)` into `g` (which has `x.count` entries).
    public func minimize(
        from start: [Scalar], objective: (_ x: [Scalar], _ gradient: inout [Scalar]) -> Scalar
    ) -> Result {
        let n = start.count
        var x = start
        var g = [Scalar](repeating: 0, count: n)
        var f = objective(x, &g)
        precondition(g.count == n, "L-BFGS objective resized the gradient to \(g.count) entries, expected \(n)")
        var evaluations = 1
        func result(_ reason: StopReason, iterations: Int) -> Result {
            Result(parameters: x, value: f, gradient: g, maximumAbsoluteGradient: maxAbs(g),
                   iterations: iterations, functionEvaluations: evaluations, stopReason: reason)
        }
        if !f.isFinite || !g.allSatisfy({ $0.isFinite }) { return result(.nonFiniteValue, iterations: 0) }
        if maxAbs(g) <= gradientTolerance { return result(.gradientToleranceReached, iterations: 0) }

        let m = memory
        var s = [Scalar](repeating: 0, count: m * n)
        var y = [Scalar](repeating: 0, count: m * n)
        var rho = [Scalar](repeating: 0, count: m)
        var alpha = [Scalar](repeating: 0, count: m)
        var stored = 0, newest = -1
        var d = [Scalar](repeating: 0, count: n)
        var workspace = StrongWolfeLineSearch<Scalar>.Workspace(count: n)
        var iterations = 0

        while true {
            if iterations >= maximumIterations { return result(.maximumIterations, iterations: iterations) }
            if evaluations >= maximumFunctionEvaluations {
                return result(.maximumFunctionEvaluations, iterations: iterations)
            }
            twoLoopDirection(g, s: s, y: y, rho: rho, alpha: &alpha, stored: stored, newest: newest, n: n, into: &d)
            var slope = dotProduct(g, d)
            if !(slope < 0) {
                // Not a descent direction (round-off in H): restart from steepest descent.
                stored = 0
                negate(g, into: &d)
                slope = dotProduct(g, d)
                // −‖g‖² can only fail to be negative if ‖g‖² underflows: no usable direction.
                guard slope < 0 else { return result(.lineSearchFailed, iterations: iterations) }
            }
            let initialStep = stored == 0 ? Swift.min(1, 1 / norm2(d)) : 1
            let budget = maximumFunctionEvaluations - evaluations
            let search = lineSearch.search(
                from: x, value: f, gradient: g, direction: d, slope: slope, initialStep: initialStep,
                evaluationBudget: budget, workspace: &workspace, objective: objective)
            evaluations += search.evaluations
            guard search.succeeded else {
                if stored > 0 && evaluations < maximumFunctionEvaluations {
                    stored = 0
                    continue
                }
                return result(search.sawFiniteValue ? .lineSearchFailed : .nonFiniteValue, iterations: iterations)
            }

            // Store s = x⁺ − x and y = g⁺ − g in the next ring slot when the curvature is positive.
            let slot = (newest + 1) % m
            let curvature: Scalar = s.withUnsafeMutableBufferPointer { sp in
                y.withUnsafeMutableBufferPointer { yp in
                    let sSlot = sp.baseAddress! + slot * n, ySlot = yp.baseAddress! + slot * n
                    workspace.point.withUnsafeBufferPointer { xNew in sSlot.update(from: xNew.baseAddress!, count: n) }
                    workspace.gradient.withUnsafeBufferPointer { gNew in ySlot.update(from: gNew.baseAddress!, count: n) }
                    x.withUnsafeBufferPointer { xp in Scalar.axpy(count: n, alpha: -1, x: xp.baseAddress!, incx: 1, y: sSlot, incy: 1) }
                    g.withUnsafeBufferPointer { gp in Scalar.axpy(count: n, alpha: -1, x: gp.baseAddress!, incx: 1, y: ySlot, incy: 1) }
                    let sy = Scalar.dot(count: n, sSlot, 1, ySlot, 1)
                    let yy = Scalar.dot(count: n, ySlot, 1, ySlot, 1)
                    return sy > Scalar.ulpOfOne * yy ? sy : 0
                }
            }
            if curvature > 0 {
                rho[slot] = 1 / curvature
                newest = slot
                stored = Swift.min(stored + 1, m)
            } else if stored == m {
                // The rejected pair overwrote the oldest stored one.
                stored = m - 1
            }

            let previous = f
            swap(&x, &workspace.point)
            swap(&g, &workspace.gradient)
            f = search.value
            iterations += 1

            if maxAbs(g) <= gradientTolerance { return result(.gradientToleranceReached, iterations: iterations) }
            // With noisy values (the line search's `valueNoise` > 0) a change of f below the noise says
            // nothing about convergence: only the gradient test (or the iteration cap) stops then.
            let scale = Swift.max(Swift.max(abs(previous), abs(f)), 1)
            if lineSearch.valueNoise == 0 && previous - f <= relativeFunctionTolerance * scale {
                return result(.relativeFunctionChange, iterations: iterations)
            }
        }
    }

    /// `d = −H·g` by the two-loop recursion over the `stored` most recent pairs (ring buffer ending at `newest`).
    private func twoLoopDirection(
        _ g: [Scalar], s: [Scalar], y: [Scalar], rho: [Scalar], alpha: inout [Scalar],
        stored: Int, newest: Int, n: Int, into d: inout [Scalar]
    ) {
        let m = memory
        d.withUnsafeMutableBufferPointer { dp in
            let q = dp.baseAddress!
            g.withUnsafeBufferPointer { gp in q.update(from: gp.baseAddress!, count: n) }
            if stored > 0 {
                s.withUnsafeBufferPointer { sp in
                    y.withUnsafeBufferPointer { yp in
                        alpha.withUnsafeMutableBufferPointer { ap in
                            var index = newest
                            for _ in 0..<stored {
                                let si = sp.baseAddress! + index * n, yi = yp.baseAddress! + index * n
                                let a = rho[index] * Scalar.dot(count: n, si, 1, UnsafePointer(q), 1)
                                ap[index] = a
                                Scalar.axpy(count: n, alpha: -a, x: yi, incx: 1, y: q, incy: 1)
                                index = (index - 1 + m) % m
                            }
                            let sNew = sp.baseAddress! + newest * n, yNew = yp.baseAddress! + newest * n
                            let gamma = Scalar.dot(count: n, sNew, 1, yNew, 1) / Scalar.dot(count: n, yNew, 1, yNew, 1)
                            Scalar.scal(count: n, alpha: gamma, x: q, incx: 1)
                            for _ in 0..<stored {
                                index = (index + 1) % m
                                let si = sp.baseAddress! + index * n, yi = yp.baseAddress! + index * n
                                let beta = rho[index] * Scalar.dot(count: n, yi, 1, UnsafePointer(q), 1)
                                Scalar.axpy(count: n, alpha: ap[index] - beta, x: si, incx: 1, y: q, incy: 1)
                            }
                        }
                    }
                }
            }
            Scalar.scal(count: n, alpha: -1, x: q, incx: 1)
        }
    }
}

// MARK: Vector helpers (BLAS level 1 on arrays)

@inline(__always)
func dotProduct<Scalar: BLASScalar>(_ a: [Scalar], _ b: [Scalar]) -> Scalar {
    if a.isEmpty { return 0 }
    return a.withUnsafeBufferPointer { ap in
        b.withUnsafeBufferPointer { bp in Scalar.dot(count: a.count, ap.baseAddress!, 1, bp.baseAddress!, 1) }
    }
}

@inline(__always)
func norm2<Scalar: BLASScalar>(_ a: [Scalar]) -> Scalar {
    if a.isEmpty { return 0 }
    return a.withUnsafeBufferPointer { Scalar.nrm2(count: a.count, x: $0.baseAddress!, incx: 1) }
}


@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
func negate<Scalar: BLASScalar>(_ a: [Scalar], into out: inout [Scalar]) {
    let n = a.count
    out.withUnsafeMutableBufferPointer { o in
        a.withUnsafeBufferPointer { p in for i in 0..<n { o[i] = -p[i] } }
    }
}
