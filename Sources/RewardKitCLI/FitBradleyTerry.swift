import ArgumentParser
import Foundation
import RewardKit

/// `rewardkit fit bradley-terry`: item strengths from a comparison file, with optional ties,
/// intervals, a CSV of strengths and a JSON fit report.
struct FitBradleyTerry: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bradley-terry",
        abstract: "Fit item strengths (Bradley–Terry or Thurstone, optional ties) to winner/loser comparisons.",
        discussion: """
        The comparison file is CSV with a header (columns winner, loser and optionally tie (0/1), \
        annotator, weight, in any order) or JSON Lines with the same keys (.jsonl). The objective is \
        −log-likelihood + (λ/2)‖θ‖²; choix's opt_pairwise(alpha) corresponds to λ = 2·alpha. \
        Strengths are centered to mean zero. Without --output the leaderboard is printed.
        """
    )

    enum TiesOption: String, ExpressibleByArgument, CaseIterable {
        case none, davidson, raoKupper = "rao-kupper"
    }

    enum ModelOption: String, ExpressibleByArgument, CaseIterable {
        case bradleyTerry = "bradley-terry", thurstone
    }

    enum IntervalsOption: String, ExpressibleByArgument, CaseIterable {
        case none, hessian, bootstrap
    }

    enum SolverOption: String, ExpressibleByArgument, CaseIterable {
        case automatic, newton, mm, truncatedNewton = "truncated-newton"
    }

    @Option(help: "Comparison file (.csv, or .jsonl for JSON Lines).")
    var comparisons: String

    @Option(name: .customLong("l2"), help: "L2 penalty λ in (λ/2)‖θ‖² (0: maximum likelihood).")
    var l2: Double = 0

    @Option(help: "Tie model: none (a tie is half a win for each side), davidson, rao-kupper.")
    var ties: TiesOption = .none

    @Option(help: "Pairwise model: bradley-terry (logistic) or thurstone (probit, Case V).")
    var model: ModelOption = .bradleyTerry

    @Option(help: "Intervals: none, hessian (± z·standard error), bootstrap (percentile).")
    var intervals: IntervalsOption = .none

    @Option(help: "Write strengths as CSV (item,strength[,std_error,lower,upper]) to this file.")
    var output: String?

    @Option(help: "Write the fit report as JSON to this file.")
    var report: String?

    @Option(help: "Bootstrap resamples (with --intervals bootstrap).")
    var bootstrapSamples: Int = 200

    @Option(help: "Seed of the bootstrap resamples.")
    var seed: UInt64 = 0

    @Option(help: "Confidence level of the intervals.")
    var level: Double = 0.95

    @Option(help: "Solver: automatic, newton, mm, truncated-newton.")
    var solver: SolverOption = .automatic

    @Option(help: "Items in the printed win-probability matrix.")
    var top: Int = 10

    func validate() throws {
        guard l2.isFinite && l2 >= 0 else { throw ValidationError("--l2 must be a finite number ≥ 0, got \(l2)") }
        guard bootstrapSamples >= 2 else { throw ValidationError("--bootstrap-samples must be at least 2") }
        guard level > 0 && level < 1 else { throw ValidationError("--level must be between 0 and 1") }
        guard top >= 0 else { throw ValidationError("--top must be ≥ 0") }
    }

    func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        return ExitCode.failure
    }

    func run() throws {
        let clock = ContinuousClock()
        let loadStart = clock.now
        let data: ComparisonSet
        do {
            data = try ComparisonSet.load(contentsOf: URL(fileURLWithPath: comparisons))
        } catch {
            throw fail(error.description)
        }
        let loadSeconds = (clock.now - loadStart).inSeconds

        let tieModel: BradleyTerry.TieModel = switch ties {
        case .none: .halfWins
        case .davidson: .davidson
        case .raoKupper: .raoKupper
        }
        let solverChoice: BradleyTerry.Solver = switch solver {
        case .automatic: .automatic
        case .newton: .newtonCholesky
        case .mm: .minorizationMaximization
        case .truncatedNewton: .truncatedNewton
        }
        let estimator = BradleyTerry(.init(l2Penalty: l2, link: model == .thurstone ? .thurstone : .bradleyTerry,
                                           ties: tieModel, solver: solverChoice))
        let fitted: BradleyTerryModel
        do {
            fitted = try estimator.fit(data)
        } catch {
            throw fail(error.description)
        }
        var strengthIntervals: StrengthIntervals? = nil
        var intervalSeconds = 0.0
        let intervalStart = clock.now
        do {
            switch intervals {
            case .none: break
            case .hessian: strengthIntervals = try fitted.hessianIntervals(level: level)
            case .bootstrap:
                strengthIntervals = try estimator.bootstrapIntervals(data, model: fitted, samples: bootstrapSamples,
                                                                     level: level, seed: seed)
            }
        } catch {
            throw fail(error.description)
        }
        intervalSeconds = (clock.now - intervalStart).inSeconds
        let board = Leaderboard(model: fitted, comparisons: data, intervals: strengthIntervals, topCount: top)

        if let output {
            do {
                try AtomicFileWriter.write(board.strengthsCSV(), to: URL(fileURLWithPath: output))
            } catch {
                throw fail("cannot write \(output): \(error.detail)")
            }
        } else {
            var text = board.formattedTable() + "\n"
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
            text += "\n\(data.itemCount) items, \(data.count) comparisons; log-likelihood \(r.logLikelihood), "
                + "\(r.iterations) iterations (\(r.solver.rawValue)), max |gradient| \(r.maxAbsGradient), "
                + "\(r.converged ? "converged" : "NOT converged: \(r.stopReason.rawValue)")\n"
            print(text, terminator: "")
        }

        if let report {
            let r = fitted.report
            var json: [String: JSONValue] = [
                "log_likelihood": .number(r.logLikelihood),
                "objective": .number(r.objective),
                "iterations": .number(Double(r.iterations)),
                "inner_iterations": .number(Double(r.innerIterations)),
                "converged": .bool(r.converged),
                "max_abs_gradient": .number(r.maxAbsGradient),
                "fit_seconds": .number(r.seconds),
                "load_seconds": .number(loadSeconds),
                "items": .number(Double(data.itemCount)),
                "comparisons": .number(Double(data.count)),
                "ties_in_data": .number(Double(data.ties.filter { $0 }.count)),
                "distinct_pairs": .number(Double(fitted.data.pairCount)),
                "l2": .number(l2),
                "model": .string(model.rawValue),
                "tie_model": .string(ties.rawValue),
                "solver": .string(r.solver.rawValue),
                "stop_reason": .string(r.stopReason.rawValue),
                "intervals": .string(intervals.rawValue),
            ]
            if let nu = fitted.tieParameter { json["tie_parameter"] = .number(nu) }
            if let range = strengthIntervals?.tieInterval {
                json["tie_parameter_interval"] = [.number(range.lowerBound), .number(range.upperBound)]
            }
            if let strengthIntervals {
                json["level"] = .number(strengthIntervals.level)
                json["interval_seconds"] = .number(intervalSeconds)
                if case .bootstrap(let samples, let failed, _) = strengthIntervals.method {
                    json["bootstrap_samples"] = .number(Double(samples))
                    json["bootstrap_failed"] = .number(Double(failed))
                    json["seed"] = .number(Double(seed))
                }
            }
            do {
                try AtomicFileWriter.write(JSONValue.object(json).serialized(pretty: true) + "\n", to: URL(fileURLWithPath: report))
            } catch {
                throw fail("cannot write \(report): \(error.detail)")
            }
        }
    }
}
