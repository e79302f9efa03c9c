import Foundation
import FileFormats
import NumericCore
import PreferenceData
import Testing
import TestSupport

@Suite("rewardkit fit plackett-luce (run as a process)", .serialized)
struct PlackettLuceCLITests {
    static func writeRankings(to folder: URL, seed: UInt64 = 1) throws -> URL {
        var rng = SeededGenerator(seed: seed)
        let theta = SyntheticComparisons.strengths(count: 12, using: &rng)
        let set = SyntheticRankings.rankings(strengths: theta, count: 400, length: 3...5, topK: 3,
                                             ties: .davidsonLuce(deltas: [0.3]), using: &rng)
        let file = folder.appendingPathComponent("rankings.csv")
        try set.csvText().write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    @Test("the contract: item,strength,std_error,lower,upper and the report keys", arguments: ["hessian", "bootstrap"])
    func contract(intervals: String) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = try Self.writeRankings(to: folder)
        let output = folder.appendingPathComponent("strengths.csv"), report = folder.appendingPathComponent("report.json")
        let (status, _, err) = try runTool(["fit", "plackett-luce", "--rankings", data.path, "--l2", "0.01", "--ties", "davidson-luce",
                                            "--intervals", intervals, "--bootstrap", "20", "--output", output.path,
                                            "--report", report.path])
        #expect(status == 0, "stderr: \(err)")
        let lines = try String(contentsOf: output, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "item,strength,std_error,lower,upper")
        #expect(lines.count == 13)
        let strengths = lines.dropFirst().map { Double($0.split(separator: ",")[1])! }
        #expect(abs(strengths.reduce(0, +)) <= 1e-9)
        let json = try jsonObject(report)
        for key in ["log_likelihood", "objective", "iterations", "converged", "max_abs_gradient", "fit_seconds", "items", "rankings"] {
            #expect(json[key] != nil, "missing \(key)")
        }
        #expect(json["items"] as? Int == 12 && json["rankings"] as? Int == 400)
        #expect(json["converged"] as? Bool == true)
        #expect((json["tie_parameters"] as? [Double])?.count == 1)
    }

    @Test("JSONL input, and the same fit as the CSV")
    func jsonl() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let lines = ["{\"ranking\": [\"a\", [\"b\", \"c\"], \"d\"]}", "{\"ranking\": [\"d\", \"a\"], \"unranked\": [\"b\"]}",
                     "{\"ranking\": [\"c\", \"d\", \"b\"], \"weight\": 2}", "{\"ranking\": [\"b\", \"a\", \"c\"], \"ranker\": \"x\"}"]
        let file = folder.appendingPathComponent("r.jsonl")
        try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        let csv = folder.appendingPathComponent("r.csv")
        try "ranking,item,rank,unranked,weight\n1,a,1,0,1\n1,b,2,0,1\n1,c,2,0,1\n1,d,4,0,1\n2,d,1,0,1\n2,a,2,0,1\n2,b,,1,1\n3,c,1,0,2\n3,d,2,0,2\n3,b,3,0,2\n4,b,1,0,1\n4,a,2,0,1\n4,c,3,0,1\n"
            .write(to: csv, atomically: true, encoding: .utf8)
        var reports: [[String: Any]] = []
        for input in [file, csv] {
            let report = folder.appendingPathComponent("\(input.lastPathComponent).json")
            let (status, _, err) = try runTool(["fit", "plackett-luce", "--rankings", input.path, "--report", report.path])
            #expect(status == 0, "stderr: \(err)")
            reports.append(try jsonObject(report))
        }
        let a = reports[0]["log_likelihood"] as? Double ?? 0, b = reports[1]["log_likelihood"] as? Double ?? 1
        #expect(abs(a - b) <= 1e-10)
    }

    @Test("no maximum-likelihood estimate: exit status ≠ 0, the items named, --l2 and --pseudo-rankings suggested")
    func missingMLE() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("r.csv")
        try "ranking,item,rank\n1,champion,1\n1,b,2\n1,c,3\n2,b,1\n2,c,2\n3,c,1\n3,b,2\n".write(to: file, atomically: true, encoding: .utf8)
        let (status, _, err) = try runTool(["fit", "plackett-luce", "--rankings", file.path])
        #expect(status != 0)
        #expect(err.contains("'champion'") && err.contains("--l2") && err.contains("--pseudo-rankings"), "\(err)")
        let (fixed, _, err2) = try runTool(["fit", "plackett-luce", "--rankings", file.path, "--pseudo-rankings", "1"])
        #expect(fixed == 0, "\(err2)")
    }

    @Test("bad input: error: FILE, line N: reason, exit 1")
    func badInput() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for (text, line, reason) in [("ranking,item,rank\n1,a,1\n1,b,zero\n", 3, "not a positive integer"),
                                     ("ranking,item,rank\n1,a,1\n1,a,2\n", 3, "appears twice"),
                                     ("ranking,item,rank\n1,a,1\n2,b,1\n2,a,2\n", 2, "fewer than two items")] {
            let file = folder.appendingPathComponent("bad.csv")
            try text.write(to: file, atomically: true, encoding: .utf8)
            let (status, _, err) = try runTool(["fit", "plackett-luce", "--rankings", file.path])
            #expect(status == 1)
            #expect(err.hasPrefix("error: \(file.path), line \(line): ") && err.contains(reason), "\(err)")
        }
    }
}

@Suite("rewardkit fit reward-head --rankings (listwise, run as a process)", .serialized)
struct ListwiseHeadCLITests {
    @Test("trains a listwise head on .npy rows and set,row,rank; reports the ranking metrics; pairwise options are usage errors")
    func listwise() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var rng = SeededGenerator(seed: 3)
        let rows = 300, d = 5
        let x = Tensor<Float>(shape: [rows, d], scalars: (0..<(rows * d)).map { _ in Float(rng.nextNormal()) })
        let w = (0..<d).map { _ in rng.nextNormal() }
        let rewards = (0..<rows).map { i in (0..<d).reduce(0.0) { $0 + Double(x.scalars[i * d + $1]) * w[$1] } }
        let features = folder.appendingPathComponent("x.npy")
        try NumPyFile.write(x, to: features)
        for (name, sets) in [("train.csv", 0..<200), ("test.csv", 200..<300)] {
            var text = "set,row,rank\n"
            for s in sets {
                var options: [Int] = []
                while options.count < 4 { let r = Int.random(in: 0..<rows, using: &rng); if !options.contains(r) { options.append(r) } }
                let order = SyntheticRankings.order(options, strengths: rewards, ties: .none, using: &rng)
                for (k, place) in order.enumerated() { text += "s\(s),\(place[0]),\(k + 1)\n" }
            }
            try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let report = folder.appendingPathComponent("r.json"), model = folder.appendingPathComponent("m.rkmodel")
        let (status, _, err) = try runTool(["fit", "reward-head", "--rankings", folder.appendingPathComponent("train.csv").path,
                                            "--features", features.path, "--test-rankings", folder.appendingPathComponent("test.csv").path,
                                            "--epochs", "20", "--batch-size", "16", "--learning-rate", "0.02", "--quiet",
                                            "--report", report.path, "--model-out", model.path])
        #expect(status == 0, "\(err)")
        let json = try jsonObject(report)
        #expect(json["objective_kind"] as? String == "listwise_plackett_luce")
        #expect((json["test_kendall_tau"] as? Double ?? 0) > 0.5)
        #expect((json["test_pairwise_accuracy"] as? Double ?? 0) > 0.75)
        #expect(json["test_top1_accuracy"] != nil && json["train_sets"] as? Int == 200)
        #expect(FileManager.default.fileExists(atPath: model.path))
        let (usage, _, usageErr) = try runTool(["fit", "reward-head", "--rankings", folder.appendingPathComponent("train.csv").path,
                                                "--features", features.path, "--chosen", features.path])
        #expect(usage == 64 && usageErr.contains("--chosen is a pairwise option"))
        try "set,row,rank\na,0,1\na,999,2\n".write(to: folder.appendingPathComponent("bad.csv"), atomically: true, encoding: .utf8)
        let (bad, _, badErr) = try runTool(["fit", "reward-head", "--rankings", folder.appendingPathComponent("bad.csv").path,
                                            "--features", features.path])
        #expect(bad == 1 && badErr.contains("line 3") && badErr.contains("outside the feature matrix"), "\(badErr)")
    }
}
