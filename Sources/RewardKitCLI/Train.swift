import ArgumentParser
import Foundation
import RewardKit

/// `rewardkit train`: the main job. Fits every registered model family on the shipped default data
/// (or `--data-dir`), prints a comparison table and writes a report folder.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit every model family on preference data and compare them (default: the data shipped in Data/embeddings).",
        discussion: """
        The data folder holds chosen.npy, rejected.npy and test_chosen.npy, test_rejected.npy, and
        optionally users.csv, test_users.csv and groups.csv. Minibatch models hold out 10% of the
        training pairs for validation (early stopping); every number in the table is on the test pairs.
        A user without a group in groups.csv, or a test user that users.csv does not name, is an error
        (--allow-unknown-users scores such test users with the population model).
        The report folder gets models/NAME.rkmodel (+ .safetensors for reward heads), summary.json,
        learning-curves.svg, reliability.svg and accuracy.svg.
        """)

    @Option(help: "Folder with the data (default: Data/embeddings of this checkout).") var dataDir: String?
    @Option(help: "Where the report folder is written.") var outputDir: String = "rewardkit-report"
    @OptionGroup var seedOptions: SeedOptions
    @Option(help: "Fit only these families (comma-separated names; see --list).") var only: String?
    @Flag(help: "List the model families and exit.") var list = false
    @Flag(help: "Score test users that users.csv does not name with the population model instead of failing.")
    var allowUnknownUsers = false
    @Flag(help: "No progress on standard error (otherwise: a progress bar on a terminal, plain lines when redirected).") var quiet = false
    @Option(help: ArgumentHelp("Regenerate the default data set into this folder and exit.", visibility: .hidden))
    var generateDefaultData: String?

    func run() throws {
        if list {
            for family in TrainingRegistry.families { print("\(family.name.padding(toLength: 14, withPad: " ", startingAt: 0)) \(family.summary)") }
            return
        }
        if let folder = generateDefaultData {
            let summary = try DefaultData.generate(into: URL(fileURLWithPath: folder))
            print(summary)
            return
        }
        let folder = try dataDir.map { URL(fileURLWithPath: $0) } ?? DefaultData.locate()
        let context = try TrainingContext.load(folder: folder, seed: seedOptions.seed, allowUnknownUsers: allowUnknownUsers)
        var families = TrainingRegistry.families
        if let only {
            let names = Set(only.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) })
            let unknown = names.subtracting(families.map(\.name))
            guard unknown.isEmpty else { throw ValidationError("unknown families \(unknown.sorted()); see --list") }
            families = families.filter { names.contains($0.name) }
        }
        let output = URL(fileURLWithPath: outputDir)
        let models = output.appendingPathComponent("models")
        try FileManager.default.createDirectory(at: models, withIntermediateDirectories: true)

        print("Data: \(folder.path)")
        print("  \(context.fit.count) training + \(context.validation.count) validation pairs, \(context.test.count) test pairs, \(context.fit.dimension) features"
              + (context.groups.map { ", \(context.fit.users.count) users in \($0.groupNames.count) groups" } ?? ""))
        fflush(nil)   // the header before the observers' stderr lines
        var outcomes = [TrainingOutcome]()
        for family in families {
            if family.requiresUsers && !context.hasUsers {
                print("skipping \(family.name): it needs users.csv and test_users.csv in \(folder.path)")
                continue
            }
            let observer: TrainingObserver = quiet ? SilentObserver() : ProgressPrinter(label: family.name)
            let outcome = try TrainingRegistry.fit(family, on: context, observer: observer, writingModelsTo: models)
            outcomes.append(outcome)
        }
        print("")
        print(TrainingReport.table(outcomes, oracle: context.oracleTestAccuracy))
        try TrainingReport.write(outcomes, context: context, to: output)
        print("\nReport: \(output.path)/ (summary.json, learning-curves.svg, reliability.svg, accuracy.svg, models/)")
    }
}

/// An observer that prints nothing (`--quiet`).
final class SilentObserver: TrainingObserver {}
