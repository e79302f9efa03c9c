import TestSupport
import Testing
import NumericCore
import Optimizers

/// The Rosenbrock function Σ 100(x_{i+1} − xᵢ²)² + (1 − xᵢ)², minimized at (1, …, 1).
func rosenbrock(_ x: [Double], _ g: inout [Double]) -> Double {
    var f = 0.0
    for i in g.indices { g[i] = 0 }
    for i in 0..<(x.count - 1) {
        let a = 1 - x[i], b = x[i + 1] - x[i] * x[i]
        f += a * a + 100 * b * b
        g[i] += -2 * a - 400 * x[i] * b
        g[i + 1] += 200 * b
    }
    return f
}

@Suite("L-BFGS with a strong Wolfe line search")
struct LBFGSTests {
    @Test("Rosenbrock (2-D from (−1.2, 1) and 10-D) to 1e-8", arguments: [2, 10])
    func rosenbrockMinimum(dimension: Int) {
        let start = dimension == 2 ? [-1.2, 1] : (0..<dimension).map { $0 % 2 == 0 ? -1.2 : 1 }
        let solver = LBFGS<Double>(gradientTolerance: 1e-11, relativeFunctionTolerance: 0)
        let result = solver.minimize(from: start, objective: rosenbrock)
        #expect(result.stopReason == .gradientToleranceReached, "stopped by \(result.stopReason)")
        #expect(Tolerance.maxAbsDifference(result.parameters, [Double](repeating: 1, count: dimension)) < 1e-8)
        #expect(result.maximumAbsoluteGradient <= 1e-11)
        #expect(result.value < 1e-18)
        #expect(result.iterations < 200 && result.functionEvaluations < 300,
                "\(result.iterations) iterations, \(result.functionEvaluations) evaluations")
    }

    @Test("Small memories (ring buffer wrap-around) still solve 10-D Rosenbrock", arguments: [1, 3])
    func smallMemory(memory: Int) {
        let start = (0..<10).map { $0 % 2 == 0 ? -1.2 : 1.0 }
        let result = LBFGS<Double>(memory: memory, gradientTolerance: 1e-9, relativeFunctionTolerance: 0,
                                   maximumIterations: 5000).minimize(from: start, objective: rosenbrock)
        #expect(result.stopReason == .gradientToleranceReached, "stopped by \(result.stopReason)")
        #expect(Tolerance.maxAbsDifference(result.parameters, [Double](repeating: 1, count: 10)) < 1e-7)
    }

    @Test("Logistic regression: L-BFGS matches the Newton solution to 1e-7")
    func logisticRegression() throws {
        let problem = LogisticRegressionProblem(samples: 400, dimension: 6, penalty: 0.1, seed: 31)
        let newton = try problem.newtonSolution()
        let result = LBFGS<Double>(gradientTolerance: 1e-9).minimize(from: [Double](repeating: 0, count: 6)) { w in
            (problem.value(w), problem.gradient(w))
        }
        #expect(result.converged, "stopped by \(result.stopReason)")
        let error = Tolerance.maxAbsDifference(result.parameters, newton)
        #expect(error < 1e-7, "max |w − w_Newton| = \(error)")
        #expect(Tolerance.isClose(result.value, problem.value(newton), rtol: 1e-13))
    }

    @Test("Logistic regression: minibatch Adam reaches the Newton solution to 2e-2")
    func logisticRegressionAdam() throws {
        let problem = LogisticRegressionProblem(samples: 400, dimension: 6, penalty: 0.1, seed: 31)
        let newton = try problem.newtonSolution()
        var rng = SeededGenerator(seed: 32)
        var adam = Adam<Double>(learningRate: 0.05)
        var w = [Tensor<Double>.zeros(shape: [6])]
        let epochs = 150, batch = 40
        let schedule = LearningRateSchedule.linear(warmupSteps: 0, totalSteps: epochs * 400 / batch)
        var step = 0
        for _ in 0..<epochs {
            let order = rng.permutation(400)
            for start in stride(from: 0, to: 400, by: batch) {
                let rows = Array(order[start ..< start + batch])
                // Mean-scaled minibatch gradient of f/n.
                let g = problem.gradient(w[0].scalars, rows: rows).map { $0 / Double(batch) }
                adam.learningRate = schedule.learningRate(base: 0.05, atStep: step)
                adam.update(&w, gradients: [Tensor(g)])
                step += 1
            }
        }
        let error = Tolerance.maxAbsDifference(w[0].scalars, newton)
        #expect(error < 2e-2, "max |w − w_Newton| = \(error)")
    }

    @Test("Stop reason: maximum iterations")
    func maximumIterations() {
        let result = LBFGS<Double>(maximumIterations: 3).minimize(from: [-1.2, 1], objective: rosenbrock)
        #expect(result.stopReason == .maximumIterations)
        #expect(result.iterations == 3)
        #expect(!result.converged)
        var g = [0.0, 0.0]
        #expect(result.value == rosenbrock(result.parameters, &g))
        #expect(result.gradient == g)
        #expect(result.value < 24.2, "three iterations lower f(−1.2, 1) = 24.2")
    }

    @Test("Stop reason: non-finite objective at the start or everywhere along the search")
    func nonFinite() {
        let atStart = LBFGS<Double>().minimize(from: [1, 2]) { _, g in
            g = [0, 0]
            return .nan
        }
        #expect(atStart.stopReason == .nonFiniteValue)
        #expect(atStart.iterations == 0 && atStart.functionEvaluations == 1)

        // Finite only at the starting point: every trial step is non-finite.
        let start = [0.5, -0.5]
        let everywhere = LBFGS<Double>().minimize(from: start) { x, g in
            g = [1, 1]
            return x == start ? 0 : .infinity
        }
        #expect(everywhere.stopReason == .nonFiniteValue)
        #expect(everywhere.parameters == start)
    }

    @Test("Stop reason: line search failure on a non-smooth kink, relative change on a flat objective")
    func otherStops() {
        // f(x) = |x| with the "gradient" sign(x) has no Wolfe point across the kink once x is tiny:
        // the search fails or the decrease becomes relatively negligible, never a false convergence by gradient.
        let kink = LBFGS<Double>(relativeFunctionTolerance: 0).minimize(from: [1]) { x, g in
            g = [x[0] >= 0 ? 1 : -1]
            return abs(x[0])
        }
        #expect(kink.stopReason == .lineSearchFailed, "stopped by \(kink.stopReason)")
        #expect(abs(kink.parameters[0]) < 1e-6)

        let flat = LBFGS<Double>(gradientTolerance: 0, relativeFunctionTolerance: 1e-3).minimize(from: [3]) { x, g in
            g = [2 * x[0]]
            return 1e6 + x[0] * x[0]
        }
        #expect(flat.stopReason == .relativeFunctionChange)
    }

    @Test("Steps into a region where f is not finite are shortened, not fatal")
    func nonFiniteRegion() {
        // f(x) = Σ xᵢ − 2 log xᵢ (NaN for xᵢ ≤ 0), minimized at xᵢ = 2.
        let result = LBFGS<Double>(gradientTolerance: 1e-10).minimize(from: [0.05, 40]) { x, g in
            var f = 0.0
            for i in x.indices {
                f += x[i] - 2 * Double.log(x[i])
                g[i] = 1 - 2 / x[i]
            }
            return f
        }
        // It ends at round-off level: by the gradient test or by a negligible relative change in f.
        #expect(result.converged, "stopped by \(result.stopReason)")
        #expect(Tolerance.maxAbsDifference(result.parameters, [2, 2]) < 1e-8)
    }

    @Test("Float L-BFGS minimizes a quadratic to Float precision")
    func floatSolver() {
        let result = LBFGS<Float>(gradientTolerance: 1e-4).minimize(from: [0, 0, 0]) { x, g in
            let a: [Float] = [1, 10, 100], c: [Float] = [1, -2, 0.5]
            var f: Float = 0
            for i in 0..<3 {
                f += a[i] * (x[i] - c[i]) * (x[i] - c[i]) / 2
                g[i] = a[i] * (x[i] - c[i])
            }
            return f
        }
        #expect(result.converged)
        #expect(Tolerance.maxAbsDifference(result.parameters, [1, -2, 0.5]) < 1e-4)
    }

    @Test("Noisy values: with valueNoise the approximate Wolfe test reaches the gradient tolerance; without it the search stalls")
    func noisyValues() {
        // An ill-conditioned quadratic whose values carry a deterministic relative error of up to
        // 1e-9 (like a loss summed from float32 products) while its gradient is exact.
        let scales = (0..<50).map { 1 + 99 * Double($0) / 49 }
        func objective(_ x: [Double], _ g: inout [Double]) -> Double {
            var f = 1.0, hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for i in x.indices {
                f += 0.5 * scales[i] * (x[i] - 1) * (x[i] - 1)
                g[i] = scales[i] * (x[i] - 1)
                hash = (hash ^ x[i].bitPattern) &* 0x100_0000_01b3
            }
            let noise = Double(hash >> 11) / Double(1 << 53) * 2 - 1
            return f * (1 + 1e-9 * noise)
        }
        let start = [Double](repeating: -3, count: 50)
        let exact = LBFGS<Double>(gradientTolerance: 1e-9, relativeFunctionTolerance: 0)
            .minimize(from: start, objective: objective)
        #expect(exact.stopReason != .gradientToleranceReached, "the plain strong Wolfe search should stall on the noise")
        #expect(exact.maximumAbsoluteGradient > 1e-9)
        let tolerant = LBFGS<Double>(gradientTolerance: 1e-9, relativeFunctionTolerance: 0,
                                     lineSearch: StrongWolfeLineSearch(valueNoise: 1e-6))
            .minimize(from: start, objective: objective)
        #expect(tolerant.stopReason == .gradientToleranceReached, "stopped by \(tolerant.stopReason)")
        #expect(Tolerance.maxAbsDifference(tolerant.parameters, [Double](repeating: 1, count: 50)) <= 1e-9)
        #expect(tolerant.functionEvaluations < 200)
    }

}
