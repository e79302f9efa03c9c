import RealModule
import TestSupport
import Testing
@testable import NumericCore
@testable import RegretModels

/// A 1×4 corridor: states 0 1 2 [3 = goal, terminal]; actions left/right; a step costs −1
/// (feature 0), entering the goal pays +10 (feature 1) and nothing else.
func corridor(discount: Double, storage: TransitionStorage = .dense) throws -> FiniteMDP {
    try FiniteMDP(stateCount: 4, actionCount: 2, featureCount: 2, discount: discount,
                  terminal: [false, false, false, true], storage: storage) { s, a in
        let next = a == 0 ? max(0, s - 1) : min(3, s + 1)
        return [MDPOutcome(next: next, features: next == 3 ? [0, 1] : [1, 0])]
    }
}

/// A random stochastic MDP with `outcomesPerAction` successors per (s, a) and Gaussian features.
func randomMDP(states: Int, actions: Int, features: Int, outcomesPerAction: Int, terminalCount: Int,
               discount: Double, storage: TransitionStorage, seed: UInt64) throws -> FiniteMDP {
    var rng = SeededGenerator(seed: seed)
    var table = [[MDPOutcome]]()
    for _ in 0..<(states * actions) {
        var weights = (0..<outcomesPerAction).map { _ in rng.nextOpenUnit() }
        let total = weights.reduce(0, +)
        weights = weights.map { $0 / total }
        table.append(weights.map { p in
            MDPOutcome(next: Int.random(in: 0..<states, using: &rng), probability: p,
                       features: (0..<features).map { _ in rng.nextNormal() })
        })
    }
    let terminal = (0..<states).map { $0 >= states - terminalCount }
    return try FiniteMDP(stateCount: states, actionCount: actions, featureCount: features, discount: discount,
                         terminal: terminal, storage: storage) { s, a in table[s * actions + a] }
}

@Suite("Finite MDP toolkit")
struct MDPToolkitTests {
    @Test("value and policy iteration match the hand-solved corridor")
    func corridorByHand() throws {
        let mdp = try corridor(discount: 0.9)
        let w = Tensor<Double>([-1, 10])
        // V*(2) = 10, V*(1) = −1 + 0.9·10 = 8, V*(0) = −1 + 0.9·8 = 6.2, V*(goal) = 0.
        let expected = [6.2, 8, 10, 0]
        for method in [OptimalControlMethod.valueIteration, .policyIteration] {
            let solution = try mdp.solve(weights: w, method: method, tolerance: 1e-12)
            #expect(solution.converged)
            #expect(Tolerance.maxAbsDifference(solution.values.scalars, expected) < 1e-10)
            // Q*(0, left) = −1 + 0.9·V*(0) = 4.58; A*(0, left) = 4.58 − 6.2.
            #expect(Tolerance.isClose(solution.actionValues[0, 0], 4.58, rtol: 1e-10))
            #expect(Tolerance.isClose(solution.advantages[0, 0], 4.58 - 6.2, rtol: 1e-10))
            #expect(solution.advantages[1, 1] == 0)
            #expect(solution.greedyPolicy.actions! == [1, 1, 1, 0])
        }
    }

    @Test("a stochastic two-action choice matches its closed form")
    func stochasticByHand() throws {
        // State 0: "go" reaches the terminal state 1 with p = 0.8 (reward 1), else stays (reward 0);
        // "wait" stays (reward 0). V*(0) = 0.8 / (1 − 0.2γ).
        for storage in [TransitionStorage.dense, .sparse] {
            let mdp = try FiniteMDP(stateCount: 2, actionCount: 2, featureCount: 1, discount: 0.9,
                                    terminal: [false, true], storage: storage) { _, a in
                a == 0 ? [MDPOutcome(next: 1, probability: 0.8, features: [1]), MDPOutcome(next: 0, probability: 0.2, features: [0])]
                       : [MDPOutcome(next: 0, features: [0])]
            }
            let solution = try mdp.solve(weights: Tensor([1]))
            #expect(Tolerance.isClose(solution.values.scalars[0], 0.8 / (1 - 0.18), rtol: 1e-12))
            #expect(Tolerance.isClose(solution.actionValues[0, 1], 0.9 * 0.8 / 0.82, rtol: 1e-12))
            #expect(!mdp.isDeterministic)
        }
    }

    @Test("Bellman residual ≤ 1e-9 on random MDPs, and both methods agree")
    func bellmanResidual() throws {
        for seed in UInt64(1)...6 {
            for storage in [TransitionStorage.dense, .sparse] {
                let mdp = try randomMDP(states: 40, actions: 3, features: 4, outcomesPerAction: 3, terminalCount: 3,
                                        discount: 0.95, storage: storage, seed: seed)
                var rng = SeededGenerator(seed: seed &+ 100)
                let w = Tensor<Double>.randomNormal(shape: [4], using: &rng)
                let pi = try mdp.solve(weights: w, method: .policyIteration, tolerance: 1e-9)
                let vi = try mdp.solve(weights: w, method: .valueIteration, tolerance: 1e-11)
                #expect(pi.converged && pi.bellmanResidual <= 1e-9)
                #expect(vi.converged && vi.bellmanResidual <= 1e-11)
                #expect(Tolerance.maxAbsDifference(pi.values.scalars, vi.values.scalars) < 1e-8)
                // Terminal states are absorbing with zero value.
                for s in 37..<40 { #expect(pi.values.scalars[s] == 0) }
            }
        }
        var rng = SeededGenerator(seed: 42)
        for _ in 0..<4 {
            let world = try DeliveryGridworldGenerator().generate(using: &rng)
            let solution = try world.mdp.solve(weights: world.trueWeights)
            #expect(solution.bellmanResidual <= 1e-9)
        }
    }

    @Test("successor features: ψ·w is the policy's value, by every evaluation route")
    func successorFeatures() throws {
        let mdp = try randomMDP(states: 30, actions: 4, features: 3, outcomesPerAction: 2, terminalCount: 2,
                                discount: 0.9, storage: .sparse, seed: 9)
        var rng = SeededGenerator(seed: 10)
        let w = Tensor<Double>.randomNormal(shape: [3], using: &rng)
        for policy in [MDPPolicy.uniformRandom(stateCount: 30, actionCount: 4),
                       MDPPolicy(actions: (0..<30).map { $0 % 4 }, actionCount: 4)] {
            let psi = try mdp.successorFeatures(of: policy)
            let direct = try mdp.evaluate(policy, weights: w)
            let iterated = try mdp.evaluate(policy, weights: w, method: .iterative(tolerance: 1e-13, maximumIterations: 10_000))
            #expect(Tolerance.allClose(psi.matvec(w), direct, rtol: 1e-9, atol: 1e-10))
            #expect(Tolerance.allClose(iterated, direct, rtol: 1e-9, atol: 1e-10))
        }
        // Deterministic dynamics and policy: the functional-graph solve equals the dense QR solve.
        var boards = SeededGenerator(seed: 3)
        for _ in 0..<3 {
            let world = try DeliveryGridworldGenerator().generate(using: &boards)
            let policy = MDPPolicy(actions: (0..<world.mdp.stateCount).map { $0 * 7 % 4 }, actionCount: 4)
            let graph = try world.mdp.successorFeatures(of: policy)
            let dense = try world.mdp.successorFeatures(of: MDPPolicy(probabilities: policy.probabilities))
            #expect(Tolerance.allClose(graph, dense, rtol: 1e-8, atol: 1e-8))
        }
    }

    @Test("terminal states: the entering step keeps its reward, nothing is earned after entry")
    func terminalSemantics() throws {
        let world = try DeliveryGridworld(layout: [".G", "S."])
        let mdp = world.mdp
        let start = world.stateOfCell[0]!
        // Right from the top-left enters the goal: φ = e_goal.
        let outcome = mdp.outcomes(state: start, action: 3)[0]
        #expect(outcome.features == [0, 1, 0, 0, 0, 0])
        #expect(mdp.isTerminal[outcome.next])
        for a in 0..<4 {
            let after = mdp.outcomes(state: outcome.next, action: a)[0]
            #expect(after.next == outcome.next && after.features.allSatisfy { $0 == 0 })
        }
        let solution = try mdp.solve(weights: world.trueWeights)
        #expect(Tolerance.isClose(solution.values.scalars[start], 50, rtol: 1e-12))
        // Bumping into the wall costs time but does not re-collect a coin.
        let coinWorld = try DeliveryGridworld(layout: ["C."])
        let bump = coinWorld.mdp.outcomes(state: 0, action: 0)[0]
        #expect(bump.next == 0 && bump.features == [1, 0, 0, 0, 0, 0])
        let enter = coinWorld.mdp.outcomes(state: 1, action: 2)[0]
        #expect(enter.features == [1, 0, 0, 1, 0, 0])
        let mudWorld = try DeliveryGridworld(layout: ["m."])
        #expect(mudWorld.mdp.outcomes(state: 1, action: 2)[0].features == [0, 0, 0, 0, 0, 1])
    }

    @Test("bad input is a typed error, not a crash")
    func validation() {
        #expect(throws: MDPError.invalidProbabilities(state: 0, action: 0, total: 0.5)) {
            try FiniteMDP(stateCount: 1, actionCount: 1, featureCount: 1, discount: 0.9, terminal: [false]) { _, _ in
                [MDPOutcome(next: 0, probability: 0.5, features: [0])]
            }
        }
        #expect(throws: MDPError.nextStateOutOfRange(state: 0, action: 0, next: 3)) {
            try FiniteMDP(stateCount: 1, actionCount: 1, featureCount: 1, discount: 0.9, terminal: [false]) { _, _ in
                [MDPOutcome(next: 3, features: [0])]
            }
        }
        #expect(throws: MDPError.invalidDiscount(1.5)) {
            try FiniteMDP(stateCount: 1, actionCount: 1, featureCount: 1, discount: 1.5, terminal: [false]) { _, _ in [] }
        }
        #expect(throws: MDPError.invalidLayout(row: 1, reason: "unknown cell 'x'")) {
            try DeliveryGridworld(layout: ["..", ".x"])
        }
        #expect(throws: MDPError.invalidWeights(expected: 2, found: 3)) {
            try corridor(discount: 0.9).solve(weights: Tensor([1, 2, 3]))
        }
        var generator = DeliveryGridworldGenerator()
        generator.heights = []
        var rng = SeededGenerator(seed: 1)
        #expect(throws: MDPError.self) { try generator.generate(using: &rng) }
    }

    @Test("the reference board and the random generator")
    func deliveryBoards() throws {
        let reference = DeliveryGridworld.reference()
        #expect(reference.height == 10 && reference.width == 10)
        #expect(reference.trueWeights.scalars == [-1, 50, -50, 1, -1, -2])
        #expect(reference.mdp.discount == 0.999)
        #expect(try DeliveryGridworld(layout: reference.layout).cells == reference.cells)
        var a = SeededGenerator(seed: 5), b = SeededGenerator(seed: 5)
        let g = DeliveryGridworldGenerator()
        let first = try g.generate(using: &a), second = try g.generate(using: &b)
        #expect(first.layout == second.layout && first.trueWeights == second.trueWeights)
        var sizes = Set<Int>()
        var rng = SeededGenerator(seed: 6)
        for _ in 0..<20 {
            let world = try g.generate(using: &rng)
            sizes.insert(world.height * world.width)
            #expect(world.cells.filter { $0 == .goal }.count == 1)
            #expect(!world.mdp.nonterminalStates.isEmpty)
        }
        #expect(sizes.count > 3)
    }
}
