import ArgumentParser
import Foundation
import RewardKit
import RewardKitMPI

/// `rewardkit fit mixture`: pluralistic reward models (MaxMin-RLHF EM, PAL-A, PAL-B) on feature
/// pairs with user ids, with per-group fairness and the single Bradley–Terry baseline side by side.
struct MixtureFit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mixture",
        abstract: "Fit a mixture of reward models over users (maxmin-em, pal-a, pal-b) and report per-group accuracy.",
        discussion: """
        Features are .npy matrices (float32 or float64); users.csv has header `user` and one row per \
        pair; groups.csv has header `user,group` and must name every user. maxmin-em runs hard EM (the \
        paper) from a k-means++ start with λ = 1e-4 (3 restarts); pal-a and pal-b are trained by the \
        minibatch trainer (defaults: Adam 1e-2, batch 256, 20 epochs). Prints a table of accuracy \
        overall, per group and worst group next to the single Bradley–Terry baseline, purity and \
        adjusted Rand index of the discovered components against the groups; --report writes it as \
        JSON. With --test-* files the metrics are on the test pairs (evaluated_on: test, keys test_*); \
        without, on the training pairs (evaluated_on: train, keys train_*). A test user that the \
        training users.csv does not name is an error, or with --allow-unknown-users is scored with the \
        population model (EM: the mixing weights; PAL: the mean user weights).
        """
    )

    enum Method: String, ExpressibleByArgument, CaseIterable {
        case maxminEM = "maxmin-em", palA = "pal-a", palB = "pal-b"
    }

    enum HeadOption: String, ExpressibleByArgument, CaseIterable {
        case linear, mlp
    }

    @Option(help: "maxmin-em, pal-a or pal-b.") var method: Method
    @Option(help: "Number of components / prototypes K.") var components: Int
    @OptionGroup(title: "Input") var input: FeatureInputOptions
    @Option(help: "Component head (EM) or projector (PAL): linear or mlp (one hidden layer of 64).") var head: HeadOption = .linear
    @OptionGroup(title: "Training (PAL; defaults epochs 20, batch 256, learning rate 1e-2)") var training: TrainingOptions
    @OptionGroup var seedOptions: SeedOptions
    @OptionGroup(title: "Model output") var modelOutput: ModelOutputOptions
    @Option(help: ArgumentHelp("Old spelling of --model-out.", visibility: .hidden)) var output: String?
    @OptionGroup(title: "Report") var reportOptions: ReportOptions
    @OptionGroup(title: "Distributed") var distribution: DistributedOptions

    var seed: UInt64 { seedOptions.seed }
    var epochs: Int { training.epochs ?? 20 }

    func validate() throws {
        guard components >= 1 else { throw ValidationError("--components must be ≥ 1") }
        _ = try input.requiredFeatures()
        guard input.users != nil else { throw ValidationError("missing --users users.csv") }
        try training.rejectEarlyStopping(by: "fit mixture")
        if method != .palB { try input.reject(["--prompt", "--test-prompt"], by: "fit mixture --method \(method.rawValue)") }
        if modelOutput.modelOut != nil && output != nil { throw ValidationError("give --model-out once (--output is its old spelling)") }
        if input.testChosen != nil && input.testUsers == nil {
            throw ValidationError("give all of --test-chosen, --test-rejected and --test-users, or none")
        }
        if distribution.outOfCore || distribution.blockRows != nil {
            throw ValidationError("fit mixture does not use --out-of-core or --block-rows (under --distributed each rank reads its users' rows)")
        }
        if distribution.distributed {
            guard method == .maxminEM, head == .linear else {
                throw ValidationError("--distributed fits --method maxmin-em with --head linear (PAL and MLP components are not distributed yet)")
            }
            guard input.testChosen != nil else {
                throw ValidationError("--distributed needs --test-chosen, --test-rejected and --test-users (rank 0 evaluates the held-out pairs)")
            }
        }
    }

    func run() throws {
        // Under --distributed each rank holds all pairs of its block of users (UserShard).
        let communicator = try distribution.communicator()
        let train: FeaturePairs<Double>
        if distribution.distributed {
            let (c, r) = try input.requiredFeatures()
            train = try UserShard.load(chosen: url(c), rejected: url(r), users: url(input.users ?? "users.csv"), communicator: communicator)
        } else {
            train = try input.loadTrain(Double.self)
        }
        let trainCount = distribution.distributed ? Int(communicator.allReduceSum(Double(train.count)).rounded()) : train.count
        let usersSource = input.users ?? "users.csv"
        let loaded = try input.loadTest(Double.self, known: train.users, dimension: train.dimension, knownSource: usersSource)
        let test = loaded ?? train
        let evaluatedOn = loaded == nil ? "train" : "test"
        let userTable = test.users   // train users first, then (with --allow-unknown-users) users seen only in the test set
        let groupTable = try input.loadGroups()
        let groupsSource = input.groups ?? "groups.csv"
        try input.checkGroups(groupTable, cover: userTable)
        let groupOfUser = try groupTable.map { try $0.groupIndices(for: userTable, source: groupsSource) }
        let trainUserCount = train.users.count

        let clock = ContinuousClock()
        let start = clock.now
        let communicationBefore = (communicator.communicationSeconds, communicator.communicatedBytes)
        var probabilities: [Double]
        var discovered: [Int]
        var trace: [Double]
        var extra: [String: JSONValue] = [:]
        var modelFile: ModelFile
        switch method {
        case .maxminEM:
            let em = BradleyTerryMixture<Double>(
                componentCount: components, head: head == .linear ? .linear : .mlp(hiddenSizes: [64]),
                assignment: .hard, initialization: .kMeansPlusPlus(), restarts: 3, seed: seed)
            let model = distribution.distributed
                ? try em.fit(shard: train, reduce: { communicator.allReduceSum(&$0) })
                : try em.fit(train)
            // A user index outside the model's users is scored with the mixing weights.
            probabilities = model.preferenceProbabilities(chosen: test.chosen, rejected: test.rejected, users: test.userIDs!)
            discovered = model.assignments
            trace = model.logLikelihoodTrace
            extra["mixing_weights"] = .array(model.mixingWeights.map { .number($0) })
            extra["em_iterations"] = .number(Double(model.iterations))
            modelFile = model.modelFile
        case .palA, .palB:
            let projector: PALProjector = head == .linear ? .linear(outputSize: 32) : .mlp(hiddenSizes: [64], outputSize: 32)
            var generator = SeededGenerator(seed: seed)
            let trainer = PairwiseTrainer(configuration: .init(epochs: epochs, batchSize: training.batchSize ?? 256, seed: seed))
            var adam = Adam<Double>(learningRate: training.learningRate ?? 1e-2)
            let fitReport: FitReport
            let observer = reportOptions.progress(method.rawValue)
            if method == .palA {
                var model = PALIdealPointModel<Double>(inputSize: train.dimension, projector: projector, prototypeCount: components,
                                                       userCount: trainUserCount, using: &generator)
                fitReport = trainer.fit(&model, on: FeaturePairsView(train), optimizer: &adam, observer: observer)
                discovered = model.dominantPrototypes
                modelFile = model.modelFile
                Self.addPopulationUsers(&model, to: userTable.count)
                probabilities = PairwiseTrainer.preferenceLogits(model, on: FeaturePairsView(test)).map { Double.sigmoid($0) }
            } else {
                var model = PALCosineMixtureModel<Double>(inputSize: train.dimension, projector: projector, prototypeCount: components,
                                                          userCount: trainUserCount, promptSize: train.promptDimension, using: &generator)
                fitReport = trainer.fit(&model, on: FeaturePairsView(train), optimizer: &adam, observer: observer)
                discovered = model.dominantPrototypes
                extra["scale"] = .number(model.scale)
                modelFile = model.modelFile
                Self.addPopulationUsers(&model, to: userTable.count)
                probabilities = PairwiseTrainer.preferenceLogits(model, on: FeaturePairsView(test)).map { Double.sigmoid($0) }
            }
            // PAL model files carry no user names; evaluate maps users.csv through these.
            modelFile.metadata["users"] = .array(train.users.names.map { .string($0) })
            trace = fitReport.epochs.map(\.trainLoss)
        }
        let fitSeconds = (clock.now - start).inSeconds

        // The single Bradley–Terry baseline on the same pairs.
        let baseline: [Double]
        switch head {
        case .linear:
            let objective = BradleyTerryObjective(l2Penalty: 1e-4 / Double(trainCount))
            let fit = distribution.distributed
                ? try LinearRewardHead<Double>.fit(
                    terms: AllReducedLinearHeadTerms(local: LinearHeadDesign(FeaturePairsView(train), includesSums: false),
                                                     localPairCount: train.count, communicator: communicator),
                    objective: objective)
                : try LinearRewardHead<Double>.fit(FeaturePairsView(train), objective: objective)
            baseline = fit.head.probabilities(chosen: test.chosen, rejected: test.rejected)
        case .mlp:
            let single = try BradleyTerryMixture<Double>(componentCount: 1, head: .mlp(hiddenSizes: [64]), seed: seed).fit(train)
            baseline = single.preferenceProbabilities(chosen: test.chosen, rejected: test.rejected, users: test.userIDs!)
        }

        guard communicator.isRoot else { return }
        if distribution.distributed {
            extra["ranks"] = .number(Double(communicator.size))
            // In collectives during the fit and the baseline (including waits for the slowest rank).
            extra["communication_seconds"] = .number(communicator.communicationSeconds - communicationBefore.0)
            extra["communicated_bytes_per_rank"] = .number(Double(communicator.communicatedBytes - communicationBefore.1))
        }
        // No report shows a metric of an undefined prediction.
        let sources = loaded == nil ? input.trainSources : input.testSources
        for (predictions, what) in [(probabilities, "\(method.rawValue) model"), (baseline, "baseline")] {
            do throws(PreferenceEvaluationError) {
                _ = try PreferenceEvaluation.checked(probabilities: predictions)
            } catch {
                throw DataError(file: sources.chosen, line: error.pair, reason: .invalidValue(
                    "\(error) (\(what)); the features of this pair (in \(sources.chosen) and \(sources.rejected)) are too large for the model"))
            }
        }
        let correct = probabilities.map { $0 > 0.5 }
        let baselineCorrect = baseline.map { $0 > 0.5 }
        let ids = test.userIDs!
        let accuracy = Self.share(correct), baselineAccuracy = Self.share(baselineCorrect)
        let prefix = evaluatedOn   // "test_" keys only for test pairs
        let unknownPairs = ids.filter { $0 >= trainUserCount }.count
        var record: [String: JSONValue] = [
            "command": "fit mixture",
            "method": .string(method.rawValue), "components": .number(Double(components)), "head": .string(head.rawValue),
            "evaluated_on": .string(evaluatedOn),
            "pairs": .number(Double(test.count)),
            "accuracy": .number(accuracy),
            "baseline_accuracy": .number(baselineAccuracy),
            "\(prefix)_accuracy": .number(accuracy),
            "baseline_\(prefix)_accuracy": .number(baselineAccuracy),
            "unknown_user_pairs": .number(Double(unknownPairs)),
            "log_likelihood_trace": .array(trace.map { .number($0) }),
            "trace_kind": .string(method == .maxminEM ? "penalized log-likelihood per EM iteration" : "mean train loss per epoch"),
            "fit_seconds": .number(fitSeconds),
            "per_user": perGroupJSON(correct: correct, labels: ids, names: userTable.names),
            "per_component": perGroupJSON(correct: correct, labels: ids.map { $0 < discovered.count ? discovered[$0] : components },
                                          names: (0..<components).map { "\($0)" } + ["population"]),
            // deprecated dictionaries (name → accuracy), kept for earlier readers:
            "per_user_\(prefix)_accuracy": Self.accuracyByLabel(correct, labels: ids, names: userTable.names),
            "per_component_\(prefix)_accuracy": Self.accuracyByLabel(
                correct, labels: ids.map { $0 < discovered.count ? discovered[$0] : components },
                names: (0..<components).map { "\($0)" } + ["population"]),
        ]
        for (k, v) in extra { record[k] = v }
        var grouped: GroupedAccuracy?, baselineGrouped: GroupedAccuracy?
        if let groupTable, let groupOfUser {
            let pairGroups = ids.map { groupOfUser[$0] }
            let g = GroupedAccuracy(correct: correct, labelOfPair: pairGroups, names: groupTable.groupNames)
            let b = GroupedAccuracy(correct: baselineCorrect, labelOfPair: pairGroups, names: groupTable.groupNames)
            grouped = g
            baselineGrouped = b
            record["per_group"] = perGroupJSON(g)
            record["baseline_per_group"] = perGroupJSON(b)
            record["worst_group"] = g.worst.map { .string($0.name) } ?? .null
            record["worst_group_accuracy"] = .number(g.worst?.accuracy ?? .nan)
            record["baseline_worst_group_accuracy"] = .number(b.worst?.accuracy ?? .nan)
            record["per_group_\(prefix)_accuracy"] = Self.object(g)                 // deprecated: per_group
            record["baseline_per_group_\(prefix)_accuracy"] = Self.object(b)        // deprecated: baseline_per_group
            record["worst_group_\(prefix)_accuracy"] = .number(g.worst?.accuracy ?? .nan)
            record["baseline_worst_group_\(prefix)_accuracy"] = .number(b.worst?.accuracy ?? .nan)
            let trainUsers = Array(0..<trainUserCount)
            let truth = trainUsers.map { groupOfUser[$0] }, found = trainUsers.map { discovered[$0] }
            record["purity"] = .number(ClusteringAgreement.purity(predicted: found, truth: truth))
            record["adjusted_rand_index"] = .number(ClusteringAgreement.adjustedRandIndex(found, truth))
        } else {
            record["worst_group_accuracy"] = .null
            record["worst_group_\(prefix)_accuracy"] = .null
            record["purity"] = .null
            record["adjusted_rand_index"] = .null
        }
        if let path = modelOutput.modelOut ?? output { try modelFile.write(to: url(path)) }
        if let safetensors = modelOutput.safetensors { try modelFile.safeTensorsExport().write(to: url(safetensors)) }
        try reportOptions.write(.object(record))

        // The table.
        func f(_ x: Double) -> String { x.isFinite ? String(format: "%.4f", x) : "—" }
        print("\(method.rawValue), K = \(components), \(head.rawValue) heads; \(trainCount) training pairs, \(trainUserCount) users; "
              + String(format: "fit %.2f s", fitSeconds))
        print("evaluated on the \(evaluatedOn) pairs (\(test.count))" + (unknownPairs > 0 ? ", \(unknownPairs) of them by users unknown to the training data (population model)" : ""))
        print("  " + "".padded(14) + "model".leftPadded(8) + "baseline".leftPadded(10))
        print("  " + "accuracy".padded(14) + f(accuracy).leftPadded(8) + f(baselineAccuracy).leftPadded(10))
        if let grouped, let baselineGrouped {
            for (g, b) in zip(grouped.groups, baselineGrouped.groups) {
                print("  " + "group \(g.name)".padded(14) + f(g.accuracy).leftPadded(8) + f(b.accuracy).leftPadded(10) + "  (\(g.count) pairs)")
            }
            if let worst = grouped.worst {
                print("  " + "worst group".padded(14) + f(worst.accuracy).leftPadded(8) + f(baselineGrouped.worst?.accuracy ?? .nan).leftPadded(10) + "  (\(worst.name))")
            }
            print("  purity \(f(record["purity"]?.doubleValue ?? .nan)), adjusted Rand index \(f(record["adjusted_rand_index"]?.doubleValue ?? .nan))")
        }
        if let path = modelOutput.modelOut ?? output { print("  model: \(path)") }
        if let report = reportOptions.report { print("  report: \(report)") }
    }

    /// Appends user rows whose weights are the mean user weights (the population), so that users
    /// unknown to the training data are scored by the population model.
    static func addPopulationUsers<M: PluralisticPreferenceModel>(_ model: inout M, to count: Int) where M.Scalar == Double {
        let logits = model.userLogits
        guard count > logits.rowCount else { return }
        let weights = model.userWeights
        let k = logits.columnCount
        var mean = [Double](repeating: 0, count: k)
        for u in 0..<weights.rowCount { for j in 0..<k { mean[j] += weights[u, j] / Double(weights.rowCount) } }
        let row = mean.map { Double.log(max($0, 1e-300)) }
        var scalars = logits.scalars
        for _ in logits.rowCount..<count { scalars += row }
        model.userLogits = Tensor(shape: [count, k], scalars: scalars)
    }

    static func share(_ flags: [Bool]) -> Double {
        flags.isEmpty ? .nan : Double(flags.filter { $0 }.count) / Double(flags.count)
    }

    static func object(_ grouped: GroupedAccuracy) -> JSONValue {
        .object(Dictionary(uniqueKeysWithValues: grouped.groups.map { ($0.name, JSONValue.number($0.accuracy)) }))
    }

    static func accuracyByLabel(_ correct: [Bool], labels: [Int], names: [String]) -> JSONValue {
        var hits = [Int: (Int, Int)]()
        for (c, l) in zip(correct, labels) {
            let (h, n) = hits[l] ?? (0, 0)
            hits[l] = (h + (c ? 1 : 0), n + 1)
        }
        return .object(Dictionary(uniqueKeysWithValues: hits.map { (names[$0.key], JSONValue.number(Double($0.value.0) / Double($0.value.1))) }))
    }
}

extension String {
    func padded(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
