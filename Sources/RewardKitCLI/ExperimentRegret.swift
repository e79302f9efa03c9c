import ArgumentParser
import Foundation
import RewardKit
import RewardKitInternals

/// `rewardkit experiment …`: reproducible experiments from the papers RewardKit implements.
struct Experiment: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a reproducible experiment.",
        subcommands: [ExperimentRegret.self]
    )
}

/// `rewardkit experiment regret`: regret versus partial-return reward learning on random delivery MDPs.
struct ExperimentRegret: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "regret",
        abstract: "Learn linear rewards from segment preferences with the regret and partial-return models.",
        discussion: """
        On each of N random delivery gridworlds, draws segment pairs (3 transitions), labels them from the \
        board's true reward (by regret or partial return), fits both learners on each data size and scores \
        the greedy policy of each learned reward by its scaled return under the true reward. Prints, per \
        size and learner, the fraction of MDPs with scaled return ≥ 0.9 and the mean scaled return.
        """
    )

    enum Labels: String, ExpressibleByArgument, CaseIterable {
        case regret
        case partialReturn = "partial-return"
    }

    enum Noise: String, ExpressibleByArgument, CaseIterable {
        case deterministic, stochastic
    }

    @Option(help: "Number of random delivery MDPs.")
    var mdps: Int = 30

    @Option(help: "Comma-separated data-set sizes (numbers of labelled segment pairs).")
    var preferences: String = "300,1000,3000"

    @Option(help: "The model that generates the labels: regret or partial-return.")
    var labels: Labels = .regret

    @Option(help: "deterministic (ties labelled 0.5) or stochastic (logistic, temperature 1) labels.")
    var noise: Noise = .deterministic

    @OptionGroup var seedOptions: SeedOptions

    @Option(help: "Random reward vectors drawn for each MDP's successor-feature library.")
    var libraryRewards: Int = 1000

    @OptionGroup(title: "Report") var reportOptions: ReportOptions

    var seed: UInt64 { seedOptions.seed }

    func validate() throws {
        guard mdps > 0 else { throw ValidationError("--mdps must be positive, got \(mdps)") }
        guard parsedPreferences() != nil else {
            throw ValidationError("--preferences must be a comma-separated list of positive integers, got '\(preferences)'")
        }
        guard libraryRewards > 0 else { throw ValidationError("--library-rewards must be positive") }
    }

    func parsedPreferences() -> [Int]? {
        let values = preferences.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
        return values.map { $0! }
    }

    func run() throws {
        var configuration = RegretExperimentConfiguration()
        configuration.mdpCount = mdps
        configuration.preferenceCounts = parsedPreferences()!
        configuration.labels = labels == .regret ? .regret : .partialReturn
        configuration.noise = noise == .deterministic ? .deterministic(tieTolerance: 1e-6) : .stochastic(temperature: 1)
        configuration.seed = seed
        configuration.libraryRewardCount = libraryRewards
        // Parallelism is over MDPs (both cores); the per-MDP matrices are small, so BLAS runs single-threaded.
        let blasThreads = BLASRuntime.threadCount
        BLASRuntime.setThreadCount(1)
        defer { BLASRuntime.setThreadCount(blasThreads) }
        let stderr = StandardError(quiet: reportOptions.quiet)
        stderr.write("regret experiment: \(mdps) MDPs, sizes \(configuration.preferenceCounts), labels \(labels.rawValue), \(noise.rawValue), seed \(seed)\n")
        let result = try RegretExperiment.run(configuration) { line in stderr.write(line + "\n") }
        print(Self.table(result))
        if let report = reportOptions.report {
            var json = try JSONValue(encoding: result).objectValue ?? [:]
            json["command"] = "experiment regret"
            try reportOptions.write(.object(json))
            stderr.write("report written to \(report)\n")
        }
    }

    /// The results table: one row per size, both learners side by side.
    static func table(_ report: RegretExperimentReport) -> String {
        func pad(_ s: String, _ n: Int) -> String { s.padded(to: n, alignment: .right) }
        func fixed(_ x: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits)f", x) }
        var lines = [String]()
        lines.append("labels: \(report.labels), \(report.noise); \(report.mdpCount) MDPs; seed \(report.seed); near-optimal = scaled return ≥ 0.9")
        lines.append(pad("prefs", 6) + pad("learner", 16) + pad("near-optimal", 14) + pad("mean scaled", 13)
                     + pad("median", 9) + pad("fit s", 9))
        for r in report.results {
            lines.append(pad("\(r.preferences)", 6) + pad(r.learner, 16) + pad(fixed(r.nearOptimalFraction), 14)
                         + pad(fixed(r.meanScaledReturn), 13) + pad(fixed(r.medianScaledReturn), 9) + pad(fixed(r.fitSeconds, 2), 9))
        }
        lines.append("wall \(fixed(report.wallSeconds, 1)) s; setup (boards, libraries, data) \(fixed(report.setupSeconds, 1)) s; fitting \(fixed(report.fitSeconds, 1)) s (summed over MDPs)")
        return lines.joined(separator: "\n")
    }
}

/// Thread-safe writes of progress lines to standard error.
private final class StandardError: @unchecked Sendable {
    private let lock = NSLock()
    private let quiet: Bool
    init(quiet: Bool) { self.quiet = quiet }
    func write(_ text: String) {
        if quiet { return }
        lock.lock()
        defer { lock.unlock() }
        FileHandle.standardError.write(Data(text.utf8))
    }
}
