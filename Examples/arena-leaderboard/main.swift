// arena-leaderboard: rank chat models from a battle log with ties, like an arena leaderboard.
//
//   swift run -c release arena-leaderboard [--data FILE] [--bootstrap N] [--style-bootstrap N] [--no-style-control] [CHART.svg]
//   swift run -c release arena-leaderboard --generate Data/arena/battles.csv
//
// It fits Bradley–Terry strengths with Davidson ties (ν fitted jointly), computes 95% bootstrap
// intervals on both cores, prints the leaderboard and the win probabilities of the top models, and
// writes an SVG bar chart with the intervals (default ./arena-leaderboard.svg) and a pairwise
// win-probability heatmap beside it (arena-win-probabilities.svg). Then, on a synthetic battle log
// whose voters reward long answers, it shows style control (StyleControl.swift): the plain and the
// style-controlled leaderboards on the Elo scale, the fitted length coefficient, and their charts.
// `--no-style-control` skips that part. `--generate` rewrites the shipped battle log from its seed
// (see Data/README.md).
import Foundation
import RewardKit

/// The generator settings of Data/arena/battles.csv.
enum ArenaData {
    static let seed: UInt64 = 20_240_611
    static let battles = 5_000
    static let davidsonNu = 0.45
    static let models = [
        "atlas-2-large", "borealis-70b", "cirrus-pro", "delta-chat-34b", "ember-8x22b", "fjord-instruct",
        "granite-sage", "helix-13b", "ion-mini", "juniper-7b", "kestrel-v3", "lumen-chat", "meadow-7b",
        "nimbus-ultra", "orca-lite", "pilot-2", "quartz-70b", "raven-small", "solstice-1.5", "tundra-3b",
    ]

    static func generate() -> ComparisonSet {
        var rng = SeededGenerator(seed: seed)
        let strengths = SyntheticComparisons.strengths(count: models.count, distribution: .normal(mean: 0, standardDeviation: 0.8),
                                                       using: &rng)
        return SyntheticComparisons.comparisons(strengths: strengths, count: battles, pairs: .uniform,
                                                outcomes: .davidson(nu: davidsonNu), itemNames: models, using: &rng)
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("arena-leaderboard: \(message)\n".utf8))
    exit(1)
}

var arguments = Array(CommandLine.arguments.dropFirst())
var dataPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Data/arena/battles.csv").path
var chartPath = "arena-leaderboard.svg"
var bootstrapSamples = 200
var showsStyleControl = true
var styleBootstrapSamples = 500
while !arguments.isEmpty {
    let argument = arguments.removeFirst()
    switch argument {
    case "--generate":
        guard let path = arguments.first else { fail("--generate needs a file path") }
        do {
            try ArenaData.generate().csvText().write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            fail("cannot write \(path): \(error.localizedDescription)")
        }
        print("wrote \(ArenaData.battles) battles between \(ArenaData.models.count) models to \(path) (seed \(ArenaData.seed))")
        exit(0)
    case "--data":
        guard !arguments.isEmpty else { fail("--data needs a file path") }
        dataPath = arguments.removeFirst()
    case "--bootstrap":
        guard let n = arguments.first.flatMap(Int.init), n >= 2 else { fail("--bootstrap needs a number ≥ 2") }
        arguments.removeFirst()
        bootstrapSamples = n
    case "--style-bootstrap":
        guard let n = arguments.first.flatMap(Int.init), n >= 2 else { fail("--style-bootstrap needs a number ≥ 2") }
        arguments.removeFirst()
        styleBootstrapSamples = n
    case "--no-style-control":
        showsStyleControl = false
    case "-h", "--help":
        print("usage: arena-leaderboard [--data FILE] [--bootstrap N] [--style-bootstrap N] [--no-style-control] [CHART.svg] | --generate FILE")
        exit(0)
    default:
        chartPath = argument
    }
}

do {
    let battles = try ComparisonSet.load(contentsOf: URL(fileURLWithPath: dataPath))
    let estimator = BradleyTerry(.init(l2Penalty: 0, ties: .davidson))
    let model = try estimator.fit(battles)
    let intervals = try estimator.bootstrapIntervals(battles, model: model, samples: bootstrapSamples, level: 0.95, seed: 1)
    let board = Leaderboard(model: model, comparisons: battles, intervals: intervals, topCount: 5)

    let tieShare = Double(battles.ties.filter { $0 }.count) / Double(battles.count)
    print("\(battles.count) battles between \(battles.itemCount) models, \(String(format: "%.1f", 100 * tieShare))% ties")
    print("Bradley–Terry with Davidson ties, \(model.report.iterations) Newton steps, log-likelihood "
          + String(format: "%.3f", model.report.logLikelihood) + ", max |gradient| "
          + String(format: "%.1e", model.report.maxAbsGradient))
    let nu = model.tieParameter!
    let nuRange = intervals.tieInterval!
    print(String(format: "Davidson ν = %.3f (95%% bootstrap interval %.3f–%.3f)\n", nu, nuRange.lowerBound, nuRange.upperBound))
    print(board.formattedTable())
    print("\nP(row beats column) for the top \(board.topItems.count):")
    print(board.formattedWinProbabilities())

    let svg = LeaderboardChart.svg(board, title: "Arena leaderboard (Bradley–Terry + Davidson ties, \(bootstrapSamples) bootstrap resamples)")
    try svg.write(toFile: chartPath, atomically: true, encoding: .utf8)
    print("\nwrote \(chartPath)")

    // The heatmap of expected scores (P(row beats column) + ½·P(tie)) over every model.
    let order = model.ranking
    let heatmapPath = ((chartPath as NSString).deletingLastPathComponent as NSString).appendingPathComponent("arena-win-probabilities.svg")
    try LeaderboardChart.heatmapSVG(items: order.map { battles.items[$0] }, scores: model.expectedScores(order),
                                    title: "Expected score, row vs column (ties count ½)")
        .write(toFile: heatmapPath, atomically: true, encoding: .utf8)
    print("wrote \(heatmapPath)")

    if showsStyleControl {
        print("\n── Style control on a synthetic arena whose voters reward long answers ──\n")
        try runStyleControlDemo(bootstrapSamples: styleBootstrapSamples, outputDirectory: (chartPath as NSString).deletingLastPathComponent.isEmpty
                                    ? "." : (chartPath as NSString).deletingLastPathComponent)
    }
} catch let error as DataError {
    fail(error.description)
} catch let error as BradleyTerryError {
    fail(error.description)
} catch {
    fail("\(error)")
}
