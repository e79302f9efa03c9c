import RealModule
import TestSupport
import Testing
@testable import NumericCore
@testable import RegretModels

@Suite("Regret and partial-return preference models")
struct RegretModelTests {
    @Test("deterministic identity: regret = V*(s0) − (PR + γ^T V*(sT)) = −Σ γ^t A*")
    func regretIdentity() throws {
        var rng = SeededGenerator(seed: 21)
        for _ in 0..<5 {
            let world = try DeliveryGridworldGenerator().generate(using: &rng)
            let mdp = world.mdp
            let optimal = try mdp.solve(weights: world.trueWeights)
            let gamma = mdp.discount
            for _ in 0..<40 {
                let start = mdp.nonterminalStates.randomElement(using: &rng)!
                let sigma = mdp.sampleSegment(from: start, length: 3, using: &rng)
                var discountedReturn = 0.0, power = 1.0
                for t in 0..<3 {
                    let phi = sigma.features[(t * 6)..<((t + 1) * 6)]
                    discountedReturn += power * zip(phi, world.trueWeights.scalars).reduce(0) { $0 + $1.0 * $1.1 }
                    power *= gamma
                }
                let telescoped = optimal.values.scalars[sigma.states[0]]
                    - (discountedReturn + power * optimal.values.scalars[sigma.states[3]])
                let advantages = optimal.advantages
                var sumAdvantages = 0.0
                power = 1
                for t in 0..<3 {
                    sumAdvantages += power * advantages[sigma.states[t], sigma.actions[t]]
                    power *= gamma
                }
                let regret = mdp.regret(of: sigma, optimal: optimal)
                #expect(abs(regret - telescoped) <= 1e-8 * max(1, abs(telescoped)))
                #expect(abs(regret + sumAdvantages) <= 1e-8 * max(1, abs(regret)))
                #expect(regret >= -1e-9)
            }
        }
        // γ = 1 (every optimal path terminates): the undiscounted form V*(s0) − (PR + V*(sT)).
        let mdp = try corridor(discount: 1)
        let w = Tensor<Double>([-1, 10])
        let optimal = try mdp.solve(weights: w, method: .valueIteration)
        #expect(optimal.converged)
        let sigma = TrajectorySegment(states: [0, 0, 1, 2], actions: [0, 1, 1], features: [1, 0, 1, 0, 1, 0], featureCount: 2)
        let pr = sigma.partialReturn(weights: w)
        #expect(Tolerance.isClose(mdp.regret(of: sigma, optimal: optimal),
                                  optimal.values.scalars[0] - (pr + optimal.values.scalars[2]), rtol: 1e-12))
        #expect(Tolerance.isClose(mdp.regret(of: sigma, optimal: optimal), 1, rtol: 1e-12))
    }

    @Test("the soft maximum is within τ log K of the library maximum, and its gradient checks")
    func softMaximum() throws {
        let world = DeliveryGridworld.reference()
        var rng = SeededGenerator(seed: 4)
        let library = try SuccessorFeatureLibrary(mdp: world.mdp, randomRewardCount: 40, using: &rng)
        let states = world.mdp.nonterminalStates
        for tau in [1.0, 1e-3] {
            for trial in 0..<3 {
                let w = Tensor<Double>.randomNormal(shape: [6], using: &rng)
                let (values, gradients) = library.softMaximum(weights: w, temperature: tau, states: states)
                for (u, s) in states.enumerated() where u % 9 == 0 {
                    let best = library.successorFeatures.map { psi in (0..<6).reduce(0) { $0 + psi[s, $1] * w.scalars[$1] } }.max()!
                    #expect(values.scalars[u] <= best + 1e-9 && values.scalars[u] >= best - tau * Double.log(Double(library.count)) - 1e-9)
                    let f: ([Double]) -> Double = { x in
                        library.softMaximum(weights: Tensor(x), temperature: tau, states: [s]).values.scalars[0]
                    }
                    let error = FiniteDifference.check(f, gradient: { _ in gradients.rowArray(u) }, at: w.scalars,
                                                       step: tau < 0.01 ? 1e-9 : 1e-6)
                    #expect(error < 1e-4, "τ = \(tau), trial \(trial), state \(s): relative error \(error)")
                }
            }
        }
    }

    @Test("gradient checks of both objectives, deterministic and stochastic MDPs")
    func gradientChecks() throws {
        var rng = SeededGenerator(seed: 8)
        let world = try DeliveryGridworld(layout: ["..C.G", ".H.R.", "m.S..", "mm..C"], weights: [-1, 10, -10, 1, -2, -2])
        let stochastic = try randomMDP(states: 12, actions: 3, features: 4, outcomesPerAction: 2, terminalCount: 2,
                                       discount: 0.95, storage: .dense, seed: 3)
        for mdp in [world.mdp, stochastic] {
            let d = mdp.featureCount
            let truth = Tensor<Double>.randomNormal(shape: [d], using: &rng)
            let optimal = try mdp.solve(weights: truth)
            let data = try mdp.samplePreferences(count: 200, model: .regret, noise: .stochastic(temperature: 1),
                                                 trueWeights: truth, optimal: optimal, using: &rng)
            let library = try SuccessorFeatureLibrary(mdp: mdp, randomRewardCount: 30, using: &rng)
            let objectives: [any SegmentPreferenceObjective] = [
                PartialReturnObjective(data: data, l2Penalty: 0.01),
                RegretObjective(mdp: mdp, data: data, library: library, temperature: 0.5, l2Penalty: 0.01),
                RegretObjective(mdp: mdp, data: data, library: library, temperature: 1e-3, l2Penalty: 0.01),
            ]
            for (i, objective) in objectives.enumerated() {
                for scale in [0.1, 1.0, 5.0] {
                    let w = (0..<d).map { _ in scale * rng.nextNormal() }
                    let step = i == 2 ? 1e-9 : 1e-6
                    let error = FiniteDifference.check({ objective.value(weights: $0) }, gradient: { x in
                        var g = [Double](repeating: 0, count: d)
                        _ = objective.value(weights: x, gradient: &g)
                        return g
                    }, at: w, step: step)
                    // At τ = 1e-3 the soft maximum bends sharply wherever two library values are within
                    // ~τ, so central differences carry an O(h/τ) curvature error: a looser bound there.
                    #expect(error < (i == 2 ? 1e-3 : 1e-5), "objective \(i), scale \(scale): relative error \(error)")
                }
            }
        }
    }

    @Test("losses stay finite for saturating logits")
    func stableLosses() throws {
        let world = try DeliveryGridworld(layout: ["..G", ".S.", "..."])
        var rng = SeededGenerator(seed: 2)
        let optimal = try world.mdp.solve(weights: world.trueWeights)
        let data = try world.mdp.samplePreferences(count: 100, model: .partialReturn, noise: .deterministic(tieTolerance: 0),
                                                   trueWeights: world.trueWeights, optimal: optimal, using: &rng)
        let objective = PartialReturnObjective(data: data, l2Penalty: 0)
        let w = world.trueWeights.scalars.map { $0 * 1e4 }
        var g = [Double](repeating: 0, count: 6)
        let flipped = objective.value(weights: w.map { -$0 }, gradient: &g)
        #expect(flipped.isFinite && g.allSatisfy { $0.isFinite } && g.contains { $0 != 0 })
    }

    @Test("with the true weights, each model's likelihood is maximized near them on large matching data")
    func likelihoodPeaksAtTruth() throws {
        let world = try DeliveryGridworld(layout: ["...C.", ".R..G", "m.S..", "mm.C."], weights: [-1, 4, -4, 1, -2, -1.5])
        let mdp = world.mdp
        let truth = world.trueWeights
        let optimal = try mdp.solve(weights: truth)
        var rng = SeededGenerator(seed: 31)
        let prData = try mdp.samplePreferences(count: 20_000, model: .partialReturn, noise: .stochastic(temperature: 1),
                                               trueWeights: truth, optimal: optimal, using: &rng)
        let regretData = try mdp.samplePreferences(count: 20_000, model: .regret, noise: .stochastic(temperature: 1),
                                                   trueWeights: truth, optimal: optimal, using: &rng)
        // The library holds the true optimal policy (the approximation is then exact at w = truth).
        var libraryRNG = SeededGenerator(seed: 32)
        let random = try SuccessorFeatureLibrary(mdp: mdp, randomRewardCount: 60, using: &libraryRNG)
        let library = try SuccessorFeatureLibrary(mdp: mdp, policies: [optimal.greedyPolicy] + random.policies)
        let objectives: [(String, any SegmentPreferenceObjective)] = [
            ("partial return", PartialReturnObjective(data: prData, l2Penalty: 0)),
            ("regret", RegretObjective(mdp: mdp, data: regretData, library: library, l2Penalty: 0)),
        ]
        for (name, objective) in objectives {
            let fit = objective.fit(options: LinearRewardFitOptions(randomRestarts: 1, seed: 33))
            // Consistency: the maximizer is close to the truth (goal entries are rare, so allow 15% in norm).
            let error = zip(fit.weights.scalars, truth.scalars).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
            #expect(error < 0.15 * truth.norm(), "\(name): fitted \(fit.weights.scalars), true \(truth.scalars)")
            // Likelihood ratio: 2N·(L(truth) − L(ŵ)) is asymptotically χ²₆ (99.9% quantile 22.5).
            let ratio = 2 * 20_000 * (objective.value(weights: truth.scalars) - fit.loss)
            #expect(ratio >= -1e-6 && ratio < 22.5, "\(name): likelihood-ratio statistic \(ratio)")
            for scale in [0.7, 1.3] {
                #expect(objective.value(weights: truth.scalars.map { $0 * scale }) > objective.value(weights: truth.scalars))
            }
        }
    }

    @Test("end to end: the regret learner recovers a near-optimal reward from 300 regret labels")
    func endToEnd() throws {
        let world = DeliveryGridworld.reference()
        let evaluator = try ScaledReturnEvaluator(mdp: world.mdp, trueWeights: world.trueWeights)
        #expect(Tolerance.isClose(try evaluator.scaledReturn(learnedWeights: world.trueWeights), 1, rtol: 1e-12))
        #expect(evaluator.optimalReturn > evaluator.randomReturn)
        var rng = SeededGenerator(seed: 12)
        let library = try SuccessorFeatureLibrary(mdp: world.mdp, randomRewardCount: 300, using: &rng)
        let data = try world.mdp.samplePreferences(count: 300, model: .regret, noise: .deterministic(tieTolerance: 1e-6),
                                                   trueWeights: world.trueWeights, optimal: evaluator.optimal, using: &rng)
        let regretFit = RegretObjective(mdp: world.mdp, data: data, library: library).fit(options: LinearRewardFitOptions(seed: rng.next()))
        #expect(try evaluator.scaledReturn(learnedWeights: regretFit.weights) >= 0.9)
        // The partial-return learner on stochastic partial-return labels (its own model) also succeeds
        // on a board where every feature is common (on the reference board the rare goal entries leave
        // the goal weight poorly identified from partial returns).
        let small = try DeliveryGridworld(layout: ["...C.", ".R..G", "m.S..", "mm.C."], weights: [-1, 4, -4, 1, -2, -1.5])
        let smallEvaluator = try ScaledReturnEvaluator(mdp: small.mdp, trueWeights: small.trueWeights)
        let prData = try small.mdp.samplePreferences(count: 2000, model: .partialReturn, noise: .stochastic(temperature: 1),
                                                     trueWeights: small.trueWeights, optimal: smallEvaluator.optimal, using: &rng)
        let prFit = PartialReturnObjective(data: prData).fit(options: LinearRewardFitOptions(seed: rng.next()))
        #expect(try smallEvaluator.scaledReturn(learnedWeights: prFit.weights) >= 0.9)
    }

    @Test("the experiment runner reports every size and learner, reproducibly")
    func experimentRunner() throws {
        var configuration = RegretExperimentConfiguration()
        configuration.mdpCount = 3
        configuration.preferenceCounts = [50, 100]
        configuration.libraryRewardCount = 60
        configuration.boards.heights = [3, 6]
        let first = try RegretExperiment.run(configuration)
        let second = try RegretExperiment.run(configuration)
        #expect(first.results.count == 4)
        #expect(first.results.map(\.meanScaledReturn) == second.results.map(\.meanScaledReturn))
        for r in first.results { #expect(r.nearOptimalFraction >= 0 && r.nearOptimalFraction <= 1 && r.mdpCount == 3) }
        #expect(throws: MDPError.self) {
            var bad = configuration
            bad.preferenceCounts = []
            _ = try RegretExperiment.run(bad)
        }
    }
}
