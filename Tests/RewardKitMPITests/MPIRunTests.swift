import Foundation
import RewardKit
import Testing
import TestSupport

/// `mpirun` and Open MPI's library, when installed; the distributed tests skip without them.
enum MPIRun {
    static let executable: URL? = {
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent("mpirun")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }()

    static let libraryLoads: Bool = dlopen("libmpi.so.40", RTLD_NOW | RTLD_GLOBAL) != nil

    static var available: Bool { executable != nil && libraryLoads && binary != nil }

    /// The rewardkit executable built beside the tests.
    static let binary: URL? = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var folders = [URL]()
        if let first = CommandLine.arguments.first { folders.append(URL(fileURLWithPath: first).deletingLastPathComponent()) }
        folders.append(Bundle.main.bundleURL.deletingLastPathComponent())
        folders += [root.appendingPathComponent(".build/release"), root.appendingPathComponent(".build/debug")]
        return folders.map { $0.appendingPathComponent("rewardkit") }.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    /// Runs `rewardkit arguments` alone (ranks 0) or under `mpirun -np ranks --oversubscribe`
    /// (plus `--allow-run-as-root` as root); returns the exit status and standard error. A run
    /// longer than `timeout` seconds is killed and reported as status −1.
    static func run(_ arguments: [String], ranks: Int?, in folder: URL, timeout: Double = 120,
                    whileRunning: ((Process) -> Void)? = nil) throws -> (status: Int32, stderr: String) {
        let process = Process()
        if let ranks {
            process.executableURL = executable!
            process.arguments = ["-np", "\(ranks)", "--oversubscribe"] + (getuid() == 0 ? ["--allow-run-as-root"] : [])
                + [binary!.path] + arguments
        } else {
            process.executableURL = binary!
            process.arguments = arguments
        }
        process.currentDirectoryURL = folder
        let err = folder.appendingPathComponent("stderr-\(UUID().uuidString).txt")
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let handle = try FileHandle(forWritingTo: err)
        defer { try? handle.close() }
        process.standardError = handle
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        whileRunning?(process)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            return (-1, (try? String(contentsOf: err, encoding: .utf8)) ?? "")
        }
        return (process.terminationStatus, (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }

    static func weights(_ model: URL) throws -> [Double] {
        let head = try RewardHead<Double>.load(from: model)
        return head.parameters.flatMap(\.scalars)
    }

    static func json(_ url: URL) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] ?? [:]
    }
}

@Suite("rewardkit under mpirun (skipped without Open MPI)", .serialized,
       .enabled(if: MPIRun.available, "mpirun or libmpi.so.40 is not installed: install libopenmpi-dev openmpi-bin to run the distributed tests"))
struct MPIRunTests {
    @Test("fit reward-head --distributed at 2 and 3 ranks reproduces the single-process weights: 1e-10 (Double), 1e-5 (Float)",
          arguments: [2, 3])
    func rewardHeadMatchesSingleProcess(ranks: Int) throws {
        try TestFiles.withTemporaryFolder { folder in
            let double = try SyntheticPairFiles(folder: folder, rows: 1001, dimension: 12, seed: 11)
            let float = try SyntheticPairFiles(folder: folder, rows: 1001, dimension: 12, seed: 11, float: true)
            for (files, precision, tolerance) in [(double, ["--double"], 1e-10), (float, [], 1e-5)] {
                for solver in ["newton", "lbfgs"] {
                    let common = ["fit", "reward-head", "--chosen", files.chosen.path, "--rejected", files.rejected.path,
                                  "--margins", files.margins.path, "--l2", "1e-3", "--solver", solver, "--quiet"] + precision
                    let single = try MPIRun.run(common + ["--model-out", "single.model", "--report", "single.json"], ranks: nil, in: folder)
                    #expect(single.status == 0, "\(single.stderr)")
                    let sharded = try MPIRun.run(common + ["--distributed", "--block-rows", "97", "--model-out", "mpi.model", "--report", "mpi.json"],
                                                 ranks: ranks, in: folder)
                    #expect(sharded.status == 0, "\(sharded.stderr)")
                    let a = try MPIRun.weights(folder.appendingPathComponent("single.model"))
                    let b = try MPIRun.weights(folder.appendingPathComponent("mpi.model"))
                    #expect(a.count == 12 && b.count == 12)
                    #expect(Tolerance.maxAbsDifference(a, b) <= tolerance, "\(solver) \(precision)")
                    let report = try MPIRun.json(folder.appendingPathComponent("mpi.json"))
                    #expect(report["ranks"] as? Double == Double(ranks))
                    #expect(report["train_pairs"] as? Double == 1001)
                }
            }
        }
    }

    @Test("fit reward-head --distributed --solver adam (gradients all-reduced, shared seed) reproduces the single-process head: linear and MLP, 1e-9 (Double)",
          arguments: [2, 3])
    func adamMatchesSingleProcess(ranks: Int) throws {
        try TestFiles.withTemporaryFolder { folder in
            let files = try SyntheticPairFiles(folder: folder, rows: 700, dimension: 6, seed: 16)
            for head in ["linear", "mlp"] {
                let common = ["fit", "reward-head", "--chosen", files.chosen.path, "--rejected", files.rejected.path, "--double",
                              "--solver", "adam", "--head", head, "--hidden", "5", "--epochs", "2", "--batch-size", "50",
                              "--learning-rate", "0.01", "--seed", "4", "--quiet"]
                let single = try MPIRun.run(common + ["--model-out", "single.model"], ranks: nil, in: folder)
                #expect(single.status == 0, "\(single.stderr)")
                let sharded = try MPIRun.run(common + ["--distributed", "--model-out", "mpi.model"], ranks: ranks, in: folder)
                #expect(sharded.status == 0, "\(sharded.stderr)")
                let a = try MPIRun.weights(folder.appendingPathComponent("single.model"))
                let b = try MPIRun.weights(folder.appendingPathComponent("mpi.model"))
                #expect(a.count == b.count && !a.isEmpty)
                #expect(Tolerance.maxAbsDifference(a, b) <= 1e-9, "\(head)")
            }
        }
    }

    @Test("a rank with zero rows (2 pairs over 3 ranks) takes part and the fit matches")
    func rankWithoutRows() throws {
        try TestFiles.withTemporaryFolder { folder in
            let files = try SyntheticPairFiles(folder: folder, rows: 2, dimension: 3, seed: 12)
            let common = ["fit", "reward-head", "--chosen", files.chosen.path, "--rejected", files.rejected.path, "--l2", "0.1",
                          "--solver", "newton", "--double", "--quiet"]
            let single = try MPIRun.run(common + ["--model-out", "single.model"], ranks: nil, in: folder)
            #expect(single.status == 0, "\(single.stderr)")
            let sharded = try MPIRun.run(common + ["--distributed", "--model-out", "mpi.model"], ranks: 3, in: folder)
            #expect(sharded.status == 0, "\(sharded.stderr)")
            let a = try MPIRun.weights(folder.appendingPathComponent("single.model"))
            let b = try MPIRun.weights(folder.appendingPathComponent("mpi.model"))
            #expect(Tolerance.maxAbsDifference(a, b) <= 1e-10)
        }
    }

    @Test("fit bradley-terry --distributed (one file split, per-rank files) reproduces the single-process strengths to 1e-10",
          arguments: [2, 3])
    func bradleyTerryMatchesSingleProcess(ranks: Int) throws {
        try TestFiles.withTemporaryFolder { folder in
            var rng = SeededGenerator(seed: 13)
            var lines = [String]()
            for _ in 0..<900 {
                let a = Int(rng.next() % 15), b = (a + 1 + Int(rng.next() % 14)) % 15
                lines.append("m\(a),m\(b),\(rng.nextOpenUnit() < 0.15 ? 1 : 0)")
            }
            let header = "winner,loser,tie\n"
            try (header + lines.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("all.csv"), atomically: true, encoding: .utf8)
            for rank in 0..<ranks {
                let part = lines[(rank * lines.count / ranks)..<((rank + 1) * lines.count / ranks)]
                try (header + part.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("part-\(rank).csv"), atomically: true, encoding: .utf8)
            }
            let common = ["fit", "bradley-terry", "--ties", "davidson", "--l2", "0.01", "--intervals", "hessian", "--quiet"]
            let single = try MPIRun.run(common + ["--comparisons", "all.csv", "--report", "single.json"], ranks: nil, in: folder)
            #expect(single.status == 0, "\(single.stderr)")
            for input in ["all.csv", "part-{rank}.csv"] {
                let sharded = try MPIRun.run(common + ["--comparisons", input, "--distributed", "--report", "mpi.json"], ranks: ranks, in: folder)
                #expect(sharded.status == 0, "\(sharded.stderr)")
                let a = try MPIRun.json(folder.appendingPathComponent("single.json")), b = try MPIRun.json(folder.appendingPathComponent("mpi.json"))
                func strengths(_ j: [String: Any]) -> [String: Double] {
                    Dictionary(uniqueKeysWithValues: (j["strengths"] as? [[String: Any]] ?? []).map { ($0["item"] as! String, $0["strength"] as! Double) })
                }
                let sa = strengths(a), sb = strengths(b)
                #expect(sa.count == 15 && Set(sa.keys) == Set(sb.keys))
                #expect(sa.keys.allSatisfy { abs(sa[$0]! - sb[$0]!) <= 1e-10 }, "\(input)")
                #expect(a["comparisons"] as? Double == b["comparisons"] as? Double)
                #expect(a["ties_in_data"] as? Double == b["ties_in_data"] as? Double)
                #expect(Tolerance.isClose(a["tie_parameter"] as! Double, b["tie_parameter"] as! Double, rtol: 1e-10))
            }
        }
    }

    @Test("fit mixture --distributed (maxmin-em, users sharded with all their pairs) reproduces the EM log-likelihood trace to 1e-9 relative",
          arguments: [2, 3])
    func mixtureMatchesSingleProcess(ranks: Int) throws {
        try TestFiles.withTemporaryFolder { folder in
            let data = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Data/embeddings")
            func file(_ name: String) -> String { data.appendingPathComponent(name).path }
            let common = ["fit", "mixture", "--method", "maxmin-em", "--components", "3", "--chosen", file("chosen.npy"),
                          "--rejected", file("rejected.npy"), "--users", file("users.csv"), "--groups", file("groups.csv"),
                          "--test-chosen", file("test_chosen.npy"), "--test-rejected", file("test_rejected.npy"),
                          "--test-users", file("test_users.csv"), "--seed", "3", "--quiet"]
            let single = try MPIRun.run(common + ["--report", "single.json"], ranks: nil, in: folder)
            #expect(single.status == 0, "\(single.stderr)")
            let sharded = try MPIRun.run(common + ["--distributed", "--report", "mpi.json"], ranks: ranks, in: folder)
            #expect(sharded.status == 0, "\(sharded.stderr)")
            let a = try MPIRun.json(folder.appendingPathComponent("single.json")), b = try MPIRun.json(folder.appendingPathComponent("mpi.json"))
            let ta = a["log_likelihood_trace"] as? [Double] ?? [], tb = b["log_likelihood_trace"] as? [Double] ?? []
            #expect(!ta.isEmpty && ta.count == tb.count)
            #expect(zip(ta, tb).allSatisfy { Tolerance.isClose($0, $1, rtol: 1e-9, atol: 0) }, "\(ta) vs \(tb)")
            #expect(a["accuracy"] as? Double == b["accuracy"] as? Double)
            #expect(a["baseline_accuracy"] as? Double == b["baseline_accuracy"] as? Double)
            #expect(b["ranks"] as? Double == Double(ranks))
        }
    }

    @Test("fit mixture --distributed with more ranks than users: a rank without users takes part")
    func mixtureRankWithoutUsers() throws {
        try TestFiles.withTemporaryFolder { folder in
            let files = try SyntheticPairFiles(folder: folder, rows: 300, dimension: 4, seed: 15)
            let users = "user\n" + (0..<300).map { "u\($0 % 2)" }.joined(separator: "\n") + "\n"
            try users.write(to: folder.appendingPathComponent("users.csv"), atomically: true, encoding: .utf8)
            let common = ["fit", "mixture", "--method", "maxmin-em", "--components", "2", "--chosen", files.chosen.path,
                          "--rejected", files.rejected.path, "--users", "users.csv", "--test-chosen", files.chosen.path,
                          "--test-rejected", files.rejected.path, "--test-users", "users.csv", "--quiet"]
            let single = try MPIRun.run(common + ["--report", "single.json"], ranks: nil, in: folder)
            #expect(single.status == 0, "\(single.stderr)")
            let sharded = try MPIRun.run(common + ["--distributed", "--report", "mpi.json"], ranks: 3, in: folder)
            #expect(sharded.status == 0, "\(sharded.stderr)")
            let a = try MPIRun.json(folder.appendingPathComponent("single.json")), b = try MPIRun.json(folder.appendingPathComponent("mpi.json"))
            let ta = a["log_likelihood_trace"] as? [Double] ?? [], tb = b["log_likelihood_trace"] as? [Double] ?? []
            #expect(!ta.isEmpty && ta.count == tb.count && zip(ta, tb).allSatisfy { Tolerance.isClose($0, $1, rtol: 1e-9, atol: 0) })
        }
    }

    @Test("fit bradley-terry --distributed --intervals bootstrap spreads the replicates over the ranks and reproduces the intervals")
    func bootstrapSpreadOverRanks() throws {
        try TestFiles.withTemporaryFolder { folder in
            var rng = SeededGenerator(seed: 17)
            var lines = ["winner,loser"]
            for _ in 0..<500 {
                let a = Int(rng.next() % 10), b = (a + 1 + Int(rng.next() % 9)) % 10
                lines.append("m\(a),m\(b)")
            }
            try (lines.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("all.csv"), atomically: true, encoding: .utf8)
            let common = ["fit", "bradley-terry", "--comparisons", "all.csv", "--l2", "0.01", "--intervals", "bootstrap", "--bootstrap", "30",
                          "--seed", "2", "--quiet"]
            let single = try MPIRun.run(common + ["--report", "single.json"], ranks: nil, in: folder)
            #expect(single.status == 0, "\(single.stderr)")
            let sharded = try MPIRun.run(common + ["--distributed", "--report", "mpi.json"], ranks: 3, in: folder)
            #expect(sharded.status == 0, "\(sharded.stderr)")
            let a = try MPIRun.json(folder.appendingPathComponent("single.json")), b = try MPIRun.json(folder.appendingPathComponent("mpi.json"))
            func bounds(_ j: [String: Any]) -> [String: [Double]] {
                Dictionary(uniqueKeysWithValues: (j["strengths"] as? [[String: Any]] ?? []).map {
                    ($0["item"] as! String, [$0["lower"] as? Double ?? .nan, $0["upper"] as? Double ?? .nan])
                })
            }
            let ba = bounds(a), bb = bounds(b)
            #expect(ba.count == 10 && Set(ba.keys) == Set(bb.keys))
            #expect(ba.keys.allSatisfy { Tolerance.maxAbsDifference(ba[$0]!, bb[$0]!) <= 1e-8 }, "\(ba) vs \(bb)")
        }
    }

    @Test("leaderboard --distributed (Hessian and bootstrap intervals, Elo scale) reproduces the single-process ratings", arguments: ["0", "20"])
    func leaderboardMatchesSingleProcess(bootstrap: String) throws {
        try TestFiles.withTemporaryFolder { folder in
            var rng = SeededGenerator(seed: 19)
            var lines = ["winner,loser,tie"]
            for _ in 0..<600 {
                let a = Int(rng.next() % 9), b = (a + 1 + Int(rng.next() % 8)) % 9
                lines.append("m\(a),m\(b),\(rng.nextOpenUnit() < 0.1 ? 1 : 0)")
            }
            try (lines.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("battles.csv"), atomically: true, encoding: .utf8)
            let common = ["leaderboard", "--comparisons", "battles.csv", "--l2", "0.01", "--bootstrap", bootstrap, "--seed", "1", "--quiet"]
            let single = try MPIRun.run(common + ["--report", "single.json"], ranks: nil, in: folder)
            #expect(single.status == 0, "\(single.stderr)")
            let sharded = try MPIRun.run(common + ["--distributed", "--report", "mpi.json"], ranks: 2, in: folder)
            #expect(sharded.status == 0, "\(sharded.stderr)")
            let a = try MPIRun.json(folder.appendingPathComponent("single.json")), b = try MPIRun.json(folder.appendingPathComponent("mpi.json"))
            func ratings(_ j: [String: Any]) -> [String: [Double]] {
                Dictionary(uniqueKeysWithValues: (j["ratings"] as? [[String: Any]] ?? []).map {
                    ($0["item"] as! String, [$0["rating"] as! Double, $0["lower"] as? Double ?? .nan, $0["upper"] as? Double ?? .nan,
                                             $0["battles"] as! Double])
                })
            }
            let ra = ratings(a), rb = ratings(b)
            #expect(ra.count == 9 && Set(ra.keys) == Set(rb.keys))
            // Ratings are 400/ln 10 ≈ 174 per logit: 1e-8 rating points is 6e-11 in strength.
            #expect(ra.keys.allSatisfy { Tolerance.maxAbsDifference(ra[$0]!, rb[$0]!) <= 1e-6 }, "\(ra) vs \(rb)")
            #expect(a["battles"] as? Double == b["battles"] as? Double)
            #expect(a["interval_method"] as? String == b["interval_method"] as? String)
        }
    }

    @Test("an error on one rank ends the job with `error: rank R: …` and a failure status, not a hang")
    func failingRankAborts() throws {
        try TestFiles.withTemporaryFolder { folder in
            try "winner,loser\na,b\nb,a\n".write(to: folder.appendingPathComponent("part-0.csv"), atomically: true, encoding: .utf8)
            // part-1.csv is missing: rank 1 fails while rank 0 waits in the merge.
            let result = try MPIRun.run(["fit", "bradley-terry", "--comparisons", "part-{rank}.csv", "--l2", "0.1", "--distributed"],
                                        ranks: 2, in: folder, timeout: 60)
            #expect(result.status != 0 && result.status != -1, "status \(result.status)")
            #expect(result.stderr.contains("error: rank 1:"), "\(result.stderr)")
            #expect(result.stderr.contains("part-1.csv"))
        }
    }

    @Test("a rank killed mid-fit ends the job with an error within the timeout")
    func killedRankEndsJob() throws {
        try TestFiles.withTemporaryFolder { folder in
            let files = try SyntheticPairFiles(folder: folder, rows: 60000, dimension: 8, seed: 14)
            // One-row blocks make every evaluation slow, so the fit is still running when rank 1 is killed.
            let arguments = ["fit", "reward-head", "--chosen", files.chosen.path, "--rejected", files.rejected.path, "--double",
                             "--distributed", "--block-rows", "1", "--quiet"]
            let began = Date()
            let result = try MPIRun.run(arguments, ranks: 2, in: folder, timeout: 60) { mpirun in
                // The ranks are mpirun's children; wait for the one whose environment says rank 1,
                // let it start (MPI_Init, the validation pass), then kill it.
                let waitUntil = Date().addingTimeInterval(20)
                var victim: Int32?
                while victim == nil && Date() < waitUntil && mpirun.isRunning {
                    victim = childProcesses(of: mpirun.processIdentifier).first { environment(of: $0)["OMPI_COMM_WORLD_RANK"] == "1" }
                    usleep(20_000)
                }
                usleep(400_000)
                if let victim { kill(victim, SIGKILL) }
            }
            #expect(result.status != 0 && result.status != -1, "status \(result.status): \(result.stderr)")
            #expect(Date().timeIntervalSince(began) < 60)
        }
    }
}

/// The processes whose parent is `pid` (from /proc).
func childProcesses(of pid: Int32) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { Int32($0) }.filter { child in
        guard let stat = try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 2 && Int32(fields[1]) == pid
    }
}

/// The environment of process `pid` (from /proc).
func environment(of pid: Int32) -> [String: String] {
    guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return [:] }
    var out = [String: String]()
    for entry in data.split(separator: 0) {
        let text = String(decoding: entry, as: UTF8.self)
        if let eq = text.firstIndex(of: "=") { out[String(text[..<eq])] = String(text[text.index(after: eq)...]) }
    }
    return out
}
