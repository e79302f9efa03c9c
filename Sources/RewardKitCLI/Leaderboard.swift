import ArgumentParser
import Foundation
import RewardKit

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
        --anchor ITEM=RATING shifts all ratings so ITEM has RATING. Without --bootstrap the interval \
        columns are θ ± z·SE from the Hessian.
        """
    )

    enum TiesOption: String, ExpressibleByArgument, CaseIterable {
        case none, davidson
    }

    enum ScaleOption: String, ExpressibleByArgument, CaseIterable {
        case elo, logit
    }

    @Option(help: "Battle file (CSV; .jsonl without covariates).")
    var comparisons: String

    @Option(help: "Tie model: none (a tie is half a win for each side) or davidson.")
    var ties: TiesOption = .none

    @Option(help: "Covariate columns: winnerCol:loserCol pairs (per-answer) or single names (battle-level), comma-separated.")
    var covariates: String?

    @Option(help: "Covariate normalization: none, scaled (divide by root mean square), arena ((a−b)/(a+b+1), then scaled).")
    var normalize: CovariateNormalization = .none

    @Option(help: "Fix one item's rating: ITEM=RATING.")
    var anchor: String?

    @Option(help: "Rating scale: elo (400/ln10 points per logit) or logit.")
    var scale: ScaleOption = .elo

    @Option(help: "Elo rating of the average item (without --anchor).")
    var eloBase: Double = 1000

    @Option(name: .customLong("l2"), help: "L2 penalty λ on θ, (λ/2)‖θ‖².")
    var l2: Double = 0

    @Option(help: "Bootstrap replicates (0: Hessian intervals).")
    var bootstrap: Int = 0

    @Option(help: "Seed of the bootstrap.")
    var seed: UInt64 = 0

    @Option(help: "Confidence level.")
    var level: Double = 0.95

    @Option(help: "Bootstrap interval: percentile or basic.")
    var interval: StrengthIntervals.BootstrapInterval = .percentile

    @Option(help: "Write the leaderboard CSV (rank,item,rating,lower,upper,battles).")
    var output: String?

    @Option(help: "Write leaderboard.svg and win-probabilities.svg into this directory.")
    var svg: String?

    @Option(help: "Write a JSON report.")
    var report: String?

    @Option(help: "Items in the heatmap.")
    var top: Int = 20

    func validate() throws {
        guard l2.isFinite && l2 >= 0 else { throw ValidationError("--l2 must be a finite number ≥ 0") }
        guard bootstrap == 0 || bootstrap >= 2 else { throw ValidationError("--bootstrap must be 0 or at least 2") }
        guard level > 0 && level < 1 else { throw ValidationError("--level must be between 0 and 1") }
        guard eloBase.isFinite else { throw ValidationError("--elo-base must be finite") }
        guard top >= 2 else { throw ValidationError("--top must be ≥ 2") }
    }

    func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        return ExitCode.failure
    }

    func run() throws {
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
        let battles: ArenaBattles
        do {
            if specifications.isEmpty {
                battles = ArenaBattles(try ComparisonSet.load(contentsOf: URL(fileURLWithPath: comparisons)))
            } else {
                battles = try ArenaBattles(csvFile: URL(fileURLWithPath: comparisons), covariates: specifications,
                                           normalization: normalize)
            }
        } catch {
            throw fail(error.description)
        }
        let estimator = BradleyTerry(.init(l2Penalty: l2, ties: ties == .davidson ? .davidson : .halfWins))
        let model: BradleyTerryModel
        do { model = try estimator.fit(battles) } catch { throw fail(error.description) }

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
        if bootstrap > 0 {
            let clock = ContinuousClock(), started = clock.now
            defer { bootstrapSeconds = (clock.now - started).inSeconds }
            do {
                result = try estimator.bootstrapIntervals(battles, model: model, samples: bootstrap, level: level, seed: seed,
                                                          interval: interval)
            } catch {
                throw fail(error.description)
            }
        }
        let board = Leaderboard(model: model, comparisons: battles.comparisons, intervals: result ?? hessian,
                                conversion: conversion, topCount: top)

        if let output {
            do { try AtomicFileWriter.write(board.ratingsCSV(), to: URL(fileURLWithPath: output)) } catch {
                throw fail("cannot write \(output): \(error.detail)")
            }
        } else {
            var text = board.formattedTable() + "\n"
            for a in model.coefficients.indices {
                let se = hessian?.coefficientStandardErrors[a].map { String(format: " ± %.4f (SE)", $0) } ?? ""
                text += "γ[\(model.covariateNames[a])] = \(String(format: "%.4f", model.coefficients[a]))\(se)\n"
            }
            if let nu = model.tieParameter { text += "Davidson ν = \(String(format: "%.4f", nu))\n" }
            print(text, terminator: "")
        }
        if let svg {
            do {
                try FileManager.default.createDirectory(atPath: svg, withIntermediateDirectories: true)
                let title = model.coefficients.isEmpty ? "Leaderboard" : "Leaderboard (style controlled)"
                try LeaderboardChart.write(board, title: title, to: URL(fileURLWithPath: svg).appendingPathComponent("leaderboard.svg"))
                try AtomicFileWriter.write(LeaderboardChart.heatmapSVG(items: board.topItems, scores: board.expectedScores,
                                                                       title: "Expected score, row vs column (style-neutral)"),
                                           to: URL(fileURLWithPath: svg).appendingPathComponent("win-probabilities.svg"))
            } catch {
                throw fail("cannot write SVG files into \(svg): \(error.localizedDescription)")
            }
        }
        if let report {
            let r = model.report
            var json: [String: JSONValue] = [
                "items": .number(Double(model.items.count)), "battles": .number(Double(model.comparisonCount)),
                "unique_outcome_rows": .number(Double(model.data.pairCount)),
                "log_likelihood": .number(r.logLikelihood), "objective": .number(r.objective), "iterations": .number(Double(r.iterations)),
                "converged": .bool(r.converged), "max_abs_gradient": .number(r.maxAbsGradient), "fit_seconds": .number(r.seconds),
                "l2": .number(l2), "tie_model": .string(ties.rawValue), "scale": .string(scale.rawValue),
                "rating_factor": .number(conversion.factor), "rating_offset": .number(conversion.offset),
                "interval_method": .string(board.intervalMethod), "level": .number(level),
                "normalization": .string(normalize.rawValue),
            ]
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
            do {
                try AtomicFileWriter.write(JSONValue.object(json).serialized(pretty: true) + "\n", to: URL(fileURLWithPath: report))
            } catch {
                throw fail("cannot write \(report): \(error.detail)")
            }
        }
    }
}

extension CovariateNormalization: ExpressibleByArgument {}
extension StrengthIntervals.BootstrapInterval: ExpressibleByArgument {}
