// Rankings: Plackett–Luce for items and a listwise reward head.
//
//   swift run rankings [--seasons 100] [--races 150] [--sets 300]
//
// 1. A season of races (generated, seeded): 20 drivers, each race ranks the 10 that started it;
//    drivers who retired are unranked (a top-k ranking: they were in the race, below every
//    finisher). Plackett–Luce with Hessian intervals, beside the same races broken into pairs and
//    fitted by Bradley–Terry; over many seasons, how often each method's 95% intervals cover the
//    true strengths.
// 2. Sets of 4 responses with a known linear reward on 8 features: a listwise (Plackett–Luce)
//    head trained on the rankings against a pairwise head trained on the best-vs-worst pairs,
//    both by the same trainer; Kendall τ against the true order of held-out sets.
import Foundation
import RewardKit

let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String, _ fallback: Int) -> Int {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count, let value = Int(arguments[i + 1]) else { return fallback }
    return value
}
let seasons = option("--seasons", 100), races = option("--races", 150), setCount = option("--sets", 300)

/// One season: `races` races of 10 of the 20 drivers; 0–2 retirements per race are left unranked.
func season(strengths: [Double], races: Int, using rng: inout SeededGenerator) -> RankingSet {
    let names = (0..<strengths.count).map { "driver\($0 + 1)" }
    var builder = RankingSet.Builder(items: names)
    for _ in 0..<races {
        let starters = Array(rng.permutation(strengths.count).prefix(10))
        let order = SyntheticRankings.order(starters, strengths: strengths, ties: .none, using: &rng)
        let retired = Int.random(in: 0...2, using: &rng)
        let finishers = order.prefix(order.count - retired).map { [names[$0[0]]] }
        let unranked = order.suffix(retired).map { names[$0[0]] }
        try! builder.append(places: Array(finishers), unranked: unranked)
    }
    return builder.build()
}

var rng = SeededGenerator(seed: 2026)
let truth: [Double] = {
    let raw = (0..<20).map { _ in rng.nextNormal() * 0.8 }
    let mean = raw.reduce(0, +) / 20
    return raw.map { $0 - mean }
}()

// One season in detail.
let first = season(strengths: truth, races: races, using: &rng)
let model = try PlackettLuce().fit(first)
let intervals = try model.hessianIntervals()
print("Season: \(first.count) races, \(first.itemCount) drivers, \(first.unrankedItems.count) retirements (unranked, top-k)")
print("Plackett–Luce: \(model.report.iterations) iterations, log-likelihood \(String(format: "%.2f", model.report.logLikelihood))")
print("rank  driver    strength   95% interval      truth")
for (rank, i) in model.strengths.indices.sorted(by: { model.strengths[$0] > model.strengths[$1] }).prefix(8).enumerated() {
    print(String(format: "%4d  %-8@  %8.3f   [%6.3f, %6.3f]  %6.3f", rank + 1, model.items[i] as NSString, model.strengths[i],
                 intervals.lower[i] ?? .nan, intervals.upper[i] ?? .nan, truth[i]))
}
let pairs = first.pairwiseComparisons()
print("The same races as pairs: \(pairs.count) comparisons (\(pairs.count / first.count) per race)")

// Coverage over many seasons.
var plCovered = 0, pairCovered = 0, total = 0
var plWidth = 0.0, pairWidth = 0.0
for _ in 0..<seasons {
    let data = season(strengths: truth, races: races, using: &rng)
    let pl = try PlackettLuce().fit(data).hessianIntervals()
    let bt = try BradleyTerry().fit(data.pairwiseComparisons()).hessianIntervals()
    for i in 0..<truth.count {
        total += 1
        if let range = pl.interval(i) { if range.contains(truth[i]) { plCovered += 1 }; plWidth += range.upperBound - range.lowerBound }
        if let range = bt.interval(i) { if range.contains(truth[i]) { pairCovered += 1 }; pairWidth += range.upperBound - range.lowerBound }
    }
}
print(String(format: "Coverage of the 95%% intervals over %d seasons: Plackett–Luce %.3f (mean width %.3f), pairs %.3f (mean width %.3f)",
             seasons, Double(plCovered) / Double(total), plWidth / Double(total), Double(pairCovered) / Double(total),
             pairWidth / Double(total)))

// 2. A listwise head against the binarized pairs.
let d = 8, rows = 4 * setCount + 2000
let features = Tensor<Double>(shape: [rows, d], scalars: (0..<(rows * d)).map { _ in rng.nextNormal() })
let w = (0..<d).map { _ in rng.nextNormal() }
let rewards = (0..<rows).map { i in (0..<d).reduce(0.0) { $0 + features.scalars[i * d + $1] * w[$1] } }
var trainBuilder = RankingSet.Builder(items: (0..<rows).map(String.init))
var testBuilder = RankingSet.Builder(items: (0..<rows).map(String.init))
for s in 0..<(setCount + 500) {
    let options = Array(rng.permutation(rows).prefix(4))
    if s < setCount {
        let places = SyntheticRankings.order(options, strengths: rewards, ties: .none, using: &rng)
        try trainBuilder.append(places: places.map { $0.map(String.init) })
    } else {
        // Held-out sets in their true order (no sampling noise).
        try testBuilder.append(places: options.sorted { rewards[$0] > rewards[$1] }.map { [String($0)] })
    }
}
let train = try RankedResponses(features: features, rankings: trainBuilder.build())
let test = try RankedResponses(features: features, rankings: testBuilder.build())
let trainer = PairwiseTrainer(configuration: .init(epochs: 30, batchSize: 32, seed: 1))
var listwise = ListwiseRewardHead<Double>(.linear(LinearRewardHead(dimension: d)))
var adam = Adam<Double>(learningRate: 0.02)
_ = trainer.fit(&listwise, on: train, validate: nil, optimizer: &adam)
var pairwise = LinearRewardHead<Double>(dimension: d)
var adam2 = Adam<Double>(learningRate: 0.02)
let binarized = train.bestVersusWorstPairs()
_ = trainer.fit(&pairwise, on: FeaturePairsView(binarized), optimizer: &adam2)
let a = listwise.evaluate(on: test).metrics
let b = ListwiseRewardHead<Double>.evaluate(rewards: pairwise.rewards(features), on: test).metrics
print("Listwise head on \(train.count) sets of 4: test Kendall τ \(String(format: "%.3f", a.kendallTau)), "
      + "pairwise accuracy \(String(format: "%.3f", a.pairwiseAccuracy)), top-1 \(String(format: "%.3f", a.topOneAccuracy))")
print("Pairwise head on the \(binarized.count) best-vs-worst pairs: test Kendall τ \(String(format: "%.3f", b.kendallTau)), "
      + "pairwise accuracy \(String(format: "%.3f", b.pairwiseAccuracy)), top-1 \(String(format: "%.3f", b.topOneAccuracy))")
