import Dispatch
import Layers
import NumericCore
import Optimizers
import RewardKitInternals

/// Responsibility-weighted Bradley–Terry fits of one mixture component (the EM M-step).
///
/// With pair weights `cₙ ≥ 0` (the responsibility of the component for the pair's user) and the
/// reward margin `zₙ = r_θ(x_c,n) − r_θ(x_r,n)`, both solvers minimize
///
///     J(θ) = Σₙ cₙ·softplus(−zₙ) + (λ/2)‖θ‖²,
///
/// starting from the current parameters (warm start) and never returning a point with a larger `J`
/// than the start, which is what keeps the EM objective monotone.
enum WeightedBradleyTerryFit {
    /// The outcome of one weighted fit.
    struct Outcome<Scalar: BLASScalar> {
        var value: Scalar
        var iterations: Int
    }

    /// Damped Newton for a linear reward `r(x) = w·x` on the rows `D` (`chosen − rejected`):
    ///
    ///     ∇J = −Dᵀ(c ⊙ σ(−z)) + λw,     ∇²J = Dᵀ diag(c ⊙ σ(z) ⊙ σ(−z)) D + λI,
    ///
    /// each step `p = −(∇²J)⁻¹∇J` by Cholesky, with Armijo backtracking on `J` (the line search
    /// reuses `Dp`, so a trial costs O(n)). Stops when `max|∇J| ≤ gradientTolerance`, when the
    /// Newton decrement `−∇Jᵀp/2` of the step just taken is below `1e-12·max(1, |J|)` (the step
    /// then lands within O(decrement²) of the optimum), or after `maximumIterations` steps.
    ///
    /// With `reduce` (a sharded fit: `D` holds this shard's rows), the data sums of `J`, `∇J` and
    /// `∇²J` are replaced by their sums over the shards, so every shard takes the same steps.
    @_specialize(where Scalar == Double)
    @_specialize(where Scalar == Float)
    static func newton<Scalar: BLASScalar>(
        differences D: Tensor<Scalar>, weights c: [Scalar], weight w: inout [Scalar],
        l2Penalty lambda: Scalar, maximumIterations: Int, gradientTolerance: Scalar,
        reduce: (([Scalar]) -> [Scalar])? = nil
    ) -> Outcome<Scalar> {
        let n = D.rowCount, d = D.columnCount
        precondition(c.count == n && w.count == d, "newton: \(n)×\(d) rows, \(c.count) weights, \(w.count) parameters")
        var z = n > 0 ? D.matvec(Tensor(w)).scalars : []
        func objective(_ margins: [Scalar], _ params: [Scalar]) -> Scalar {
            var total: Scalar = 0
            for i in 0..<n where c[i] > 0 { total += c[i] * Scalar.softplus(-margins[i]) }
            if let reduce { total = reduce([total])[0] }
            var norm2: Scalar = 0
            for v in params { norm2 += v * v }
            return total + lambda / 2 * norm2
        }
        var f = objective(z, w)
        var iterations = 0
        var scaled = Tensor<Scalar>.zeros(shape: [n, d])
        var residual = [Scalar](repeating: 0, count: n)
        while iterations < maximumIterations {
            // Gradient.
            for i in 0..<n { residual[i] = -c[i] * Scalar.sigmoid(-z[i]) }
            var g = n > 0 ? D.matvec(Tensor(residual), transposed: true).scalars : [Scalar](repeating: 0, count: d)
            if let reduce { g = reduce(g) }
            for j in 0..<d { g[j] += lambda * w[j] }
            var gmax: Scalar = 0
            for v in g { gmax = Swift.max(gmax, Swift.abs(v)) }
            if gmax <= gradientTolerance { break }
            // Hessian: rows of D scaled by √(c σ(z) σ(−z)), then a syrk.
            var h = [Scalar](repeating: 0, count: n)
            for i in 0..<n {
                let s = Scalar.sigmoid(z[i])
                h[i] = (c[i] * s * (1 - s)).squareRoot()
            }
            var H: Tensor<Scalar>
            if n > 0 {
                scaleRows(D, by: h, into: &scaled)
                H = scaled.gram()
            } else {
                H = Tensor.zeros(shape: [d, d])
            }
            if let reduce { H = Tensor(shape: [d, d], scalars: reduce(H.scalars)) }
            for j in 0..<d { H[j, j] += lambda }
            let negativeGradient = Tensor(g.map { -$0 })
            var p = regularizedNewtonStep(H, negativeGradient: negativeGradient) ?? negativeGradient.scalars
            var slope: Scalar = 0
            for j in 0..<d { slope += g[j] * p[j] }
            if !(slope < 0) {
                p = negativeGradient.scalars
                slope = -g.reduce(0) { $0 + $1 * $1 }
            }
            let Dp = n > 0 ? D.matvec(Tensor(p)).scalars : []
            var t: Scalar = 1
            var accepted = false
            var trialZ = z
            var trialW = w
            for _ in 0..<40 {
                for i in 0..<n { trialZ[i] = z[i] + t * Dp[i] }
                for j in 0..<d { trialW[j] = w[j] + t * p[j] }
                let trial = objective(trialZ, trialW)
                if trial <= f + 1e-4 * t * slope {
                    accepted = trial <= f
                    if accepted {
                        z = trialZ
                        w = trialW
                        f = trial
                    }
                    break
                }
                t /= 2
            }
            iterations += 1
            if !accepted { break }
            if -slope / 2 <= 1e-12 * Swift.max(1, Swift.abs(f)) { break }
        }
        return Outcome(value: f, iterations: iterations)
    }

    /// The Newton step `H⁻¹(−∇J)`, or when `H` is not numerically positive definite the
    /// Levenberg–Marquardt step `(H + μI)⁻¹(−∇J)` with the smallest `μ = 10⁻¹⁰·m·10ʲ` (`m` the
    /// largest diagonal entry, `j = 0…15`) that factorizes. Nil when `H` or the gradient is not
    /// finite or no shift helps (the caller then takes a gradient step); never traps.
    static func regularizedNewtonStep<Scalar: BLASScalar>(_ H: Tensor<Scalar>, negativeGradient: Tensor<Scalar>) -> [Scalar]? {
        let d = H.rowCount
        guard H.isFinite, negativeGradient.isFinite else { return nil }
        var shifted = H
        var largest: Scalar = 0
        for j in 0..<d { largest = Swift.max(largest, Swift.abs(H[j, j])) }
        var mu: Scalar = 0
        for attempt in 0...16 {
            if attempt > 0 {
                let next = attempt == 1 ? Swift.max(largest, Scalar.leastNormalMagnitude) * 1e-10 : mu * 10
                for j in 0..<d { shifted[j, j] += next - mu }
                mu = next
            }
            guard let factor = try? shifted.cholesky() else { continue }
            let step = factor.solve(negativeGradient.reshaped([d, 1])).scalars
            if step.allSatisfy(\.isFinite) { return step }
        }
        return nil
    }

    /// L-BFGS on all parameters of an MLP reward head, `θ = [W₁, b₁, …]`, with the penalty
    /// `(λ/2)‖θ‖²` over every scalar. `pairs` stacks the chosen rows over the rejected rows
    /// (2n×d) so each evaluation is one forward and one backward pass.
    @_specialize(where Scalar == Double)
    @_specialize(where Scalar == Float)
    static func lbfgs<Scalar: BLASScalar>(
        stackedPairs pairs: Tensor<Scalar>, weights c: [Scalar], head: inout MLP<Scalar>,
        l2Penalty lambda: Scalar, maximumIterations: Int, gradientTolerance: Scalar
    ) -> Outcome<Scalar> {
        let n = c.count
        precondition(pairs.rowCount == 2 * n, "lbfgs: \(pairs.rowCount) stacked rows for \(n) weights")
        let layout = ParameterVector<Scalar>(describing: head.parameters)
        var model = head
        let solver = LBFGS<Scalar>(gradientTolerance: gradientTolerance, maximumIterations: maximumIterations)
        let start = layout.flatten(head.parameters)
        let result = solver.minimize(from: start) { theta, gradient in
            model.parameters = layout.unflatten(theta)
            let value = weightedLoss(model, pairs: pairs, weights: c, gradient: &gradient, layout: layout)
            var norm2: Scalar = 0
            for j in theta.indices {
                norm2 += theta[j] * theta[j]
                gradient[j] += lambda * theta[j]
            }
            return value + lambda / 2 * norm2
        }
        head.parameters = layout.unflatten(result.parameters)
        return Outcome(value: result.value, iterations: result.iterations)
    }

    /// `Σ cₙ softplus(−zₙ)` of an MLP head and its gradient (written into `gradient`, flattened
    /// by `layout`).
    @_specialize(where Scalar == Double)
    @_specialize(where Scalar == Float)
    static func weightedLoss<Scalar: BLASScalar>(
        _ head: MLP<Scalar>, pairs: Tensor<Scalar>, weights c: [Scalar], gradient: inout [Scalar],
        layout: ParameterVector<Scalar>
    ) -> Scalar {
        let n = c.count
        let (out, cache) = head.forward(pairs)
        var upstream = [Scalar](repeating: 0, count: 2 * n)
        var total: Scalar = 0
        for i in 0..<n {
            let z = out.scalars[i] - out.scalars[n + i]
            total += c[i] * Scalar.softplus(-z)
            let s = -c[i] * Scalar.sigmoid(-z)
            upstream[i] = s
            upstream[n + i] = -s
        }
        let grads = head.parameterGradients(Tensor(shape: [2 * n, 1], scalars: upstream), cache: cache)
        layout.flatten(grads, into: &gradient)
        return total
    }

    /// `out[i, :] = h[i]·D[i, :]`, split over two threads for large inputs.
    @_specialize(where Scalar == Double)
    @_specialize(where Scalar == Float)
    static func scaleRows<Scalar: BLASScalar>(_ D: Tensor<Scalar>, by h: [Scalar], into out: inout Tensor<Scalar>) {
        let n = D.rowCount, d = D.columnCount
        precondition(out.shape == [n, d] && h.count == n, "scaleRows: \(D.shape), \(h.count) factors into \(out.shape)")
        let chunks = n * d > 1 << 18 ? 2 : 1
        D.scalars.withUnsafeBufferPointer { src in
            out.scalars.withUnsafeMutableBufferPointer { dst in
                let s = UnsafeSendablePointer(src.baseAddress!)
                let o = UnsafeSendableMutablePointer(dst.baseAddress!)
                h.withUnsafeBufferPointer { hp in
                    let hs = UnsafeSendablePointer(hp.baseAddress!)
                    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                        let lo = n * chunk / chunks, hi = n * (chunk + 1) / chunks
                        for i in lo..<hi {
                            let factor = hs.pointer[i]
                            let row = i * d
                            for j in 0..<d { o.pointer[row + j] = factor * s.pointer[row + j] }
                        }
                    }
                }
            }
        }
    }
}

