import ArgumentParser
import Foundation
import RewardKit
import RewardKitMPI
import Synchronization

// The option groups every subcommand shares (Docs/CLI.md has the subcommand × option table).
// A group's option means the same in every command that includes it; a command rejects, with an
// error, an option of a group it includes but cannot use. Old spellings are hidden options of the
// command that had them, merged into the canonical one in `validate()`.

// MARK: Inputs

/// `--comparisons FILE`: winner/loser comparisons (CSV or JSON Lines).
struct ComparisonInputOptions: ParsableArguments {
    @Option(help: "Comparison file: CSV with winner,loser[,tie,weight,annotator,first] or JSON Lines (.jsonl).")
    var comparisons: String?

    /// The file, or a usage error naming the option.
    func required() throws -> String {
        guard let comparisons else { throw ValidationError("missing --comparisons FILE") }
        return comparisons
    }
}

/// Feature pairs (.npy), their users and groups, and the held-out pairs.
struct FeatureInputOptions: ParsableArguments {
    @Option(help: "Chosen responses' features, an n×d .npy (float32 or float64).") var chosen: String?
    @Option(help: "Rejected responses' features, an n×d .npy.") var rejected: String?
    @Option(help: "Prompt features, an n×p .npy (GPM prompt-gated eigenvalues, PAL-B).") var prompt: String?
    @Option(help: "users.csv with header `user`, one row per pair.") var users: String?
    @Option(help: "groups.csv with header `user,group` (per-group accuracy).") var groups: String?
    @Option(help: "Held-out chosen features (.npy).") var testChosen: String?
    @Option(help: "Held-out rejected features (.npy).") var testRejected: String?
    @Option(help: "Held-out prompt features (.npy).") var testPrompt: String?
    @Option(help: "Held-out users.csv.") var testUsers: String?
    @Flag(help: "Score held-out users that the training data (or the model) does not know with the population model instead of failing.")
    var allowUnknownUsers = false

    func validate() throws {
        guard (testChosen == nil) == (testRejected == nil) else { throw ValidationError("--test-chosen and --test-rejected go together") }
        if testUsers != nil && testChosen == nil { throw ValidationError("--test-users needs --test-chosen and --test-rejected") }
        if groups != nil && users == nil && testUsers == nil { throw ValidationError("--groups needs --users or --test-users") }
    }

    var hasFeatures: Bool { chosen != nil || rejected != nil }

    /// The chosen and rejected files, or a usage error.
    func requiredFeatures() throws -> (chosen: String, rejected: String) {
        guard let chosen, let rejected else { throw ValidationError("missing --chosen A.npy --rejected B.npy") }
        return (chosen, rejected)
    }

    /// Fails when one of the named options was given: `command` cannot use it.
    func reject(_ names: [String], by command: String) throws {
        let given: [String: Bool] = [
            "--prompt": prompt != nil, "--users": users != nil, "--groups": groups != nil, "--test-prompt": testPrompt != nil,
            "--test-users": testUsers != nil, "--allow-unknown-users": allowUnknownUsers, "--test-chosen": testChosen != nil,
        ]
        if names.contains("--groups-without-test-users"), groups != nil, testUsers == nil {
            throw ValidationError("\(command): --groups gives per-group test accuracy and needs --test-users")
        }
        for name in names where given[name] == true { throw ValidationError("\(command) does not use \(name)") }
    }

    var trainSources: FeaturePairSources {
        FeaturePairSources(chosen: chosen ?? "chosen", rejected: rejected ?? "rejected", prompts: prompt ?? "prompts", users: users ?? "users")
    }

    var testSources: FeaturePairSources {
        FeaturePairSources(chosen: testChosen ?? "test chosen", rejected: testRejected ?? "test rejected",
                           prompts: testPrompt ?? "test prompts", users: testUsers ?? "test users")
    }

    /// The training pairs (magnitude-checked).
    func loadTrain<S: BLASScalar>(_: S.Type, margins: String? = nil) throws -> FeaturePairs<S> {
        let (c, r) = try requiredFeatures()
        let pairs = try FeaturePairs<S>.load(chosen: url(c), rejected: url(r), prompts: prompt.map(url), margins: margins.map(url),
                                             users: users.map(url))
        try pairs.checkMagnitude(sources: trainSources)
        return pairs
    }

    /// The held-out pairs with the users of `known` (the training data or the model), or nil
    /// without test files. A held-out user outside `known` is an error unless
    /// `--allow-unknown-users` when the model is per user (`perUserModel`); the features must have
    /// `dimension` columns.
    func loadTest<S: BLASScalar>(_: S.Type, known: UserTable, dimension: Int, knownSource: String,
                                  perUserModel: Bool = true) throws -> FeaturePairs<S>? {
        guard let testChosen, let testRejected else { return nil }
        let pairs = try FeaturePairs<S>.load(chosen: url(testChosen), rejected: url(testRejected), prompts: testPrompt.map(url),
                                             users: testUsers.map(url), knownUsers: known)
        try pairs.checkMagnitude(sources: testSources)
        guard pairs.dimension == dimension else {
            throw DataError(file: testChosen, reason: .dimensionMismatch(expected: dimension, found: pairs.dimension))
        }
        if perUserModel, !allowUnknownUsers, let testUsers { try UnknownUsers.check(pairs, known: known, usersFile: testUsers, knownSource: knownSource) }
        return pairs
    }

    /// The groups table, or nil.
    func loadGroups() throws -> UserGroups? { try groups.map { try UserGroups.load(url($0)) } }

    /// Fails, naming groups.csv, when a user of `table` has no group: per-group results are never
    /// dropped silently.
    func checkGroups(_ groups: UserGroups?, cover table: UserTable) throws {
        guard let groups, let source = self.groups else { return }
        for name in table.names where groups.groupOfUser[name] == nil {
            throw DataError(file: source, reason: .invalidValue(
                "user '\(name)' has no group (groups.csv names \(groups.groupOfUser.count) users); every user of the pairs needs one"))
        }
    }
}

/// Held-out users the model or the training data does not know.
enum UnknownUsers {
    /// Throws a ``DataError`` naming `usersFile` and the line of the first pair whose user is not
    /// among `known` (`known` seeded the pairs' user table, so such users have indices ≥ known.count).
    static func check<S: BLASScalar>(_ pairs: FeaturePairs<S>, known: UserTable, usersFile: String, knownSource: String) throws {
        guard let ids = pairs.userIDs, let row = ids.firstIndex(where: { $0 >= known.count }) else { return }
        let unknown = Set(ids.filter { $0 >= known.count }).count
        throw DataError(file: usersFile, line: row + 2, reason: .invalidValue(
            "user '\(pairs.users.names[ids[row]])' is not among the \(known.count) users of \(knownSource) "
            + "(\(unknown) unknown user\(unknown == 1 ? "" : "s")); pass --allow-unknown-users to score them with the population model"))
    }
}

func url(_ path: String) -> URL { URL(fileURLWithPath: path) }

// MARK: Outputs

/// `--report FILE` (JSON) and `--quiet`.
struct ReportOptions: ParsableArguments {
    @Option(help: "Write the JSON report to this file.") var report: String?
    @Flag(help: "No progress on standard error (otherwise: a progress bar on a terminal, plain lines when redirected).") var quiet = false

    /// A progress printer, unless quiet.
    func progress(_ label: String) -> ProgressPrinter? { quiet ? nil : ProgressPrinter(label: label) }

    /// Writes `json` to --report, if given.
    func write(_ json: JSONValue) throws {
        guard let report else { return }
        do {
            try AtomicFileWriter.write(json.serialized(pretty: true) + "\n", to: url(report))
        } catch {
            throw CLIError("\(report): cannot write the report: \(error.detail)")
        }
    }
}

/// `--model-out FILE` (RewardKit model file) and `--safetensors FILE` (its safetensors export).
struct ModelOutputOptions: ParsableArguments {
    @Option(help: "Write the fitted model here (RewardKit model file, read by `rewardkit evaluate --model`).") var modelOut: String?
    @Option(help: "Also write the fitted model as safetensors here (also read by `rewardkit evaluate --model`).") var safetensors: String?

    /// Writes the model file and its export where asked.
    /// `export` replaces the generic export (reward heads write PyTorch's `Linear` layout).
    func write(_ file: ModelFile, export: SafeTensorsFile? = nil) throws {
        if let modelOut { try file.write(to: url(modelOut)) }
        if let safetensors { try (export ?? file.safeTensorsExport()).write(to: url(safetensors)) }
    }
}

// MARK: Fitting

/// `--seed S`.
struct SeedOptions: ParsableArguments {
    @Option(help: "Seed of every random choice (initialization, shuffles, splits, bootstrap resamples).") var seed: UInt64 = 0
}

/// `--l2 λ`: the L2 penalty (λ/2)‖θ‖² added to the objective; the default depends on the command.
struct PenaltyOptions: ParsableArguments {
    @Option(name: .customLong("l2"), help: "L2 penalty λ in (λ/2)‖θ‖² (default: the command's, see --help discussion and Docs/CLI.md).")
    var l2: Double?

    func validate() throws {
        if let l2 { guard l2.isFinite && l2 >= 0 else { throw ValidationError("--l2 must be a finite number ≥ 0, got \(l2)") } }
    }
}

/// Minibatch training: `--epochs`, `--batch-size`, `--learning-rate`, `--early-stopping-patience`,
/// `--validation-fraction` (defaults depend on the command).
struct TrainingOptions: ParsableArguments {
    @Option(help: "Training epochs (minibatch training).") var epochs: Int?
    @Option(help: "Pairs per minibatch.") var batchSize: Int?
    @Option(help: "Adam learning rate.") var learningRate: Double?
    @Option(help: "Stop after this many epochs without validation improvement (holds out --validation-fraction of the training pairs; not test data).")
    var earlyStoppingPatience: Int?
    @Option(help: "Share of training pairs held out for early-stopping validation (default 0.1).") var validationFraction: Double?

    func validate() throws {
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be ≥ 1") }
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be ≥ 1") }
        if let learningRate { guard learningRate > 0 && learningRate.isFinite else { throw ValidationError("--learning-rate must be positive") } }
        if let earlyStoppingPatience, earlyStoppingPatience < 1 { throw ValidationError("--early-stopping-patience must be ≥ 1") }
        if let validationFraction {
            guard validationFraction > 0 && validationFraction < 1 else { throw ValidationError("--validation-fraction must lie in (0, 1)") }
        }
    }

    /// Fails when early stopping was asked of a command that does not hold out validation pairs.
    func rejectEarlyStopping(by command: String) throws {
        if earlyStoppingPatience != nil { throw ValidationError("\(command) does not use --early-stopping-patience") }
        if validationFraction != nil { throw ValidationError("\(command) does not use --validation-fraction") }
    }
}

/// Tie models of the item commands.
enum TiesOption: String, ExpressibleByArgument, CaseIterable {
    case none, davidson, raoKupper = "rao-kupper"

    var model: BradleyTerry.TieModel {
        switch self {
        case .none: .halfWins
        case .davidson: .davidson
        case .raoKupper: .raoKupper
        }
    }
}

/// Intervals: `--intervals none|hessian|bootstrap --bootstrap N --level L --bootstrap-interval percentile|basic`.
struct IntervalOptions: ParsableArguments {
    enum Kind: String, ExpressibleByArgument, CaseIterable { case none, hessian, bootstrap }

    @Option(help: "Intervals: none, hessian (θ ± z·SE) or bootstrap (default: bootstrap when --bootstrap N > 0 is given, else the command's).")
    var intervals: Kind?
    @Option(help: "Bootstrap replicates (with --intervals bootstrap; default 200).") var bootstrap: Int?
    @Option(help: "Confidence level of the intervals.") var level: Double = 0.95
    @Option(help: "Bootstrap interval: percentile or basic.") var bootstrapInterval: StrengthIntervals.BootstrapInterval?
    @Option(help: ArgumentHelp("Old spelling of --bootstrap.", visibility: .hidden)) var bootstrapSamples: Int?
    @Option(help: ArgumentHelp("Old spelling of --bootstrap-interval.", visibility: .hidden)) var interval: StrengthIntervals.BootstrapInterval?

    func validate() throws {
        if bootstrap != nil && bootstrapSamples != nil { throw ValidationError("give --bootstrap N once (--bootstrap-samples is its old spelling)") }
        if bootstrapInterval != nil && interval != nil {
            throw ValidationError("give --bootstrap-interval once (--interval is its old spelling)")
        }
        if let n = replicates, n != 0 && n < 2 { throw ValidationError("--bootstrap must be 0 or at least 2") }
        if intervals == .bootstrap, replicates == 0 { throw ValidationError("--intervals bootstrap needs --bootstrap N ≥ 2") }
        guard level > 0 && level < 1 else { throw ValidationError("--level must be between 0 and 1") }
    }

    var replicates: Int? { bootstrap ?? bootstrapSamples }
    var bootstrapIntervalKind: StrengthIntervals.BootstrapInterval { bootstrapInterval ?? interval ?? .percentile }

    /// The method: --intervals, else bootstrap when --bootstrap N > 0 was given, else `fallback`.
    func kind(default fallback: Kind) -> Kind {
        if let intervals { return intervals }
        if let n = replicates { return n > 0 ? .bootstrap : fallback }
        return fallback
    }

    /// Replicates to draw.
    var samples: Int { max(2, replicates ?? 200) }
}

/// `--top N`: rows or items shown in printed tables and charts.
struct DisplayOptions: ParsableArguments {
    @Option(help: "Items shown in the printed win-probability matrix, item list or heatmap.") var top: Int = 20

    func validate() throws { guard top >= 0 else { throw ValidationError("--top must be ≥ 0") } }
}

/// Comma-separated hidden widths (`--hidden 256` or `--hidden 512,128`; `0` for none).
func parseHidden(_ text: String) -> [Int]? {
    let sizes = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !sizes.isEmpty, sizes.allSatisfy({ $0 != nil && $0! >= 0 }) else { return nil }
    return sizes.map { $0! }.filter { $0 > 0 }
}

// MARK: Errors

/// A program error with a plain message (printed as `error: MESSAGE`, exit code 1).
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Writes `text` to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
}

extension CovariateNormalization: ExpressibleByArgument {}
extension StrengthIntervals.BootstrapInterval: ExpressibleByArgument {}

// MARK: Distributed and out-of-core runs

/// `--distributed` (data-parallel over the ranks of `mpirun`), `--out-of-core` and `--block-rows`
/// (stream memory-mapped `.npy` files in row blocks). Docs/Distributed.md has the setup.
struct DistributedOptions: ParsableArguments {
    @Flag(help: "Run data-parallel over the processes of `mpirun -np N` (Open MPI): each rank reads its shard, sums are all-reduced, rank 0 writes the outputs.")
    var distributed = false
    @Flag(help: "Stream the feature .npy files memory-mapped in row blocks on every pass instead of holding them in memory (linear head, lbfgs/newton); with --distributed, each rank streams its rows.")
    var outOfCore = false
    @Option(help: "Rows per block when streaming features (default: 32 MiB of one matrix's rows).") var blockRows: Int?

    func validate() throws {
        if let blockRows, blockRows < 1 { throw ValidationError("--block-rows must be at least 1") }
    }

    /// Whether features are streamed from memory-mapped files.
    var streamsFeatures: Bool { distributed || outOfCore }

    /// The communicator of this run: Open MPI's world under --distributed (a usage error when
    /// Open MPI cannot be loaded), else the one-process group.
    func communicator() throws -> any Communicator {
        guard distributed else { return SingleProcessCommunicator() }
        return try DistributedJob.start()
    }
}

/// The Open MPI job of this process, once --distributed started it: failures end every rank
/// (`MPI_Abort`) with `error: rank R: …`, success finalizes MPI.
enum DistributedJob {
    private static let current = Mutex<MPICommunicator?>(nil)

    /// Initializes MPI (once) and returns the world communicator.
    static func start() throws -> MPICommunicator {
        if let existing = current.withLock({ $0 }) { return existing }
        let communicator: MPICommunicator
        do { communicator = try MPICommunicator() } catch {
            throw CLIError("--distributed: \(error.detail)")
        }
        current.withLock { $0 = communicator }
        return communicator
    }

    /// The running job's communicator, if any.
    static var communicator: MPICommunicator? { current.withLock { $0 } }

    /// Ends a failed run: with a job of several ranks, the message names the rank and the job is
    /// aborted so that no rank waits in a collective; otherwise nil (the caller exits as usual).
    static func abortIfDistributed(message: String) {
        guard let communicator else { return }
        guard communicator.size > 1 else {
            communicator.finalize()
            return
        }
        printError("error: rank \(communicator.rank): \(message)")
        communicator.abort(code: 1)
    }

    /// Finalizes MPI after a successful run.
    static func finish() { communicator?.finalize() }
}
