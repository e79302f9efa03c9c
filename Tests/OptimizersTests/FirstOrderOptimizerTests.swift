import TestSupport
import Testing
import NumericCore
import Optimizers

/// f(x) = ½ Σ aᵢ (xᵢ − cᵢ)², condition number 100, minimizer c.
struct IllConditionedQuadratic {
    let curvatures: [Double] = [1, 10, 100]
    let center: [Double] = [1, -2, 0.5]

    func gradient(_ x: Tensor<Double>) -> Tensor<Double> {
        Tensor(shape: x.shape, scalars: (0..<3).map { curvatures[$0] * (x.scalars[$0] - center[$0]) })
    }

    func error(_ x: Tensor<Double>) -> Double { Tolerance.maxAbsDifference(x.scalars, center) }

    /// Runs `steps` updates from (0, 0, 0), optionally with a schedule on the base learning rate.
    func run<O: Optimizer>(_ optimizer: inout O, steps: Int, schedule: LearningRateSchedule = .constant) -> Tensor<Double>
    where O.Scalar == Double {
        var parameters = [Tensor<Double>.zeros(shape: [3])]
        let base = optimizer.learningRate
        for step in 0..<steps {
            optimizer.learningRate = schedule.learningRate(base: base, atStep: step)
            optimizer.update(&parameters, gradients: [gradient(parameters[0])])
        }
        return parameters[0]
    }
}

@Suite("First-order optimizers")
struct FirstOrderOptimizerTests {
    let quadratic = IllConditionedQuadratic()

    @Test("SGD with heavy-ball momentum converges on an ill-conditioned quadratic")
    func sgdMomentum() {
        // Polyak's tuning for L = 100, μ = 1: γ = 4/(√L + √μ)², momentum ((√κ − 1)/(√κ + 1))².
        var sgd = SGD<Double>(learningRate: 4.0 / 121, momentum: .classical(81.0 / 121))
        let x = quadratic.run(&sgd, steps: 300)
        #expect(quadratic.error(x) < 1e-10)
        #expect(sgd.stepCount == 300)
        var plain = SGD<Double>(learningRate: 4.0 / 121)
        #expect(quadratic.error(quadratic.run(&plain, steps: 300)) > 1e-3, "momentum must matter here")
    }

    @Test("SGD with Nesterov momentum converges on an ill-conditioned quadratic")
    func sgdNesterov() {
        var sgd = SGD<Double>(learningRate: 0.01, momentum: .nesterov(0.9))
        let x = quadratic.run(&sgd, steps: 1500)
        #expect(quadratic.error(x) < 1e-10)
    }

    @Test("SGD first steps follow PyTorch's formulas")
    func sgdFirstSteps() {
        var parameters = [Tensor<Double>([1, -2])]
        let g1 = Tensor<Double>([0.5, -1]), g2 = Tensor<Double>([0.1, 0.3])
        var classical = SGD<Double>(learningRate: 0.1, momentum: .classical(0.9, dampening: 0.5), weightDecay: 0.01)
        classical.update(&parameters, gradients: [g1])
        // Step 1: g = g1 + 0.01·θ, b = g (no dampening on the first step), θ ← θ − 0.1·b.
        let gA = [0.5 + 0.01, -1 - 0.02]
        let theta1 = [1 - 0.1 * gA[0], -2 - 0.1 * gA[1]]
        #expect(Tolerance.isClose(parameters[0].scalars[0], theta1[0], rtol: 1e-14))
        #expect(Tolerance.isClose(parameters[0].scalars[1], theta1[1], rtol: 1e-14))
        classical.update(&parameters, gradients: [g2])
        // Step 2: b = 0.9·b + 0.5·(g2 + 0.01·θ₁).
        let b2 = (0..<2).map { 0.9 * gA[$0] + 0.5 * (g2.scalars[$0] + 0.01 * theta1[$0]) }
        #expect(Tolerance.isClose(parameters[0].scalars[0], theta1[0] - 0.1 * b2[0], rtol: 1e-14))
        #expect(Tolerance.isClose(parameters[0].scalars[1], theta1[1] - 0.1 * b2[1], rtol: 1e-14))

        var nesterovParameters = [Tensor<Double>([1, -2])]
        var nesterov = SGD<Double>(learningRate: 0.1, momentum: .nesterov(0.9))
        nesterov.update(&nesterovParameters, gradients: [g1])
        nesterov.update(&nesterovParameters, gradients: [g2])
        // b₁ = g1, θ₁ = θ₀ − 0.1·(g1 + 0.9·g1); b₂ = 0.9·g1 + g2, θ₂ = θ₁ − 0.1·(g2 + 0.9·b₂).
        for i in 0..<2 {
            let (a, b) = (g1.scalars[i], g2.scalars[i])
            let expected = [1.0, -2][i] - 0.1 * 1.9 * a - 0.1 * (b + 0.9 * (0.9 * a + b))
            #expect(Tolerance.isClose(nesterovParameters[0].scalars[i], expected, rtol: 1e-14))
        }
    }

    @Test("Adam's first three steps match PyTorch's update (hand-computed values)")
    func adamFirstSteps() {
        let gradients = [[0.5, -1.0], [0.1, 0.3], [-0.2, 0.05]].map { Tensor<Double>($0) }
        // Values of torch.optim.Adam / AdamW(lr=0.1, betas=(0.9, 0.999), eps=1e-8) from θ₀ = (1, −2),
        // evaluated with PyTorch's formula (step_size = lr/bc₁, denom = √v/√bc₂ + ε).
        let expected: [(Adam<Double>.WeightDecay, [[Double]])] = [
            (.none, [[0.900000002, -1.900000001],
                     [0.8196959063846517, -1.8572151424292265],
                     [0.7852605318354889, -1.8272390434646615]]),
            (.decoupled(0.1), [[0.890000002, -1.880000001],
                               [0.8007959063646517, -1.8184151424192265],
                               [0.7583525727518424, -1.7702548920304693]]),
            (.l2(0.1), [[0.9000000016666666, -1.9000000008333333],
                        [0.8136483454297575, -1.8400703555381717],
                        [0.7598997572221902, -1.7869615121704383]]),
        ]
        for (decay, steps) in expected {
            var adam = Adam<Double>(learningRate: 0.1, weightDecay: decay)
            var parameters = [Tensor<Double>([1, -2])]
            for (t, g) in gradients.enumerated() {
                adam.update(&parameters, gradients: [g])
                for i in 0..<2 {
                    #expect(Tolerance.isClose(parameters[0].scalars[i], steps[t][i], rtol: 1e-12),
                            "\(decay) step \(t + 1) coordinate \(i): \(parameters[0].scalars[i]) vs \(steps[t][i])")
                }
            }
        }
    }

    @Test("Adam (cosine schedule) converges on an ill-conditioned quadratic")
    func adamConverges() {
        var adam = Adam<Double>(learningRate: 0.1)
        let x = quadratic.run(&adam, steps: 3000, schedule: .cosine(warmupSteps: 50, totalSteps: 3000))
        #expect(quadratic.error(x) < 1e-4, "error \(quadratic.error(x))")
    }

    @Test("AdamW converges near the minimizer; its decay is decoupled from the gradient")
    func adamWConverges() {
        var adamW = Adam<Double>.adamW(learningRate: 0.1, weightDecay: 1e-4)
        let x = quadratic.run(&adamW, steps: 3000, schedule: .cosine(warmupSteps: 50, totalSteps: 3000))
        // At a fixed point the decay γλθ balances the Adam step γ·m̂/(√v̂ + ε) ≈ γ·g/√v̂, so
        // gᵢ = aᵢ(θᵢ − cᵢ) ≈ −λθᵢ√v̂ᵢ: the shift is O(λ·|θ|·√v̂/a), about 1e-5 here.
        #expect(quadratic.error(x) < 1e-4, "error \(quadratic.error(x))")

        // With a zero gradient, AdamW shrinks θ by exactly (1 − γλ) per step; Adam with an L2
        // penalty instead takes sign-like steps of size ≈ γ.
        var decoupled = Adam<Double>.adamW(learningRate: 0.01, weightDecay: 0.5)
        var coupled = Adam<Double>(learningRate: 0.01, weightDecay: .l2(0.5))
        var p1 = [Tensor<Double>([4, -8])], p2 = p1
        let zero = [Tensor<Double>.zeros(shape: [2])]
        for _ in 0..<10 {
            decoupled.update(&p1, gradients: zero)
            coupled.update(&p2, gradients: zero)
        }
        let shrink = Double.pow(1 - 0.01 * 0.5, 10)
        #expect(Tolerance.isClose(p1[0].scalars[0], 4 * shrink, rtol: 1e-14))
        #expect(Tolerance.isClose(p1[0].scalars[1], -8 * shrink, rtol: 1e-14))
        #expect(abs(p2[0].scalars[0] - (4 - 0.1)) < 1e-4)
        #expect(abs(p2[0].scalars[1] - (-8 + 0.1)) < 1e-4)
    }

    @Test("Updates are in place and leave earlier copies unchanged; reset clears state")
    func valueSemantics() {
        var parameters = [Tensor<Double>([1, 2, 3]), Tensor<Double>(rows: [[1, 2], [3, 4]])]
        let before = parameters
        let gradients = [Tensor<Double>([1, 1, 1]), Tensor<Double>.ones(shape: [2, 2])]
        var adam = Adam<Double>(learningRate: 0.5)
        adam.update(&parameters, gradients: gradients)
        #expect(before == [Tensor<Double>([1, 2, 3]), Tensor<Double>(rows: [[1, 2], [3, 4]])])
        #expect(parameters != before)
        #expect(parameters.map(\.shape) == before.map(\.shape))
        adam.reset()
        #expect(adam.stepCount == 0)
        var other = [Tensor<Double>([0, 0])]
        adam.update(&other, gradients: [Tensor([1, -1])])
        #expect(Tolerance.isClose(other[0].scalars[0], -0.5, rtol: 1e-7))
    }

    @Test("Float Adam follows Double Adam")
    func floatAdam() {
        var rng = SeededGenerator(seed: 4)
        var pd = [Tensor<Double>.randomNormal(shape: [4, 3], using: &rng)]
        var pf = [Tensor<Float>(shape: [4, 3], scalars: pd[0].scalars.map(Float.init))]
        var ad = Adam<Double>(learningRate: 0.01), af = Adam<Float>(learningRate: 0.01)
        for _ in 0..<20 {
            let g = Tensor<Double>.randomNormal(shape: [4, 3], using: &rng)
            ad.update(&pd, gradients: [g])
            af.update(&pf, gradients: [Tensor(shape: [4, 3], scalars: g.scalars.map(Float.init))])
        }
        #expect(Tolerance.maxAbsDifference(pf[0].scalars.map(Double.init), pd[0].scalars) < 1e-5)
    }
}

@Suite("Learning-rate schedules and gradient clipping")
struct ScheduleAndClippingTests {
    @Test("Schedule factors at known steps")
    func schedules() {
        let cosine = LearningRateSchedule.cosine(warmupSteps: 10, totalSteps: 110)
        let linear = LearningRateSchedule.linear(warmupSteps: 10, totalSteps: 110)
        let expected: [(Int, Double, Double)] = [
            (0, 0, 0), (5, 0.5, 0.5), (10, 1, 1), (35, (1 + 0.5.squareRoot()) / 2, 0.75),
            (60, 0.5, 0.5), (85, (1 - 0.5.squareRoot()) / 2, 0.25), (110, 0, 0), (500, 0, 0),
        ]
        for (t, c, l) in expected {
            #expect(Tolerance.isClose(cosine.factor(atStep: t), c, rtol: 1e-12, atol: 1e-15), "cosine at \(t)")
            #expect(Tolerance.isClose(linear.factor(atStep: t), l, rtol: 1e-12, atol: 1e-15), "linear at \(t)")
        }
        #expect(LearningRateSchedule.constant.factor(atStep: 1234) == 1)
        #expect(LearningRateSchedule.cosine(warmupSteps: 0, totalSteps: 4).learningRate(base: Float(2), atStep: 2) == 1)
    }

    @Test("Clipping by global norm returns the pre-clip norm and rescales only above the limit")
    func clipping() {
        var gradients = [Tensor<Double>([3, 4]), Tensor<Double>([12])]
        #expect(GradientClipping.globalNorm(gradients) == 13)
        let untouched = gradients
        #expect(GradientClipping.clip(&gradients, maximumNorm: 20) == 13)
        #expect(gradients == untouched)
        let norm = GradientClipping.clip(&gradients, maximumNorm: 6.5)
        #expect(norm == 13)
        let c = 6.5 / (13 + 1e-6)
        #expect(Tolerance.allClose(gradients[0], Tensor([3 * c, 4 * c]), rtol: 1e-15))
        #expect(Tolerance.isClose(GradientClipping.globalNorm(gradients), 6.5, rtol: 1e-6))
        var bad = [Tensor<Double>([.nan, 1])]
        #expect(GradientClipping.clip(&bad, maximumNorm: 1).isNaN)
        #expect(bad[0].scalars[1] == 1)
    }
}
