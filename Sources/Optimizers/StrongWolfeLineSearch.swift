import NumericCore
import RewardKitInternals

/// A line search for `φ(t) = f(x + t·d)` that returns a step satisfying the strong Wolfe conditions
///
///     φ(t) ≤ φ(0) + c₁·t·φ′(0)          (sufficient decrease)
///     |φ′(t)| ≤ c₂·|φ′(0)|              (curvature)
///
/// with `0 < c₁ < c₂ < 1`, by Nocedal & Wright's Algorithm 3.5 (bracketing) and 3.6 (zoom), using
/// safeguarded cubic interpolation of `φ` and `φ′` at the two ends of the bracket (as PyTorch's
/// `_strong_wolfe`). The bracketing phase extrapolates by cubic interpolation clipped to
/// `[t + 0.01·(t − t_prev), 10·t]`; zoom keeps the new trial at least 10 % of the bracket width
/// away from its ends when the previous trial made insufficient progress.
///
/// A trial with a non-finite value is treated as failing sufficient decrease, so the step shrinks.
/// If the evaluation budget runs out inside zoom, the best point found that satisfies sufficient
/// decrease (if any, with `t > 0`) is accepted; if the bracketing phase never brackets, its last
/// point (which satisfies sufficient decrease) is accepted.
public struct StrongWolfeLineSearch<Scalar: BLASScalar>: Sendable {
    /// The sufficient-decrease constant `c₁`.
    public var sufficientDecrease: Scalar
    /// The curvature constant `c₂`.
    public var curvature: Scalar
    /// The largest number of objective evaluations per search.
    public var maximumEvaluations: Int
    /// The relative noise `ε` of the objective's values (0: exact values). When `ε > 0`, a step is
    /// also accepted under Hager and Zhang's approximate Wolfe conditions: `φ(α) ≤ φ(0) + ε|φ(0)|`
    /// with the strong curvature condition. Near the optimum the decrease per step falls below the
    /// round-off of an objective summed from single-precision products (about 1e-9 relative for a
    /// linear head on float32 features), where the Armijo test only sees noise and the search would
    /// spend its whole budget; the slope, an average of many terms, stays informative there.
    public var valueNoise: Scalar

    /// Defaults `c₁ = 1e-4`, `c₂ = 0.9` (the usual quasi-Newton choice), 25 evaluations.
    public init(sufficientDecrease: Scalar = 1e-4, curvature: Scalar = 0.9, maximumEvaluations: Int = 25,
                valueNoise: Scalar = 0) {
        precondition(sufficientDecrease > 0 && sufficientDecrease < curvature && curvature < 1,
                     "strong Wolfe constants need 0 < c₁ (\(sufficientDecrease)) < c₂ (\(curvature)) < 1")
        precondition(maximumEvaluations >= 1, "line search needs at least one evaluation, got \(maximumEvaluations)")
        precondition(valueNoise >= 0 && valueNoise < 1, "valueNoise must be in [0, 1), got \(valueNoise)")
        self.sufficientDecrease = sufficientDecrease
        self.curvature = curvature
        self.maximumEvaluations = maximumEvaluations
        self.valueNoise = valueNoise
    }

    /// Preallocated buffers: the accepted point and its gradient end up in ``point`` and ``gradient``.
    public struct Workspace: Sendable {
        /// `x + t·d` at the last evaluation, and at the accepted step after a successful search.
        public var point: [Scalar]
        /// `∇f` at ``point``.
        public var gradient: [Scalar]
        /// `∇f` at the low end of the bracket.
        var lowGradient: [Scalar]

        /// Zeroed storage for `count` parameters.
        public init(count: Int) {
            point = [Scalar](repeating: 0, count: count)
            gradient = point
            lowGradient = point
        }
    }

    /// The outcome of ``search(from:value:gradient:direction:slope:initialStep:evaluationBudget:workspace:objective:)``.
    public struct Outcome: Sendable {
        /// Whether an acceptable step was found (then `workspace.point`/`gradient` hold it).
        public var succeeded: Bool
        /// The accepted step `t`.
        public var step: Scalar
        /// `φ(t)`.
        public var value: Scalar
        /// Objective evaluations used.
        public var evaluations: Int
        /// Whether any trial point had a finite value.
        public var sawFiniteValue: Bool
    }

    private struct Trial {
        var step: Scalar
        var value: Scalar
        var slope: Scalar
    }

    /// Searches along `direction` from `x` (where `f = value`, `∇f = gradient`, `φ′(0) = slope < 0`).
    public func search(
        from x: [Scalar], value f0: Scalar, gradient g0: [Scalar], direction d: [Scalar], slope slope0: Scalar,
        initialStep: Scalar, evaluationBudget: Int, workspace: inout Workspace,
        objective: (_ x: [Scalar], _ gradient: inout [Scalar]) -> Scalar
    ) -> Outcome {
        precondition(slope0 < 0, "line search needs a descent direction, got φ′(0) = \(slope0)")
        let n = x.count
        let budget = Swift.min(maximumEvaluations, evaluationBudget)
        let c1 = sufficientDecrease, c2 = curvature
        let directionScale = maxAbs(d)
        let positionScale = Swift.max(maxAbs(x), 1)
        var evaluations = 0
        var sawFinite = false

        func evaluate(_ t: Scalar) -> Trial {
            workspace.point.withUnsafeMutableBufferPointer { p in
                x.withUnsafeBufferPointer { xp in p.baseAddress!.update(from: xp.baseAddress!, count: n) }
                d.withUnsafeBufferPointer { dp in
                    Scalar.axpy(count: n, alpha: t, x: dp.baseAddress!, incx: 1, y: p.baseAddress!, incy: 1)
                }
            }
            var value = objective(workspace.point, &workspace.gradient)
            precondition(workspace.gradient.count == n,
                         "line search objective resized the gradient to \(workspace.gradient.count) entries, expected \(n)")
            evaluations += 1
            var slope = dotProduct(workspace.gradient, d)
            if value.isFinite && slope.isFinite {
                sawFinite = true
            } else {
                value = .infinity
                slope = .nan
            }
            return Trial(step: t, value: value, slope: slope)
        }
        func armijo(_ trial: Trial) -> Bool { trial.value <= f0 + c1 * trial.step * slope0 }
        func wolfeCurvature(_ trial: Trial) -> Bool { abs(trial.slope) <= -c2 * slope0 }
        let noiseBound = f0 + valueNoise * abs(f0)
        func approximateWolfe(_ trial: Trial) -> Bool {
            valueNoise > 0 && trial.value <= noiseBound && wolfeCurvature(trial)
        }
        func success(_ trial: Trial) -> Outcome {
            Outcome(succeeded: true, step: trial.step, value: trial.value, evaluations: evaluations, sawFiniteValue: sawFinite)
        }
        func keepLowGradient() { swapOrCopy(from: workspace.gradient, into: &workspace.lowGradient) }

        // Bracketing phase (Nocedal & Wright, Algorithm 3.5).
        var previous = Trial(step: 0, value: f0, slope: slope0)
        g0.withUnsafeBufferPointer { gp in
            workspace.lowGradient.withUnsafeMutableBufferPointer { lp in
                if n > 0 { lp.baseAddress!.update(from: gp.baseAddress!, count: n) }
            }
        }
        var current = evaluate(initialStep)
        var low: Trial, high: Trial
        while true {
            if approximateWolfe(current) { return success(current) }
            if !armijo(current) || (evaluations > 1 && current.value >= previous.value) {
                // The low end is `previous`, whose gradient is in lowGradient.
                low = previous
                high = current
                break
            }
            if wolfeCurvature(current) { return success(current) }
            if current.slope >= 0 {
                low = current
                high = previous
                keepLowGradient()
                break
            }
            if evaluations >= budget {
                // Never bracketed: the last point satisfies sufficient decrease and lowers f.
                return success(current)
            }
            let minimumStep = current.step + 0.01 * (current.step - previous.step)
            let maximumStep = current.step * 10
            let next = cubicMinimizer(previous, current, lower: minimumStep, upper: maximumStep)
            previous = current
            keepLowGradient()
            current = evaluate(next)
        }

        // Zoom phase (Algorithm 3.6) on the bracket between `low` (Armijo holds, lowest value) and `high`.
        var insufficientProgress = false
        while evaluations < budget {
            let width = abs(high.step - low.step)
            if width * directionScale <= Scalar.ulpOfOne * positionScale { break }
            let lo = Swift.min(low.step, high.step), hi = Swift.max(low.step, high.step)
            var t = cubicMinimizer(low, high, lower: lo, upper: hi)
            let margin = 0.1 * (hi - lo)
            if Swift.min(hi - t, t - lo) < margin {
                if insufficientProgress || t >= hi || t <= lo {
                    t = abs(t - hi) < abs(t - lo) ? hi - margin : lo + margin
                    insufficientProgress = false
                } else {
                    insufficientProgress = true
                }
            } else {
                insufficientProgress = false
            }
            let trial = evaluate(t)
            if approximateWolfe(trial) { return success(trial) }
            if !armijo(trial) || trial.value >= low.value {
                high = trial
            } else {
                if wolfeCurvature(trial) { return success(trial) }
                if trial.slope * (high.step - low.step) >= 0 { high = low }
                low = trial
                keepLowGradient()
            }
        }

        // Budget exhausted or bracket collapsed: accept the low end if it moved.
        guard low.step > 0 && low.value < f0 else {
            return Outcome(succeeded: false, step: 0, value: f0, evaluations: evaluations, sawFiniteValue: sawFinite)
        }
        workspace.point.withUnsafeMutableBufferPointer { p in
            x.withUnsafeBufferPointer { xp in p.baseAddress!.update(from: xp.baseAddress!, count: n) }
            d.withUnsafeBufferPointer { dp in
                Scalar.axpy(count: n, alpha: low.step, x: dp.baseAddress!, incx: 1, y: p.baseAddress!, incy: 1)
            }
        }
        swap(&workspace.gradient, &workspace.lowGradient)
        return success(low)
    }

    /// The minimizer of the cubic interpolating `(t, φ, φ′)` at `a` and `b`, clipped to
    /// `[lower, upper]`; the midpoint of the bounds when the cubic has no minimizer or the data are
    /// not finite (Nocedal & Wright, eq. 3.59).
    private func cubicMinimizer(_ a: Trial, _ b: Trial, lower: Scalar, upper: Scalar) -> Scalar {
        let (x1, f1, g1) = (a.step, a.value, a.slope)
        let (x2, f2, g2) = (b.step, b.value, b.slope)
        // Written as single operations on typed temporaries: the one-expression form took the
        // type checker minutes in generic code.
        let three: Scalar = 3
        let two: Scalar = 2
        let slopeSum: Scalar = g1 + g2
        let secant: Scalar = (f1 - f2) / (x1 - x2)
        let d1: Scalar = slopeSum - three * secant
        let d1Squared: Scalar = d1 * d1
        let d2Squared: Scalar = d1Squared - g1 * g2
        if d2Squared >= 0 {
            let d2: Scalar = d2Squared.squareRoot()
            let t: Scalar
            if x1 <= x2 {
                let numerator: Scalar = g2 + d2 - d1
                let denominator: Scalar = g2 - g1 + two * d2
                t = x2 - (x2 - x1) * (numerator / denominator)
            } else {
                let numerator: Scalar = g1 + d2 - d1
                let denominator: Scalar = g1 - g2 + two * d2
                t = x1 - (x1 - x2) * (numerator / denominator)
            }
            if t.isFinite { return Swift.min(Swift.max(t, lower), upper) }
        }
        return (lower + upper) / 2
    }
}

/// Copies `source` into `destination` (same length) without allocating.
@inline(__always)
func swapOrCopy<Scalar: BLASScalar>(from source: [Scalar], into destination: inout [Scalar]) {
    let n = source.count
    if n == 0 { return }
    destination.withUnsafeMutableBufferPointer { dst in
        source.withUnsafeBufferPointer { src in dst.baseAddress!.update(from: src.baseAddress!, count: n) }
    }
}
