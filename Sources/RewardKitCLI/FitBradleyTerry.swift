import ArgumentParser
import Foundation
import RewardKit
import RewardKitMPI

/// `rewardkit fit bradley-terry`: item strengths from a comparison file, with optional ties,
/// intervals, a CSV of strengths, a model file and a JSON fit report.
struct FitBradleyTerry: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bradley-terry",
        abstract: "Fit item strengths (Bradley–Terry or Thurstone, optional ties) to winner/loser comparisons.",
        discussion: """
        The comparison file is CSV with a header (columns winner, loser and optionally tie (0/1), \
        annotator, weight, in any order) or JSON Lines with the same keys (.jsonl). The objective is \
        −log-likelihood + (λ/2)‖θ‖² (default λ = 0); choix's opt_pairwise(alpha) corresponds to λ = 2·alpha. \
        Strengths are centered to mean zero. --output writes the strengths CSV; without it the \
        leaderboard is printed, with the interval level, the failed replicates and flagged intervals. \
        --model-out writes a model file that `rewardkit evaluate --model` reads.
        """
    )

    enum LinkOption: String, ExpressibleByArgument, CaseIterable {
        case bradleyTerry = "bradley-terry", thurstone
    }

    enum SolverOption: String, ExpressibleByArgument, CaseIterable {
        case automatic, newton, mm, truncatedNewton = "truncated-newton"
    }

    @OptionGroup(title: "Input") var input: ComparisonInputOptions
    @OptionGroup(title: "Penalty (default 0)") var penalty: PenaltyOptions
    @Option(help: "Tie model: none (a tie is half a win for each side), davidson, rao-kupper.") var ties: TiesOption = .none
    @Option(help: "Link: bradley-terry (logistic) or thurstone (probit, Case V).") var link: LinkOption?
    @Option(help: ArgumentHelp("Old spelling of --link.", visibility: .hidden)) var model: LinkOption?
    @Option(help: "Solver: automatic, newton, mm, truncated-newton.") var solver: SolverOption = .automatic
    @OptionGroup(title: "Intervals") var intervalOptions: IntervalOptions
    @OptionGroup var seedOptions: SeedOptions
    @OptionGroup(title: "Display") var display: DisplayOptions
    @Option(help: "Write the strengths as CSV (item,strength[,std_error,lower,upper]) to this file (the main result).") var output: String?
    @OptionGroup(title: "Model output") var modelOutput: ModelOutputOptions
    @OptionGroup(title: "Report") var reportOptions: ReportOptions
    @OptionGroup(title: "Distributed") var distribution: DistributedOptions
    @Option(help: "Write 5-fold cross-fitted label-noise scores (row,flip_probability; decisive records, 0-based) to this CSV.")
    var noiseScores: String?

    func validate() throws {
        if link != nil && model != nil { throw ValidationError("give --link once (--model is its old spelling)") }
        _ = try input.required()
        if distribution.outOfCore || distribution.blockRows != nil {
            throw ValidationError("fit bradley-terry does not use --out-of-core or --block-rows (they stream feature files)")
        }
        if distribution.distributed && noiseScores != nil {
            throw ValidationError("--noise-scores refits on folds of the records in one process; it does not combine with --distributed")
        }
        if distribution.distributed && intervalOptions.kind(default: .none) == .bootstrap && (input.comparisons ?? "").contains("{rank}") {
            throw ValidationError("--distributed bootstrap intervals resample all records: give one --comparisons file that every rank reads, not per-rank {rank} files")
        }
    }

    var resolvedLink: LinkOption { link ?? model ?? .bradleyTerry }

    func run() throws {
        let comparisons = try input.required()
        let clock = ContinuousClock()
        let loadStart = clock.now
        let communicator = try distribution.communicator()
        let (data, allRecords) = try ComparisonShards.load(comparisons, communicator: communicator, distributed: distribution.distributed)
        let loadSeconds = (clock.now - loadStart).inSeconds
        let l2 = penalty.l2 ?? 0

        let solverChoice: BradleyTerry.Solver = switch solver {
        case .automatic: .automatic
        case .newton: .newtonCholesky
        case .mm: .minorizationMaximization
        case .truncatedNewton: .truncatedNewton
        }
        let estimator = BradleyTerry(.init(l2Penalty: l2, link: resolvedLink == .thurstone ? .thurstone : .bradleyTerry,
                                           ties: ties.model, solver: solverChoice))
        let fitted: BradleyTerryModel
        let merged: ShardedComparisons?
        do {
            if distribution.distributed {
                // Local aggregation, a merge of the unique-pair counts, then the same fit on every rank.
                let shards = ShardedComparisons.merge(data, ties: estimator.configuration.tieHandling, communicator: communicator)
                merged = shards
                fitted = try estimator.fitModel(aggregated: shards.aggregated, items: shards.items, comparisonCount: shards.comparisonCount)
            } else {
                merged = nil
                fitted = try estimator.fit(data)
            }
        } catch { throw CLIError("\(comparisons): \(error)") }
        var strengthIntervals: StrengthIntervals? = nil
        let intervals = intervalOptions.kind(default: .none)
        let intervalStart = clock.now
        do {
            switch intervals {
            case .none: break
            case .hessian: strengthIntervals = try fitted.hessianIntervals(level: intervalOptions.level)
            case .bootstrap:
                // Under --distributed every rank holds all records (validated) and fits its share of the replicates.
                let spreading = distribution.distributed
                    ? ReplicateSpreading(rank: communicator.rank, size: communicator.size, reduce: { communicator.allReduceSum(&$0) }) : nil
                strengthIntervals = try estimator.bootstrapIntervals(allRecords ?? data, model: fitted, samples: intervalOptions.samples,
                                                                     level: intervalOptions.level, seed: seedOptions.seed,
                                                                     interval: intervalOptions.bootstrapIntervalKind, spreading: spreading)
            }
        } catch {
            throw CLIError("\(comparisons): \(error)")
        }
        let intervalSeconds = (clock.now - intervalStart).inSeconds
        guard communicator.isRoot else { return }
        let board = merged.map { Leaderboard(model: fitted, itemTotals: $0.itemTotals, intervals: strengthIntervals, topCount: display.top) }
            ?? Leaderboard(model: fitted, comparisons: data, intervals: strengthIntervals, topCount: display.top)
        let itemCount = merged?.items.count ?? data.itemCount
        let comparisonCount = merged?.comparisonCount ?? data.count
        let tieCount = merged?.tieCount ?? data.ties.filter { $0 }.count
        let summary = strengthIntervals.map { IntervalSummary(intervals: $0, items: fitted.items) }

        if let output {
            do { try AtomicFileWriter.write(board.strengthsCSV(), to: url(output)) } catch {
                throw CLIError("\(output): cannot write: \(error.detail)")
            }
        } else {
            var text = board.formattedTable()
            if let summary { text = summary.annotate(table: text, rankedItems: board.entries.map(\.item)) }
            text += "\n"
            if let nu = fitted.tieParameter {
                text += "\n\(ties == .davidson ? "Davidson ν" : "Rao–Kupper θ") = \(String(format: "%.4f", nu))"
                if let range = strengthIntervals?.tieInterval {
                    text += String(format: "  [%.4f, %.4f]", range.lowerBound, range.upperBound)
                }
                text += "\n"
            }
            if !board.topItems.isEmpty {
                text += "\nP(row beats column), top \(board.topItems.count):\n" + board.formattedWinProbabilities() + "\n"
            }
            let r = fitted.report
            text += "\n\(itemCount) items, \(comparisonCount) comparisons; log-likelihood \(r.logLikelihood), "
                + "\(r.iterations) iterations (\(r.solver.rawValue)), max |gradient| \(r.maxAbsGradient), "
                + "\(r.converged ? "converged" : "NOT converged: \(snakeCase(r.stopReason.rawValue))")\n"
            print(text, terminator: "")
        }
        try modelOutput.write(fitted.modelFile(extraMetadata: ["trained_by": "rewardkit fit bradley-terry"]))
        if let noiseScores {
            let scores: LabelNoiseScores
            do { scores = try estimator.labelNoiseScores(data, folds: 5, seed: seedOptions.seed) } catch { throw CLIError("\(comparisons): \(error)") }
            do { try AtomicFileWriter.write(scores.csvText(), to: url(noiseScores)) } catch {
                throw CLIError("\(noiseScores): cannot write: \(error.detail)")
            }
        }

        let r = fitted.report
        var json: [String: JSONValue] = [
            "command": "fit bradley-terry",
            "log_likelihood": .number(r.logLikelihood),
            "objective": .number(r.objective),
            "iterations": .number(Double(r.iterations)),
            "inner_iterations": .number(Double(r.innerIterations)),
            "converged": .bool(r.converged),
            "max_abs_gradient": .number(r.maxAbsGradient),
            "fit_seconds": .number(r.seconds),
            "load_seconds": .number(loadSeconds),
            "items": .number(Double(itemCount)),
            "comparisons": .number(Double(comparisonCount)),
            "ties_in_data": .number(Double(tieCount)),
            "distinct_pairs": .number(Double(fitted.data.pairCount)),
            "l2": .number(l2),
            "link": .string(resolvedLink.rawValue),
            "model": .string(resolvedLink.rawValue),   // deprecated: the old name of "link"
            "tie_model": .string(snakeCase(ties.rawValue)),
            "solver": .string(snakeCase(r.solver.rawValue)),
            "stop_reason": .string(snakeCase(r.stopReason.rawValue)),
            "intervals": .string(intervals.rawValue),
            "evaluated_on": "train",
            "strengths": .array(board.entries.map { e in
                var entry: [String: JSONValue] = ["item": .string(e.item), "strength": .number(e.strength)]
                if let se = e.standardError { entry["std_error"] = .number(se) }
                if let lower = e.lower, let upper = e.upper { entry["lower"] = .number(lower); entry["upper"] = .number(upper) }
                return .object(entry)
            }),
        ]
        if distribution.distributed {
            json["ranks"] = .number(Double(communicator.size))
            json["communication_seconds"] = .number(communicator.communicationSeconds)
            json["communicated_bytes_per_rank"] = .number(Double(communicator.communicatedBytes))
        }
        if let nu = fitted.tieParameter { json["tie_parameter"] = .number(nu) }
        if let range = strengthIntervals?.tieInterval {
            json["tie_parameter_interval"] = [.number(range.lowerBound), .number(range.upperBound)]
        }
        if let strengthIntervals, let summary {
            json["level"] = .number(strengthIntervals.level)
            json["interval_seconds"] = .number(intervalSeconds)
            for (key, value) in summary.json { json[key] = value }
            if let samples = summary.samples {
                json["bootstrap_samples"] = .number(Double(samples))        // deprecated: bootstrap_replicates
                json["bootstrap_failed"] = .number(Double(summary.failed))  // deprecated: failed_replicates
                json["seed"] = .number(Double(seedOptions.seed))
            }
        }
        try reportOptions.write(.object(json))
    }
}
