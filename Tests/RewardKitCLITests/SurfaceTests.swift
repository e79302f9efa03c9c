import Foundation
import Testing
import TestSupport

/// Issue 14, "the surface people touch", through the tool: one dialect with the old spellings as
/// hidden aliases, one error idiom, `evaluate` for every family, one report convention, honest
/// intervals and no silent drops.
@Suite("rewardkit: one dialect, evaluate for every family, honest reports (run as a process)", .serialized)
struct SurfaceTests {
    static let battles = ContractTests.battles
    static func embedding(_ name: String) -> String { ContractTests.embedding(name) }
    static let features = ["--chosen", embedding("chosen.npy"), "--rejected", embedding("rejected.npy")]
    static let testFeatures = ["--test-chosen", embedding("test_chosen.npy"), "--test-rejected", embedding("test_rejected.npy")]

    func withFolder(_ body: (URL) throws -> Void) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try body(folder)
    }

    func run(_ arguments: [String]) throws -> (out: String, err: String) {
        let (status, out, err) = try runTool(arguments)
        #expect(status == 0, "\(arguments.prefix(3).joined(separator: " ")): \(err)")
        return (out, err)
    }

    @Test("old spellings keep working as hidden aliases, next to the new ones, and are not in --help")
    func aliases() throws {
        try withFolder { folder in
            func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
            // fit bradley-terry: --model (now --link), --bootstrap-samples (now --bootstrap).
            for spelling in [["--model", "thurstone", "--bootstrap-samples", "20"], ["--link", "thurstone", "--bootstrap", "20"]] {
                _ = try run(["fit", "bradley-terry", "--comparisons", Self.battles, "--intervals", "bootstrap",
                             "--report", path("bt.json")] + spelling)
                let json = try jsonObject(folder.appendingPathComponent("bt.json"))
                #expect(json["link"] as? String == "thurstone")
                #expect(json["bootstrap_replicates"] as? Double == 20 && json["failed_replicates"] is Double)
            }
            // leaderboard: --interval (now --bootstrap-interval).
            for spelling in [["--interval", "basic"], ["--bootstrap-interval", "basic"]] {
                _ = try run(["leaderboard", "--comparisons", Self.battles, "--bootstrap", "20", "--report", path("lb.json")] + spelling)
                #expect(try jsonObject(folder.appendingPathComponent("lb.json"))["interval_method"] as? String == "bootstrap_basic")
            }
            // fit gpm: --tau (now --temperature), --output (now --model-out).
            for (k, spelling) in [["--tau", "0.5", "--output"], ["--temperature", "0.5", "--model-out"]].enumerated() {
                _ = try run(["fit", "gpm", "--comparisons", Self.battles, "--restarts", "1", "--report", path("g.json")] + spelling + [path("g\(k).rkmodel")])
                #expect(try jsonObject(folder.appendingPathComponent("g.json"))["temperature"] as? Double == 0.5)
                #expect(FileManager.default.fileExists(atPath: path("g\(k).rkmodel")))
            }
            // fit reward-head: --margin FILE (now --margins), --output (now --model-out).
            let margins = folder.appendingPathComponent("m.npy")
            var header = Array("{'descr': '<f8', 'fortran_order': False, 'shape': (4000,), }".utf8)
            while (10 + header.count + 1) % 64 != 0 { header.append(0x20) }
            header.append(0x0A)
            var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count & 0xFF), UInt8(header.count >> 8)] + header
            for _ in 0..<4000 { withUnsafeBytes(of: (0.1 as Double).bitPattern.littleEndian) { bytes += $0 } }
            try Data(bytes).write(to: margins)
            for (k, spelling) in [["--margin", margins.path, "--output"], ["--margins", margins.path, "--model-out"]].enumerated() {
                _ = try run(["fit", "reward-head"] + Self.features + spelling + [path("h\(k).rkmodel")])
                #expect(FileManager.default.fileExists(atPath: path("h\(k).rkmodel")))
            }
            // Hidden: the old spellings are not advertised.
            let (_, help, _) = try runTool(["fit", "bradley-terry", "--help"])
            #expect(help.contains("--link") && help.contains("--bootstrap ") && !help.contains("--bootstrap-samples") && !help.contains("--model "))
            // Given twice (old and new) is a usage error.
            let (twice, _, twiceErr) = try runTool(["fit", "gpm", "--comparisons", Self.battles, "--tau", "1", "--temperature", "1"])
            #expect(twice == 64 && twiceErr.hasPrefix("error: "), "\(twiceErr)")
        }
    }

    @Test("every failure is one `error: FILE, line N: reason` on stderr with a non-zero exit, never a stack trace")
    func errorIdiom() throws {
        try withFolder { folder in
            let bad = folder.appendingPathComponent("bad.csv")
            try "winner,loser\na,b\nc,c\n".write(to: bad, atomically: true, encoding: .utf8)
            for command in [["fit", "bradley-terry"], ["leaderboard"], ["fit", "thurstone"], ["fit", "gpm"]] {
                let (status, out, err) = try runTool(command + ["--comparisons", bad.path])
                #expect(status == 1, "\(command): \(err)")
                #expect(err.hasPrefix("error: \(bad.path), line 3: "), "\(command): \(err)")
                #expect(err.split(separator: "\n").count == 1 && out.isEmpty, "\(command): \(err)")
                #expect(!err.contains("Fatal") && !err.contains("Stack"))
            }
            let missing = folder.appendingPathComponent("missing.npy").path
            let (status, _, err) = try runTool(["evaluate", "--model", missing, "--chosen", missing, "--rejected", missing])
            #expect(status == 1 && err.hasPrefix("error: \(missing)"), "\(err)")
            let (usage, _, usageErr) = try runTool(["fit", "mixture", "--method", "pal-a"])
            #expect(usage == 64 && usageErr.hasPrefix("error: "), "\(usageErr)")
        }
    }

    @Test("a shared option that a command cannot use is a usage error naming it, never silently ignored")
    func unusableOptionsAreErrors() throws {
        let cases: [([String], String)] = [
            (["fit", "reward-head"] + Self.features + ["--users", Self.embedding("users.csv")], "--users"),
            (["fit", "reward-head"] + Self.features + ["--prompt", Self.embedding("chosen.npy")], "--prompt"),
            (["fit", "gpm"] + Self.features + ["--allow-unknown-users"], "--allow-unknown-users"),
            (["fit", "gpm"] + Self.features + ["--early-stopping-patience", "2"], "--early-stopping-patience"),
            (["fit", "gpm", "--comparisons", Self.battles, "--users", Self.embedding("users.csv"), "--groups", Self.embedding("groups.csv")], "--users"),
            (["fit", "reward-head"] + Self.features + Self.testFeatures + ["--groups", Self.embedding("groups.csv")], "--test-users"),
            (["fit", "mixture", "--method", "maxmin-em", "--components", "2", "--users", Self.embedding("users.csv"),
              "--prompt", Self.embedding("chosen.npy")] + Self.features, "--prompt"),
            (["evaluate", "--model", "m.rkmodel"] + Self.features + Self.testFeatures, "--test-chosen"),
            (["leaderboard", "--comparisons", Self.battles, "--interval", "basic", "--bootstrap-interval", "basic"], "--bootstrap-interval"),
        ]
        for (arguments, option) in cases {
            let (status, _, err) = try runTool(arguments)
            #expect(status == 64 && err.hasPrefix("error: ") && err.contains(option), "\(arguments): \(err)")
        }
    }

    /// The keys every `evaluate` report has, whatever the family.
    static let evaluateKeys = ["command", "model", "kind", "family", "evaluated_on", "data", "pairs", "accuracy", "log_loss",
                               "brier_score", "ece", "reliability"]

    @Test("evaluate reads every family's model file and safetensors export, on feature pairs or comparisons, with one set of report keys")
    func evaluateEveryFamily() throws {
        try withFolder { folder in
            func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
            let users = ["--users", Self.embedding("users.csv")], testUsers = ["--test-users", Self.embedding("test_users.csv")]
            // Feature families, fitted small, each with a model file and a safetensors export.
            var fits: [(name: String, arguments: [String], accuracyKey: String)] = [
                ("linear", ["fit", "reward-head", "--head", "linear"] + Self.features + Self.testFeatures, "test_accuracy"),
                ("mlp", ["fit", "reward-head", "--head", "mlp", "--hidden", "16", "--epochs", "2"] + Self.features + Self.testFeatures, "test_accuracy"),
                ("gpm", ["fit", "gpm", "--hidden", "16", "--epochs", "2"] + Self.features + Self.testFeatures, "test_accuracy"),
            ]
            for method in ["maxmin-em", "pal-a", "pal-b"] {
                fits.append((method, ["fit", "mixture", "--method", method, "--components", "2", "--epochs", "3"]
                             + Self.features + users + Self.testFeatures + testUsers, "test_accuracy"))
            }
            for fit in fits {
                _ = try run(fit.arguments + ["--model-out", path("\(fit.name).rkmodel"), "--safetensors", path("\(fit.name).safetensors"),
                                             "--report", path("\(fit.name).fit.json"), "--quiet"])
                let fitted = try jsonObject(folder.appendingPathComponent("\(fit.name).fit.json"))
                for format in ["rkmodel", "safetensors"] {
                    var arguments = ["evaluate", "--model", path("\(fit.name).\(format)"), "--chosen", Self.embedding("test_chosen.npy"),
                                     "--rejected", Self.embedding("test_rejected.npy"), "--report", path("e.json")]
                    if ["maxmin-em", "pal-a", "pal-b"].contains(fit.name) {
                        arguments += ["--users", Self.embedding("test_users.csv"), "--groups", Self.embedding("groups.csv")]
                    }
                    let (out, _) = try run(arguments)
                    #expect(out.contains("accuracy") && out.contains("ECE (10 bins)"), "\(fit.name): \(out)")
                    let report = try jsonObject(folder.appendingPathComponent("e.json"))
                    for key in Self.evaluateKeys { #expect(report[key] != nil, "\(fit.name).\(format): lacks \(key)") }
                    let accuracy = try #require(report["accuracy"] as? Double)
                    #expect(abs(accuracy - (fitted[fit.accuracyKey] as? Double ?? -1)) < 1e-6, "\(fit.name).\(format)")
                    if fit.name.hasPrefix("pal") || fit.name == "maxmin-em" {
                        let groups = report["per_group"] as? [[String: Any]] ?? []
                        #expect(Set(groups.compactMap { $0["group"] as? String }) == ["majority", "minority"], "\(fit.name)")
                        #expect(groups.allSatisfy { $0["pairs"] is Double && $0["accuracy"] is Double })
                    }
                }
            }
            // Item families on comparisons.
            _ = try run(["fit", "bradley-terry", "--comparisons", Self.battles, "--ties", "davidson", "--model-out", path("bt.rkmodel"),
                         "--safetensors", path("bt.safetensors"), "--output", path("bt.csv")])
            _ = try run(["fit", "thurstone", "--comparisons", Self.battles, "--model-out", path("th.rkmodel"), "--safetensors", path("th.safetensors")])
            _ = try run(["fit", "gpm", "--comparisons", Self.battles, "--restarts", "1", "--model-out", path("gi.rkmodel"),
                         "--safetensors", path("gi.safetensors")])
            _ = try run(["leaderboard", "--comparisons", Self.battles, "--model-out", path("lb.rkmodel"), "--output", path("lb.csv")])
            for name in ["bt", "th", "gi", "lb"] {
                for format in ["rkmodel", "safetensors"] where !(name == "lb" && format == "safetensors") {
                    _ = try run(["evaluate", "--model", path("\(name).\(format)"), "--comparisons", Self.battles, "--report", path("e.json")])
                    let report = try jsonObject(folder.appendingPathComponent("e.json"))
                    for key in Self.evaluateKeys { #expect(report[key] != nil, "\(name).\(format): lacks \(key)") }
                    #expect((report["accuracy"] as? Double ?? 0) > 0.55, "\(name).\(format)")
                    #expect(report["ties_left_out"] is Double)
                }
            }
            // A feature model on comparisons (and the reverse) is a clear error.
            let (status, _, err) = try runTool(["evaluate", "--model", path("linear.rkmodel"), "--comparisons", Self.battles])
            #expect(status == 1 && err.hasPrefix("error: ") && err.contains("--chosen"), "\(err)")
            let (status2, _, err2) = try runTool(["evaluate", "--model", path("bt.rkmodel")] + Self.features)
            #expect(status2 == 1 && err2.contains("--comparisons"), "\(err2)")
        }
    }

    @Test("the models `train` writes (gpm, maxmin-em, pal-b) evaluate to the accuracy train reports")
    func evaluateTrainModels() throws {
        try withFolder { folder in
            let output = folder.appendingPathComponent("report")
            _ = try run(["train", "--only", "gpm,maxmin-em,pal-b", "--output-dir", output.path, "--quiet"])
            let summary = try jsonObject(output.appendingPathComponent("summary.json"))
            for model in summary["models"] as? [[String: Any]] ?? [] {
                let name = try #require(model["name"] as? String)
                let trained = try #require((model["test"] as? [String: Any])?["accuracy"] as? Double)
                let (out, _) = try run(["evaluate", "--model", output.appendingPathComponent("models/\(name).rkmodel").path,
                                        "--chosen", Self.embedding("test_chosen.npy"), "--rejected", Self.embedding("test_rejected.npy"),
                                        "--users", Self.embedding("test_users.csv"), "--groups", Self.embedding("groups.csv"), "--json"])
                let metrics = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any] ?? [:]
                #expect(abs((metrics["accuracy"] as? Double ?? -1) - trained) < 1e-9, "\(name)")
                #expect((metrics["per_group"] as? [[String: Any]])?.count == 2, "\(name)")
            }
        }
    }

    @Test("fit mixture: without test files nothing is called test_accuracy, a table is printed, per-group results are a list")
    func mixtureReports() throws {
        try withFolder { folder in
            let report = folder.appendingPathComponent("mix.json")
            let (out, _) = try run(["fit", "mixture", "--method", "maxmin-em", "--components", "2"] + Self.features
                                   + ["--users", Self.embedding("users.csv"), "--groups", Self.embedding("groups.csv"), "--report", report.path])
            #expect(!out.hasPrefix("{") && out.contains("evaluated on the train pairs") && out.contains("worst group"), "\(out)")
            let json = try jsonObject(report)
            #expect(json["evaluated_on"] as? String == "train")
            #expect(json["test_accuracy"] == nil && json["per_group_test_accuracy"] == nil)
            #expect(json["train_accuracy"] is Double && json["accuracy"] is Double)
            let groups = json["per_group"] as? [[String: Any]] ?? []
            #expect(groups.count == 2 && groups.allSatisfy { $0["group"] is String && $0["pairs"] is Double && $0["accuracy"] is Double })
            // Alone (no --report) it prints the table, not JSON.
            let (alone, _) = try run(["fit", "mixture", "--method", "maxmin-em", "--components", "2"] + Self.features
                                     + ["--users", Self.embedding("users.csv")])
            #expect(!alone.contains("{") && alone.contains("accuracy"), "\(alone)")
        }
    }

    @Test("reports: snake_case keys and lowercase enum values in fit thurstone, svo, fit gpm and fit bradley-terry")
    func reportConventions() throws {
        try withFolder { folder in
            let thurstone = folder.appendingPathComponent("t.json")
            _ = try run(["fit", "thurstone", "--comparisons", Self.battles, "--held-out", "0.2", "--report", thurstone.path])
            let t = try jsonObject(thurstone)
            for key in ["log_likelihood", "stop_reason", "soft_labels", "held_out_records", "evaluated_on", "held_out"] {
                #expect(t[key] != nil, "fit thurstone lacks \(key)")
            }
            #expect(t["evaluated_on"] as? String == "held_out")
            let reason = try #require(t["stop_reason"] as? String)
            #expect(reason == reason.lowercased())
            let items = t["items"] as? [[String: Any]] ?? []
            #expect(items.first?["standard_deviation"] is Double)

            let gpm = folder.appendingPathComponent("g.json")
            _ = try run(["fit", "gpm", "--comparisons", Self.battles, "--restarts", "1", "--report", gpm.path])
            let stop = try #require(try jsonObject(gpm)["stop_reason"] as? String)
            #expect(stop == stop.lowercased() && !stop.contains(" "), "\(stop)")

            let responses = folder.appendingPathComponent("svo.csv")
            var csv = "respondent,item,option\n"
            for (r, options) in [("p1", [7, 8, 6, 7, 8, 7]), ("p2", [1, 2, 1, 1, 2, 1])] {
                for (i, o) in options.enumerated() { csv += "\(r),\(i + 1),\(o)\n" }
            }
            try csv.write(to: responses, atomically: true, encoding: .utf8)
            let svo = folder.appendingPathComponent("svo.json")
            _ = try run(["svo", "--responses", responses.path, "--report", svo.path])
            let respondents = try jsonObject(svo)["respondents"] as? [[String: Any]] ?? []
            #expect(respondents.first?["angle_degrees"] is Double && respondents.first?["choices_are_separable"] is Bool)
        }
    }

    @Test("intervals: the table says the level and failed replicates and flags intervals from degenerate replicates")
    func honestIntervals() throws {
        try withFolder { folder in
            let sparse = folder.appendingPathComponent("sparse.csv"), report = folder.appendingPathComponent("r.json")
            try "winner,loser\na,b\nb,c\nc,a\nd,a\nd,b\na,e\n".write(to: sparse, atomically: true, encoding: .utf8)
            for command in [["fit", "bradley-terry", "--l2", "0.1"], ["leaderboard", "--l2", "0.1", "--top", "2"]] {
                let (out, _) = try run(command + ["--comparisons", sparse.path, "--bootstrap", "50", "--report", report.path])
                #expect(out.contains("intervals: 95% bootstrap percentile, 50 replicates,") && out.contains("failed"), "\(out)")
                #expect(out.contains("!") && out.contains("degenerate replicates"), "\(out)")
                let json = try jsonObject(report)
                #expect(json["interval_level"] as? Double == 0.95 && json["failed_replicates"] is Double)
                #expect(!(json["flagged_intervals"] as? [[String: Any]] ?? []).isEmpty)
            }
            let (hessian, _) = try run(["fit", "bradley-terry", "--comparisons", Self.battles, "--intervals", "hessian", "--level", "0.9"])
            #expect(hessian.contains("intervals: 90% hessian"), "\(hessian)")
        }
    }

    @Test("no silent drops: unknown test users and users without a group are errors naming the file, or --allow-unknown-users")
    func noSilentDrops() throws {
        try withFolder { folder in
            // Test users with one stranger on line 3.
            var lines = try String(contentsOfFile: Self.embedding("test_users.csv"), encoding: .utf8).split(separator: "\n").map(String.init)
            lines[2] = "stranger"
            let strangers = folder.appendingPathComponent("test_users.csv")
            try (lines.joined(separator: "\n") + "\n").write(to: strangers, atomically: true, encoding: .utf8)
            let base = ["fit", "mixture", "--method", "maxmin-em", "--components", "2"] + Self.features
                + ["--users", Self.embedding("users.csv")] + Self.testFeatures + ["--test-users", strangers.path]
            let (status, _, err) = try runTool(base)
            #expect(status == 1 && err.hasPrefix("error: \(strangers.path), line 3: user 'stranger'") && err.contains("--allow-unknown-users"), "\(err)")
            let report = folder.appendingPathComponent("r.json")
            _ = try run(base + ["--allow-unknown-users", "--report", report.path])
            #expect(try jsonObject(report)["unknown_user_pairs"] as? Double == 1)

            // groups.csv without user 0: fit mixture, evaluate and train all fail naming it.
            let groups = try String(contentsOfFile: Self.embedding("groups.csv"), encoding: .utf8).split(separator: "\n")
                .filter { !$0.hasPrefix("0,") }.joined(separator: "\n") + "\n"
            let data = folder.appendingPathComponent("data")
            try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
            for name in ["chosen.npy", "rejected.npy", "test_chosen.npy", "test_rejected.npy", "users.csv", "test_users.csv"] {
                try FileManager.default.copyItem(atPath: Self.embedding(name), toPath: data.appendingPathComponent(name).path)
            }
            let groupsFile = data.appendingPathComponent("groups.csv")
            try groups.write(to: groupsFile, atomically: true, encoding: .utf8)
            let (mixture, _, mixtureErr) = try runTool(["fit", "mixture", "--method", "maxmin-em", "--components", "2"] + Self.features
                                                       + ["--users", Self.embedding("users.csv"), "--groups", groupsFile.path])
            #expect(mixture == 1 && mixtureErr.hasPrefix("error: \(groupsFile.path)") && mixtureErr.contains("'0'"), "\(mixtureErr)")
            let (train, _, trainErr) = try runTool(["train", "--data-dir", data.path, "--output-dir", folder.appendingPathComponent("out").path,
                                                    "--only", "linear-lbfgs"])
            #expect(train == 1 && trainErr.hasPrefix("error: \(groupsFile.path)") && trainErr.contains("has no group"), "\(trainErr)")

            // train with an unknown test user: an error unless --allow-unknown-users.
            try groups.write(to: groupsFile, atomically: true, encoding: .utf8)
            try FileManager.default.removeItem(at: groupsFile)
            try FileManager.default.removeItem(at: data.appendingPathComponent("test_users.csv"))
            try FileManager.default.copyItem(at: strangers, to: data.appendingPathComponent("test_users.csv"))
            let trainArguments = ["train", "--data-dir", data.path, "--output-dir", folder.appendingPathComponent("out").path, "--only", "linear-lbfgs"]
            let (unknown, _, unknownErr) = try runTool(trainArguments)
            #expect(unknown == 1 && unknownErr.contains("test_users.csv, line 3: user 'stranger'"), "\(unknownErr)")
            _ = try run(trainArguments + ["--allow-unknown-users", "--quiet"])
            let summary = try jsonObject(folder.appendingPathComponent("out/summary.json"))
            let model = try #require((summary["models"] as? [[String: Any]])?.first)
            #expect(model["evaluated_on"] as? String == "test")
            let reason = try #require(model["stop_reason"] as? String)
            #expect(reason == reason.lowercased() && !reason.contains("-"), "\(reason)")
            #expect((model["test"] as? [String: Any])?["per_user"] is [[String: Any]])
        }
    }
}
