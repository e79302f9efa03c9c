import ArgumentParser
import Foundation
import RewardKit
import RewardKitInternals

/// `rewardkit fit noisy-bradley-terry`: item strengths with per-annotator reliability and position
/// bias (Crowd-BT), an annotators CSV with flags, and a JSON fit report.
struct FitNoisyBradleyTerry: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "noisy-bradley-terry",
        abstract: "Fit item strengths with per-annotator reliability η and position bias β (noisy Bradley–Terry).",
        discussion: """
        The comparison file needs an annotator column; an optional first column names the item shown \
        first (the winner's or the loser's name; without it β is not fitted). P(a reports i ≻ j) = \
        η_a·σ(θ_i − θ_j + β_a·s) + (1 − η_a)·σ(−(θ_i − θ_j + β_a·s)), s = +1 when i was shown first. \
        The objective is −log-likelihood + (λ/2)‖θ‖² (default λ = 0) plus the priors of Docs/Annotators.md \
        (logit η_a ~ logistic-Beta with mode at the population's η̄ and 10 pseudo-labels; β_a ~ N(β̄, 1.5²)). \
        --output writes item,strength; --annotators writes annotator,reliability,bias,labels,flag with flag \
        ok, spammer (|ι| < 0.2, ι = (2η − 1)·4σ(β)σ(−β)), adversarial (ι ≤ −0.2) or too-few (< 20 labels). \
        Without --output the strengths and the annotators are printed.
        """
    )

    @OptionGroup(title: "Input") var input: ComparisonInputOptions
    @OptionGroup(title: "Penalty (default 0)") var penalty: PenaltyOptions
    @Option(help: "Write the strengths as CSV (item,strength) to this file.") var output: String?
    @Option(help: "Write the annotators as CSV (annotator,reliability,bias,labels,flag) to this file.") var annotators: String?
    @OptionGroup(title: "Report") var reportOptions: ReportOptions

    func validate() throws { _ = try input.required() }

    func run() throws {
        let comparisons = try input.required()
        let data = try ComparisonSet.load(contentsOf: url(comparisons))
        if data.annotators == nil { throw DataError(file: comparisons, reason: .missingColumn("annotator")) }
        let l2 = penalty.l2 ?? 0
        let model: NoisyBradleyTerryModel
        do { model = try NoisyBradleyTerry(.init(l2Penalty: l2)).fit(data) } catch { throw CLIError("\(comparisons): \(error)") }
        func write(_ text: String, to path: String) throws {
            do { try AtomicFileWriter.write(text, to: url(path)) } catch { throw CLIError("\(path): cannot write: \(error.detail)") }
        }
        if let output { try write(model.strengthsCSV(), to: output) }
        if let annotators { try write(model.annotatorsCSV(), to: annotators) }
        let r = model.report
        if output == nil {
            let width = max(4, model.items.map(\.count).max() ?? 4)
            var lines = ["item".padded(to: width, alignment: .left) + "  " + "strength".padded(to: 9, alignment: .right)]
            for i in model.strengths.indices.sorted(by: { model.strengths[$0] > model.strengths[$1] }) {
                lines.append(model.items[i].padded(to: width, alignment: .left) + "  "
                             + String(format: "%.3f", model.strengths[i]).padded(to: 9, alignment: .right))
            }
            let nameWidth = max(9, model.annotators.map(\.name.count).max() ?? 9)
            lines.append("")
            lines.append("annotator".padded(to: nameWidth, alignment: .left) + "  " + "η".padded(to: 6, alignment: .right) + "  "
                         + "β".padded(to: 7, alignment: .right) + "  " + "labels".padded(to: 7, alignment: .right) + "  flag")
            for a in model.annotators {
                lines.append(a.name.padded(to: nameWidth, alignment: .left) + "  "
                             + String(format: "%.3f", a.reliability).padded(to: 6, alignment: .right) + "  "
                             + (a.bias.map { String(format: "%.3f", $0) } ?? "-").padded(to: 7, alignment: .right) + "  "
                             + String(a.labels).padded(to: 7, alignment: .right) + "  " + a.flag.rawValue)
            }
            lines.append("")
            lines.append("\(data.itemCount) items, \(data.count) comparisons, \(model.annotators.count) annotators; population η̄ "
                         + String(format: "%.3f", model.populationReliability) + "; log-likelihood \(r.logLikelihood), "
                         + "\(r.iterations) iterations, \(r.converged ? "converged" : "NOT converged: \(snakeCase(r.stopReason.rawValue))")")
            print(lines.joined(separator: "\n"))
        }
        try reportOptions.write(.object([
            "command": "fit noisy-bradley-terry",
            "log_likelihood": .number(r.logLikelihood),
            "iterations": .number(Double(r.iterations)),
            "converged": .bool(r.converged),
            "fit_seconds": .number(r.seconds),
            "items": .number(Double(data.itemCount)),
            "comparisons": .number(Double(data.count)),
            "annotators": .number(Double(model.annotators.count)),
        ]))
    }
}
