// Item models at scale (issue "no input crashes it … item models scale to 100k items"):
// 100,000 items, 1,000,000 seeded Bradley–Terry comparisons (about 20 per item), and
//   - the leaderboard's Bradley–Terry fit (λ = 0.01) and 100 bootstrap replicates,
//   - Thurstone Case V and the per-item-variance Thurstonian fit (from θ = 0 and from the Case V
//     fit), with the coherence diagnostics,
// each timed, with the process's peak resident memory after each step.
//   swift run -c release item-scale-bench [ITEMS] [COMPARISONS] [REPLICATES]
import Foundation
import RewardKit

func peakRSSMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return .nan }
    return kb / 1024
}

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let n = arguments.count > 0 ? arguments[0] : 100_000
let m = arguments.count > 1 ? arguments[1] : 1_000_000
let replicates = arguments.count > 2 ? arguments[2] : 100
let clock = ContinuousClock()
func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = clock.now
    try body()
    return (clock.now - start).inSeconds
}
func record(_ name: String, _ value: String) {
    FileHandle.standardError.write(Data("\(name): \(value)\n".utf8))
    print("\(name): \(value)")
}

var rng = SeededGenerator(seed: 7)
let theta = SyntheticComparisons.strengths(count: n, using: &rng)
let set = SyntheticComparisons.comparisons(strengths: theta, count: m, using: &rng)
record("data", "\(set.itemCount) items, \(set.count) comparisons, peak \(String(format: "%.0f", peakRSSMegabytes())) MB")

let estimator = BradleyTerry(.init(l2Penalty: 0.01))
var model: BradleyTerryModel!
let fitSeconds = try seconds { model = try estimator.fit(set) }
record("bradley-terry fit", String(format: "%.2f s, %d iterations, converged %@, peak %.0f MB", fitSeconds,
                                   model.report.iterations, "\(model.report.converged)", peakRSSMegabytes()))
var intervals: StrengthIntervals!
let bootstrapSeconds = try seconds {
    intervals = try estimator.bootstrapIntervals(set, model: model, samples: replicates, level: 0.95, seed: 1)
}
let withInterval = set.items.indices.filter { intervals.interval($0) != nil }.count
record("bootstrap \(replicates) replicates", String(format: "%.2f s, %d items with an interval, peak %.0f MB",
                                                  bootstrapSeconds, withInterval, peakRSSMegabytes()))
var board: Leaderboard!
let boardSeconds = seconds { board = Leaderboard(model: model, comparisons: set, intervals: intervals, topCount: 20) }
record("leaderboard (top-20 win probabilities)", String(format: "%.2f s, %d rows", boardSeconds, board.entries.count))

let soft = ProbabilisticComparisons(set)
var caseV: ThurstonianFit!
let caseVSeconds = try seconds { caseV = try ThurstonianFitter(variance: .shared).fit(soft) }
record("thurstone case V", String(format: "%.2f s, %@ %d iterations, peak %.0f MB", caseVSeconds, caseV.report.solver.rawValue,
                                  caseV.report.iterations, peakRSSMegabytes()))
for (label, start) in [("from θ = 0", nil), ("from case V", caseV.model)] as [(String, ThurstonianModel?)] {
    var fit: ThurstonianFit!
    let s = try seconds { fit = try ThurstonianFitter(variance: .perItem).fit(soft, start: start) }
    record("thurstonian per-item variance \(label)", String(format: "%.2f s, %d truncated-Newton iterations, %@, log-lik %.4f, peak %.0f MB",
                                                            s, fit.report.iterations, fit.report.stopReason.rawValue,
                                                            fit.report.logLikelihood, peakRSSMegabytes()))
}
var diagnostics: ThurstonianDiagnostics!
let diagnosticSeconds = seconds { diagnostics = ThurstonianDiagnostics(model: caseV.model, data: soft) }
record("thurstonian diagnostics", String(format: "%.2f s, %d decided triples, peak %.0f MB", diagnosticSeconds,
                                         diagnostics.decidedTriples, peakRSSMegabytes()))
