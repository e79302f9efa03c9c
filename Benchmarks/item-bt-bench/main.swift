// item-bt-bench: workload W1 of ../shared/BENCHMARKS.md (2,000 items, 500,000 comparisons,
// λ = 1e-4), timed the way ../shared/bench/peers.py times its peers: `wall_s` is the fit only
// (from the loaded comparisons, aggregation into pair counts included); loading is `load_s`.
//
//   swift run -c release item-bt-bench /tmp/prefbench [--solver truncated-newton|newton|mm]
//       [--reference scipy_mle.txt] [--repeat 5] [--tolerance 1e-9] [--max-iterations K] [--parallel 1|0]
//
// ITEM_BT_PROFILE=1 also times the aggregation and the solver separately (to standard error).
//
// Prints one JSON line in the peers' shape, with "method": "swift_…".
import Foundation
import RewardKit

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("item-bt-bench: \(message)\n".utf8))
    exit(1)
}

var arguments = Array(CommandLine.arguments.dropFirst())
guard let dataDirectory = arguments.first, !dataDirectory.hasPrefix("-") else {
    fail("usage: item-bt-bench DATADIR [--solver truncated-newton|newton|mm|automatic] [--reference FILE] [--repeat K]")
}
arguments.removeFirst()
var solver = BradleyTerry.Solver.truncatedNewton
var referencePath: String? = nil
var repeats = 5
var tolerance = 1e-9
var maximumIterations: Int? = nil
var parallel = true
while !arguments.isEmpty {
    let option = arguments.removeFirst()
    guard let value = arguments.first else { fail("\(option) needs a value") }
    arguments.removeFirst()
    switch option {
    case "--solver":
        switch value {
        case "truncated-newton": solver = .truncatedNewton
        case "newton": solver = .newtonCholesky
        case "mm": solver = .minorizationMaximization
        case "automatic": solver = .automatic
        default: fail("unknown solver \(value)")
        }
    case "--reference": referencePath = value
    case "--repeat": repeats = max(1, Int(value) ?? 1)
    case "--tolerance": tolerance = Double(value) ?? tolerance
    case "--max-iterations": maximumIterations = Int(value)
    case "--parallel": parallel = value != "0" && value != "false"
    default: fail("unknown option \(option)")
    }
}

func peakResidentMiB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? -1
        return kb / 1024
    }
    return -1
}

let clock = ContinuousClock()
func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }

let path = dataDirectory + "/w1/comparisons.csv"
let loadStart = clock.now
let data: ComparisonSet
do { data = try ComparisonSet(csvFile: URL(fileURLWithPath: path)) } catch { fail(error.description) }
let loadSeconds = seconds(clock.now - loadStart)
let peakBeforeFit = peakResidentMiB()

let lambda = 1e-4
let estimator = BradleyTerry(.init(l2Penalty: lambda, solver: solver, gradientTolerance: tolerance,
                                   maximumIterations: maximumIterations, parallel: parallel))
var walls: [Double] = []
var model: BradleyTerryModel? = nil
for _ in 0..<repeats {
    let start = clock.now
    do { model = try estimator.fit(data) } catch { fail(error.description) }
    walls.append(seconds(clock.now - start))
}
let fitted = model!
if ProcessInfo.processInfo.environment["ITEM_BT_PROFILE"] != nil {
    // Aggregation alone, then the solver on the aggregated counts (medians of `repeats`).
    var aggregate: [Double] = [], solve: [Double] = []
    for _ in 0..<repeats {
        var start = clock.now
        let counts = AggregatedComparisons(data, ties: estimator.configuration.tieHandling)
        aggregate.append(seconds(clock.now - start))
        start = clock.now
        _ = try? estimator.fit(aggregated: counts, items: data.items, initial: nil)
        solve.append(seconds(clock.now - start))
    }
    FileHandle.standardError.write(Data(
        ("profile (median / min of \(repeats)): aggregation \(aggregate.sorted()[repeats / 2]) / \(aggregate.min()!) s, "
            + "solver \(solve.sorted()[repeats / 2]) / \(solve.min()!) s\n").utf8))
}
let sortedWalls = walls.sorted()
let median = sortedWalls[sortedWalls.count / 2]

var record: [String: Any] = [
    "workload": "w1",
    "method": "swift_bt_" + fitted.report.solver.rawValue,
    "wall_s": median,
    "wall_s_min": sortedWalls[0],
    "wall_s_all": walls,
    "load_s": loadSeconds,
    "threads": 2,
    "iters": fitted.report.iterations,
    "inner_iters": fitted.report.innerIterations,
    "converged": fitted.report.converged,
    "stop_reason": fitted.report.stopReason.rawValue,
    "max_abs_grad": fitted.report.maxAbsGradient,
    "loglik": fitted.report.logLikelihood,
    "penalized_objective": fitted.report.objective,
    "train_loss": -fitted.report.logLikelihood / Double(data.count),
    "test_acc": NSNull(),
    "items": data.itemCount,
    "comparisons": data.count,
    "distinct_pairs": fitted.data.pairCount,
    "penalty": "L2 lam=1e-4 ((lam/2)||theta||^2)",
    "peak_rss_before_fit_mb": peakBeforeFit,
]
if let referencePath {
    guard let text = try? String(contentsOfFile: referencePath, encoding: .utf8) else { fail("cannot read \(referencePath)") }
    // One value per line: the centered scipy MLE of item id k on line k.
    let reference = text.split(whereSeparator: \.isNewline).compactMap { Double($0) }
    guard reference.count == data.itemCount else { fail("reference has \(reference.count) values, expected \(data.itemCount)") }
    var worst = 0.0
    for (i, name) in fitted.items.enumerated() {
        guard let id = Int(name) else { fail("item name \(name) is not an id") }
        worst = max(worst, abs(fitted.strengths[i] - reference[id]))
    }
    record["max_abs_diff_vs_scipy_mle"] = worst
}
record["peak_rss_mb"] = peakResidentMiB()
let json = try! JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])
print(String(decoding: json, as: UTF8.self))
