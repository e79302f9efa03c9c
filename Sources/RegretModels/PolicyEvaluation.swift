import RealModule
import NumericCore

/// How V^π (or the successor features ψ^π) of a fixed policy is computed.
public enum PolicyEvaluationMethod: Sendable, Equatable {
    /// Solve (I − γP_π) X = B over the non-terminal states by QR (LAPACK `gels`); O(S³).
    case linearSolve
    /// Iterate X ← B + γ P_π X (a `gemm` per sweep) until max |ΔX| ≤ tolerance.
    case iterative(tolerance: Double, maximumIterations: Int)
}

extension FiniteMDP {
    /// P_π(s, s′) = Σ_a π(a|s) P(s′|s, a) as a dense S×S matrix.
    public func policyTransitionMatrix(_ policy: MDPPolicy) -> Tensor<Double> {
        checkPolicy(policy)
        var m = Tensor<Double>.zeros(shape: [stateCount, stateCount])
        let n = stateCount
        m.scalars.withUnsafeMutableBufferPointer { dst in
            for s in 0..<n {
                let row = UnsafeMutableBufferPointer(rebasing: dst[(s * n)..<((s + 1) * n)])
                if let actions = policy.actions {
                    transitions.accumulateRow(s * actionCount + actions[s], scale: 1, into: row)
                } else {
                    for a in 0..<actionCount {
                        let p = policy.probabilities.scalars[s * actionCount + a]
                        if p != 0 { transitions.accumulateRow(s * actionCount + a, scale: p, into: row) }
                    }
                }
            }
        }
        return m
    }

    /// Φ̄_π(s) = Σ_a π(a|s) φ̄(s, a) as an S×d matrix.
    public func policyFeatures(_ policy: MDPPolicy) -> Tensor<Double> {
        checkPolicy(policy)
        if let actions = policy.actions {
            return expectedFeatures.gatherRows(actions.enumerated().map { $0.offset * actionCount + $0.element })
        }
        // Σ_a π(a|s) φ̄(s,a): each state's 1×A row of π times its A×d block of φ̄.
        var out = Tensor<Double>.zeros(shape: [stateCount, featureCount])
        let (a, d) = (actionCount, featureCount)
        out.scalars.withUnsafeMutableBufferPointer { o in
            policy.probabilities.scalars.withUnsafeBufferPointer { pp in
                expectedFeatures.scalars.withUnsafeBufferPointer { fp in
                    for s in 0..<stateCount {
                        Double.gemv(transpose: true, m: a, n: d, alpha: 1, a: fp.baseAddress! + s * a * d, lda: d,
                                    x: pp.baseAddress! + s * a, incx: 1, beta: 0, y: o.baseAddress! + s * d, incy: 1)
                    }
                }
            }
        }
        return out
    }

    /// The successor features ψ^π(s) = E_π[Σ_t γ^t φ(s_t, a_t, s_{t+1}) | s_0 = s], an S×d matrix.
    ///
    /// They solve ψ^π = Φ̄_π + γ P_π ψ^π, and V^π_w = ψ^π·w for every weight vector w.
    /// Terminal states have ψ = 0.
    public func successorFeatures(
        of policy: MDPPolicy, method: PolicyEvaluationMethod = .linearSolve
    ) throws(MDPError) -> Tensor<Double> {
        try solvePolicySystem(policy, rightHandSide: policyFeatures(policy), method: method)
    }

    /// V^π_w(s) = E_π[Σ_t γ^t w·φ_t | s_0 = s], the value of `policy` under the reward weights.
    public func evaluate(
        _ policy: MDPPolicy, weights: Tensor<Double>, method: PolicyEvaluationMethod = .linearSolve
    ) throws(MDPError) -> Tensor<Double> {
        try validate(weights: weights)
        let r = policyFeatures(policy).matvec(weights.reshaped([featureCount]))
        return try solvePolicySystem(policy, rightHandSide: r.reshaped([stateCount, 1]), method: method)
            .reshaped([stateCount])
    }

    /// Solves X = B + γ P_π X (S×k) with X = 0 on terminal states.
    func solvePolicySystem(
        _ policy: MDPPolicy, rightHandSide b: Tensor<Double>, method: PolicyEvaluationMethod
    ) throws(MDPError) -> Tensor<Double> {
        if method == .linearSolve, let actions = policy.actions, isDeterministic {
            return try solveFunctionalGraph(actions: actions, rightHandSide: b)
        }
        let pPi = policyTransitionMatrix(policy)
        return try solvePolicySystem(policyMatrix: pPi, rightHandSide: b, method: method)
    }

    func solvePolicySystem(
        policyMatrix pPi: Tensor<Double>, rightHandSide b: Tensor<Double>, method: PolicyEvaluationMethod
    ) throws(MDPError) -> Tensor<Double> {
        let k = b.shape[1]
        switch method {
        case .linearSolve:
            // Terminal states have X = 0, so only the non-terminal block is solved.
            let live = nonterminalStates
            let n = live.count
            var out = Tensor<Double>.zeros(shape: [stateCount, k])
            if n == 0 { return out }
            var system = Tensor<Double>.zeros(shape: [n, n])
            let s = stateCount
            pPi.scalars.withUnsafeBufferPointer { p in
                system.scalars.withUnsafeMutableBufferPointer { m in
                    for (i, si) in live.enumerated() {
                        for (j, sj) in live.enumerated() { m[i * n + j] = -discount * p[si * s + sj] }
                        m[i * n + i] += 1
                    }
                }
            }
            let rhs = b.gatherRows(live)
            let x: Tensor<Double>
            do {
                x = try system.leastSquares(rhs)
            } catch {
                throw .singularPolicyEvaluation("\(error)")
            }
            for (i, si) in live.enumerated() {
                for j in 0..<k { out.scalars[si * k + j] = x.scalars[i * k + j] }
            }
            return out
        case .iterative(let tolerance, let maximumIterations):
            var x = b
            var next = b
            var change = Double.infinity
            var iteration = 0
            while iteration < maximumIterations {
                iteration += 1
                next.scalars = b.scalars
                next.formMatmul(pPi, x, alpha: discount, beta: 1)
                change = 0
                for i in 0..<x.count { change = Swift.max(change, abs(next.scalars[i] - x.scalars[i])) }
                swap(&x, &next)
                if change <= tolerance { break }
            }
            if change > tolerance { throw .notConverged(iterations: iteration, residual: change) }
            for s in 0..<stateCount where isTerminal[s] {
                for j in 0..<k { x.scalars[s * k + j] = 0 }
            }
            return x
        }
    }

    /// The exact solve of X = B + γ P_π X when both the policy and the dynamics are deterministic:
    /// P_π maps each state to one successor, so the system is triangular along paths and each
    /// cycle c_0 → … → c_{L−1} → c_0 has X(c_0) = Σ_i γ^i B(c_i) / (1 − γ^L). O(S·k) instead of O(S³).
    func solveFunctionalGraph(actions: [Int], rightHandSide b: Tensor<Double>) throws(MDPError) -> Tensor<Double> {
        let k = b.shape[1]
        let next = (0..<stateCount).map { outcomeNext[outcomeStart[$0 * actionCount + actions[$0]]] }
        var x = Tensor<Double>.zeros(shape: [stateCount, k])
        var status = [UInt8](repeating: 0, count: stateCount)  // 0 new, 1 on the current path, 2 solved
        for s in 0..<stateCount where isTerminal[s] { status[s] = 2 }
        var path = [Int]()
        for origin in 0..<stateCount where status[origin] == 0 {
            path.removeAll(keepingCapacity: true)
            var s = origin
            while status[s] == 0 {
                status[s] = 1
                path.append(s)
                s = next[s]
            }
            var resolvedCount = path.count
            if status[s] == 1 {
                // A cycle: the path from the first visit of s to its end.
                let start = path.firstIndex(of: s)!
                let cycle = Array(path[start...])
                let length = cycle.count
                let denominator = 1 - Double.pow(discount, length)
                guard denominator > 0 else {
                    throw .singularPolicyEvaluation("the policy cycles among \(length) non-terminal states with γ = 1")
                }
                for j in 0..<k {
                    var total = 0.0, power = 1.0
                    for c in cycle {
                        total += power * b.scalars[c * k + j]
                        power *= discount
                    }
                    x.scalars[cycle[0] * k + j] = total / denominator
                }
                for i in stride(from: length - 1, through: 1, by: -1) {
                    let c = cycle[i], n = next[c]
                    for j in 0..<k { x.scalars[c * k + j] = b.scalars[c * k + j] + discount * x.scalars[n * k + j] }
                }
                for c in cycle { status[c] = 2 }
                resolvedCount = start
            }
            for i in stride(from: resolvedCount - 1, through: 0, by: -1) {
                let p = path[i], n = next[p]
                for j in 0..<k { x.scalars[p * k + j] = b.scalars[p * k + j] + discount * x.scalars[n * k + j] }
                status[p] = 2
            }
        }
        return x
    }

    func checkPolicy(_ policy: MDPPolicy) {
        precondition(policy.probabilities.shape == [stateCount, actionCount],
                     "policy of shape \(policy.probabilities.shape) for an MDP with \(stateCount) states and \(actionCount) actions")
    }
}
