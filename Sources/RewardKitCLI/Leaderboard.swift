import ArgumentParser
import Foundation
import RewardKit
import RewardKitMPI

/// `rewardkit leaderboard`: arena ratings with optional style control, an Elo scale with an anchor,
/// and fast bootstrap intervals.
struct LeaderboardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "leaderboard",
        abstract: "Rank items from battles: Bradley–Terry with style-control covariates, Elo scale, bootstrap intervals.",
        discussion: """
        The battle file is the comparison CSV (winner, loser, optional tie, weight). --covariates names \
        extra numeric columns: a pair len_a:len_b is a per-answer feature whose FIRST column belongs to \
        the item in the `winner` column and whose SECOND column belongs to the `loser` column's item \
        (for a tie, the record's winner/loser order); the model adds γ·(len_a − len_b) to the winner's \
        logit. A bare name is a battle-level covariate already signed from the winner's perspective \
        (e.g. +1 if the winner was shown first, −1 otherwise). Model: P(w ≻ l) = σ(θ_w − θ_l + γ·c), θ \
        and γ fitted jointly by Newton; λ penalizes θ only. --scale elo shows R = base + (400/ln 10)·θ; \
        --anchor ITEM=RATING shifts all ratings so ITEM has RATING. Without --bootstrap N the interval \
        columns are θ ± z·SE from the Hessian (--intervals none: no intervals). The table names the \
        interval level, the replicates that failed and flags (!) intervals from degenerate replicates.
        """
    )

    enum ScaleOption: String, ExpressibleByArgument, CaseIterable {
        case elo, logit
    }

    @OptionGroup(title: "Input") var input: ComparisonInputOptions
    @Option(help: "Tie model: none (a tie is half a win for each side), davidson or rao-kupper.") var ties: TiesOption = .none
    @Option(help: "Covariate columns: winnerCol:loserCol pairs (per-answer) or single names (battle-level), comma-separated.")
    var covariates: String?
    @Option(help: "Covariate normalization: none, scaled (divide by root mean square), arena ((a−b)/(a+b+1), then scaled).")
    var normalize: CovariateNormalization = .none
    @Option(help: "Fix one item's rating: ITEM=RATING.") var anchor: String?
    @Option(help: "Rating scale: elo (400/ln10 points per logit) or logit.") var scale: ScaleOption = .elo
    @Option(help: "Elo rating of the average item (without --anchor).") var eloBase: Double = 1000
    @OptionGroup(title: "Penalty (default 0)") var penalty: PenaltyOptions
    @OptionGroup(title: "Intervals (default: hessian; --bootstrap N > 0 selects bootstrap)") var intervalOptions: IntervalOptions
    @OptionGroup var seedOptions: SeedOptions
    @OptionGroup(title: "Display") var display: DisplayOptions
    @Option(help: "Write the leaderboard CSV (rank,item,rating,lower,upper,battles) to this file (the main result).") var output: String?
    @Option(help: "Write leaderboard.svg and win-probabilities.svg into this directory.") var svg: String?
    @OptionGroup(title: "Model output") var modelOutput: ModelOutputOptions
    @OptionGroup(title: "Report") var reportOptions: ReportOptions
    @OptionGroup(title: "Distributed") var distribution: DistributedOptions

    func validate() throws {
        _ = try input.required()
        if distribution.outOfCore || distribution.blockRows != nil {
            throw ValidationError("leaderboard does not use --out-of-core or --block-rows (they stream feature files)")
        }
        if distribution.distributed {
            guard covariates == nil else {
                throw ValidationError("--distributed ranks without --covariates (style-control covariates are not merged over ranks yet)")
            }
            if intervalOptions.kind(default: .hessian) == .bootstrap && (input.comparisons ?? "").contains("{rank}") {
                throw ValidationError("--distributed bootstrap intervals resample all records: give one --comparisons file that every rank reads, not per-rank {rank} files")
            }
        }
        guard eloBase.isFinite else { throw ValidationError("--elo-base must be finite") }
        guard display.top >= 2 else { throw ValidationError("--top must be ≥ 2") }
    }

    func run() throws {
        let comparisons = try input.required()
        let l2 = penalty.l2 ?? 0, level = intervalOptions.level, seed = seedOptions.seed, top = display.top
        let intervalKind = intervalOptions.kind(default: .hessian)
        func fail(_ message: String) -> CLIError { CLIError(message) }
        var specifications: [CovariateSpecification] = []
        if let covariates {
            guard let parsed = CovariateSpecification.parseList(covariates) else {
                throw fail("--covariates '\(covariates)': expected winnerCol:loserCol or column names separated by commas")
            }
            specifications = parsed
        }
        var anchorItem: String? = nil, anchorRating: Double? = nil
        if let anchor {
            guard let eq = anchor.lastIndex(of: "="), let value = Double(anchor[anchor.index(after: eq)...]), value.isFinite,
                  eq != anchor.startIndex else {
                throw fail("--anchor '\(anchor)': expected ITEM=RATING")
            }
            anchorItem = String(anchor[..<eq])
            anchorRating = value
        }
        let estimator = BradleyTerry(.init(l2Penalty: l2, ties: ties.model))
        let communicator = try distribution.communicator()
        let battles: ArenaBattles
        // Under --distributed: this rank's records, the merged counts and item totals, and (one file) all records.
        var merged: ShardedComparisons?
        var allRecords: ComparisonSet?
        do {
            if distribution.distributed {
                let (local, all) = try ComparisonShards.load(comparisons, communicator: communicator, distributed: true)
                merged = ShardedComparisons.merge(local, ties: estimator.configuration.tieHandling, communicator: communicator)
                allRecords = all
                battles = ArenaBattles(local)
            } else if specifications.isEmpty {
                battles = ArenaBattles(try ComparisonSet.load(contentsOf: URL(fileURLWithPath: comparisons)))
            } else {
                battles = try ArenaBattles(csvFile: URL(fileURLWithPath: comparisons), covariates: specifications,
                                           normalization: normalize)
            }
        } catch {
            throw fail(String(describing: error))
        }
        let model: BradleyTerryModel
        do {
            if let merged {
                model = try estimator.fitModel(aggregated: merged.aggregated, items: merged.items, comparisonCount: merged.comparisonCount)
            } else {
                model = try estimator.fit(battles)
            }
        } catch { throw fail("\(comparisons): \(error.description)") }

        var anchorStrength: Double? = nil
        if let anchorItem {
            guard let i = model.index(of: anchorItem) else { throw fail("--anchor: unknown item '\(anchorItem)'") }
            anchorStrength = model.strengths[i]
        }
        let ratingScale: RatingScale = scale == .elo ? .elo(base: eloBase) : .logit
        let conversion = RatingConversion(scale: ratingScale, anchorStrength: anchorStrength, anchorRating: anchorRating)

        // Hessian standard errors whenever they are affordable (the coefficients' SEs are reported
        // with the bootstrap too); the leaderboard's intervals are the bootstrap's when asked.
        let hessian = model.parameters.count <= 3000 ? try? model.hessianIntervals(level: level) : nil
        var result: StrengthIntervals? = nil
        var bootstrapSeconds = 0.0
        if intervalKind == .bootstrap {
            let clock = ContinuousClock(), started = clock.now
            defer { bootstrapSeconds = (clock.now - started).inSeconds }
            do {
                if distribution.distributed, let allRecords {
                    // Every rank holds all records; each fits its share of the replicates.
                    let spreading = ReplicateSpreading(rank: communicator.rank, size: communicator.size,
                                                       reduce: { communicator.allReduceSum(&$0) })
                    result = try estimator.bootstrapIntervals(allRecords, model: model, samples: intervalOptions.samples, level: level,
                                                              seed: seed, interval: intervalOptions.bootstrapIntervalKind, spreading: spreading)
                } else {
                    result = try estimator.bootstrapIntervals(battles, model: model, samples: intervalOptions.samples, level: level,
                                                              seed: seed, interval: intervalOptions.bootstrapIntervalKind)
                }
            } catch {
                throw fail("\(comparisons): \(error.description)")
            }
        }
        guard communicator.isRoot else { return }
        let shown = intervalKind == .none ? nil : (result ?? hessian)
        let board = merged.map { Leaderboard(model: model, itemTotals: $0.itemTotals, intervals: shown, conversion: conversion, topCount: top) }
            ?? Leaderboard(model: model, comparisons: battles.comparisons, intervals: shown, conversion: conversion, topCount: top)
        let summary = shown.map { IntervalSummary(intervals: $0, items: model.items) }

        if let output {
            do { try AtomicFileWriter.write(board.ratingsCSV(), to: URL(fileURLWithPath: output)) } catch {
                throw fail("cannot write \(output): \(error.detail)")
            }
        } else {
            var text = board.formattedTable()
            if let summary { text = summary.annotate(table: text, rankedItems: board.entries.map(\.item)) }
            text += "\n"
            for a in model.coefficients.indices {
                let se = hessian?.coefficientStandardErrors[a].map { String(format: " ± %.4f (SE)", $0) } ?? ""
                text += "γ[\(model.covariateNames[a])] = \(String(format: "%.4f", model.coefficients[a]))\(se)\n"
            }
            if let nu = model.tieParameter { text += "\(ties == .davidson ? "Davidson ν" : "Rao–Kupper θ") = \(String(format: "%.4f", nu))\n" }
            print(text, terminator: "")
        }
        if let svg {
            do {
                try FileManager.default.createDirectory(atPath: svg, withIntermediateDirectories: true)
                let title = (model.coefficients.isEmpty ? "Leaderboard" : "Leaderboard (style controlled)")
                    + (summary.map { " — \($0.chartNote)" } ?? "")
                try LeaderboardChart.write(board, title: title, to: URL(fileURLWithPath: svg).appendingPathComponent("leaderboard.svg"))
                try AtomicFileWriter.write(LeaderboardChart.heatmapSVG(items: board.topItems, scores: board.expectedScores,
                                                                       title: "Expected score, row vs column (style-neutral)"),
                                           to: URL(fileURLWithPath: svg).appendingPathComponent("win-probabilities.svg"))
            } catch {
                throw fail("cannot write SVG files into \(svg): \(error.localizedDescription)")
            }
        }
        try modelOutput.write(model.modelFile(extraMetadata: ["trained_by": "rewardkit leaderboard"]))
        do {
            let r = model.report
            var json: [String: JSONValue] = [
                "items": .number(Double(model.items.count)), "battles": .number(Double(model.comparisonCount)),
                "unique_outcome_rows": .number(Double(model.data.pairCount)),
                "log_likelihood": .number(r.logLikelihood), "objective": .number(r.objective), "iterations": .number(Double(r.iterations)),
                "converged": .bool(r.converged), "max_abs_gradient": .number(r.maxAbsGradient), "fit_seconds": .number(r.seconds),
                "command": "leaderboard", "evaluated_on": "train",
                "l2": .number(l2), "tie_model": .string(snakeCase(ties.rawValue)), "stop_reason": .string(snakeCase(r.stopReason.rawValue)), "scale": .string(scale.rawValue),
                "rating_factor": .number(conversion.factor), "rating_offset": .number(conversion.offset),
                "interval_method": .string(snakeCase(board.intervalMethod)), "level": .number(level),
                "normalization": .string(normalize.rawValue),
            ]
            if distribution.distributed {
                json["ranks"] = .number(Double(communicator.size))
                json["communication_seconds"] = .number(communicator.communicationSeconds)
                json["communicated_bytes_per_rank"] = .number(Double(communicator.communicatedBytes))
            }
            for (key, value) in summary?.json ?? [:] where key != "interval_method" { json[key] = value }
            json["ratings"] = .array(board.entries.map { e in
                var entry: [String: JSONValue] = ["rank": .number(Double(e.rank)), "item": .string(e.item), "rating": .number(e.rating),
                                                  "strength": .number(e.strength), "battles": .number(e.battles)]
                if let range = e.ratingInterval(conversion) { entry["lower"] = .number(range.lowerBound); entry["upper"] = .number(range.upperBound) }
                return .object(entry)
            })
            if let anchorItem, let anchorRating { json["anchor"] = ["item": .string(anchorItem), "rating": .number(anchorRating)] }
            if let nu = model.tieParameter {
                json["tie_parameter"] = .number(nu)
                if let se = hessian?.tieStandardError { json["log_tie_parameter_standard_error"] = .number(se) }
                if let range = result?.tieInterval { json["tie_parameter_interval"] = [.number(range.lowerBound), .number(range.upperBound)] }
            }
            json["covariates"] = .array(model.coefficients.indices.map { a -> JSONValue in
                var entry: [String: JSONValue] = ["name": .string(model.covariateNames[a]), "coefficient": .number(model.coefficients[a]),
                                                  "normalization_scale": .number(model.covariateScales[a])]
                if let se = hessian?.coefficientStandardErrors[a] { entry["standard_error"] = .number(se) }
                if let result, case .bootstrap(let samples, let failed, _) = result.method {
                    entry["replicates_used"] = .number(Double(samples - failed))
                    if let range = result.coefficientIntervals[a] { entry["interval"] = [.number(range.lowerBound), .number(range.upperBound)] }
                }
                return .object(entry)
            })
            if let result, case .bootstrap(let samples, let failed, _) = result.method, let usage = result.replicates {
                json["bootstrap_replicates"] = .number(Double(samples))
                json["bootstrap_failed_replicates"] = .number(Double(failed))
                json["bootstrap_seconds"] = .number(bootstrapSeconds)
                json["seed"] = .number(Double(seed))
                json["replicates_used"] = .object(Dictionary(uniqueKeysWithValues: model.items.indices.map {
                    (model.items[$0], JSONValue.number(Double(usage[$0].used)))
                }))
                json["replicates_marked"] = .object(Dictionary(uniqueKeysWithValues: model.items.indices.compactMap { i -> (String, JSONValue)? in
                    let s = usage[i]
                    guard s.marked > 0 else { return nil }
                    return (model.items[i], ["absent": .number(Double(s.absent)), "never_won": .number(Double(s.neverWon)),
                                             "unbeaten": .number(Double(s.unbeaten))])
                }))
            }
            try reportOptions.write(.object(json))
        }
    }
}
