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
        The report folder gets models/NAME.rkmodel (+ .safetensors for reward heads), summary.json,
        learning-curves.svg, reliability.svg and accuracy.svg.
        """)

    @Option(help: "Folder with the data (default: Data/embeddings of this checkout).") var dataDir: String?
    @Option(help: "Where the report folder is written.") var outputDir: String = "rewardkit-report"
    @Option(help: "Seed for initializations, shuffles and the validation split.") var seed: UInt64 = 0
    @Option(help: "Fit only these families (comma-separated names; see --list).") var only: String?
    @Flag(help: "List the model families and exit.") var list = false
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
        let context = try TrainingContext.load(folder: folder, seed: seed)
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
            let observer = ProgressPrinter(label: family.name)
            var outcome = try family.fit(context, observer)
            outcome.evaluation = outcome.evaluate(context)
            if let file = outcome.modelFile {
                let url = models.appendingPathComponent("\(family.name).rkmodel")
                try file.write(to: url)
                outcome.files.append(url.path)
            }
            if let tensors = outcome.safeTensors {
                let url = models.appendingPathComponent("\(family.name).safetensors")
                try tensors.write(to: url)
                outcome.files.append(url.path)
            }
            outcomes.append(outcome)
        }
        print("")
        print(TrainingReport.table(outcomes, oracle: context.oracleTestAccuracy))
        try TrainingReport.write(outcomes, context: context, to: output)
        print("\nReport: \(output.path)/ (summary.json, learning-curves.svg, reliability.svg, accuracy.svg, models/)")
    }
}

// MARK: The data

/// What every family is fitted on: training pairs minus a seeded 10% validation split, the
/// validation pairs (early stopping), and the test pairs (every reported number).
struct TrainingContext {
    var fit: FeaturePairs<Float>
    var validation: FeaturePairs<Float>
    var test: FeaturePairs<Float>
    var groups: UserGroups?
    var seed: UInt64
    var oracleTestAccuracy: Double?
    var dataFolder: URL

    static func load(folder: URL, seed: UInt64) throws -> TrainingContext {
        let train = try FeaturePairs<Float>.load(folder: folder)
        let test = try FeaturePairs<Float>.load(folder: folder, prefix: "test_", knownUsers: train.users)
        guard test.dimension == train.dimension else {
            throw CLIError("\(folder.path): test features have dimension \(test.dimension), training features \(train.dimension)")
        }
        let groupsURL = folder.appendingPathComponent("groups.csv")
        let groups = FileManager.default.fileExists(atPath: groupsURL.path) && train.userIDs != nil ? try UserGroups.load(groupsURL) : nil
        let split = try train.split(testFraction: 0.1, seed: seed &+ 0x5EED)
        var oracle: Double?
        if let data = try? Data(contentsOf: folder.appendingPathComponent("meta.json")),
           let meta = try? JSONValue.parse(Array(data)) {
            oracle = meta["oracle_test_accuracy"]?.doubleValue
        }
        return TrainingContext(fit: split.train, validation: split.test, test: test, groups: groups, seed: seed,
                               oracleTestAccuracy: oracle, dataFolder: folder)
    }

    /// Whether every training and test pair has a user (users.csv and test_users.csv were present).
    var hasUsers: Bool { fit.userIDs != nil && test.userIDs != nil }

    func grouping(_ pairs: FeaturePairs<Float>) -> PairGrouping? {
        (try? PairGrouping(pairs: pairs, groups: groups)) ?? nil
    }
}

/// The default data set shipped in `Data/embeddings` and its recipe.
enum DefaultData {
    /// The generator seed of the shipped files.
    static let seed: UInt64 = 20_250_601
    static let trainCount = 4_000
    static let testCount = 1_000
    static let dimension = 64
    static let userCount = 60
    static let groupFractions = [0.75, 0.25]
    static let groupNames = ["majority", "minority"]

    /// `Data/embeddings` in the working directory, else in the source checkout this binary was built from.
    static func locate() throws -> URL {
        let candidates = [
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Data/embeddings"),
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("Data/embeddings"),
        ]
        for url in candidates where FileManager.default.fileExists(atPath: url.appendingPathComponent("chosen.npy").path) {
            return url
        }
        throw CLIError("cannot find the default data (Data/embeddings); run from the RewardKit checkout or pass --data-dir")
    }

    /// Writes the default data set: `SyntheticFeaturePairs.userGroups` (Float, 4,000 + 1,000 pairs,
    /// 64 features, 60 users in a 75% majority and a 25% minority group with independent linear
    /// rewards), plus groups.csv and meta.json with the oracle accuracies.
    static func generate(into folder: URL) throws -> String {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let data = SyntheticFeaturePairs.userGroups(Float.self, trainCount: trainCount, testCount: testCount, dimension: dimension,
                                                     userCount: userCount, groupFractions: groupFractions, seed: seed)
        guard case .userGroups(_, let groupOfUser, _) = data.truth else { throw CLIError("unexpected truth") }
        try data.train.write(to: folder)
        try data.test.write(to: folder, prefix: "test_")
        var groupsCSV = "user,group\n"
        for (u, name) in data.train.users.names.enumerated() { groupsCSV += "\(name),\(groupNames[groupOfUser[Int(name) ?? u]])\n" }
        try AtomicFileWriter.write(groupsCSV, to: folder.appendingPathComponent("groups.csv"))
        // Oracle accuracy overall and by group on the test pairs.
        let test = try data.test.converted(to: Double.self)
        let logits = data.truth.logits(test.chosen, test.rejected, users: data.test.userIDs)
        var byGroup = [String: (Int, Int)]()
        for (i, s) in logits.enumerated() {
            let g = groupNames[groupOfUser[data.test.userIDs![i]]]
            let (hits, count) = byGroup[g] ?? (0, 0)
            byGroup[g] = (hits + (s > 0 ? 1 : 0), count + 1)
        }
        let meta: JSONValue = .object([
            "generator": "SyntheticFeaturePairs.userGroups (RewardKit)",
            "seed": .number(Double(seed)),
            "train_pairs": .number(Double(trainCount)), "test_pairs": .number(Double(testCount)),
            "dimension": .number(Double(dimension)), "users": .number(Double(userCount)),
            "group_fractions": .array(groupFractions.map { .number($0) }),
            "group_names": .array(groupNames.map { .string($0) }),
            "oracle_train_accuracy": .number(data.oracleTrainAccuracy),
            "oracle_test_accuracy": .number(data.oracleTestAccuracy),
            "oracle_expected_test_accuracy": .number(data.oracleExpectedTestAccuracy),
            "oracle_test_accuracy_by_group": .object(byGroup.mapValues { .number(Double($0.0) / Double($0.1)) }),
        ])
        try AtomicFileWriter.write(meta.serialized(pretty: true) + "\n", to: folder.appendingPathComponent("meta.json"))
        return "wrote \(folder.path): \(trainCount) + \(testCount) pairs × \(dimension), oracle test accuracy "
            + String(format: "%.4f", data.oracleTestAccuracy)
    }
}

// MARK: The registry

/// A model family that `rewardkit train` fits and compares. To add one (GPM, a mixture), append an
/// entry to ``TrainingRegistry/families`` whose `fit` trains on `context.fit` (validating on
/// `context.validation` if it trains by minibatches, reporting through `observer`) and returns a
/// ``TrainingOutcome`` with test logits or probabilities, an optional model file and the fit report.
struct TrainingFamily: Sendable {
    var name: String
    var summary: String
    /// Mixture families need every pair's user (users.csv, test_users.csv); `train` skips them, with a
    /// note, on data without users.
    var requiresUsers = false
    var fit: @Sendable (_ context: TrainingContext, _ observer: TrainingObserver) throws -> TrainingOutcome
}

/// What a family's fit returns; `evaluation` and `files` are filled in by `train`.
struct TrainingOutcome {
    var name: String
    var summary: String
    var fitSeconds: Double
    /// Per test pair: the log-odds of P(chosen ≻ rejected) …
    var testScores: [Double]?
    /// … or the probability itself (models without a single logit, e.g. mixtures).
    var testProbabilities: [Double]?
    /// Rewards of the test pairs' chosen and rejected responses, for models with a reward.
    var testRewards: (chosen: [Double], rejected: [Double])?
    var fitReport: FitReport?
    var modelFile: ModelFile?
    var safeTensors: SafeTensorsFile?
    var details: [String: JSONValue] = [:]
    var evaluation: PreferenceEvaluation?
    var files: [String] = []

    func evaluate(_ context: TrainingContext) -> PreferenceEvaluation {
        let grouping = context.grouping(context.test)
        var evaluation: PreferenceEvaluation
        if let testScores {
            evaluation = PreferenceEvaluation(scores: testScores, grouping: grouping)
        } else {
            evaluation = PreferenceEvaluation(probabilities: testProbabilities ?? [], grouping: grouping)
        }
        if let testRewards { evaluation.rewards = RewardStatistics(chosen: testRewards.chosen, rejected: testRewards.rejected) }
        return evaluation
    }
}

enum TrainingRegistry {
    /// Every family `rewardkit train` fits, in table order.
    static var families: [TrainingFamily] { [
        TrainingFamily(name: "linear-lbfgs", summary: "linear reward head, full-batch L-BFGS (λ = 1e-4)") { context, _ in
            let trained = try trainLinearFullBatch(context.fit, solver: .lbfgs, objective: BradleyTerryObjective(l2Penalty: 1e-4))
            return headOutcome("linear-lbfgs", "linear head, L-BFGS", trained, context)
        },
        TrainingFamily(name: "linear-adam", summary: "linear reward head, Adam minibatches (lr 1e-2, batch 128, early stopping)") { context, observer in
            let config = HeadTrainingConfiguration(objective: BradleyTerryObjective(l2Penalty: 1e-4), epochs: 40, batchSize: 128,
                                                   learningRate: 1e-2, seed: context.seed, earlyStoppingPatience: 3)
            let trained = try trainHead(.linear(LinearRewardHead(dimension: context.fit.dimension, objective: config.objective)),
                                        context, config: config, observer: observer)
            return headOutcome("linear-adam", "linear head, Adam", trained, context)
        },
        TrainingFamily(name: "mlp-adam", summary: "MLP reward head d→128→1 (ReLU), Adam (lr 1e-3, batch 128, early stopping)") { context, observer in
            let config = HeadTrainingConfiguration(objective: BradleyTerryObjective(l2Penalty: 1e-4), epochs: 60, batchSize: 128,
                                                   learningRate: 1e-3, seed: context.seed, earlyStoppingPatience: 4)
            var rng = SeededGenerator(seed: context.seed)
            let head = MLPRewardHead<Float>(inputSize: context.fit.dimension, hiddenSizes: [128], activation: .relu,
                                            objective: config.objective, using: &rng)
            let trained = try trainHead(.mlp(head), context, config: config, observer: observer)
            return headOutcome("mlp-adam", "MLP head, Adam", trained, context)
        },
        TrainingFamily(name: "gpm", summary: "general preference model d→128→4 (skew-symmetric, learned λ, τ = 0.1), Adam (lr 3e-3, batch 128, early stopping)",
                       fit: GPMFit.trainingOutcome),
        TrainingFamily(name: "maxmin-em", summary: "MaxMin-RLHF EM mixture, K = 2 linear Bradley–Terry heads, hard E-step, k-means++ start, 3 restarts (needs users.csv)",
                       requiresUsers: true, fit: mixtureEM),
        TrainingFamily(name: "pal-b", summary: "PAL-B mixture of K = 2 preference prototypes, linear projector d→32, Adam (lr 1e-2, batch 128, early stopping; needs users.csv)",
                       requiresUsers: true, fit: palB),
        // New families: add a TrainingFamily here.
    ] }

    /// The mixture families need every pair's user; `train` skips them when ``TrainingContext/hasUsers``
    /// is false, and a direct call fails with this error.
    static func requireUsers(_ context: TrainingContext, _ name: String) throws {
        guard context.hasUsers else {
            throw CLIError("\(name) needs users.csv and test_users.csv in \(context.dataFolder.path) (or leave it out with --only)")
        }
    }

    @Sendable static func mixtureEM(_ context: TrainingContext, _ observer: TrainingObserver) throws -> TrainingOutcome {
        try requireUsers(context, "maxmin-em")
        let clock = ContinuousClock()
        let start = clock.now
        let estimator = BradleyTerryMixture<Double>(componentCount: 2, head: .linear, assignment: .hard,
                                                    initialization: .kMeansPlusPlus(), restarts: 3, seed: context.seed)
        let model = try estimator.fit(convertingFrom: context.fit)
        let elapsed = clock.now - start
        let seconds = elapsed.inSeconds
        let test = try context.test.converted(to: Double.self)
        let probabilities = model.preferenceProbabilities(chosen: test.chosen, rejected: test.rejected, users: context.test.userIDs!)
        return TrainingOutcome(
            name: "maxmin-em", summary: "MaxMin EM, K = 2", fitSeconds: seconds, testScores: nil, testProbabilities: probabilities,
            testRewards: nil, fitReport: nil,
            modelFile: model.modelFile, safeTensors: nil,
            details: ["em_iterations": .number(Double(model.iterations)),
                      "mixing_weights": .array(model.mixingWeights.map { .number($0) }),
                      "log_likelihood_trace": .array(model.logLikelihoodTrace.map { .number($0) })])
    }

    @Sendable static func palB(_ context: TrainingContext, _ observer: TrainingObserver) throws -> TrainingOutcome {
        try requireUsers(context, "pal-b")
        var generator = SeededGenerator(seed: context.seed)
        var model = PALCosineMixtureModel<Float>(inputSize: context.fit.dimension, projector: .linear(outputSize: 32), prototypeCount: 2,
                                                 userCount: context.test.users.count, using: &generator)
        let trainer = PairwiseTrainer(configuration: .init(epochs: 60, batchSize: 128, seed: context.seed,
                                                           earlyStopping: PairwiseTrainer.EarlyStopping(patience: 4)))
        var adam = Adam<Float>(learningRate: 1e-2)
        let report = trainer.fit(&model, on: FeaturePairsView(context.fit), validation: FeaturePairsView(context.validation),
                                 optimizer: &adam, observer: observer)
        let logits = PairwiseTrainer.preferenceLogits(model, on: FeaturePairsView(context.test)).map { Double($0) }
        return TrainingOutcome(
            name: "pal-b", summary: "PAL-B, K = 2", fitSeconds: report.seconds, testScores: logits, testProbabilities: nil,
            testRewards: nil, fitReport: report, modelFile: model.modelFile, safeTensors: nil,
            details: ["scale": .number(Double(model.scale)), "pairs_per_second": .number(report.pairsPerSecond),
                      "epochs_run": .number(Double(report.epochs.count)), "selected_epoch": .number(Double(report.selectedEpoch))])
    }

    /// Minibatch training on the context's fit/validation split.
    static func trainHead(_ start: RewardHead<Float>, _ context: TrainingContext, config: HeadTrainingConfiguration,
                          observer: TrainingObserver) throws -> TrainedHead<Float> {
        var head = start
        var adam = Adam<Float>(learningRate: Float(config.learningRate))
        let trainer = PairwiseTrainer(configuration: .init(
            epochs: config.epochs, batchSize: config.batchSize, seed: config.seed,
            earlyStopping: config.earlyStoppingPatience.map { PairwiseTrainer.EarlyStopping(patience: $0) }))
        let report = trainer.fit(&head, on: FeaturePairsView(context.fit), validation: FeaturePairsView(context.validation),
                                 optimizer: &adam, observer: observer)
        return TrainedHead(head: head, seconds: report.seconds, pairsPerSecond: report.pairsPerSecond, fitReport: report,
                           details: ["epochs_run": .number(Double(report.epochs.count)), "selected_epoch": .number(Double(report.selectedEpoch)),
                                     "stop_reason": .string(report.stopReason.rawValue), "steps": .number(Double(report.steps))])
    }

    static func headOutcome(_ name: String, _ summary: String, _ trained: TrainedHead<Float>, _ context: TrainingContext) -> TrainingOutcome {
        let head = trained.head
        let rc = head.rewards(context.test.chosen).map { Double($0) }
        let rr = head.rewards(context.test.rejected).map { Double($0) }
        let inverseTau = 1 / head.objective.temperature
        var details = trained.details
        details["parameters"] = .number(Double(head.parameterCount))
        details["pairs_per_second"] = .number(trained.pairsPerSecond)
        return TrainingOutcome(
            name: name, summary: summary, fitSeconds: trained.seconds,
            testScores: zip(rc, rr).map { ($0 - $1) * inverseTau }, testProbabilities: nil, testRewards: (rc, rr),
            fitReport: trained.fitReport, modelFile: head.modelFile(metadata: ["trained_by": "rewardkit train", "name": .string(name)]),
            safeTensors: head.safeTensors(), details: details)
    }
}

// MARK: The report

enum TrainingReport {
    /// The comparison table printed by `train`.
    static func table(_ outcomes: [TrainingOutcome], oracle: Double?) -> String {
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
        func left(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
        let hasGroups = outcomes.contains { $0.evaluation?.byGroup != nil }
        var lines = [pad("model", 14) + left("test acc", 10) + left("log-loss", 10) + left("ECE", 8) + left("Brier", 8)
                     + (hasGroups ? left("worst group", 20) : "") + left("fit s", 9)]
        lines.append(String(repeating: "-", count: lines[0].count))
        for o in outcomes {
            guard let e = o.evaluation else { continue }
            var line = pad(o.name, 14) + left(String(format: "%.4f", e.accuracy), 10) + left(String(format: "%.4f", e.logLoss), 10)
                + left(String(format: "%.4f", e.expectedCalibrationError), 8) + left(String(format: "%.4f", e.brierScore), 8)
            if hasGroups {
                let worst = e.byGroup?.worst.map { "\($0.name) " + String(format: "%.3f", $0.accuracy) } ?? "–"
                line += left(worst, 20)
            }
            line += left(String(format: "%.3f", o.fitSeconds), 9)
            lines.append(line)
        }
        if let oracle { lines.append(pad("(oracle)", 14) + left(String(format: "%.4f", oracle), 10)) }
        return lines.joined(separator: "\n")
    }

    /// summary.json and the SVG plots.
    static func write(_ outcomes: [TrainingOutcome], context: TrainingContext, to folder: URL) throws {
        var models = [JSONValue]()
        for o in outcomes {
            var entry: [String: JSONValue] = ["name": .string(o.name), "summary": .string(o.summary), "fit_seconds": .number(o.fitSeconds),
                                              "files": .array(o.files.map { .string($0) })]
            if let e = o.evaluation { entry["test"] = e.jsonValue }
            if let report = o.fitReport {
                entry["learning_curve"] = .array(report.epochs.map { r in
                    var point: [String: JSONValue] = ["epoch": .number(Double(r.epoch)), "train_loss": .number(r.trainLoss)]
                    if let v = r.validationLoss { point["validation_loss"] = .number(v) }
                    if let a = r.validationAccuracy { point["validation_accuracy"] = .number(a) }
                    return .object(point)
                })
                entry["stop_reason"] = .string(report.stopReason.rawValue)
            }
            for (key, value) in o.details { entry[key] = value }
            models.append(.object(entry))
        }
        var data: [String: JSONValue] = [
            "folder": .string(context.dataFolder.path),
            "train_pairs": .number(Double(context.fit.count)), "validation_pairs": .number(Double(context.validation.count)),
            "test_pairs": .number(Double(context.test.count)), "dimension": .number(Double(context.fit.dimension)),
        ]
        if let oracle = context.oracleTestAccuracy { data["oracle_test_accuracy"] = .number(oracle) }
        let summary: JSONValue = .object(["data": .object(data), "seed": .number(Double(context.seed)), "models": .array(models),
                                          "blas": .string("\(BLASRuntime.coreName), \(BLASRuntime.threadCount) threads")])
        try AtomicFileWriter.write(summary.serialized(pretty: true) + "\n", to: folder.appendingPathComponent("summary.json"))

        var curves = LineChart(title: "Learning curves (minibatch models)", xLabel: "epoch", yLabel: "loss (mean −log σ)")
        for (k, o) in outcomes.enumerated() {
            guard let report = o.fitReport, !report.epochs.isEmpty else { continue }
            curves.add(.init(name: "\(o.name) train", points: report.epochs.map { (Double($0.epoch), $0.trainLoss) }, colorIndex: k))
            let validation = report.epochs.compactMap { r in r.validationLoss.map { (Double(r.epoch), $0) } }
            if !validation.isEmpty { curves.add(.init(name: "\(o.name) validation", points: validation, dashed: true, colorIndex: k)) }
        }
        if !curves.series.isEmpty { try curves.write(to: folder.appendingPathComponent("learning-curves.svg")) }

        let evaluated = outcomes.compactMap { o in o.evaluation.map { (name: o.name, curve: $0.reliability) } }
        if !evaluated.isEmpty {
            try ReliabilityDiagram(title: "Calibration on the test pairs", curves: evaluated)
                .write(to: folder.appendingPathComponent("reliability.svg"))
        }
        var bars = [BarChart.Bar]()
        for (k, o) in outcomes.enumerated() {
            guard let e = o.evaluation else { continue }
            bars.append(.init(label: o.name, value: e.accuracy, colorIndex: k))
            for g in e.byGroup?.groups ?? [] { bars.append(.init(label: "\(o.name) \(g.name)", value: g.accuracy, colorIndex: k)) }
        }
        if !bars.isEmpty {
            let reference = context.oracleTestAccuracy.map { [(label: "oracle", value: $0)] } ?? []
            try BarChart(title: "Test accuracy (overall and by group)", yLabel: "accuracy", bars: bars, yRange: 0...1,
                         referenceLines: reference).write(to: folder.appendingPathComponent("accuracy.svg"))
        }
    }
}
