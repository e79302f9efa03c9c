import Foundation
import Testing
import TestSupport

/// The command-line contracts the issues state, run as a process on the data shipped in `Data/`:
/// each command's flags, output CSV header and required report keys, and that bad input is a
/// non-zero exit with a message naming the file and line.
@Suite("rewardkit command-line contracts", .serialized)
struct ContractTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let battles = root.appendingPathComponent("Data/arena/battles.csv").path
    static let embeddings = root.appendingPathComponent("Data/embeddings")

    static func embedding(_ name: String) -> String { embeddings.appendingPathComponent(name).path }

    func withFolder(_ body: (URL) throws -> Void) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try body(folder)
    }

    func expectKeys(_ report: [String: Any], _ keys: [String], _ command: String) {
        for key in keys { #expect(report[key] != nil, "\(command): report lacks \(key)") }
    }

    func csvRows(_ url: URL) throws -> [[String]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    @Test("fit bradley-terry: centered strengths, interval columns, report keys; Thurstone and Rao–Kupper run")
    func fitBradleyTerry() throws {
        try withFolder { folder in
            let csv = folder.appendingPathComponent("bt.csv"), report = folder.appendingPathComponent("bt.json")
            let (status, _, err) = try runTool(["fit", "bradley-terry", "--comparisons", Self.battles, "--ties", "davidson",
                                                "--intervals", "hessian", "--output", csv.path, "--report", report.path])
            #expect(status == 0, "stderr: \(err)")
            let rows = try csvRows(csv)
            #expect(rows.first == ["item", "strength", "std_error", "lower", "upper"])
            let strengths = rows.dropFirst().compactMap { Double($0[1]) }
            #expect(strengths.count == 20)
            #expect(abs(strengths.reduce(0, +)) < 1e-9, "strengths are centered")
            for row in rows.dropFirst() {
                let (s, lower, upper) = (Double(row[1])!, Double(row[3])!, Double(row[4])!)
                #expect(lower < s && s < upper)
            }
            let json = try jsonObject(report)
            expectKeys(json, ["log_likelihood", "objective", "iterations", "converged", "max_abs_gradient", "fit_seconds", "items", "comparisons"],
                       "fit bradley-terry")
            #expect(json["converged"] as? Bool == true)
            #expect((json["max_abs_gradient"] as? Double ?? 1) <= 1e-6)

            let plain = folder.appendingPathComponent("plain.csv")
            for extra in [["--model", "thurstone"], ["--ties", "rao-kupper", "--l2", "0.01"]] {
                let (code, _, stderr) = try runTool(["fit", "bradley-terry", "--comparisons", Self.battles, "--output", plain.path] + extra)
                #expect(code == 0, "\(extra): \(stderr)")
                #expect(try csvRows(plain).first == ["item", "strength"])
            }
        }
    }

    @Test("fit bradley-terry: bad rows and a missing MLE are errors naming the file, the line or the items")
    func fitBradleyTerryErrors() throws {
        try withFolder { folder in
            let bad = folder.appendingPathComponent("bad.csv")
            try "winner,loser\na,b\nc,c\n".write(to: bad, atomically: true, encoding: .utf8)
            let (status, _, err) = try runTool(["fit", "bradley-terry", "--comparisons", bad.path])
            #expect(status != 0)
            #expect(err.contains("bad.csv") && err.contains("3"), "stderr: \(err)")

            // "d" never loses: without a penalty the maximum-likelihood estimate does not exist.
            let unbeaten = folder.appendingPathComponent("unbeaten.csv")
            try "winner,loser\na,b\nb,c\nc,a\nd,a\nd,b\n".write(to: unbeaten, atomically: true, encoding: .utf8)
            let (code, _, stderr) = try runTool(["fit", "bradley-terry", "--comparisons", unbeaten.path, "--l2", "0"])
            #expect(code != 0)
            #expect(stderr.contains("d"), "stderr: \(stderr)")
            let (penalized, _, _) = try runTool(["fit", "bradley-terry", "--comparisons", unbeaten.path, "--l2", "0.1"])
            #expect(penalized == 0)
        }
    }

    @Test("fit gpm on items and on features: report keys")
    func fitGPM() throws {
        try withFolder { folder in
            let items = folder.appendingPathComponent("items.json")
            var (status, _, err) = try runTool(["fit", "gpm", "--comparisons", Self.battles, "--dimension", "4", "--restarts", "2",
                                                "--seed", "3", "--report", items.path])
            #expect(status == 0, "stderr: \(err)")
            expectKeys(try jsonObject(items), ["train_accuracy", "train_loss", "fit_seconds"], "fit gpm (items)")

            let features = folder.appendingPathComponent("features.json"), model = folder.appendingPathComponent("gpm.rkmodel")
            (status, _, err) = try runTool(["fit", "gpm", "--chosen", Self.embedding("chosen.npy"), "--rejected", Self.embedding("rejected.npy"),
                                            "--test-chosen", Self.embedding("test_chosen.npy"), "--test-rejected", Self.embedding("test_rejected.npy"),
                                            "--dimension", "4", "--hidden", "32", "--tau", "0.1", "--epochs", "2", "--batch-size", "128",
                                            "--learning-rate", "0.003", "--seed", "1", "--output", model.path, "--report", features.path])
            #expect(status == 0, "stderr: \(err)")
            let json = try jsonObject(features)
            expectKeys(json, ["train_accuracy", "test_accuracy", "train_loss", "fit_seconds", "pairs_per_second"], "fit gpm (features)")
            #expect((json["test_accuracy"] as? Double ?? 0) > 0.6)
            #expect(FileManager.default.fileExists(atPath: model.path))
        }
    }

    @Test("fit mixture (maxmin-em, pal-a, pal-b): report keys, per-group accuracy keyed by group")
    func fitMixture() throws {
        try withFolder { folder in
            for method in ["maxmin-em", "pal-a", "pal-b"] {
                let report = folder.appendingPathComponent("\(method).json"), model = folder.appendingPathComponent("\(method).rkmodel")
                let (status, _, err) = try runTool([
                    "fit", "mixture", "--method", method, "--components", "2",
                    "--chosen", Self.embedding("chosen.npy"), "--rejected", Self.embedding("rejected.npy"), "--users", Self.embedding("users.csv"),
                    "--test-chosen", Self.embedding("test_chosen.npy"), "--test-rejected", Self.embedding("test_rejected.npy"),
                    "--test-users", Self.embedding("test_users.csv"), "--groups", Self.embedding("groups.csv"),
                    "--head", "linear", "--epochs", "3", "--seed", "2", "--output", model.path, "--report", report.path])
                #expect(status == 0, "\(method): \(err)")
                let json = try jsonObject(report)
                expectKeys(json, ["test_accuracy", "per_group_test_accuracy", "worst_group_test_accuracy", "baseline_test_accuracy",
                                  "baseline_per_group_test_accuracy", "purity", "adjusted_rand_index", "log_likelihood_trace", "fit_seconds"],
                           "fit mixture --method \(method)")
                let groups = json["per_group_test_accuracy"] as? [String: Any] ?? [:]
                #expect(Set(groups.keys) == ["majority", "minority"], "\(method): \(groups.keys)")
                #expect(FileManager.default.fileExists(atPath: model.path))
            }
        }
    }

    @Test("experiment regret: results per size and learner")
    func experimentRegret() throws {
        try withFolder { folder in
            let report = folder.appendingPathComponent("regret.json")
            let (status, _, err) = try runTool(["experiment", "regret", "--mdps", "2", "--preferences", "100,300", "--labels", "regret",
                                                "--noise", "stochastic", "--seed", "4", "--report", report.path])
            #expect(status == 0, "stderr: \(err)")
            let json = try jsonObject(report)
            expectKeys(json, ["results", "fit_seconds"], "experiment regret")
            let results = json["results"] as? [[String: Any]] ?? []
            #expect(results.count == 4)
            for row in results {
                expectKeys(row, ["preferences", "learner", "near_optimal_fraction", "mean_scaled_return"], "experiment regret results[]")
            }
            #expect(Set(results.compactMap { $0["learner"] as? String }) == ["regret", "partial-return"])
        }
    }

    @Test("leaderboard: CSV columns, anchor, SVGs and report; a missing covariate column is an error")
    func leaderboard() throws {
        try withFolder { folder in
            let csv = folder.appendingPathComponent("board.csv"), svg = folder.appendingPathComponent("svg")
            let report = folder.appendingPathComponent("board.json")
            let (status, _, err) = try runTool(["leaderboard", "--comparisons", Self.battles, "--ties", "davidson",
                                                "--anchor", "atlas-2-large=1000", "--scale", "elo", "--bootstrap", "40", "--seed", "5",
                                                "--output", csv.path, "--svg", svg.path, "--report", report.path])
            #expect(status == 0, "stderr: \(err)")
            let rows = try csvRows(csv)
            #expect(rows.first == ["rank", "item", "rating", "lower", "upper", "battles"])
            let anchor = try #require(rows.first { $0.count > 2 && $0[1] == "atlas-2-large" })
            #expect(abs(Double(anchor[2])! - 1000) < 1e-6)
            let svgs = try FileManager.default.contentsOfDirectory(atPath: svg.path).filter { $0.hasSuffix(".svg") }
            #expect(svgs.count >= 2)
            expectKeys(try jsonObject(report), ["tie_parameter", "covariates"], "leaderboard")

            let (code, _, stderr) = try runTool(["leaderboard", "--comparisons", Self.battles, "--covariates", "len_a:len_b"])
            #expect(code != 0)
            #expect(stderr.contains("len_a"), "stderr: \(stderr)")
        }
    }
}
