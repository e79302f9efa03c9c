// Style control, the second half of the arena-leaderboard example: how a hidden length bonus
// inflates a plain arena leaderboard, and how style control (a per-answer covariate fitted jointly
// with the ratings) removes it.
//
// 12 synthetic models battle 30,000 times with Davidson ties. Four of them write long answers;
// voters reward length: P(w ≻ l) = σ(θ_w − θ_l + γ·(z_w − z_l)) with γ = 0.7 and z the answer's
// (standardized) length. It fits the plain Bradley–Terry model and the style-controlled one,
// prints both leaderboards on the Elo scale (anchored: model-07 = 1000), the fitted γ with its
// standard error and bootstrap interval (500 resamples, `--style-bootstrap N`), and writes style-controlled-leaderboard.svg (95% bootstrap intervals),
// plain-leaderboard.svg and style-neutral-win-probabilities.svg (the heatmap) next to the chart.
import Foundation
import RewardKit

func runStyleControlDemo(bootstrapSamples: Int = 500, outputDirectory: String) throws {
    let names = (1...12).map { String(format: "model-%02d", $0) }
    let truth: [Double] = [0.9, 0.7, 0.5, 0.35, 0.2, 0.0, -0.1, -0.25, -0.4, -0.55, -0.7, -0.9]
    let verbose: Set<Int> = [3, 5, 8, 10]
    let styleMeans = (0..<12).map { verbose.contains($0) ? 1.4 : 0.0 }
    let plantedGamma = 0.7
    var rng = SeededGenerator(seed: 2024)
    let sample = SyntheticArena.styleBattles(strengths: truth, styleMeans: styleMeans, styleCoefficient: plantedGamma,
                                             count: 30_000, davidsonNu: 0.4, itemNames: names, using: &rng)

    let estimator = BradleyTerry(.init(ties: .davidson))
    let plainBattles = ArenaBattles(sample.battles.comparisons)
    let plain = try estimator.fit(plainBattles)
    let styled = try estimator.fit(sample.battles)
    let anchor = names.firstIndex(of: "model-07")!
    func conversion(_ model: BradleyTerryModel) -> RatingConversion {
        RatingConversion(scale: .elo(base: 1000), anchorStrength: model.strengths[anchor], anchorRating: 1000)
    }
    let plainBootstrap = try estimator.bootstrapIntervals(plainBattles, model: plain, samples: bootstrapSamples, seed: 1)
    let styledBootstrap = try estimator.bootstrapIntervals(sample.battles, model: styled, samples: bootstrapSamples, seed: 1)
    let plainBoard = Leaderboard(model: plain, comparisons: plainBattles.comparisons, intervals: plainBootstrap,
                                 conversion: conversion(plain), topCount: 12)
    let styledBoard = Leaderboard(model: styled, comparisons: sample.battles.comparisons, intervals: styledBootstrap,
                                  conversion: conversion(styled), topCount: 12)

    let mean = truth.reduce(0, +) / Double(truth.count)
    let trueConversion = RatingConversion(scale: .elo(base: 1000), anchorStrength: truth[anchor] - mean, anchorRating: 1000)
    print("Plain Bradley–Terry (verbose models: \(verbose.sorted().map { names[$0] }.joined(separator: ", "))):")
    print(plainBoard.formattedTable())
    print("\nStyle-controlled:")
    print(styledBoard.formattedTable())
    let se = try styled.hessianIntervals().coefficientStandardErrors[0] ?? .nan
    let gammaInterval = styledBootstrap.coefficientIntervals[0]
    print(String(format: "\nγ (length) = %.3f ± %.3f (SE), planted %.2f", styled.coefficients[0], se, plantedGamma)
          + (gammaInterval.map { String(format: ", 95%% bootstrap [%.3f, %.3f]", $0.lowerBound, $0.upperBound) } ?? ""))
    print(String(format: "Davidson ν = %.3f (planted 0.40)", styled.tieParameter ?? .nan))
    print("\nmodel      true Elo   plain   styled")
    var plainError = 0.0, styledError = 0.0
    for i in 0..<12 {
        let t = trueConversion.rating(truth[i] - mean)
        let p = conversion(plain).rating(plain.strengths[i]), s = conversion(styled).rating(styled.strengths[i])
        plainError = max(plainError, abs(p - t)); styledError = max(styledError, abs(s - t))
        print(String(format: "%@  %8.1f  %6.1f  %7.1f%@", names[i], t, p, s, verbose.contains(i) ? "  (verbose)" : ""))
    }
    print(String(format: "max |rating − truth|: plain %.1f Elo, style-controlled %.1f Elo", plainError, styledError))

    try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
    func write(_ text: String, _ file: String) throws {
        try text.write(toFile: (outputDirectory as NSString).appendingPathComponent(file), atomically: true, encoding: .utf8)
    }
    try write(LeaderboardChart.svg(styledBoard, title: "Style-controlled arena (Elo, model-07 = 1000)"), "style-controlled-leaderboard.svg")
    try write(LeaderboardChart.svg(plainBoard, title: "Plain arena (Elo, model-07 = 1000)"), "plain-leaderboard.svg")
    try write(LeaderboardChart.heatmapSVG(items: styledBoard.topItems, scores: styledBoard.expectedScores,
                                          title: "Style-neutral expected score, row vs column"), "style-neutral-win-probabilities.svg")
    print("\nwrote style-controlled-leaderboard.svg, plain-leaderboard.svg, style-neutral-win-probabilities.svg to \(outputDirectory)")
}
