import ArgumentParser
import Foundation
import RewardKit

/// `rewardkit fit mixture`: pluralistic reward models (MaxMin-RLHF EM, PAL-A, PAL-B) on feature
/// pairs with user ids, with per-group fairness and the single Bradley–Terry baseline side by side.
struct MixtureFit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mixture",
        abstract: "Fit a mixture of reward models over users (maxmin-em, pal-a, pal-b) and report per-group accuracy.",
        discussion: """
        Features are .npy matrices (float32 or float64); users.csv has header `user` and one row per \
        pair; groups.csv has header `user,group`. maxmin-em runs hard EM (the paper) from a k-means++ \
        start with λ = 1e-4; pal-a and pal-b are trained by the minibatch trainer (Adam 1e-2, batch \
        256, --epochs). The report (JSON) holds test accuracy overall, per true group and worst group, \
        the single Bradley–Terry baseline, purity and adjusted Rand index of the discovered \
        components against the groups, the log-likelihood (EM) or loss (PAL) trace and the fit time. \
        Without test files the training pairs are scored.
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
    @Option(help: "Chosen features (.npy, n×d).") var chosen: String
    @Option(help: "Rejected features (.npy, n×d).") var rejected: String
    @Option(help: "users.csv (header `user`, one row per pair).") var users: String
    @Option(help: "Test chosen features (.npy).") var testChosen: String?
    @Option(help: "Test rejected features (.npy).") var testRejected: String?
    @Option(help: "Test users.csv.") var testUsers: String?
    @Option(help: "groups.csv (header `user,group`).") var groups: String?
    @Option(help: "Component head (EM) or projector (PAL): linear or mlp (one hidden layer of 64).") var head: HeadOption = .linear
    @Option(help: "Training epochs (PAL).") var epochs: Int = 20
    @Option(help: "Seed of initialization and shuffles.") var seed: UInt64 = 0
    @Option(help: "Write the fitted model (RewardKit model file) here.") var output: String?
    @Option(help: "Write the JSON report here (otherwise it is printed).") var report: String?

    func validate() throws {
        guard components >= 1 else { throw ValidationError("--components must be ≥ 1") }
        guard epochs >= 1 else { throw ValidationError("--epochs must be ≥ 1") }
        let test = [testChosen, testRejected, testUsers].compactMap { $0 }.count
        guard test == 0 || test == 3 else {
            throw ValidationError("give all of --test-chosen, --test-rejected and --test-users, or none")
        }
    }

    func run() throws {
        let train = try FeaturePairs<Double>.load(chosen: URL(fileURLWithPath: chosen),
                                                  rejected: URL(fileURLWithPath: rejected),
                                                  users: URL(fileURLWithPath: users))
        try train.checkMagnitude(sources: FeaturePairSources(chosen: chosen, rejected: rejected, users: users))
        var test = train
        var evaluatedOn = "train"
        if let testChosen, let testRejected, let testUsers {
            test = try FeaturePairs<Double>.load(chosen: URL(fileURLWithPath: testChosen),
                                                 rejected: URL(fileURLWithPath: testRejected),
                                                 users: URL(fileURLWithPath: testUsers), knownUsers: train.users)
            try test.checkMagnitude(sources: FeaturePairSources(chosen: testChosen, rejected: testRejected, users: testUsers))
            evaluatedOn = "test"
        }
        guard test.dimension == train.dimension else {
            throw DataError(file: testChosen ?? chosen, reason: .dimensionMismatch(expected: train.dimension, found: test.dimension))
        }
        let userTable = test.users   // train users first, then users seen only in the test set
        let groupTable = try groups.map { try UserGroups.load(URL(fileURLWithPath: $0)) }
        let groupOfUser = try groupTable.map { try $0.groupIndices(for: userTable, source: groups!) }

        let clock = ContinuousClock()
        let start = clock.now
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
            let model = try em.fit(train)
            probabilities = model.preferenceProbabilities(chosen: test.chosen, rejected: test.rejected, users: test.userIDs!)
            discovered = model.assignments
            trace = model.logLikelihoodTrace
            extra["mixing_weights"] = .array(model.mixingWeights.map { .number($0) })
            extra["em_iterations"] = .number(Double(model.iterations))
            modelFile = model.modelFile
        case .palA, .palB:
            let projector: PALProjector = head == .linear ? .linear(outputSize: 32) : .mlp(hiddenSizes: [64], outputSize: 32)
            var generator = SeededGenerator(seed: seed)
            let trainer = PairwiseTrainer(configuration: .init(epochs: epochs, batchSize: 256, seed: seed))
            var adam = Adam<Double>(learningRate: 1e-2)
            let fitReport: FitReport
            if method == .palA {
                var model = PALIdealPointModel<Double>(inputSize: train.dimension, projector: projector, prototypeCount: components,
                                                       userCount: userTable.count, using: &generator)
                fitReport = trainer.fit(&model, on: FeaturePairsView(train), optimizer: &adam)
                probabilities = PairwiseTrainer.preferenceLogits(model, on: FeaturePairsView(test)).map { Double.sigmoid($0) }
                discovered = model.dominantPrototypes
                modelFile = model.modelFile
            } else {
                var model = PALCosineMixtureModel<Double>(inputSize: train.dimension, projector: projector, prototypeCount: components,
                                                          userCount: userTable.count, promptSize: train.promptDimension, using: &generator)
                fitReport = trainer.fit(&model, on: FeaturePairsView(train), optimizer: &adam)
                probabilities = PairwiseTrainer.preferenceLogits(model, on: FeaturePairsView(test)).map { Double.sigmoid($0) }
                discovered = model.dominantPrototypes
                extra["scale"] = .number(model.scale)
                modelFile = model.modelFile
            }
            trace = fitReport.epochs.map(\.trainLoss)
        }
        let elapsed = clock.now - start
        let fitSeconds = elapsed.inSeconds

        // The single Bradley–Terry baseline on the same pairs.
        let baseline: [Double]
        switch head {
        case .linear:
            let fit = try LinearRewardHead<Double>.fit(FeaturePairsView(train),
                                                       objective: BradleyTerryObjective(l2Penalty: 1e-4 / Double(train.count)))
            baseline = fit.head.probabilities(chosen: test.chosen, rejected: test.rejected)
        case .mlp:
            let single = try BradleyTerryMixture<Double>(componentCount: 1, head: .mlp(hiddenSizes: [64]), seed: seed).fit(train)
            baseline = single.preferenceProbabilities(chosen: test.chosen, rejected: test.rejected, users: test.userIDs!)
        }

        // No report shows a metric of an undefined prediction.
        for (predictions, what) in [(probabilities, "\(method.rawValue) model"), (baseline, "baseline")] {
            do throws(PreferenceEvaluationError) {
                _ = try PreferenceEvaluation.checked(probabilities: predictions)
            } catch {
                let sources = FeaturePairSources(chosen: testChosen ?? chosen, rejected: testRejected ?? rejected)
                throw DataError(file: sources.chosen, line: error.pair, reason: .invalidValue(
                    "\(error) (\(what)); the features of this pair (in \(sources.chosen) and \(sources.rejected)) are too large for the model"))
            }
        }
        let correct = probabilities.map { $0 > 0.5 }
        let baselineCorrect = baseline.map { $0 > 0.5 }
        var record: [String: JSONValue] = [
            "method": .string(method.rawValue), "components": .number(Double(components)), "head": .string(head.rawValue),
            "evaluated_on": .string(evaluatedOn),
            "test_accuracy": .number(Self.share(correct)),
            "baseline_test_accuracy": .number(Self.share(baselineCorrect)),
            "log_likelihood_trace": .array(trace.map { .number($0) }),
            "trace_kind": .string(method == .maxminEM ? "penalized log-likelihood per EM iteration" : "mean train loss per epoch"),
            "fit_seconds": .number(fitSeconds),
            "per_user_test_accuracy": Self.accuracyByLabel(correct, labels: test.userIDs!, names: userTable.names),
            "per_component_test_accuracy": Self.accuracyByLabel(
                correct, labels: test.userIDs!.map { discovered[$0] }, names: (0..<components).map { "\($0)" }),
        ]
        for (k, v) in extra { record[k] = v }
        if let groupTable, let groupOfUser {
            let pairGroups = test.userIDs!.map { groupOfUser[$0] }
            let grouped = GroupedAccuracy(correct: correct, labelOfPair: pairGroups, names: groupTable.groupNames)
            let baselineGrouped = GroupedAccuracy(correct: baselineCorrect, labelOfPair: pairGroups, names: groupTable.groupNames)
            record["per_group_test_accuracy"] = Self.object(grouped)
            record["baseline_per_group_test_accuracy"] = Self.object(baselineGrouped)
            record["worst_group_test_accuracy"] = .number(grouped.worst?.accuracy ?? .nan)
            record["worst_group"] = grouped.worst.map { .string($0.name) } ?? .null
            record["baseline_worst_group_test_accuracy"] = .number(baselineGrouped.worst?.accuracy ?? .nan)
            let trainUsers = Array(0..<train.users.count)
            let truth = trainUsers.map { groupOfUser[$0] }, found = trainUsers.map { discovered[$0] }
            record["purity"] = .number(ClusteringAgreement.purity(predicted: found, truth: truth))
            record["adjusted_rand_index"] = .number(ClusteringAgreement.adjustedRandIndex(found, truth))
        } else {
            record["worst_group_test_accuracy"] = .null
            record["purity"] = .null
            record["adjusted_rand_index"] = .null
        }
        if let output { try modelFile.write(to: URL(fileURLWithPath: output)) }
        let text = JSONValue.object(record).serialized(pretty: true)
        if let report {
            try AtomicFileWriter.write(Array(text.utf8), to: URL(fileURLWithPath: report))
        } else {
            print(text)
        }
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
