import Foundation
import Testing

/// The repository's root folder (this file is Tests/ExamplesTests/ExamplesTests.swift).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// An executable of the package built next to the test bundle (`swift test` builds every
/// executable target of the root package).
func builtExecutable(_ name: String) -> URL? {
    var folders = [URL]()
    if let first = CommandLine.arguments.first { folders.append(URL(fileURLWithPath: first).deletingLastPathComponent()) }
    folders.append(Bundle.main.bundleURL.deletingLastPathComponent())
    folders.append(Bundle.main.bundleURL)
    folders.append(repositoryRoot.appendingPathComponent(".build/release"))
    folders.append(repositoryRoot.appendingPathComponent(".build/debug"))
    for folder in folders {
        let candidate = folder.appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    return nil
}

/// Runs an example in `folder`; returns (exit status, stdout, stderr).
func runExample(_ name: String, _ arguments: [String], in folder: URL) throws -> (status: Int32, out: String, err: String) {
    guard let binary = builtExecutable(name) else {
        throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: name])
    }
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    process.currentDirectoryURL = folder
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read stderr on another thread so that neither pipe can fill up and block the example.
    let errData = ErrorCollector()
    let reader = Thread { errData.data = err.fileHandleForReading.readDataToEndOfFile(); errData.done.signal() }
    reader.start()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    errData.done.wait()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData.data, as: UTF8.self))
}

private final class ErrorCollector: @unchecked Sendable {
    var data = Data()
    let done = DispatchSemaphore(value: 0)
}

/// The numbers in `line` (in order), e.g. `"ν = 0.425 (0.392–0.453)"` → `[0.425, 0.392, 0.453]`.
func numbers(in line: Substring) -> [Double] {
    var values = [Double](), current = ""
    for character in line + " " {
        if character.isNumber || character == "." || (character == "-" && current.isEmpty) {
            current.append(character)
        } else {
            if let value = Double(current) { values.append(value) }
            current = ""
        }
    }
    return values
}

/// The first line of `text` that contains `marker`.
func line(_ text: String, containing marker: String) -> Substring? {
    text.split(separator: "\n").first { $0.contains(marker) }
}

/// Every program in Examples/ runs on the shipped data (Data/) with small settings, and its key
/// output is asserted. They run one at a time so that the suite's other tests keep a core.
@Suite("Examples/ run as processes", .serialized)
struct ExamplesTests {
    func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rewardkit-examples-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The examples this suite runs; a new folder in Examples/ fails here until it has a test.
    static let tested: Set<String> = [
        "arena-leaderboard", "cyclic-preferences", "logistic-regression", "pluralistic-mixture",
        "regret-vs-partial-return", "reward-head", "value-orientation",
        "annotator-quality", "rankings",
    ]

    @Test("every program in Examples/ has a test in this suite")
    func everyExampleIsTested() throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot.appendingPathComponent("Examples").path)
            .filter { !$0.hasPrefix(".") }
        #expect(Set(folders) == Self.tested)
    }

    @Test("logistic-regression recovers the generating weights with L-BFGS and with Adam")
    func logisticRegression() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (status, out, err) = try runExample("logistic-regression", [], in: folder)
        #expect(status == 0, "stderr: \(err)")
        let errors = out.split(separator: "\n").filter { $0.contains("max |fitted − generating|") }.map { numbers(in: $0).last ?? .nan }
        #expect(errors.count == 2)
        #expect(errors.allSatisfy { $0 < 0.05 }, "\(errors)")
        #expect(out.contains("max |gradient|"))
    }

    @Test("arena-leaderboard ranks the shipped battles, fits ν near 0.45, and style control removes the length bonus")
    func arenaLeaderboard() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let chart = folder.appendingPathComponent("arena.svg")
        let (status, out, err) = try runExample(
            "arena-leaderboard",
            ["--data", repositoryRoot.appendingPathComponent("Data/arena/battles.csv").path, "--bootstrap", "20",
             "--style-bootstrap", "10", chart.path],
            in: folder)
        #expect(status == 0, "stderr: \(err)")
        #expect(out.contains("5000 battles between 20 models, 16.4% ties"))
        let nu = try #require(line(out, containing: "Davidson ν =").map { numbers(in: $0) })
        #expect(nu.count >= 3 && abs(nu[0] - 0.425) < 0.01 && nu[nu.count - 2] < nu[0] && nu[0] < nu[nu.count - 1], "\(nu)")
        let errors = try #require(line(out, containing: "max |rating − truth|").map { numbers(in: $0) })
        #expect(errors.count == 2 && errors[1] < 25 && errors[0] > 4 * errors[1], "\(errors)")
        for file in ["arena.svg", "arena-win-probabilities.svg", "style-controlled-leaderboard.svg", "plain-leaderboard.svg",
                     "style-neutral-win-probabilities.svg"] {
            let svg = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            #expect(svg.hasPrefix("<svg") || svg.hasPrefix("<?xml"), "\(file)")
        }
    }

    @Test("`arena-leaderboard --generate` rewrites the shipped Data/arena/battles.csv byte for byte (Data/README.md)")
    func arenaDataRegeneratesByteIdentically() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let made = folder.appendingPathComponent("battles.csv")
        let (status, _, err) = try runExample("arena-leaderboard", ["--generate", made.path], in: folder)
        #expect(status == 0, "stderr: \(err)")
        let shipped = try Data(contentsOf: repositoryRoot.appendingPathComponent("Data/arena/battles.csv"))
        #expect(try Data(contentsOf: made) == shipped, "Data/arena/battles.csv differs from its documented generator")
    }

    @Test("`rewardkit train --generate-default-data` rewrites the shipped Data/embeddings byte for byte (Data/README.md)")
    func embeddingsRegenerateByteIdentically() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let made = folder.appendingPathComponent("embeddings")
        let (status, _, err) = try runExample("rewardkit", ["train", "--generate-default-data", made.path], in: folder)
        #expect(status == 0, "stderr: \(err)")
        let shipped = repositoryRoot.appendingPathComponent("Data/embeddings")
        let names = try FileManager.default.contentsOfDirectory(atPath: shipped.path).sorted()
        #expect(try FileManager.default.contentsOfDirectory(atPath: made.path).sorted() == names)
        for name in names {
            #expect(try Data(contentsOf: made.appendingPathComponent(name)) == Data(contentsOf: shipped.appendingPathComponent(name)),
                    "\(name) differs from Data/embeddings/\(name)")
        }
    }

    @Test("reward-head fits linear and MLP heads on Data/embeddings; the linear head reaches the README's accuracy")
    func rewardHead() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (status, out, err) = try runExample(
            "reward-head", [repositoryRoot.appendingPathComponent("Data/embeddings").path, "--epochs", "3"], in: folder)
        #expect(status == 0, "stderr: \(err)")
        #expect(out.contains("4000 training pairs, 1000 test pairs, 64 features"))
        for name in ["linear head (L-BFGS)", "linear head (Newton)", "MLP head (Adam, centered)"] {
            let accuracy = try #require(line(out, containing: name).map { numbers(in: $0) }?.first, "\(name) missing")
            #expect(accuracy > (name.hasPrefix("MLP") ? 0.65 : 0.74) && accuracy < 0.87, "\(name): \(accuracy)")
        }
        #expect(out.contains("MLP: 3 epochs"))
    }

    @Test("cyclic-preferences: the GPM captures every cyclic triple and beats Bradley–Terry on cyclic features")
    func cyclicPreferences() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (status, out, err) = try runExample("cyclic-preferences", ["--pairs", "4000", "--epochs", "3"], in: folder)
        #expect(status == 0, "stderr: \(err)")
        #expect(out.contains("cyclic triples captured: 120 of 120"))
        let bt = try #require(line(out, containing: "Bradley–Terry MLP head").map { numbers(in: $0) }?.last)
        let gpm = try #require(line(out, containing: "GPM (2k = 4)            test accuracy").map { numbers(in: $0) }?.last)
        #expect(bt < 0.6 && gpm > bt + 0.1, "BT \(bt), GPM \(gpm)")
    }

    @Test("pluralistic-mixture: the mixtures serve the minority that a single Bradley–Terry model fails")
    func pluralisticMixture() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (status, out, err) = try runExample("pluralistic-mixture", [], in: folder)
        #expect(status == 0, "stderr: \(err)")
        let single = try #require(line(out, containing: "single Bradley–Terry").map { numbers(in: $0) })
        #expect(single.count == 3 && single[2] < 0.5, "\(single)")
        for name in ["MaxMin EM (K = 2)", "PAL-A (K = 2)", "PAL-B (K = 2)"] {
            let row = try #require(line(out, containing: name).map { numbers(in: $0) }, "\(name) missing")
            #expect(row.count >= 3 && row[row.count - 1] > 0.75 && row[row.count - 2] > 0.75, "\(name): \(row)")
        }
        let last = try #require(line(out, containing: " 50  ").map { numbers(in: $0) })
        #expect(last.count == 4 && last[1...].allSatisfy { $0 > 0.75 }, "\(last)")
    }

    @Test("regret-vs-partial-return: the regret model's reward is near-optimal and the plot is written")
    func regretVersusPartialReturn() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let svg = folder.appendingPathComponent("plot.svg")
        let (status, out, err) = try runExample("regret-vs-partial-return", ["--mdps", "1", "--svg", svg.path], in: folder)
        #expect(status == 0, "stderr: \(err)")
        let regret = out.split(separator: "\n").filter { $0.contains("regret ") && $0.first?.isNumber == true }.map { numbers(in: $0) }
        #expect(regret.count == 4)
        #expect(regret.last.map { $0.count == 3 && $0[0] == 1000 && $0[1] == 1 } == true, "\(regret)")
        #expect(FileManager.default.fileExists(atPath: svg.path))
    }

    @Test("value-orientation recovers the four value groups as single components")
    func valueOrientation() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (status, out, err) = try runExample("value-orientation", ["--agents-per-group", "2"], in: folder)
        #expect(status == 0, "stderr: \(err)")
        #expect(out.contains("BIC selects K = 4."))
        #expect(out.contains("4 of 4 value groups are recovered as single components."))
    }

    @Test("annotator-quality: left-clickers flagged spammer, adversaries adversarial; the noisy fit and the reweighted fit beat the plain fit")
    func annotatorQuality() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (status, out, err) = try runExample("annotator-quality", ["--write-csv", folder.appendingPathComponent("c.csv").path], in: folder)
        #expect(status == 0, "stderr: \(err)")
        for name in ["left-clicker-0", "left-clicker-1", "left-clicker-2"] {
            #expect(line(out, containing: name)?.hasSuffix("spammer") == true, "\(name)")
        }
        for name in ["adversary-0", "adversary-1"] { #expect(line(out, containing: name)?.hasSuffix("adversarial") == true, "\(name)") }
        #expect(line(out, containing: "newcomer")?.hasSuffix("too-few") == true)
        #expect(line(out, containing: "careful-0")?.hasSuffix("ok") == true)
        let plain = try #require(line(out, containing: "plain Bradley–Terry").map { numbers(in: $0) })
        let noisy = try #require(line(out, containing: "noisy Bradley–Terry").map { numbers(in: $0) })
        let weighted = try #require(line(out, containing: "weighted by").map { numbers(in: $0) })
        #expect(noisy.count == 2 && plain.count == 2 && weighted.count >= 2)
        #expect(noisy[0] > plain[0] && weighted[weighted.count - 2] > plain[0], "plain \(plain), noisy \(noisy), weighted \(weighted)")
        #expect(out.contains("e-value test"))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("c.csv").path))
    }
}
