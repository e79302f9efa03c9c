// Regret versus partial return (Knox et al., "Models of human preference for learning reward
// functions"): learn a linear reward from preferences over 3-transition segments on random delivery
// gridworlds, labelled by regret, with the regret model and with the partial-return model; score each
// learned reward by the scaled return of its greedy policy under the true reward.
//
//     swift run -c release regret-vs-partial-return [--mdps N] [--svg FILE]
//
// Prints the table and writes an SVG plot of the near-optimal fraction against the number of
// preferences. The defaults (12 MDPs, 30–1000 preferences) run in well under a minute in release.

import Foundation
import RewardKit

var mdpCount = 12
var svgPath = "regret-vs-partial-return.svg"
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
    switch flag {
    case "--mdps":
        guard let value = arguments.popFirst().flatMap(Int.init), value > 0 else {
            FileHandle.standardError.write(Data("--mdps needs a positive integer\n".utf8))
            exit(2)
        }
        mdpCount = value
    case "--svg":
        guard let value = arguments.popFirst() else {
            FileHandle.standardError.write(Data("--svg needs a file name\n".utf8))
            exit(2)
        }
        svgPath = value
    default:
        FileHandle.standardError.write(Data("usage: regret-vs-partial-return [--mdps N] [--svg FILE]\n".utf8))
        exit(2)
    }
}

var configuration = RegretExperimentConfiguration()
configuration.mdpCount = mdpCount
configuration.preferenceCounts = [30, 100, 300, 1000]
configuration.labels = .regret
configuration.noise = .deterministic(tieTolerance: 1e-6)
configuration.seed = 7
// Work is parallel over MDPs; the per-MDP matrices are small, so BLAS stays single-threaded.
BLASRuntime.setThreadCount(1)

let report: RegretExperimentReport
do {
    report = try RegretExperiment.run(configuration)
} catch {
    FileHandle.standardError.write(Data("experiment failed: \(error)\n".utf8))
    exit(1)
}

print("Regret-labelled preferences, \(mdpCount) random delivery MDPs (near-optimal: scaled return ≥ 0.9)")
print("prefs   learner           near-optimal   mean scaled return")
for r in report.results {
    let prefs = "\(r.preferences)".padding(toLength: 8, withPad: " ", startingAt: 0)
    let learner = r.learner.padding(toLength: 18, withPad: " ", startingAt: 0)
    print(prefs + learner + String(format: "%12.3f   %18.3f", r.nearOptimalFraction, r.meanScaledReturn))
}
print(String(format: "wall %.1f s", report.wallSeconds))

var chart = LineChart(title: "Learning a reward from regret-labelled segment preferences",
                      xLabel: "number of preferences", yLabel: "fraction of MDPs near-optimal",
                      yRange: 0...1)
for learner in LinearRewardLearner.allCases {
    let points = report.results.filter { $0.learner == learner.rawValue }
        .map { (x: Double($0.preferences), y: $0.nearOptimalFraction) }
    chart.add(LineChart.Series(name: learner == .regret ? "regret model" : "partial-return model", points: points))
}
do {
    try chart.write(to: URL(fileURLWithPath: svgPath))
    print("plot written to \(svgPath)")
} catch {
    FileHandle.standardError.write(Data("cannot write \(svgPath): \(error)\n".utf8))
    exit(1)
}
