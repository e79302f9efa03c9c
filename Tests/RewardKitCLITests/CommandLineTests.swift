import Foundation
import NumericCore
import FileFormats
import PreferenceData
import Testing
import TestSupport

/// The `rewardkit` executable built next to the test bundle (swift test builds every product).
func rewardkitBinary() -> URL? {
    var folders = [URL]()
    if let first = CommandLine.arguments.first { folders.append(URL(fileURLWithPath: first).deletingLastPathComponent()) }
    folders.append(Bundle.main.bundleURL.deletingLastPathComponent())
    folders.append(Bundle.main.bundleURL)
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    folders.append(root.appendingPathComponent(".build/release"))
    folders.append(root.appendingPathComponent(".build/debug"))
    for folder in folders {
        let candidate = folder.appendingPathComponent("rewardkit")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    return nil
}

/// Runs the tool; returns (exit status, stdout, stderr).
func runTool(_ arguments: [String], in folder: URL? = nil) throws -> (Int32, String, String) {
    guard let binary = rewardkitBinary() else { throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "rewardkit"]) }
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    if let folder { process.currentDirectoryURL = folder }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

func jsonObject(_ url: URL) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] ?? [:]
}

@Suite("rewardkit command line (run as a process)", .serialized)
struct CommandLineTests {
    @Test("the rewardkit binary is built next to the tests")
    func binaryExists() {
        #expect(rewardkitBinary() != nil)
    }

    @Test("`rewardkit train --output-dir` fits every family on the shipped data and writes the report")
    func trainMainJob() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let report = folder.appendingPathComponent("report")
        let (status, out, err) = try runTool(["train", "--output-dir", report.path])
        #expect(status == 0, "stderr: \(err)")
        let families = ["linear-lbfgs", "linear-adam", "mlp-adam", "gpm", "maxmin-em", "pal-b"]
        for name in families {
            #expect(out.contains(name))
            #expect(FileManager.default.fileExists(atPath: report.appendingPathComponent("models/\(name).rkmodel").path), "\(name)")
        }
        for name in ["linear-lbfgs", "linear-adam", "mlp-adam"] {
            #expect(FileManager.default.fileExists(atPath: report.appendingPathComponent("models/\(name).safetensors").path))
        }
        for file in ["summary.json", "learning-curves.svg", "reliability.svg", "accuracy.svg"] {
            #expect(FileManager.default.fileExists(atPath: report.appendingPathComponent(file).path), "\(file)")
        }
        let summary = try jsonObject(report.appendingPathComponent("summary.json"))
        let models = summary["models"] as? [[String: Any]] ?? []
        #expect(Set(models.compactMap { $0["name"] as? String }) == Set(families))
        for model in models {
            let test = model["test"] as? [String: Any] ?? [:]
            #expect((test["accuracy"] as? Double ?? 0) > 0.6)
            #expect(test["log_loss"] is Double && test["ece"] is Double)
            #expect(model["fit_seconds"] is Double)
        }
        // The saved model evaluates through `rewardkit evaluate`.
        let data = URL(fileURLWithPath: summary["data"].flatMap { ($0 as? [String: Any])?["folder"] as? String } ?? "")
        let (evalStatus, evalOut, evalErr) = try runTool([
            "evaluate", "--model", report.appendingPathComponent("models/linear-lbfgs.rkmodel").path,
            "--chosen", data.appendingPathComponent("test_chosen.npy").path,
            "--rejected", data.appendingPathComponent("test_rejected.npy").path,
            "--users", data.appendingPathComponent("test_users.csv").path,
            "--groups", data.appendingPathComponent("groups.csv").path, "--json"])
        #expect(evalStatus == 0, "stderr: \(evalErr)")
        let metrics = try JSONSerialization.jsonObject(with: Data(evalOut.utf8)) as? [String: Any] ?? [:]
        let trained = (models.first { $0["name"] as? String == "linear-lbfgs" }?["test"] as? [String: Any])?["accuracy"] as? Double
        #expect(metrics["accuracy"] as? Double == trained)
        #expect(metrics["by_group"] != nil)
    }

    @Test("`rewardkit fit reward-head` on tiny .npy files writes the report keys; evaluate agrees; bad input is a clear error")
    func fitRewardHead() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = SyntheticFeaturePairs.linear(Float.self, trainCount: 400, testCount: 200, dimension: 5, seed: 4)
        try data.train.write(to: folder)
        try data.test.write(to: folder, prefix: "test_")
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        for head in ["linear", "mlp"] {
            var arguments = ["fit", "reward-head", "--chosen", path("chosen.npy"), "--rejected", path("rejected.npy"),
                             "--test-chosen", path("test_chosen.npy"), "--test-rejected", path("test_rejected.npy"),
                             "--head", head, "--output", path("\(head).rkmodel"), "--report", path("\(head).json"), "--seed", "3"]
            if head == "mlp" { arguments += ["--hidden", "8,4", "--epochs", "5", "--batch-size", "32"] }
            let (status, out, err) = try runTool(arguments)
            #expect(status == 0, "stderr: \(err)")
            #expect(out.contains("test accuracy"))
            let report = try jsonObject(folder.appendingPathComponent("\(head).json"))
            for key in ["train_loss", "test_accuracy", "test_log_loss", "test_ece", "fit_seconds", "pairs_per_second"] {
                #expect(report[key] is Double, "\(head): \(key)")
            }
            #expect((report["test_accuracy"] as? Double ?? 0) > 0.7)
            let (evalStatus, evalOut, _) = try runTool(["evaluate", "--model", path("\(head).rkmodel"), "--chosen", path("test_chosen.npy"),
                                                        "--rejected", path("test_rejected.npy"), "--json"])
            #expect(evalStatus == 0)
            let metrics = try JSONSerialization.jsonObject(with: Data(evalOut.utf8)) as? [String: Any] ?? [:]
            #expect(abs((metrics["accuracy"] as? Double ?? -1) - (report["test_accuracy"] as? Double ?? 0)) < 1e-12)
        }
        // A rejected file with another number of rows names the file.
        let short = SyntheticFeaturePairs.linear(Float.self, trainCount: 10, testCount: 10, dimension: 5, seed: 5)
        try NumPyFile.write(short.train.rejected, to: folder.appendingPathComponent("short.npy"))
        let (status, _, err) = try runTool(["fit", "reward-head", "--chosen", path("chosen.npy"), "--rejected", path("short.npy")])
        #expect(status != 0)
        #expect(err.contains("short.npy"))
    }
}
