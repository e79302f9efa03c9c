import RealModule
import NumericCore

/// The negative log-likelihood of allocation choices under ``SVORewardModel``, with its gradient
/// and Hessian, in two parameterizations.
///
/// **Linear.** With w = (a, b) = β·(cos θ, sin θ) the logit of option k with payoffs
/// x_k = (s_k, o_k) is z_k = w·x_k, so the model is a conditional (multinomial) logit without
/// intercept:
///
///     f(w) = −Σ_c w_c [z_{c,chosen} − log Σ_k e^{z_{c,k}}] + (λ/2)‖w‖²
///     ∇f = −Σ_c w_c (x_{c,chosen} − x̄_c) + λw,    x̄_c = Σ_k p_{c,k} x_{c,k}
///     ∇²f = Σ_c w_c (Σ_k p_{c,k} x_{c,k} x_{c,k}ᵀ − x̄_c x̄_cᵀ) + λI
///
/// f is convex in w (the Hessian is a weighted covariance), so Newton's method from w = 0 finds
/// the global minimum. The penalty (λ/2)‖w‖² = (λ/2)β² is a Gaussian prior on w.
///
/// **Polar.** With (θ, ρ = log β) and w(θ, ρ) = e^ρ(cos θ, sin θ), the Jacobian has columns
/// ∂w/∂θ = (−b, a) and ∂w/∂ρ = (a, b), so with g = ∇f(w)
///
///     ∂f/∂θ = −b·g_a + a·g_b,      ∂f/∂ρ = a·g_a + b·g_b
///     ∂²f/∂θ² = J_θᵀ H J_θ − ∂f/∂ρ,   ∂²f/∂θ∂ρ = J_θᵀ H J_ρ + ∂f/∂θ,   ∂²f/∂ρ² = J_ρᵀ H J_ρ + ∂f/∂ρ.
///
/// Options of all choices are stacked in one (Σ options × 2) payoff matrix so logits and
/// gradients are BLAS matrix–vector products.
public struct SVOLikelihood: Sendable {
    /// Payoffs of every option of every choice, one row (self, other) per option.
    public let payoffs: Tensor<Double>
    /// Row range start of each choice in ``payoffs`` (count + 1 entries).
    public let offsets: [Int]
    /// The row in ``payoffs`` of each choice's chosen option.
    public let chosenRows: [Int]
    /// Each choice's weight.
    public let weights: [Double]
    /// The L2 penalty λ on w = β(cos θ, sin θ).
    public var l2Penalty: Double

    /// The likelihood of `choices` with an L2 penalty.
    public init(choices: [AllocationChoice], l2Penalty: Double = 0) {
        precondition(l2Penalty >= 0, "SVOLikelihood: l2Penalty \(l2Penalty) must be ≥ 0")
        var rows = [Double]()
        var offsets = [0]
        var chosenRows = [Int]()
        for c in choices {
            chosenRows.append(offsets.last! + c.chosen)
            for a in c.options {
                rows.append(a.selfPayoff)
                rows.append(a.otherPayoff)
            }
            offsets.append(offsets.last! + c.options.count)
        }
        payoffs = Tensor(shape: [offsets.last!, 2], scalars: rows)
        self.offsets = offsets
        self.chosenRows = chosenRows
        weights = choices.map(\.weight)
        self.l2Penalty = l2Penalty
    }

    /// The number of choices.
    public var count: Int { chosenRows.count }

    /// f, ∇f and ∇²f (row-major 2×2) at w = (a, b).
    public func evaluate(linear w: [Double]) -> (value: Double, gradient: [Double], hessian: [Double]) {
        precondition(w.count == 2, "SVOLikelihood.evaluate(linear:) takes (a, b), got \(w.count) values")
        let logits = payoffs.matvec(Tensor(w))
        var residual = [Double](repeating: 0, count: payoffs.rowCount)   // w_c (p_k − 1[k = chosen])
        var value = 0.0
        var hessian = [Double](repeating: 0, count: 4)
        let x = payoffs.scalars
        logits.scalars.withUnsafeBufferPointer { z in
            for c in 0..<count {
                let lo = offsets[c], hi = offsets[c + 1]
                var m = -Double.infinity
                for k in lo..<hi { m = max(m, z[k]) }
                var total = 0.0
                for k in lo..<hi { total += Double.exp(z[k] - m) }
                let lse = m + Double.log(total)
                let wc = weights[c]
                value -= wc * (z[chosenRows[c]] - lse)
                var ms = 0.0, mo = 0.0, sss = 0.0, sso = 0.0, soo = 0.0
                for k in lo..<hi {
                    let p = Double.exp(z[k] - lse)
                    residual[k] = wc * p
                    let s = x[2 * k], o = x[2 * k + 1]
                    ms += p * s; mo += p * o
                    sss += p * s * s; sso += p * s * o; soo += p * o * o
                }
                residual[chosenRows[c]] -= wc
                hessian[0] += wc * (sss - ms * ms)
                hessian[1] += wc * (sso - ms * mo)
                hessian[3] += wc * (soo - mo * mo)
            }
        }
        hessian[2] = hessian[1]
        var gradient = payoffs.matvec(Tensor(residual), transposed: true).scalars
        value += 0.5 * l2Penalty * (w[0] * w[0] + w[1] * w[1])
        gradient[0] += l2Penalty * w[0]
        gradient[1] += l2Penalty * w[1]
        hessian[0] += l2Penalty
        hessian[3] += l2Penalty
        return (value, gradient, hessian)
    }

    /// f, ∇f and ∇²f (row-major 2×2) at (θ in radians, ρ = log β).
    public func evaluate(angle theta: Double, logRationality rho: Double)
        -> (value: Double, gradient: [Double], hessian: [Double])
    {
        let beta = Double.exp(rho)
        let a = beta * Double.cos(theta), b = beta * Double.sin(theta)
        let (value, g, h) = evaluate(linear: [a, b])
        let jTheta = (-b, a), jRho = (a, b)
        func quad(_ u: (Double, Double), _ v: (Double, Double)) -> Double {
            u.0 * (h[0] * v.0 + h[1] * v.1) + u.1 * (h[2] * v.0 + h[3] * v.1)
        }
        let dTheta = -b * g[0] + a * g[1]
        let dRho = a * g[0] + b * g[1]
        let hTT = quad(jTheta, jTheta) - dRho
        let hTR = quad(jTheta, jRho) + dTheta
        let hRR = quad(jRho, jRho) + dRho
        return (value, [dTheta, dRho], [hTT, hTR, hTR, hRR])
    }

    /// f(β), f′(β), f″(β) with θ held fixed (β may be negative: an agent acting against θ).
    /// The logits are β·u_θ, so f is convex in β: f″ = Σ_c w_c Var_{p_c}(u) + λ.
    public func evaluate(rationality beta: Double, atAngle theta: Double) -> (value: Double, first: Double, second: Double) {
        let direction = [Double.cos(theta), Double.sin(theta)]
        let (value, g, h) = evaluate(linear: [beta * direction[0], beta * direction[1]])
        let first = direction[0] * g[0] + direction[1] * g[1]
        let second = direction[0] * (h[0] * direction[0] + h[1] * direction[1])
            + direction[1] * (h[2] * direction[0] + h[3] * direction[1])
        return (value, first, second)
    }
}
