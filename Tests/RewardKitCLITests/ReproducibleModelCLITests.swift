import Foundation
import FileFormats
import Testing
import TestSupport

/// Issue 15: `fit reward-head` writes the same model bytes for the same seed; timing stays in the
/// JSON report.
@Suite("rewardkit model files are reproducible (run as a process)", .serialized)
struct ReproducibleModelCLITests {
    @Test("`fit reward-head` with the same seed writes byte-identical model files; timing stays in the report")
    func rewardHeadModelFilesAreReproducible() throws {
        try TestFiles.withTemporaryFolder { folder in
            try ExtremeInputCLITests.writePairs(to: folder)
            func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
            let variants = [["--head", "linear"], ["--head", "linear", "--solver", "adam", "--epochs", "2", "--early-stopping-patience", "1"],
                            ["--head", "mlp", "--hidden", "6", "--epochs", "2", "--batch-size", "16"]]
            for (k, variant) in variants.enumerated() {
                var bytes = [Data]()
                for run in 0..<2 {
                    let (status, _, err) = try runTool(["fit", "reward-head", "--chosen", path("chosen.npy"), "--rejected", path("rejected.npy"),
                                                        "--test-chosen", path("test_chosen.npy"), "--test-rejected", path("test_rejected.npy"),
                                                        "--seed", "9", "--output", path("m\(k)-\(run).rkmodel"),
                                                        "--report", path("r\(k)-\(run).json")] + variant)
                    #expect(status == 0, "stderr: \(err)")
                    bytes.append(try Data(contentsOf: folder.appendingPathComponent("m\(k)-\(run).rkmodel")))
                }
                #expect(bytes[0] == bytes[1], "\(variant)")
                #expect(!String(decoding: bytes[0], as: UTF8.self).contains("seconds"), "\(variant)")
                let report = try jsonObject(folder.appendingPathComponent("r\(k)-0.json"))
                #expect(report["fit_seconds"] is Double && report["pairs_per_second"] is Double)
                // The model file still carries the fit's facts.
                let file = try ModelFile.read(from: folder.appendingPathComponent("m\(k)-0.rkmodel"))
                // Both read by the one JSON parser (Foundation's may round a last digit differently).
                let reportValue = try JSONValue.parse(Array(Data(contentsOf: folder.appendingPathComponent("r\(k)-0.json"))))
                #expect(file.metadata["fit"]?["train_loss"]?.doubleValue == reportValue["train_loss"]?.doubleValue)
            }
        }
    }
}
