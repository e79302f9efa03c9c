import ArgumentParser
import Foundation
import RewardKit
import RewardKitMPI

/// `rewardkit fit reward-head`: fit a linear or MLP Bradley–Terry head on feature pairs.
struct FitRewardHead: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reward-head",
        abstract: "Fit a Bradley–Terry reward head (linear or MLP) on frozen features of chosen/rejected responses.",
        discussion: """
        The linear head defaults to full-batch L-BFGS; the MLP head to Adam minibatches. The loss is
        −log σ((r(x_c) − r(x_r) − m)/τ) + c·(r_c + r_r)² averaged over pairs, plus (λ/2)‖θ‖².
        Test pairs may carry --test-users (with --groups: per-group test accuracy). \
        The JSON report (--report) has train_loss, test_accuracy, test_log_loss, test_ece,
        fit_seconds and pairs_per_second (training pairs processed per second of fit time:
        pairs × passes for full-batch solvers, pairs × epochs for minibatch training).
        """)

    enum Head: String, ExpressibleByArgument, CaseIterable { case linear, mlp }
    enum Solver: String, ExpressibleByArgument, CaseIterable { case lbfgs, newton, adam }

    @OptionGroup(title: "Input") var input: FeatureInputOptions
    @Option(help: "Per-pair margins m, a .npy of shape (n,) or (n, 1).") var margins: String?
    @Option(help: ArgumentHelp("Old spelling of --margins.", visibility: .hidden)) var margin: String?
    @Option(help: "Head family: linear or mlp.") var head: Head = .linear
    @Option(help: "MLP hidden widths, comma-separated.") var hidden: String = "256"
    @Option(help: "MLP activation: relu, gelu or tanh.") var activation: String = "relu"
    enum Start: String, ExpressibleByArgument, CaseIterable { case pytorch, layers }
    @Option(help: "MLP start: pytorch (torch.nn.Linear's U(±1/√fanIn) weights and biases, the W3 peer's) or layers (Kaiming/Xavier, zero biases).")
    var initialization: Start = .pytorch
    @Option(help: "Solver: lbfgs or newton (linear head only), adam (default for mlp).") var solver: Solver?
    @OptionGroup(title: "Training (minibatch: adam; defaults epochs 3, batch 256, learning rate 1e-3)") var training: TrainingOptions
    @OptionGroup(title: "Penalty (default 0)") var penalty: PenaltyOptions
    @Option(help: "Centering coefficient c of (r_c + r_r)² (TRL's center_rewards_coefficient).") var center: Double = 0
    @Option(help: "Temperature τ.") var temperature: Double = 1
    @OptionGroup var seedOptions: SeedOptions
    @OptionGroup(title: "Model output") var modelOutput: ModelOutputOptions
    @Option(help: ArgumentHelp("Old spelling of --model-out.", visibility: .hidden)) var output: String?
    @OptionGroup(title: "Report") var reportOptions: ReportOptions
    @Flag(help: "Train in Double precision instead of Float.") var double = false
    @OptionGroup(title: "Distributed / out of core") var distribution: DistributedOptions
    @Option(help: "Write 5-fold cross-fitted label-noise scores (row,flip_probability; 0-based pair rows) to this CSV (five more fits).")
    var noiseScores: String?
    @OptionGroup(title: "Listwise input (instead of --chosen/--rejected)") var listwise: ListwiseInputOptions

    var epochs: Int { training.epochs ?? 3 }
    var batchSize: Int { training.batchSize ?? 256 }
    var learningRate: Double { training.learningRate ?? 1e-3 }
    var l2: Double { penalty.l2 ?? 0 }
    var seed: UInt64 { seedOptions.seed }
    var modelPath: String? { modelOutput.modelOut ?? output }
    var marginsPath: String? { margins ?? margin }

    func validate() throws {
        if listwise.isGiven { try validateListwise(); return }
        _ = try input.requiredFeatures()
        // A reward head scores every user alike: users matter only for per-group test accuracy.
        try input.reject(["--prompt", "--test-prompt", "--users", "--allow-unknown-users", "--groups-without-test-users"],
                         by: "fit reward-head")
        if margins != nil && margin != nil { throw ValidationError("give --margins once (--margin is its old spelling)") }
        if modelOutput.modelOut != nil && output != nil { throw ValidationError("give --model-out once (--output is its old spelling)") }
        guard center >= 0, temperature > 0 else { throw ValidationError("need --center ≥ 0, --temperature > 0") }
        if head == .mlp, let solver, solver != .adam { throw ValidationError("the MLP head trains with --solver adam") }
        guard Activation(rawValue: activation) != nil else { throw ValidationError("--activation must be relu, gelu or tanh") }
        if distribution.outOfCore {
            guard head == .linear, (solver ?? .lbfgs) != .adam else {
                throw ValidationError("--out-of-core fits the linear head with --solver lbfgs or newton (Adam minibatches are not streamed yet)")
            }
        }
        if distribution.streamsFeatures && noiseScores != nil {
            throw ValidationError("--noise-scores refits the head on folds of in-memory pairs; it does not combine with --distributed or --out-of-core")
        }
        if distribution.distributed && (solver ?? (head == .linear ? .lbfgs : .adam)) == .adam && training.earlyStoppingPatience != nil {
            throw ValidationError("--distributed trains Adam minibatches without early stopping (the validation split is not sharded)")
        }
        guard let sizes = parseHidden(hidden), !sizes.isEmpty else {
            throw ValidationError("--hidden must be positive integers separated by commas, e.g. 256 or 512,128")
        }
    }

    var hiddenSizes: [Int]? { parseHidden(hidden) }

    func run() throws {
        if listwise.isGiven {
            if double { try fitListwise(Double.self) } else { try fitListwise(Float.self) }
            return
        }
        if double { try fit(Double.self) } else { try fit(Float.self) }
    }

    /// The head minibatch training starts from: zeros (linear) or the seeded MLP initialization.
    func startingHead<S: BLASScalar>(_: S.Type, dimension: Int, objective: BradleyTerryObjective) -> RewardHead<S> {
        guard head == .mlp else { return .linear(LinearRewardHead(dimension: dimension, objective: objective)) }
        var rng = SeededGenerator(seed: seed)
        let activation = Activation(rawValue: activation)!
        return .mlp(initialization == .pytorch
            ? MLPRewardHead<S>.pytorchInitialized(inputSize: dimension, hiddenSizes: hiddenSizes!, activation: activation,
                                                  objective: objective, using: &rng)
            : MLPRewardHead<S>(inputSize: dimension, hiddenSizes: hiddenSizes!, activation: activation, objective: objective, using: &rng))
    }

    private func fit<S: BLASScalar>(_: S.Type) throws {
        let objective = BradleyTerryObjective(temperature: temperature, centeringCoefficient: center, l2Penalty: l2)
        let chosenSolver = solver ?? (head == .linear ? .lbfgs : .adam)
        let trained: TrainedHead<S>
        let trainCount: Int, dimension: Int, trainLoss: Double, trainAccuracy: Double
        var distributionDetails = [String: JSONValue]()
        if distribution.streamsFeatures {
            // Streamed (and, under --distributed, sharded) linear fit; every rank takes part, rank 0 reports.
            let communicator = try distribution.communicator()
            let (c, r) = try input.requiredFeatures()
            let rowCount = try NumPyFile.map(url(c)).rowCount
            let pairs = try MappedFeaturePairs<S>.open(chosen: url(c), rejected: url(r), margins: marginsPath.map(url),
                                                       rows: communicator.shard(of: rowCount), blockRows: distribution.blockRows)
            let communicationBefore = (communicator.communicationSeconds, communicator.communicatedBytes)
            if chosenSolver == .adam {
                // Minibatches: every rank holds its rows in memory, draws the same batches and all-reduces the gradients.
                let shard = pairs.block(pairs.rows)
                let sharding = BatchSharding(globalCount: rowCount, rows: pairs.rows, reduce: { communicator.allReduceSum(&$0) })
                let config = HeadTrainingConfiguration(objective: objective, epochs: epochs, batchSize: batchSize,
                                                       learningRate: learningRate, seed: seed)
                trained = HeadTraining.fitMinibatch(startingHead(S.self, dimension: pairs.dimension, objective: objective),
                                                    shard: shard, sharding: sharding, configuration: config,
                                                    observer: communicator.isRoot ? reportOptions.progress("\(head.rawValue) head") : nil)
            } else {
                // --out-of-core streams the rows on every evaluation; otherwise each rank builds its shard's design once.
                let streamed = StreamedLinearHeadDesign(pairs, includesSums: center > 0)
                func fitSharded(_ local: some LinearHeadObjectiveTerms) throws -> TrainedHead<S> {
                    try HeadTraining.fitLinearFullBatch(
                        terms: AllReducedLinearHeadTerms(local: local, localPairCount: pairs.count, communicator: communicator),
                        solver: chosenSolver == .newton ? .newton : .lbfgs, objective: objective, as: S.self)
                }
                trained = distribution.outOfCore ? try fitSharded(streamed) : try fitSharded(streamed.design(of: pairs.rows))
            }
            // Time in collectives during the fit (including waits for the slowest rank), and the bytes.
            distributionDetails = ["ranks": .number(Double(communicator.size)), "block_rows": .number(Double(pairs.blockRows)),
                                   "communication_seconds": .number(communicator.communicationSeconds - communicationBefore.0),
                                   "communicated_bytes_per_rank": .number(Double(communicator.communicatedBytes - communicationBefore.1))]
            // Train metrics over the shards: sums of −log p and of correct pairs, all-reduced.
            var sums = [0.0, 0.0]
            pairs.forEachBlock { block in
                let view = pairs.block(block)
                let p = trained.head.probabilities(chosen: view.chosen, rejected: view.rejected)
                sums[0] += PreferenceMetrics.logLoss(probabilities: p) * Double(p.count)
                sums[1] += PreferenceMetrics.accuracy(probabilities: p) * Double(p.count)
            }
            communicator.allReduceSum(&sums)
            trainCount = rowCount
            dimension = pairs.dimension
            trainLoss = sums[0] / Double(trainCount)
            trainAccuracy = sums[1] / Double(trainCount)
            guard communicator.isRoot else { return }
        } else {
            let train = try input.loadTrain(S.self, margins: marginsPath)
            let progress = reportOptions.progress("\(head.rawValue) head")
            var config = HeadTrainingConfiguration(objective: objective, epochs: epochs, batchSize: batchSize,
                                                   learningRate: learningRate, seed: seed)
            config.earlyStoppingPatience = training.earlyStoppingPatience
            config.validationFraction = training.validationFraction ?? 0.1
            func trainHead(_ pairs: FeaturePairs<S>, observer: TrainingObserver?) throws -> TrainedHead<S> {
                switch (head, chosenSolver) {
                case (.linear, .lbfgs): return try HeadTraining.fitLinearFullBatch(pairs, solver: .lbfgs, objective: objective)
                case (.linear, .newton): return try HeadTraining.fitLinearFullBatch(pairs, solver: .newton, objective: objective)
                case (.linear, .adam), (.mlp, _):
                    return try HeadTraining.fitMinibatch(startingHead(S.self, dimension: pairs.dimension, objective: objective),
                                                         pairs, configuration: config, observer: observer)
                }
            }
            trained = try trainHead(train, observer: progress)
            if let noiseScores {
                let scores = try HeadTraining.labelNoiseScores(train, folds: 5, seed: seed, source: input.chosen ?? "chosen") {
                    try trainHead($0, observer: nil).head
                }
                do { try AtomicFileWriter.write(scores.csvText(), to: url(noiseScores)) } catch {
                    throw CLIError("\(noiseScores): cannot write: \(error.detail)")
                }
            }
            let trainProbabilities = trained.head.probabilities(chosen: train.chosen, rejected: train.rejected)
            trainCount = train.count
            dimension = train.dimension
            trainLoss = PreferenceMetrics.logLoss(probabilities: trainProbabilities)
            trainAccuracy = PreferenceMetrics.accuracy(probabilities: trainProbabilities)
        }
        // The held-out pairs are small: rank 0 loads them whole.
        let test = try input.loadTest(S.self, known: UserTable(), dimension: dimension, knownSource: input.users ?? "the training data",
                                       perUserModel: false)
        let testSources = input.testSources
        let groups = try input.loadGroups()
        var json: [String: JSONValue] = [
            "command": "fit reward-head",
            "head": .string(head.rawValue),
            "initialization": .string(head == .mlp ? initialization.rawValue : "zeros"),
            "solver": .string(chosenSolver.rawValue),
            "dtype": .string(S.self == Float.self ? "float32" : "float64"),
            "train_pairs": .number(Double(trainCount)),
            "dimension": .number(Double(dimension)),
            "parameters": .number(Double(trained.head.parameterCount)),
            "train_loss": .number(trainLoss),
            "train_accuracy": .number(trainAccuracy),
            "fit_seconds": .number(trained.seconds),
            "pairs_per_second": .number(trained.pairsPerSecond),
            "objective": .object(["temperature": .number(temperature), "centering_coefficient": .number(center), "l2_penalty": .number(l2)]),
        ]
        for (key, value) in trained.details { json[key] = value }
        for (key, value) in distributionDetails { json[key] = value }
        if let stop = json["stop_reason"]?.stringValue { json["stop_reason"] = .string(snakeCase(stop)) }
        json["test_accuracy"] = .null
        json["test_log_loss"] = .null
        json["test_ece"] = .null
        json["evaluated_on"] = .string(test == nil ? "train" : "test")
        if let test {
            try input.checkGroups(groups, cover: test.users)
            let evaluation = try HeadTraining.evaluate(trained.head, on: test, groups: groups, groupsSource: input.groups ?? "groups.csv",
                                                       sources: testSources)
            json["test_pairs"] = .number(Double(test.count))
            json["test_accuracy"] = .number(evaluation.accuracy)
            json["test_log_loss"] = .number(evaluation.logLoss)
            json["test_ece"] = .number(evaluation.expectedCalibrationError)
            json["test_brier"] = .number(evaluation.brierScore)
            json["test"] = evaluation.jsonValue
            if let byGroup = evaluation.byGroup { json["per_group"] = perGroupJSON(byGroup) }
        }
        if let modelPath {
            // The model file carries the fit's facts but no timing, so the same seed writes the
            // same bytes; fit_seconds and pairs_per_second stay in the report.
            try trained.head.save(to: url(modelPath), metadata: ["fit": ModelFile.withoutTiming(.object(json))])
            json["model"] = .string(modelPath)
        }
        if let safetensors = modelOutput.safetensors { try trained.head.exportSafeTensors(to: url(safetensors)) }
        try reportOptions.write(.object(json))
        print("\(head.rawValue) head (\(chosenSolver.rawValue)), \(trainCount) pairs × \(dimension) features, \(trained.head.parameterCount) parameters")
        print(String(format: "  fit %.3f s, %.0f pairs/s, train loss %.4f", trained.seconds, trained.pairsPerSecond,
                     json["train_loss"]!.doubleValue!))
        if let accuracy = json["test_accuracy"]?.doubleValue, let logLoss = json["test_log_loss"]?.doubleValue,
           let ece = json["test_ece"]?.doubleValue {
            print(String(format: "  test accuracy %.4f, log-loss %.4f, ECE %.4f", accuracy, logLoss, ece))
        }
        if let modelPath { print("  model: \(modelPath)") }
        if let report = reportOptions.report { print("  report: \(report)") }
    }
}

