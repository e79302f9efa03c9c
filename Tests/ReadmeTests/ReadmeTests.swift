import Foundation
import RewardKit
import Testing

// The three programs of the README's "Use it as a library" section, run on the shipped data.
// Each program sits between `// README <name> begin` and `// README <name> end` below, and
// `readmeShowsTheseProgramsVerbatim` checks that the README's Swift blocks are exactly these
// lines (with `data("…")` and `output("…")` written as `URL(fileURLWithPath: "…")`), so the README
// cannot drift from code that compiles and passes.

/// The repository's root folder (this file is Tests/ReadmeTests/ReadmeTests.swift).
private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

@Suite("README library programs")
struct ReadmeTests {
    func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rewardkit-readme-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("(a) a leaderboard with bootstrap intervals from the comparison CSV")
    func leaderboard() throws {
        func data(_ path: String) -> URL { root.appendingPathComponent(path) }
        // README leaderboard begin
        let battles = try ComparisonSet.load(contentsOf: data("Data/arena/battles.csv"))
        let estimator = BradleyTerry(.init(ties: .davidson))      // Bradley–Terry with Davidson ties
        let model = try estimator.fit(battles)
        let intervals = try estimator.bootstrapIntervals(battles, model: model, samples: 200, level: 0.95, seed: 1)
        let board = Leaderboard(model: model, comparisons: battles, intervals: intervals, topCount: 10)
        print(board.formattedTable())       // rank, item, strength, 95% interval, wins, losses, ties
        // README leaderboard end
        #expect(board.entries.count == 20 && board.topItems.count == 10)
        #expect(board.entries.allSatisfy { entry in
            guard let lower = entry.lower, let upper = entry.upper else { return false }
            return lower <= entry.strength && entry.strength <= upper
        })
        #expect(abs((model.tieParameter ?? 0) - 0.425) < 0.01)      // Data/README.md: ν̂ = 0.425
        #expect(board.formattedTable().contains(board.topItems[0]))
    }

    @Test("(b) a reward head on .npy features, saved to safetensors for PyTorch")
    func rewardHead() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        func data(_ path: String) -> URL { root.appendingPathComponent(path) }
        func output(_ name: String) -> URL { folder.appendingPathComponent(name) }
        // README reward-head begin
        let train = try FeaturePairs<Float>.load(folder: data("Data/embeddings"))   // chosen.npy, rejected.npy, users.csv
        let test = try FeaturePairs<Float>.load(folder: data("Data/embeddings"), prefix: "test_", knownUsers: train.users)
        let fit = try LinearRewardHead<Float>.fit(FeaturePairsView(train), solver: .lbfgs,
                                                  objective: BradleyTerryObjective(l2Penalty: 1e-4))
        let head = RewardHead.linear(fit.head)
        let evaluation = PreferenceEvaluation(chosenRewards: head.rewards(test.chosen), rejectedRewards: head.rewards(test.rejected))
        print("test accuracy", evaluation.accuracy, "log-loss", evaluation.logLoss)
        try head.exportSafeTensors(to: output("head.safetensors"))   // tensor "linear.weight", shape [1, 64], float32
        // README reward-head end
        #expect(abs(evaluation.accuracy - 0.752) < 0.01)              // README: linear-lbfgs 0.7520 (fitted on 90% there)
        let file = try SafeTensorsFile.read(from: output("head.safetensors"))
        #expect(file.tensors.map(\.name) == ["linear.weight"])
        let weight = try #require(file["linear.weight"])
        #expect(weight.shape == [1, 64] && weight.dtype == "F32")
        #expect(file.metadata["format"] == "pt" && file.metadata["kind"] == "linear-reward-head")
        guard case .linear(let loaded) = try RewardHead<Float>(safeTensors: file) else { Issue.record("not a linear head"); return }
        #expect(loaded == fit.head)
    }

    @Test("(c) a mixture of Bradley–Terry heads with per-group accuracy")
    func mixture() throws {
        func data(_ path: String) -> URL { root.appendingPathComponent(path) }
        // README mixture begin
        let folder = data("Data/embeddings")
        let train = try FeaturePairs<Double>.load(folder: folder)
        let test = try FeaturePairs<Double>.load(folder: folder, prefix: "test_", knownUsers: train.users)
        let groups = try UserGroups.load(folder.appendingPathComponent("groups.csv"))   // user,group
        let mixture = try BradleyTerryMixture<Double>(componentCount: 2, restarts: 3).fit(train)
        let probabilities = mixture.preferenceProbabilities(chosen: test.chosen, rejected: test.rejected, users: test.userIDs!)
        let evaluation = PreferenceEvaluation(probabilities: probabilities, grouping: try PairGrouping(pairs: test, groups: groups))
        print("test accuracy", evaluation.accuracy)
        for group in evaluation.byGroup!.groups {
            print(group.name, group.count, "pairs, accuracy", group.accuracy)    // majority …, minority …
        }
        // README mixture end
        #expect(evaluation.accuracy > 0.84)                                  // README: maxmin-em 0.859
        let byGroup = try #require(evaluation.byGroup)
        #expect(Set(byGroup.groups.map(\.name)) == ["majority", "minority"])
        #expect(byGroup.groups.allSatisfy { $0.accuracy > 0.8 })
        #expect(byGroup.groups.map(\.count).reduce(0, +) == test.count)
    }

    @Test("the README's Swift programs are exactly the tested ones")
    func readmeShowsTheseProgramsVerbatim() throws {
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        for name in ["leaderboard", "reward-head", "mixture"] {
            let lines = source.components(separatedBy: "\n")
            let begin = try #require(lines.firstIndex { $0.hasSuffix("// README \(name) begin") })
            let end = try #require(lines.firstIndex { $0.hasSuffix("// README \(name) end") })
            let indent = lines[begin].prefix { $0 == " " }.count
            let program = lines[(begin + 1)..<end].map { String($0.dropFirst(indent)) }.joined(separator: "\n")
                .replacingOccurrences(of: "data(\"", with: "URL(fileURLWithPath: \"")
                .replacingOccurrences(of: "output(\"", with: "URL(fileURLWithPath: \"")
            let block = "```swift\nimport Foundation\nimport RewardKit\n\n" + program + "\n```"
            #expect(readme.contains(block), "README.md lacks the \(name) program exactly as tested:\n\(block)")
        }
    }
}
