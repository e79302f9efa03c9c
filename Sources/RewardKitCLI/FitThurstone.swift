import ArgumentParser
import Foundation
import RewardKit

/// `rewardkit fit thurstone`: Thurstonian utilities with per-item variance from hard or soft labels.
struct ThurstoneFit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "thurstone",
        abstract: "Fit Thurstonian utilities μ_i, σ_i (P(a ≻ b) = Φ((μ_a − μ_b)/√(σ_a² + σ_b²))) with coherence diagnostics.",
        discussion: """
        Hard labels: a comparison file (CSV with winner,loser and optional tie (0/1), weight; or \
        .jsonl) read by the shared loader; a tie counts as the soft label ½. Soft labels (--soft): \
        CSV with winner,loser,probability where probability = P(winner ≻ loser) in [0, 1], and an \
        optional weight. The fit maximizes the exact likelihood Σ w[y log Φ(z) + (1 − y) log Φ(−z)] \
        − (λ/2)‖θ‖² − λ_s‖log σ‖²/2 with θ = μ/√2 (the penalty of fit bradley-terry on the \
        probit scale; --mean-penalty λ_μ on ‖μ‖²/2 is λ = 2λ_μ), with mean μ = 0 and mean \
        log σ = 0 fixed (the model is invariant to a shift of μ and a common scale of μ and σ). \
        Per-item variances are fitted by truncated Newton; shared variances (Case V) are the fit of \
        fit bradley-terry --model thurstone (Newton), with μ = √2·θ. Diagnostics: \
        accuracy and log-loss (on held-out records with --held-out), and the share of intransitive \
        item triples in the data (majority directions) versus the share a utility model produces \
        by sampling noise at the same number of comparisons per pair.
        """
    )

    enum VarianceOption: String, ExpressibleByArgument, CaseIterable {
        case perItem = "per-item", shared
    }

    @OptionGroup(title: "Input") var input: ComparisonInputOptions
    @Flag(help: "Read soft labels from a 'probability' column (P(winner ≻ loser)).") var soft = false
    @Option(help: "Variances: per-item (σ_i free) or shared (σ_i = 1, Thurstone Case V).") var variance: VarianceOption = .perItem
    @OptionGroup(title: "Penalty (default 0.02, as --mean-penalty 0.01)") var penalty: PenaltyOptions
    @Option(help: "Penalty λ_μ in λ_μ‖μ‖²/2 on the means, the same as --l2 2·λ_μ (default 0.01).") var meanPenalty: Double?
    @Option(help: "Penalty λ_s on the log standard deviations.") var scalePenalty: Double = 1e-1
    @Option(help: "Fraction of records held out at random for accuracy and log-loss (0: score the training data).") var heldOut: Double = 0
    @OptionGroup var seedOptions: SeedOptions
    @OptionGroup(title: "Display") var display: DisplayOptions
    @OptionGroup(title: "Model output") var modelOutput: ModelOutputOptions
    @OptionGroup(title: "Report") var reportOptions: ReportOptions

    var l2: Double? { penalty.l2 }
    var seed: UInt64 { seedOptions.seed }
    var top: Int { display.top }

    func validate() throws {
        _ = try input.required()
        guard l2 == nil || meanPenalty == nil else {
            throw ValidationError("give --l2 or --mean-penalty, not both (--l2 λ is --mean-penalty λ/2)")
        }
        guard l2Penalty.isFinite && l2Penalty >= 0 && scalePenalty.isFinite && scalePenalty >= 0 else {
            throw ValidationError("--l2, --mean-penalty and --scale-penalty must be finite numbers ≥ 0")
        }
        guard heldOut >= 0 && heldOut < 1 else { throw ValidationError("--held-out must be in [0, 1), got \(heldOut)") }
    }

    /// λ of (λ/2)‖θ‖²: --l2, or 2·λ_μ from --mean-penalty (λ_μ‖μ‖²/2 = (2λ_μ/2)‖μ/√2‖²).
    var l2Penalty: Double { l2 ?? 2 * (meanPenalty ?? 1e-2) }

    struct ItemReport: Codable {
        var item: String
        var mean: Double
        var standardDeviation: Double
    }

    struct Report: Codable {
        var comparisons: String
        var softLabels: Bool
        var variance: String
        var records: Int
        var trainingRecords: Int
        var heldOutRecords: Int
        var l2Penalty: Double
        var meanPenalty: Double
        var scalePenalty: Double
        var solver: String
        var logLikelihood: Double
        var iterations: Int
        var converged: Bool
        var stopReason: String
        var items: [ItemReport]
        var training: ThurstonianDiagnostics
        var heldOut: ThurstonianDiagnostics?
    }

    func run() throws {
        let comparisons = try input.required()
        let data: ProbabilisticComparisons
        if soft {
            data = try ProbabilisticComparisons(softLabelCSVFile: url(comparisons))
        } else {
            data = ProbabilisticComparisons(try ComparisonSet.load(contentsOf: url(comparisons)))
        }
        guard data.itemCount >= 2 else { throw CLIError("\(comparisons): fewer than two items") }
        var training = data
        var test: ProbabilisticComparisons? = nil
        if heldOut > 0 {
            var generator = SeededGenerator(seed: seed)
            let split = data.split(heldOutFraction: heldOut, using: &generator)
            training = split.training
            test = split.heldOut
        }
        let fitter = ThurstonianFitter(variance: variance == .shared ? .shared : .perItem,
                                       l2Penalty: l2Penalty, logScalePenalty: scalePenalty)
        let fit: ThurstonianFit
        do {
            fit = try fitter.fit(training)
        } catch {
            throw CLIError("\(comparisons): \(error)")
        }
        let model = fit.model
        let r = fit.report
        let trainingDiagnostics = ThurstonianDiagnostics(model: model, data: training)
        let heldOutDiagnostics = test.map { ThurstonianDiagnostics(model: model, data: $0) }

        print("\(data.count) records, \(data.itemCount) items, \(soft ? "soft" : "hard") labels, \(variance.rawValue) variances")
        print("log-likelihood \(String(format: "%.4f", r.logLikelihood)), \(r.iterations) \(r.solver.rawValue) iterations, \(snakeCase(r.stopReason.rawValue))")
        let width = max(4, model.items.prefix(top).map(\.count).max() ?? 4)
        func pad(_ s: String) -> String { s.count >= width ? s : s + String(repeating: " ", count: width - s.count) }
        print("\(pad("item"))         μ         σ")
        for i in model.ranking.prefix(top) {
            print("\(pad(model.items[i]))  \(String(format: "%8.4f  %8.4f", model.means[i], model.standardDeviations[i]))")
        }
        func describe(_ name: String, _ d: ThurstonianDiagnostics) {
            print("\(name): accuracy \(String(format: "%.4f", d.accuracy)), log-loss \(String(format: "%.4f", d.logLoss)) on \(d.recordCount) records")
        }
        describe("training", trainingDiagnostics)
        if let heldOutDiagnostics { describe("held-out", heldOutDiagnostics) }
        print("intransitive triples: \(String(format: "%.4f", trainingDiagnostics.dataIntransitiveShare)) of "
              + "\(trainingDiagnostics.decidedTriples) decided triples in the data; "
              + "\(String(format: "%.4f", trainingDiagnostics.modelExpectedIntransitiveShare)) expected from the model's sampling noise")

        try modelOutput.write(model.modelFile(extraMetadata: ["trained_by": "rewardkit fit thurstone"]))
        let items = model.ranking.map { ItemReport(item: model.items[$0], mean: model.means[$0],
                                                   standardDeviation: model.standardDeviations[$0]) }
        let value = Report(comparisons: comparisons, softLabels: soft, variance: variance.rawValue, records: data.count,
                           trainingRecords: training.count, heldOutRecords: test?.count ?? 0,
                           l2Penalty: l2Penalty, meanPenalty: l2Penalty / 2, scalePenalty: scalePenalty,
                           solver: snakeCase(r.solver.rawValue), logLikelihood: r.logLikelihood,
                           iterations: r.iterations, converged: r.converged, stopReason: snakeCase(r.stopReason.rawValue),
                           items: items, training: trainingDiagnostics, heldOut: heldOutDiagnostics)
        // snake_case keys; the camelCase keys of earlier reports stay alongside (deprecated).
        var json = snakeCaseKeys(try JSONValue(encoding: value), keepingOriginal: true).objectValue ?? [:]
        json["command"] = "fit thurstone"
        json["evaluated_on"] = .string(test == nil ? "train" : "held_out")
        try reportOptions.write(.object(json))
    }
}
