import ArgumentParser
import Foundation
import RewardKit
import RewardKitInternals

/// `rewardkit fit plackett-luce`: item strengths from rankings, with optional Davidson–Luce ties,
/// intervals, a CSV of strengths, a model file and a JSON fit report.
struct FitPlackettLuce: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plackett-luce",
        abstract: "Fit item strengths (Plackett–Luce, optional Davidson–Luce ties) to rankings.",
        discussion: """
        The ranking file is a long CSV with a header (columns ranking, item, rank: one row per ranked \
        item, rank 1 = best, equal ranks are a tie; optional weight, ranker and unranked (0/1, the \
        unranked options of a top-k ranking); other columns are ignored) or JSON Lines (.jsonl) with \
        {"ranking": ["a", ["b", "c"], "d"], "unranked": [...], "ranker": "...", "weight": 1}, a nested \
        list being a tie. The objective is −log-likelihood + (λ/2)‖θ‖² (default λ = 0), the Bradley–Terry \
        convention; strengths are centered log-worths. When λ = 0 and the maximum-likelihood estimate \
        does not exist, the command fails naming the items; --l2 or --pseudo-rankings N (N wins and N \
        losses per item against a hypothetical item) make it exist. --output writes the strengths CSV \
        (item,strength[,std_error,lower,upper]); without it the ranked table is printed.
        """
    )

    enum TiesOption: String, ExpressibleByArgument, CaseIterable {
        case none, davidsonLuce = "davidson-luce"
    }

    enum SolverOption: String, ExpressibleByArgument, CaseIterable {
        case automatic, newton, mm, truncatedNewton = "truncated-newton"
    }

    @Option(help: "Ranking file: CSV with ranking,item,rank[,weight,ranker,unranked] or JSON Lines (.jsonl).")
    var rankings: String
    @OptionGroup(title: "Penalty (default 0)") var penalty: PenaltyOptions
    @Option(help: "Pseudo-rankings: N wins and N losses per item against a hypothetical item (default 0).")
    var pseudoRankings: Double = 0
    @Option(help: "Tie model: none (a tie group counts as the geometric mean of its items' first choices) or davidson-luce.")
    var ties: TiesOption = .none
    @Option(help: "Solver: automatic, newton, mm, truncated-newton.") var solver: SolverOption = .automatic
    @OptionGroup(title: "Intervals") var intervalOptions: IntervalOptions
    @OptionGroup var seedOptions: SeedOptions
    @Option(help: "Write the strengths as CSV (item,strength[,std_error,lower,upper]) to this file (the main result).") var output: String?
    @OptionGroup(title: "Model output") var modelOutput: ModelOutputOptions
    @OptionGroup(title: "Report") var reportOptions: ReportOptions

    func validate() throws {
        guard pseudoRankings.isFinite && pseudoRankings >= 0 else { throw ValidationError("--pseudo-rankings must be ≥ 0") }
    }

    func run() throws {
        let clock = ContinuousClock()
        let loadStart = clock.now
        let data = try RankingSet.load(contentsOf: url(rankings))
        let loadSeconds = (clock.now - loadStart).inSeconds
        let l2 = penalty.l2 ?? 0
        let solverChoice: PlackettLuce.Solver = switch solver {
        case .automatic: .automatic
        case .newton: .newtonCholesky
        case .mm: .minorizationMaximization
        case .truncatedNewton: .truncatedNewton
        }
        let estimator = PlackettLuce(.init(l2Penalty: l2, pseudoRankings: pseudoRankings,
                                           ties: ties == .davidsonLuce ? .davidsonLuce : .none, solver: solverChoice))
        let fitted: PlackettLuceModel
        do { fitted = try estimator.fit(data) } catch { throw CLIError("\(rankings): \(error)") }
        var strengthIntervals: StrengthIntervals? = nil
        let intervals = intervalOptions.kind(default: .none)
        let intervalStart = clock.now
        do {
            switch intervals {
            case .none: break
            case .hessian: strengthIntervals = try fitted.hessianIntervals(level: intervalOptions.level)
            case .bootstrap:
                strengthIntervals = try estimator.bootstrapIntervals(data, model: fitted, samples: intervalOptions.samples,
                                                                     level: intervalOptions.level, seed: seedOptions.seed,
                                                                     interval: intervalOptions.bootstrapIntervalKind)
            }
        } catch {
            throw CLIError("\(rankings): \(error)")
        }
        let intervalSeconds = (clock.now - intervalStart).inSeconds
        let order = fitted.strengths.indices.sorted { (fitted.strengths[$0], fitted.items[$1]) > (fitted.strengths[$1], fitted.items[$0]) }
        let summary = strengthIntervals.map { IntervalSummary(intervals: $0, items: fitted.items) }

        if let output {
            var csv = CSVWriter(header: ["item", "strength"] + (strengthIntervals == nil ? [] : ["std_error", "lower", "upper"]))
            for i in order {
                var record = [fitted.items[i], "\(fitted.strengths[i])"]
                if let s = strengthIntervals { record += [s.standardErrors[i], s.lower[i], s.upper[i]].map { $0.map { "\($0)" } ?? "" } }
                csv.appendRecord(record)
            }
            do { try AtomicFileWriter.write(csv.text, to: url(output)) } catch {
                throw CLIError("\(output): cannot write: \(error.detail)")
            }
        } else {
            let width = max(4, fitted.items.map(\.count).max() ?? 4)
            var lines = ["rank  " + "item".padded(to: width) + "  strength" + (strengthIntervals == nil ? "" : "  std_error     lower     upper")]
            for (rank, i) in order.enumerated() {
                var line = "\(rank + 1)".padded(to: 4, alignment: .right) + "  " + fitted.items[i].padded(to: width)
                    + String(format: "  %8.4f", fitted.strengths[i])
                if let s = strengthIntervals {
                    for value in [s.standardErrors[i], s.lower[i], s.upper[i]] {
                        line += value.map { String(format: "  %9.4f", $0) } ?? "          -"
                    }
                }
                lines.append(line)
            }
            var text = lines.joined(separator: "\n")
            if let summary { text = summary.annotate(table: text, rankedItems: order.map { fitted.items[$0] }) }
            text += "\n"
            if !fitted.tieParameters.isEmpty {
                text += "\nDavidson–Luce δ (ties of 2, 3, … items): "
                    + fitted.tieParameters.map { String(format: "%.4f", $0) }.joined(separator: ", ") + "\n"
            }
            let r = fitted.report
            text += "\n\(data.itemCount) items, \(data.count) rankings; log-likelihood \(r.logLikelihood), "
                + "\(r.iterations) iterations (\(r.solver.rawValue)), max |gradient| \(r.maxAbsGradient), "
                + "\(r.converged ? "converged" : "NOT converged: \(snakeCase(r.stopReason.rawValue))")\n"
            print(text, terminator: "")
        }
        try modelOutput.write(fitted.modelFile(extraMetadata: ["trained_by": "rewardkit fit plackett-luce"]))

        let r = fitted.report
        var json: [String: JSONValue] = [
            "command": "fit plackett-luce",
            "log_likelihood": .number(r.logLikelihood),
            "objective": .number(r.objective),
            "iterations": .number(Double(r.iterations)),
            "inner_iterations": .number(Double(r.innerIterations)),
            "converged": .bool(r.converged),
            "max_abs_gradient": .number(r.maxAbsGradient),
            "fit_seconds": .number(r.seconds),
            "load_seconds": .number(loadSeconds),
            "items": .number(Double(data.itemCount)),
            "rankings": .number(Double(data.count)),
            "largest_tie": .number(Double(data.maximumTieSize)),
            "top_k_rankings": .number(Double((0..<data.count).filter { data.unrankedBounds[$0 + 1] > data.unrankedBounds[$0] }.count)),
            "l2": .number(l2),
            "pseudo_rankings": .number(pseudoRankings),
            "tie_model": .string(snakeCase(fitted.configuration.ties.rawValue)),
            "solver": .string(snakeCase(r.solver.rawValue)),
            "stop_reason": .string(snakeCase(r.stopReason.rawValue)),
            "intervals": .string(intervals.rawValue),
            "evaluated_on": "train",
            "strengths": .array(order.map { i in
                var entry: [String: JSONValue] = ["item": .string(fitted.items[i]), "strength": .number(fitted.strengths[i])]
                if let s = strengthIntervals {
                    if let se = s.standardErrors[i] { entry["std_error"] = .number(se) }
                    if let lower = s.lower[i], let upper = s.upper[i] { entry["lower"] = .number(lower); entry["upper"] = .number(upper) }
                }
                return .object(entry)
            }),
        ]
        if !fitted.tieParameters.isEmpty { json["tie_parameters"] = .array(fitted.tieParameters.map { .number($0) }) }
        if let range = strengthIntervals?.tieInterval {
            json["tie_parameter_interval"] = [.number(range.lowerBound), .number(range.upperBound)]
        }
        if let strengthIntervals, let summary {
            json["level"] = .number(strengthIntervals.level)
            json["interval_seconds"] = .number(intervalSeconds)
            for (key, value) in summary.json { json[key] = value }
            if summary.samples != nil { json["seed"] = .number(Double(seedOptions.seed)) }
        }
        try reportOptions.write(.object(json))
    }
}
