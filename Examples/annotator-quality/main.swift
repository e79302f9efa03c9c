// A synthetic labelling campaign audited with the noisy Bradley–Terry model: careful, sloppy,
// left-clicking and adversarial annotators label pairs of 30 items; the plain fit, the noisy fit,
// the recovered reliabilities, and the accuracy gained by dropping or down-weighting flagged labels.
//
//   swift run -c release annotator-quality [--seed S] [--write-csv FILE]
//
// `--write-csv FILE` also writes the campaign as a comparison CSV (winner,loser,tie,annotator,first)
// for `rewardkit fit noisy-bradley-terry --comparisons FILE`.
import Foundation
import RewardKit

var seed: UInt64 = 2026
var csvPath: String? = nil
var arguments = Array(CommandLine.arguments.dropFirst())
while !arguments.isEmpty {
    let argument = arguments.removeFirst()
    if argument == "--seed", let value = arguments.first.flatMap(UInt64.init) {
        arguments.removeFirst()
        seed = value
    } else if argument == "--write-csv", let path = arguments.first {
        arguments.removeFirst()
        csvPath = path
    } else {
        FileHandle.standardError.write(Data("usage: annotator-quality [--seed S] [--write-csv FILE]\n".utf8))
        exit(64)
    }
}

typealias Person = SyntheticLabellingCampaign.Annotator
var rng = SeededGenerator(seed: seed)
let truth = SyntheticComparisons.strengths(count: 30, using: &rng)
let people: [Person] = (0..<6).map { Person(name: "careful-\($0)", reliability: 0.97, bias: 0, labels: 400) }
    + (0..<3).map { Person(name: "sloppy-\($0)", reliability: 0.75, bias: 0.3, labels: 400) }
    + (0..<3).map { Person(name: "left-clicker-\($0)", reliability: 1, bias: .infinity, labels: 400) }
    + (0..<2).map { Person(name: "adversary-\($0)", reliability: 0.2, bias: 0, labels: 400) }
    + [Person(name: "newcomer", reliability: 0.97, bias: 0, labels: 8)]
let data = SyntheticLabellingCampaign.comparisons(strengths: truth, annotators: people, using: &rng)
if let csvPath { try data.csvText().write(toFile: csvPath, atomically: true, encoding: .utf8) }

/// Spearman's rank correlation with the true strengths.
func spearman(_ estimate: [Double]) -> Double {
    func ranks(_ v: [Double]) -> [Double] {
        var r = [Double](repeating: 0, count: v.count)
        for (rank, i) in v.indices.sorted(by: { v[$0] < v[$1] }).enumerated() { r[i] = Double(rank) }
        return r
    }
    let a = ranks(estimate), b = ranks(truth), n = Double(truth.count)
    let d2 = zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
    return 1 - 6 * d2 / (n * (n * n - 1))
}

/// The share of item pairs the estimate orders as the truth does.
func pairAccuracy(_ estimate: [Double]) -> Double {
    var right = 0, total = 0
    for i in truth.indices { for j in truth.indices where i < j { total += 1; if (estimate[i] - estimate[j]) * (truth[i] - truth[j]) > 0 { right += 1 } } }
    return Double(right) / Double(total)
}

func row(_ name: String, _ strengths: [Double]) {
    print(name.padding(toLength: 34, withPad: " ", startingAt: 0)
          + String(format: "Spearman %.4f   pairs ordered right %.4f", spearman(strengths), pairAccuracy(strengths)))
}

do {
    print("\(data.itemCount) items, \(data.count) labels from \(data.annotatorNames.count) annotators\n")
    let plain = try BradleyTerry(.init(l2Penalty: 0.01)).fit(data)
    let noisy = try NoisyBradleyTerry(.init(l2Penalty: 0.01)).fit(data)
    print("annotator          true η  true β   fitted η  fitted β  labels  flag")
    for (person, fitted) in zip(people, noisy.annotators) {
        let trueBias = person.bias.isInfinite ? "  +∞" : String(format: "%5.2f", person.bias)
        print(person.name.padding(toLength: 18, withPad: " ", startingAt: 0)
              + String(format: " %6.2f  %@   %8.3f  %8.3f  %6d  %@", person.reliability, trueBias, fitted.reliability,
                       fitted.bias ?? 0, fitted.labels, fitted.flag.rawValue))
    }
    print(String(format: "\npopulation η̄ %.3f, β̄ %.3f; %d L-BFGS iterations, %@\n", noisy.populationReliability,
                 noisy.populationBias ?? 0, noisy.report.iterations, noisy.report.converged ? "converged" : "NOT converged"))

    row("plain Bradley–Terry", plain.strengths)
    row("noisy Bradley–Terry", noisy.strengths)
    // Dropping the labels of flagged annotators (spammers and adversaries; too-few stay).
    let flagged = Set(noisy.annotators.enumerated().filter { $0.element.flag == .spammer || $0.element.flag == .adversarial }.map(\.offset))
    let ids = data.annotators!
    let kept = (0..<data.count).filter { !flagged.contains(ids[$0]) }
    row("Bradley–Terry, flagged dropped", try BradleyTerry(.init(l2Penalty: 0.01)).fit(data.subset(kept)).strengths)
    // Down-weighting every label by its annotator's information ι² (0 when ι ≤ 0).
    let information = noisy.annotators.map { max($0.informativeness, 0) * max($0.informativeness, 0) }
    let weighted = try ComparisonSet(items: data.items, winners: data.winners, losers: data.losers,
                                     weights: ids.map { information[$0] }, annotators: ids, annotatorNames: data.annotatorNames)
    row("Bradley–Terry, weighted by ι²", try BradleyTerry(.init(l2Penalty: 0.01)).fit(weighted).strengths)

    // The model-free check: cross-fitted label noise and the per-annotator e-value test.
    let scores = try BradleyTerry(.init(l2Penalty: 0.01)).labelNoiseScores(data, folds: 5, seed: seed)
    if let test = AnnotatorOutlierTest(data, scores: scores) {
        let outliers = test.results.filter(\.isOutlier).map { data.annotatorNames[$0.annotator] }
        print("\ne-value test (no noise model, e-BH at α = 0.05) flags: " + outliers.joined(separator: ", "))
    }
    let worst = zip(scores.rows, scores.flipProbabilities).sorted { $0.1 > $1.1 }.prefix(200)
    let fromFlagged = worst.filter { flagged.contains(ids[$0.0]) }.count
    print("of the 200 labels most likely flipped, \(fromFlagged) come from flagged annotators")
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
