// How the regret experiment's cost grows with MDP size, library size and data size.
//
//     swift run -c release regret-bench [--full]
//
// Each row times one stage on one MDP (single thread, median of 3, in thread CPU time so that other
// processes on a shared machine do not inflate it): the successor-feature library
// (policy iteration + ψ for each random reward vector), one regret-objective evaluation (value and
// gradient), a full regret fit (L-BFGS, 4 starts) and a partial-return fit. `--full` also times the
// 30-MDP 300/1000/3000 experiment on both cores.

import Foundation
import RewardKit
#if canImport(Glibc)
import Glibc
#endif

BLASRuntime.setThreadCount(1)
let full = CommandLine.arguments.contains("--full")
let clock = ContinuousClock()

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }

/// CPU time of the calling thread, in seconds.
func threadCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

func median(_ runs: Int = 3, _ body: () throws -> Void) rethrows -> Double {
    var times = [Double]()
    for _ in 0..<runs {
        let t = threadCPUSeconds()
        try body()
        times.append(threadCPUSeconds() - t)
    }
    return times.sorted()[runs / 2]
}

func row(_ cells: [String]) -> String {
    cells.enumerated().map { i, c in
        let width = i == 0 ? 10 : 13
        return String(repeating: " ", count: max(0, width - c.count)) + c
    }.joined()
}

func ms(_ s: Double) -> String { String(format: "%.2f ms", s * 1000) }

do {
    print("Cost growth of the regret experiment (one thread; thread CPU time, median of 3)")
    print(row(["grid", "states", "K draws", "policies", "N pairs", "U states", "library", "1 eval", "regret fit", "PR fit"]))
    let cases: [(h: Int, w: Int, k: Int, n: Int)] = [
        (6, 6, 100, 1000), (10, 10, 100, 1000), (15, 10, 100, 1000), (20, 20, 100, 1000), (30, 30, 100, 1000),
        (10, 10, 300, 1000), (10, 10, 1000, 1000), (10, 10, 3000, 1000),
        (10, 10, 1000, 300), (10, 10, 1000, 3000), (10, 10, 1000, 10000),
    ]
    for c in cases {
        var rng = SeededGenerator(seed: 11)
        var boards = DeliveryGridworldGenerator(height: c.h, width: c.w)
        boards.sheepFractions = [0.1]
        boards.roadBlockFractions = [0.1]
        boards.coinFractions = [0.1]
        boards.houseFractions = [0.1]
        boards.mudFractions = [0.1]
        let world = try boards.generate(using: &rng)
        let mdp = world.mdp
        let optimal = try mdp.solve(weights: world.trueWeights)
        var library: SuccessorFeatureLibrary!
        let libraryTime = try median {
            var r = SeededGenerator(seed: 3)
            library = try SuccessorFeatureLibrary(mdp: mdp, randomRewardCount: c.k, using: &r)
        }
        var dataRNG = SeededGenerator(seed: 5)
        let data = try mdp.samplePreferences(count: c.n, model: .regret, noise: .deterministic(tieTolerance: 1e-6),
                                             trueWeights: world.trueWeights, optimal: optimal, using: &dataRNG)
        let objective = RegretObjective(mdp: mdp, data: data, library: library)
        var gradient = [Double](repeating: 0, count: 6)
        let w = world.trueWeights.scalars
        let evalTime = median(5) { _ = objective.value(weights: w, gradient: &gradient) }
        let fitTime = median {
            _ = objective.fit(options: LinearRewardFitOptions(seed: 9))
        }
        let prFit = median {
            _ = PartialReturnObjective(data: data).fit(options: LinearRewardFitOptions(seed: 9))
        }
        print(row(["\(c.h)×\(c.w)", "\(mdp.stateCount)", "\(c.k)", "\(library.count)", "\(c.n)",
                   "\(objective.states.count)", ms(libraryTime), ms(evalTime), ms(fitTime), ms(prFit)]))
    }

    // Policy evaluation: the deterministic functional-graph solve against the dense QR solve.
    print("\nPolicy evaluation of one greedy policy (ψ, d = 6 right-hand sides)")
    print(row(["grid", "states", "graph", "dense QR"]))
    for (h, w) in [(10, 10), (20, 20), (30, 30)] {
        var rng = SeededGenerator(seed: 11)
        let world = try DeliveryGridworldGenerator(height: h, width: w).generate(using: &rng)
        let mdp = world.mdp
        let policy = try mdp.solve(weights: world.trueWeights).greedyPolicy
        let graph = try median { _ = try mdp.successorFeatures(of: policy) }
        let dense = try median {
            _ = try mdp.solvePolicyDense(policy)
        }
        print(row(["\(h)×\(w)", "\(mdp.stateCount)", ms(graph), ms(dense)]))
    }

    if full {
        BLASRuntime.setThreadCount(1)
        let t = clock.now
        let report = try RegretExperiment.run(RegretExperimentConfiguration())
        print(String(format: "\n30-MDP experiment, sizes 300/1000/3000, both cores: %.1f s wall (setup %.1f s, fitting %.1f s summed)",
                     seconds(clock.now - t), report.setupSeconds, report.fitSeconds))
    }
} catch {
    FileHandle.standardError.write(Data("regret-bench failed: \(error)\n".utf8))
    exit(1)
}

extension FiniteMDP {
    /// ψ through the dense (I − γP_π) QR solve, bypassing the deterministic fast path.
    func solvePolicyDense(_ policy: MDPPolicy) throws -> Tensor<Double> {
        let stochastic = MDPPolicy(probabilities: policy.probabilities)  // same policy, no deterministic flag
        return try successorFeatures(of: stochastic)
    }
}
