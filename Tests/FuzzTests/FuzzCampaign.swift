import Foundation
import TestSupport
import Testing

/// The mutation fuzz campaign over every file input of RewardKit.
///
/// For each input kind (``FuzzTargets/all``): every seed and every well-formed rewriting of it
/// (CRLF, all-quoted, BOM, reordered or extra columns, a version-2 .npy header, …) must load with
/// the same content; then seeded mutants of the seeds are written to a file and loaded (and fitted)
/// until the time budget runs out. The property is "a typed error or a valid, finite result": a
/// trap, precondition failure or stack overflow ends the test process (and the CI run), and a
/// non-finite fitted result is recorded as an issue.
///
/// The budget is `REWARDKIT_FUZZ_SECONDS` seconds in all (default 45, spread over the kinds; set
/// it to 600 or more for a long local campaign), and `REWARDKIT_FUZZ_SEED` picks the mutants
/// (default 1). A crash found here becomes a regression test with its minimal input in the test
/// target of the module that owns the loader.
@Suite("Mutation fuzzing of every file input", .serialized)
struct FuzzCampaign {
    static let seconds = Double(ProcessInfo.processInfo.environment["REWARDKIT_FUZZ_SECONDS"] ?? "") ?? 45
    static let seed = UInt64(ProcessInfo.processInfo.environment["REWARDKIT_FUZZ_SEED"] ?? "") ?? 1

    @Test("well-formed files and their rewritings load with the same content", arguments: FuzzTargets.all.map(\.name))
    func wellFormedVariantsLoad(kind: String) throws {
        let target = FuzzTargets.all.first { $0.name == kind }!
        try TestFiles.withTemporaryFolder { folder in
            let url = folder.appendingPathComponent(target.fileName)
            for (s, seed) in target.seeds.enumerated() {
                try Data(seed).write(to: url)
                let original = target.run(url)
                guard case .accepted(let content) = original else {
                    if target.seedsLoad { Issue.record("\(kind) seed \(s) is rejected: \(original)") }
                    continue
                }
                #expect(!content.hasPrefix("NOT FINITE"), "\(kind) seed \(s): \(content)")
                for variant in target.variants(seed) {
                    try Data(variant.bytes).write(to: url)
                    #expect(target.run(url) == original, "\(kind) seed \(s), \(variant.name): \(target.run(url))")
                }
            }
        }
    }

    @Test("mutants give a typed error or a finite result, never a crash")
    func mutants() throws {
        let targets = FuzzTargets.all
        let budget = Self.seconds / Double(targets.count)
        var lines: [String] = []
        var totalRuns = 0, totalAccepted = 0
        try TestFiles.withTemporaryFolder { folder in
            for (t, target) in targets.enumerated() where !target.seeds.isEmpty {
                var mutator = Mutator(seed: Self.seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(t))
                let url = folder.appendingPathComponent(target.fileName)
                let clock = ContinuousClock(), start = clock.now
                var runs = 0, accepted = 0
                while (clock.now - start) < .seconds(budget) || runs < 20 {
                    let seed = target.seeds[mutator.int(0..<target.seeds.count)]
                    let bytes = mutator.mutate(seed)
                    try Data(bytes).write(to: url)
                    switch target.run(url) {
                    case .accepted(let content):
                        accepted += 1
                        if content.hasPrefix("NOT FINITE") {
                            Issue.record("\(target.name): a mutant was accepted with a non-finite result \(content); input (base64) \(Data(bytes).base64EncodedString())")
                        }
                    case .rejected(let message):
                        if message.isEmpty { Issue.record("\(target.name): a rejection without a message") }
                    }
                    runs += 1
                }
                lines.append("\(target.name): \(runs) runs, \(accepted) accepted, \(runs - accepted) typed errors")
                totalRuns += runs
                totalAccepted += accepted
            }
        }
        print("fuzz campaign (seed \(Self.seed), \(Self.seconds) s): \(totalRuns) runs, \(totalAccepted) accepted, "
              + "\(totalRuns - totalAccepted) typed errors, 0 crashes\n  " + lines.joined(separator: "\n  "))
    }
}
