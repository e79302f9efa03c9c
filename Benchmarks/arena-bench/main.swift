// arena-bench: full fit + N bootstrap replicates on a synthetic arena (100 models, 1,000,000 battles
// with ties), the deduplicated-count recipe. See run.sh for the side-by-side run with peer_arena.py.
//
//   arena-bench [--data /tmp/arena-bench-1m.csv] [--replicates 1000] [--ties half|davidson] [--seed 1]
//
// The data file is written once from a fixed seed when missing. Prints one JSON line of timings.
import Foundation
import RewardKit

var path = "/tmp/arena-bench-1m.csv"
var replicates = 1000
var ties = "half"
var seed: UInt64 = 1
var arguments = Array(CommandLine.arguments.dropFirst())
while !arguments.isEmpty {
    let flag = arguments.removeFirst()
    guard let value = arguments.first else { FileHandle.standardError.write(Data("missing value for \(flag)\n".utf8)); exit(2) }
    arguments.removeFirst()
    switch flag {
    case "--data": path = value
    case "--replicates": replicates = Int(value) ?? replicates
    case "--ties": ties = value
    case "--seed": seed = UInt64(value) ?? seed
    default: FileHandle.standardError.write(Data("unknown option \(flag)\n".utf8)); exit(2)
    }
}

let clock = ContinuousClock()
func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }

if !FileManager.default.fileExists(atPath: path) {
    // 100 models, θ ~ N(0, 1), uniform pairs, Davidson outcomes with ν = 0.35 (about 15% ties).
    var rng = SeededGenerator(seed: 20_250_101)
    let theta = SyntheticComparisons.strengths(count: 100, distribution: .normal(mean: 0, standardDeviation: 1), using: &rng)
    let names = (1...100).map { String(format: "model-%03d", $0) }
    let set = SyntheticComparisons.comparisons(strengths: theta, count: 1_000_000, outcomes: .davidson(nu: 0.35),
                                               itemNames: names, using: &rng)
    var text = "winner,loser,tie\n"
    text.reserveCapacity(24 * set.count)
    for k in 0..<set.count {
        text += names[set.winners[k]]; text += ","; text += names[set.losers[k]]; text += set.ties[k] ? ",1\n" : ",0\n"
    }
    try! text.write(toFile: path, atomically: true, encoding: .utf8)
}

let t0 = clock.now
let set = try! ComparisonSet(csvFile: URL(fileURLWithPath: path))
let t1 = clock.now
let estimator = BradleyTerry(.init(ties: ties == "davidson" ? .davidson : .halfWins))
let model = try! estimator.fit(set)
let t2 = clock.now
let table = ComparisonOutcomeTable(set)
let result = try! estimator.bootstrapIntervals(table, model: model, samples: replicates, level: 0.95, seed: seed)
let t3 = clock.now
let top = model.ranking.prefix(3).map { "\"\(model.items[$0])\": \(model.strengths[$0])" }.joined(separator: ", ")
let widths = set.items.indices.compactMap { result.interval($0).map { $0.upperBound - $0.lowerBound } }
guard case .bootstrap(_, let failedReplicates, _) = result.method else { fatalError("not a bootstrap") }
print("""
{"impl": "swift", "battles": \(set.count), "items": \(set.itemCount), "cells": \(table.cellCount), \
"ties": "\(ties)", "replicates": \(replicates), "load_s": \(seconds(t1 - t0)), "fit_s": \(seconds(t2 - t1)), \
"bootstrap_s": \(seconds(t3 - t2)), "fit_plus_bootstrap_s": \(seconds(t3 - t1)), \
"log_likelihood": \(model.report.logLikelihood), "iterations": \(model.report.iterations), \
"max_abs_gradient": \(model.report.maxAbsGradient), "failed_replicates": \(failedReplicates), \
"mean_interval_width": \(widths.reduce(0, +) / Double(max(widths.count, 1))), "top": {\(top)}}
""")
