import RealModule
import NumericCore

/// Maximum-likelihood fitting of an ``SVORewardModel`` (θ and β) from slider answers or pairwise
/// allocation choices.
///
/// The fit runs Newton's method on the convex objective in w = β(cos θ, sin θ) (see
/// ``SVOLikelihood``) with a backtracking line search, then reports θ = atan2(w_b, w_a),
/// β = ‖w‖ — the same maximum as a fit in (θ, log β), which is only a reparameterization, but
/// without its non-convexity near β = 0. Standard errors come from the observed information in
/// (θ, ρ = log β): the inverse of the Hessian of the (penalized) negative log-likelihood at the
/// optimum gives Var(θ̂) and Var(ρ̂), and the delta method gives SE(β̂) = β̂·SE(ρ̂).
///
/// Choices that a single angle explains perfectly (every chosen option is the unique maximizer of
/// u_θ for some θ — common with six slider answers) have no finite maximum-likelihood β; the
/// penalty λ (a Gaussian prior of variance 1/λ on w) keeps β finite, and the fit says so in
/// ``SVOFit/choicesAreSeparable``, with the arc of angles consistent with every choice in
/// ``SVOFit/consistentAngles`` (θ̂'s standard errors are then infinite).
public struct SVOFitter: Sendable, Hashable {
    /// λ in (λ/2)‖w‖² = (λ/2)β².
    public var l2Penalty: Double
    /// The largest number of Newton steps.
    public var maximumIterations: Int
    /// Stop when the Newton decrement gᵀH⁻¹g/2 falls below this.
    public var tolerance: Double

    /// A fitter with penalty λ, a cap on Newton steps and the Newton-decrement tolerance.
    public init(l2Penalty: Double = 1e-3, maximumIterations: Int = 100, tolerance: Double = 1e-12) {
        precondition(l2Penalty >= 0, "SVOFitter: l2Penalty \(l2Penalty) must be ≥ 0")
        self.l2Penalty = l2Penalty
        self.maximumIterations = maximumIterations
        self.tolerance = tolerance
    }

    /// Fits θ and β to `choices`.
    public func fit(_ choices: [AllocationChoice]) throws(SVOError) -> SVOFit {
        guard !choices.isEmpty, choices.contains(where: { $0.weight > 0 }) else { throw SVOError.noChoices }
        let likelihood = SVOLikelihood(choices: choices, l2Penalty: l2Penalty)
        var w = [0.0, 0.0]
        var current = likelihood.evaluate(linear: w)
        var iterations = 0
        var converged = false
        while iterations < maximumIterations {
            let step = Self.solve2x2(current.hessian, current.gradient)
            let decrement = 0.5 * (current.gradient[0] * step[0] + current.gradient[1] * step[1])
            if !(decrement > tolerance) {
                converged = true
                break
            }
            iterations += 1
            var t = 1.0
            var accepted = false
            for _ in 0..<60 {
                let trial = [w[0] - t * step[0], w[1] - t * step[1]]
                let next = likelihood.evaluate(linear: trial)
                if next.value.isFinite && next.value <= current.value - 1e-4 * t * 2 * decrement {
                    w = trial
                    current = next
                    accepted = true
                    break
                }
                t *= 0.5
            }
            if !accepted {
                // No decrease along the Newton direction at machine precision: at the optimum.
                converged = true
                break
            }
        }
        let beta = (w[0] * w[0] + w[1] * w[1]).squareRoot()
        let theta = Double.atan2(y: w[1], x: w[0])
        let model = SVORewardModel(angle: theta, rationality: beta)

        // Observed information in (θ, ρ).
        var angleSE = Double.infinity, rhoSE = Double.infinity
        if beta > 0 {
            let polar = likelihood.evaluate(angle: theta, logRationality: Double.log(beta))
            let h = polar.hessian
            let det = h[0] * h[3] - h[1] * h[2]
            if det > 0 && h[0] > 0 {
                angleSE = (h[3] / det).squareRoot()
                rhoSE = (h[0] / det).squareRoot()
            }
        }

        var separable = true
        var correct = 0.0, total = 0.0
        for c in choices where c.weight > 0 {
            let u = c.options.map { model.utility($0) }
            let best = u[c.chosen]
            let strictlyBest = u.indices.allSatisfy { $0 == c.chosen || u[$0] < best - 1e-9 * max(1, abs(best)) }
            if !strictlyBest { separable = false }
            let isArgmax = u.allSatisfy { $0 <= best }
            if isArgmax { correct += c.weight }
            total += c.weight
        }

        var interval: SVOFit.AngleInterval? = nil
        if separable && beta > 0 {
            interval = Self.consistentAngles(choices, around: Angle.degrees(theta))
            // The likelihood is flat in θ across the interval up to the penalty: no standard error.
            angleSE = .infinity
            rhoSE = .infinity
        }
        return SVOFit(model: model, angleStandardError: Angle.degrees(angleSE),
                      rationalityStandardError: beta * rhoSE,
                      logLikelihood: model.logLikelihood(choices),
                      choiceCount: choices.count, iterations: iterations, converged: converged,
                      choicesAreSeparable: separable && beta > 0, trainingAccuracy: correct / total,
                      l2Penalty: l2Penalty, consistentAngles: interval)
    }

    /// The arc of angles (0.05° grid) around `center` for which every chosen option is the unique
    /// maximizer of u_θ in its set.
    static func consistentAngles(_ choices: [AllocationChoice], around center: Double) -> SVOFit.AngleInterval {
        func consistent(_ degrees: Double) -> Bool {
            let m = SVORewardModel(angleDegrees: degrees, rationality: 1)
            for c in choices where c.weight > 0 {
                let u = c.options.map { m.utility($0) }
                let best = u[c.chosen]
                for k in u.indices where k != c.chosen && u[k] >= best - 1e-9 * max(1, abs(best)) { return false }
            }
            return true
        }
        let step = 0.05
        var lower = center, upper = center
        while upper - center < 360 && consistent(upper + step) { upper += step }
        while center - lower < 360 && upper - lower < 360 && consistent(lower - step) { lower -= step }
        return SVOFit.AngleInterval(lower: lower, upper: upper)
    }

    /// Fits only β with θ held at `angleDegrees` (the target value): the rationality with which
    /// the choices pursue that value. β may come out negative (choices that work against it).
    /// Returns β and its standard error from f″(β̂).
    public func fitRationality(_ choices: [AllocationChoice], atAngleDegrees angleDegrees: Double)
        throws(SVOError) -> (rationality: Double, standardError: Double)
    {
        guard !choices.isEmpty, choices.contains(where: { $0.weight > 0 }) else { throw SVOError.noChoices }
        let likelihood = SVOLikelihood(choices: choices, l2Penalty: l2Penalty)
        let theta = Angle.radians(angleDegrees)
        var beta = 0.0
        var current = likelihood.evaluate(rationality: beta, atAngle: theta)
        for _ in 0..<maximumIterations {
            guard current.second > 0 else { break }
            let step = current.first / current.second
            if !(0.5 * current.first * step > tolerance) { break }
            var t = 1.0
            var accepted = false
            for _ in 0..<60 {
                let next = likelihood.evaluate(rationality: beta - t * step, atAngle: theta)
                if next.value.isFinite && next.value <= current.value - 1e-4 * t * current.first * step {
                    beta -= t * step
                    current = next
                    accepted = true
                    break
                }
                t *= 0.5
            }
            if !accepted { break }
        }
        let se = current.second > 0 ? (1 / current.second).squareRoot() : Double.infinity
        return (beta, se)
    }

    /// Solves H·x = g for a symmetric 2×2 H (row-major), adding Levenberg damping when H is not
    /// safely positive definite.
    static func solve2x2(_ h: [Double], _ g: [Double]) -> [Double] {
        var damping = 0.0
        let scale = max(abs(h[0]), abs(h[3]), 1e-300)
        for _ in 0..<40 {
            let a = h[0] + damping, d = h[3] + damping, b = h[1]
            let det = a * d - b * b
            if a > 0 && det > 1e-14 * scale * scale {
                return [(d * g[0] - b * g[1]) / det, (a * g[1] - b * g[0]) / det]
            }
            damping = damping == 0 ? 1e-8 * scale : damping * 10
        }
        return [g[0] / scale, g[1] / scale]
    }
}

/// A fitted ``SVORewardModel`` with standard errors and diagnostics.
public struct SVOFit: Sendable, Hashable, Codable {
    /// The fitted model (θ in (−π, π], β ≥ 0).
    public var model: SVORewardModel
    /// SE(θ̂) in degrees from the observed information (∞ when β̂ = 0 leaves θ unidentified).
    public var angleStandardError: Double
    /// SE(β̂) = β̂·SE(log β̂) by the delta method.
    public var rationalityStandardError: Double
    /// The weighted log-likelihood at the fit (without the penalty).
    public var logLikelihood: Double
    /// The number of choices fitted.
    public var choiceCount: Int
    /// Newton steps taken.
    public var iterations: Int
    /// Whether the Newton decrement reached the tolerance.
    public var converged: Bool
    /// True when the fitted angle makes every chosen option the unique best of its set: the
    /// unpenalized maximum-likelihood β is then infinite, and β̂ reflects the penalty.
    public var choicesAreSeparable: Bool
    /// The weighted share of choices whose chosen option maximizes the fitted utility.
    public var trainingAccuracy: Double
    /// The penalty the fit used.
    public var l2Penalty: Double
    /// For separable choices, the arc of angles (degrees, lower ≤ upper, to a 0.05° grid) at which
    /// every choice is the unique best: the data only bound θ to this arc, and θ̂ inside it is set
    /// by the penalty. Nil otherwise.
    public var consistentAngles: AngleInterval?

    /// An arc of angles in degrees from `lower` counterclockwise to `upper`.
    public struct AngleInterval: Sendable, Hashable, Codable {
        /// The arc's start (degrees).
        public var lower: Double
        /// The arc's end (degrees).
        public var upper: Double
    }

    /// θ̂ in degrees, in (−180°, 180°].
    public var angleDegrees: Double { model.angleDegrees }
    /// β̂.
    public var rationality: Double { model.rationality }
    /// The SVO category of θ̂.
    public var category: SVOCategory { model.category }
}
