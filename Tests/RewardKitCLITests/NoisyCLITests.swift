import Foundation
import NumericCore
import FileFormats
import PreferenceData
import Testing
import TestSupport

/// `rewardkit fit noisy-bradley-terry` and the `--noise-scores` option of `fit bradley-terry` and `fit reward-head`.
@Suite("rewardkit annotator reliability (run as a process)", .serialized)
struct NoisyCLITests {
    static func campaignCSV() -> String {
        var rng = SeededGenerator(seed: 9)
        let truth = SyntheticComparisons.strengths(count: 12, using: &rng)
        let people = [SyntheticLabellingCampaign.Annotator(name: "left", reliability: 1, bias: .infinity, labels: 300),
                      SyntheticLabellingCampaign.Annotator(name: "bad", reliability: 0.2, bias: 0, labels: 300),
                      SyntheticLabellingCampaign.Annotator(name: "few", reliability: 1, bias: 0, labels: 5)]
            + (0..<4).map { SyntheticLabellingCampaign.Annotator(name: "good\($0)", reliability: 1, bias: 0, labels: 300) }
        return SyntheticLabellingCampaign.comparisons(strengths: truth, annotators: people, using: &rng).csvText()
    }

    @Test("fit noisy-bradley-terry writes item,strength, the annotators CSV with flags and the report keys")
    func contract() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        try Self.campaignCSV().write(toFile: path("c.csv"), atomically: true, encoding: .utf8)
        let (status, out, err) = try runTool(["fit", "noisy-bradley-terry", "--comparisons", path("c.csv"), "--l2", "0.01",
                                              "--output", path("s.csv"), "--annotators", path("a.csv"), "--report", path("r.json")])
        #expect(status == 0, "stderr: \(err)")
        #expect(out.isEmpty)
        let strengths = try String(contentsOfFile: path("s.csv"), encoding: .utf8).split(separator: "\n")
        #expect(strengths.first == "item,strength" && strengths.count == 13)
        let annotators = try String(contentsOfFile: path("a.csv"), encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(annotators.first == ["annotator", "reliability", "bias", "labels", "flag"])
        let flags = Dictionary(uniqueKeysWithValues: annotators.dropFirst().map { (String($0[0]), String($0[4])) })
        #expect(flags == ["left": "spammer", "bad": "adversarial", "few": "too-few", "good0": "ok", "good1": "ok", "good2": "ok", "good3": "ok"])
        let report = try jsonObject(folder.appendingPathComponent("r.json"))
        for key in ["log_likelihood", "iterations", "fit_seconds", "items", "comparisons", "annotators"] {
            #expect(report[key] is Double, "\(key)")
        }
        #expect(report["converged"] as? Bool == true)
        #expect(report["items"] as? Double == 12 && report["comparisons"] as? Double == 1805 && report["annotators"] as? Double == 7)
        // Without --output the strengths and annotators are printed.
        let (printed, text, _) = try runTool(["fit", "noisy-bradley-terry", "--comparisons", path("c.csv")])
        #expect(printed == 0 && text.contains("adversarial") && text.contains("population η̄"))
    }

    @Test("bad input: no annotator column, a first naming neither item, a missing file — one error line, exit 1")
    func errors() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        try "winner,loser\na,b\nb,a\n".write(toFile: path("plain.csv"), atomically: true, encoding: .utf8)
        try "winner,loser,annotator,first\na,b,x,a\nb,a,x,c\n".write(toFile: path("first.csv"), atomically: true, encoding: .utf8)
        let cases: [(String, String)] = [
            (path("plain.csv"), "\(path("plain.csv")): missing column 'annotator'"),
            (path("first.csv"), "\(path("first.csv")), line 3: first 'c' names neither the winner 'b' nor the loser 'a'"),
            (path("none.csv"), "\(path("none.csv"))"),
        ]
        for (file, message) in cases {
            let (status, _, err) = try runTool(["fit", "noisy-bradley-terry", "--comparisons", file])
            #expect(status == 1, "\(file): \(err)")
            #expect(err.hasPrefix("error: ") && err.contains(message), "\(err)")
        }
    }

    @Test("--noise-scores on fit bradley-terry and fit reward-head writes row,flip_probability")
    func noiseScores() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        try Self.campaignCSV().write(toFile: path("c.csv"), atomically: true, encoding: .utf8)
        let (status, _, err) = try runTool(["fit", "bradley-terry", "--comparisons", path("c.csv"), "--output", path("s.csv"),
                                            "--noise-scores", path("n.csv")])
        #expect(status == 0, "stderr: \(err)")
        let lines = try String(contentsOfFile: path("n.csv"), encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "row,flip_probability" && lines.count == 1806)
        let data = SyntheticFeaturePairs.linear(Float.self, trainCount: 300, testCount: 10, dimension: 4, seed: 4)
        try data.train.write(to: folder)
        for head in ["linear", "mlp"] {
            var arguments = ["fit", "reward-head", "--chosen", path("chosen.npy"), "--rejected", path("rejected.npy"),
                             "--head", head, "--noise-scores", path("\(head).csv"), "--quiet"]
            if head == "mlp" { arguments += ["--hidden", "4", "--epochs", "2", "--batch-size", "32"] }
            let (code, _, message) = try runTool(arguments)
            #expect(code == 0, "stderr: \(message)")
            let rows = try String(contentsOfFile: path("\(head).csv"), encoding: .utf8).split(separator: "\n")
            #expect(rows.first == "row,flip_probability" && rows.count == 301)
            #expect(rows.dropFirst().allSatisfy { line in Double(line.split(separator: ",")[1]).map { $0 >= 0 && $0 <= 1 } == true })
        }
        // Fewer pairs than folds: an error naming the chosen file, not a trap.
        let tiny = SyntheticFeaturePairs.linear(Float.self, trainCount: 3, testCount: 1, dimension: 2, seed: 1)
        try tiny.train.write(to: folder, prefix: "tiny_")
        let (tinyStatus, _, tinyErr) = try runTool(["fit", "reward-head", "--chosen", path("tiny_chosen.npy"), "--rejected",
                                                    path("tiny_rejected.npy"), "--noise-scores", path("tiny.csv")])
        #expect(tinyStatus == 1 && tinyErr.contains("tiny_chosen.npy") && tinyErr.contains("at least 5 pairs"), "\(tinyErr)")
    }
}
