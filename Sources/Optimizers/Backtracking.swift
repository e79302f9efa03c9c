import RewardKitInternals

/// Armijo backtracking shared by the Newton-type item and arena solvers: tries `x + t·p` for
/// t = 1, ½, ¼, … (at most 60 halvings), passes each trial through `recenter` (the solvers keep
/// strengths centered), and accepts the first trial whose value meets sufficient decrease,
/// `F ≤ F₀ + 10⁻⁴·t·slope` with `slope = ∇F₀·p < 0`, or is flat to 1e-13 relative while the largest
/// entry of its gradient drops below `gradientMax` (near the optimum F is at rounding and only the
/// gradient still shows progress). Returns the accepted point and its evaluation, or nil when no
/// step qualifies.
package func backtrackingStep<Evaluation>(
    from x: [Double], direction p: [Double], value: Double, slope: Double, gradientMax: Double,
    recenter: (inout [Double]) -> Void, evaluate: ([Double]) -> Evaluation,
    value valueOf: (Evaluation) -> Double, gradient gradientOf: (Evaluation) -> [Double]
) -> (point: [Double], evaluation: Evaluation)? {
    var t = 1.0
    for _ in 0..<60 {
        var trial = x
        for k in trial.indices { trial[k] += t * p[k] }
        recenter(&trial)
        let candidate = evaluate(trial)
        let f = valueOf(candidate)
        if f.isFinite {
            let armijo = f <= value + 1e-4 * t * slope
            let flat = abs(f - value) <= 1e-13 * max(1, abs(value)) && maxAbs(gradientOf(candidate)) < gradientMax
            if armijo || flat { return (trial, candidate) }
        }
        t /= 2
    }
    return nil
}
