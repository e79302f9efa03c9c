import ArgumentParser
import Foundation
import RewardKit

/// `rewardkit fit reward-head`: fit a linear or MLP Bradley–Terry head on feature pairs.
struct FitRewardHead: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reward-head",
        abstract: "Fit a Bradley–Terry reward head (linear or MLP) on frozen features of chosen/rejected responses.",
        discussion: """
        The linear head defaults to full-batch L-BFGS; the MLP head to Adam minibatches. The loss is
        −log σ((r(x_c) − r(x_r) − m)/τ) + c·(r_c + r_r)² averaged over pairs, plus (λ/2)‖θ‖².
        The JSON report (--report) has train_loss, test_accuracy, test_log_loss, test_ece,
        fit_seconds and pairs_per_second (training pairs processed per second of fit time:
        pairs × passes for full-batch solvers, pairs × epochs for minibatch training).
        """)

    enum Head: String, ExpressibleByArgument, CaseIterable { case linear, mlp }
    enum Solver: String, ExpressibleByArgument, CaseIterable { case lbfgs, newton, adam }

    @Option(help: "Chosen responses' features, an n×d .npy (float32 or float64).") var chosen: String
    @Option(help: "Rejected responses' features, an n×d .npy.") var rejected: String
    @Option(help: "Test chosen features (.npy).") var testChosen: String?
    @Option(help: "Test rejected features (.npy).") var testRejected: String?
    @Option(help: "Per-pair margins m, a .npy of shape (n,) or (n, 1).") var margin: String?
    @Option(help: "Head family: linear or mlp.") var head: Head = .linear
    @Option(help: "MLP hidden widths, comma-separated.") var hidden: String = "256"
    @Option(help: "MLP activation: relu, gelu or tanh.") var activation: String = "relu"
    @Option(help: "Solver: lbfgs or newton (linear head only), adam (default for mlp).") var solver: Solver?
    @Option(help: "Epochs (minibatch training).") var epochs: Int = 3
    @Option(help: "Pairs per minibatch.") var batchSize: Int = 256
    @Option(help: "Adam learning rate.") var learningRate: Double = 1e-3
    @Option(help: "L2 penalty λ: (λ/2)‖θ‖² is added to the mean loss.") var l2: Double = 0
    @Option(help: "Centering coefficient c of (r_c + r_r)² (TRL's center_rewards_coefficient).") var center: Double = 0
    @Option(help: "Temperature τ.") var temperature: Double = 1
    @Option(help: "Stop minibatch training after this many epochs without validation improvement (holds out --validation-fraction of the training pairs).")
    var earlyStoppingPatience: Int?
    @Option(help: "Share of training pairs held out for validation when early stopping.") var validationFraction: Double = 0.1
    @Option(help: "Random seed (initialization, shuffling, validation split).") var seed: UInt64 = 0
    @Option(help: "Write the fitted model here (RewardKit model file).") var output: String?
    @Option(help: "Also export the weights as safetensors here.") var safetensors: String?
    @Option(help: "Write a JSON report here.") var report: String?
    @Flag(help: "Train in Double precision instead of Float.") var double = false

    func validate() throws {
        guard (testChosen == nil) == (testRejected == nil) else {
            throw ValidationError("--test-chosen and --test-rejected go together")
        }
        guard epochs >= 1, batchSize >= 1, learningRate > 0 else { throw ValidationError("epochs, batch size and learning rate must be positive") }
        guard l2 >= 0, center >= 0, temperature > 0 else { throw ValidationError("need --l2 ≥ 0, --center ≥ 0, --temperature > 0") }
        if head == .mlp, let solver, solver != .adam { throw ValidationError("the MLP head trains with --solver adam") }
        guard Activation(rawValue: activation) != nil else { throw ValidationError("--activation must be relu, gelu or tanh") }
        guard hiddenSizes != nil else { throw ValidationError("--hidden must be positive integers separated by commas, e.g. 256 or 512,128") }
        guard validationFraction > 0 && validationFraction < 1 else { throw ValidationError("--validation-fraction must lie in (0, 1)") }
    }

    var hiddenSizes: [Int]? {
        let sizes = hidden.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !sizes.isEmpty, sizes.allSatisfy({ $0 != nil && $0! > 0 }) else { return nil }
        return sizes.map { $0! }
    }

    func run() throws {
        if double { try fit(Double.self) } else { try fit(Float.self) }
    }

    private func fit<S: BLASScalar>(_: S.Type) throws {
        let url = { (path: String) in URL(fileURLWithPath: path) }
        let train = try FeaturePairs<S>.load(chosen: url(chosen), rejected: url(rejected), margins: margin.map(url))
        var test: FeaturePairs<S>?
        if let testChosen, let testRejected {
            test = try FeaturePairs<S>.load(chosen: url(testChosen), rejected: url(testRejected), knownUsers: train.users)
            guard test!.dimension == train.dimension else {
                throw CLIError("test features have dimension \(test!.dimension), training features \(train.dimension)")
            }
        }
        let objective = BradleyTerryObjective(temperature: temperature, centeringCoefficient: center, l2Penalty: l2)
        let chosenSolver = solver ?? (head == .linear ? .lbfgs : .adam)
        let progress = ProgressPrinter(label: "\(head.rawValue) head")
        var config = HeadTrainingConfiguration(objective: objective, epochs: epochs, batchSize: batchSize,
                                               learningRate: learningRate, seed: seed)
        config.earlyStoppingPatience = earlyStoppingPatience
        config.validationFraction = validationFraction
        let trained: TrainedHead<S>
        switch (head, chosenSolver) {
        case (.linear, .lbfgs): trained = try trainLinearFullBatch(train, solver: .lbfgs, objective: objective)
        case (.linear, .newton): trained = try trainLinearFullBatch(train, solver: .newton, objective: objective)
        case (.linear, .adam):
            trained = try trainMinibatch(.linear(LinearRewardHead(dimension: train.dimension, objective: objective)),
                                         train, config: config, observer: progress)
        case (.mlp, _):
            var rng = SeededGenerator(seed: seed)
            let mlp = MLPRewardHead<S>(inputSize: train.dimension, hiddenSizes: hiddenSizes!,
                                       activation: Activation(rawValue: activation)!, objective: objective, using: &rng)
            trained = try trainMinibatch(.mlp(mlp), train, config: config, observer: progress)
        }
        let trainProbabilities = trained.head.probabilities(chosen: train.chosen, rejected: train.rejected)
        var json: [String: JSONValue] = [
            "head": .string(head.rawValue),
            "solver": .string(chosenSolver.rawValue),
            "dtype": .string(S.self == Float.self ? "float32" : "float64"),
            "train_pairs": .number(Double(train.count)),
            "dimension": .number(Double(train.dimension)),
            "parameters": .number(Double(trained.head.parameterCount)),
            "train_loss": .number(PreferenceMetrics.logLoss(probabilities: trainProbabilities)),
            "train_accuracy": .number(PreferenceMetrics.accuracy(probabilities: trainProbabilities)),
            "fit_seconds": .number(trained.seconds),
            "pairs_per_second": .number(trained.pairsPerSecond),
            "objective": .object(["temperature": .number(temperature), "centering_coefficient": .number(center), "l2_penalty": .number(l2)]),
        ]
        for (key, value) in trained.details { json[key] = value }
        json["test_accuracy"] = .null
        json["test_log_loss"] = .null
        json["test_ece"] = .null
        if let test {
            let evaluation = evaluate(trained.head, on: test)
            json["test_pairs"] = .number(Double(test.count))
            json["test_accuracy"] = .number(evaluation.accuracy)
            json["test_log_loss"] = .number(evaluation.logLoss)
            json["test_ece"] = .number(evaluation.expectedCalibrationError)
            json["test_brier"] = .number(evaluation.brierScore)
            json["test"] = evaluation.jsonValue
        }
        if let output {
            try trained.head.save(to: url(output), metadata: ["fit": .object(json)])
            json["model"] = .string(output)
        }
        if let safetensors { try trained.head.exportSafeTensors(to: url(safetensors)) }
        if let report {
            try AtomicFileWriter.write(JSONValue.object(json).serialized(pretty: true) + "\n", to: url(report))
        }
        print("\(head.rawValue) head (\(chosenSolver.rawValue)), \(train.count) pairs × \(train.dimension) features, \(trained.head.parameterCount) parameters")
        print(String(format: "  fit %.3f s, %.0f pairs/s, train loss %.4f", trained.seconds, trained.pairsPerSecond,
                     json["train_loss"]!.doubleValue!))
        if let accuracy = json["test_accuracy"]?.doubleValue, let logLoss = json["test_log_loss"]?.doubleValue,
           let ece = json["test_ece"]?.doubleValue {
            print(String(format: "  test accuracy %.4f, log-loss %.4f, ECE %.4f", accuracy, logLoss, ece))
        }
        if let output { print("  model: \(output)") }
        if let report { print("  report: \(report)") }
    }
}

// MARK: Shared by fit, train and evaluate

/// A program error with a plain message (exit code 1).
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Hyperparameters of a minibatch head fit.
struct HeadTrainingConfiguration {
    var objective: BradleyTerryObjective
    var epochs: Int
    var batchSize: Int
    var learningRate: Double
    var seed: UInt64
    var earlyStoppingPatience: Int?
    var validationFraction = 0.1
}

/// A fitted head with its timing and a few facts about the fit for reports.
struct TrainedHead<S: BLASScalar> {
    var head: RewardHead<S>
    var seconds: Double
    var pairsPerSecond: Double
    var fitReport: FitReport?
    var details: [String: JSONValue]
}

/// Full-batch linear fit (L-BFGS or Newton).
func trainLinearFullBatch<S: BLASScalar>(
    _ train: FeaturePairs<S>, solver: LinearHeadSolver, objective: BradleyTerryObjective
) throws -> TrainedHead<S> {
    let clock = ContinuousClock()
    let began = clock.now
    let fit = try LinearRewardHead<S>.fit(FeaturePairsView(train), solver: solver, objective: objective)
    let seconds = (clock.now - began).inSeconds
    return TrainedHead(
        head: .linear(fit.head), seconds: seconds,
        pairsPerSecond: Double(train.count * fit.functionEvaluations) / max(seconds, 1e-9), fitReport: nil,
        details: ["iterations": .number(Double(fit.iterations)), "function_evaluations": .number(Double(fit.functionEvaluations)),
                  "converged": .bool(fit.converged), "stop_reason": .string(fit.stopReason.description),
                  "max_abs_gradient": .number(fit.maximumAbsoluteGradient), "objective_value": .number(fit.objectiveValue)])
}

/// Minibatch fit with Adam through the trainer; with early stopping a seeded validation split is held out.
func trainMinibatch<S: BLASScalar>(
    _ start: RewardHead<S>, _ train: FeaturePairs<S>, config: HeadTrainingConfiguration, observer: TrainingObserver?
) throws -> TrainedHead<S> {
    var head = start
    var fitSet = train
    var validation: FeaturePairs<S>?
    var early: PairwiseTrainer.EarlyStopping?
    if let patience = config.earlyStoppingPatience {
        let split = try train.split(testFraction: config.validationFraction, seed: config.seed &+ 1)
        fitSet = split.train
        validation = split.test
        early = PairwiseTrainer.EarlyStopping(patience: patience)
    }
    var adam = Adam<S>(learningRate: S(config.learningRate))
    let trainer = PairwiseTrainer(configuration: .init(epochs: config.epochs, batchSize: config.batchSize, seed: config.seed,
                                                       earlyStopping: early))
    let report = trainer.fit(&head, on: FeaturePairsView(fitSet), validation: validation.map { FeaturePairsView($0) },
                             optimizer: &adam, observer: observer)
    var curve: [JSONValue] = []
    for record in report.epochs {
        var entry: [String: JSONValue] = ["epoch": .number(Double(record.epoch)), "train_loss": .number(record.trainLoss),
                                          "seconds": .number(record.elapsedSeconds)]
        if let v = record.validationLoss { entry["validation_loss"] = .number(v) }
        if let a = record.validationAccuracy { entry["validation_accuracy"] = .number(a) }
        curve.append(.object(entry))
    }
    return TrainedHead(
        head: head, seconds: report.seconds, pairsPerSecond: report.pairsPerSecond, fitReport: report,
        details: ["epochs_run": .number(Double(report.epochs.count)), "steps": .number(Double(report.steps)),
                  "stop_reason": .string(report.stopReason.rawValue), "selected_epoch": .number(Double(report.selectedEpoch)),
                  "batch_size": .number(Double(config.batchSize)), "learning_rate": .number(config.learningRate),
                  "learning_curve": .array(curve)])
}

/// The metrics of a head on pairs (scores (r_c − r_r)/τ, reward statistics, users and groups when given).
func evaluate<S: BLASScalar>(_ head: RewardHead<S>, on pairs: FeaturePairs<S>, groups: UserGroups? = nil,
                             groupsSource: String = "groups.csv") -> PreferenceEvaluation {
    let rc = head.rewards(pairs.chosen), rr = head.rewards(pairs.rejected)
    let inverseTau = 1 / head.objective.temperature
    let scores = zip(rc, rr).map { (Double($0) - Double($1)) * inverseTau }
    let grouping = try? PairGrouping(pairs: pairs, groups: groups, groupsSource: groupsSource)
    var evaluation = PreferenceEvaluation(scores: scores, grouping: grouping ?? nil)
    evaluation.rewards = RewardStatistics(chosen: rc, rejected: rr)
    return evaluation
}

/// Training progress on stderr: a redrawn bar when stderr is a terminal, plain lines (one per epoch,
/// and one at most every 5 seconds within an epoch) otherwise.
final class ProgressPrinter: TrainingObserver {
    let label: String
    let isTerminal = isatty(2) != 0
    private var epochs = 1
    private var started = 0.0
    private var lastDraw = 0.0
    private var lastLine = 0.0

    init(label: String) { self.label = label }

    private func now() -> Double { Date().timeIntervalSince1970 }
    private func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }

    func trainingWillStart(epochs: Int, stepsPerEpoch: Int, pairs: Int) {
        self.epochs = epochs
        started = now()
        lastLine = started
        if !isTerminal { write("\(label): training on \(pairs) pairs, \(epochs) epochs × \(stepsPerEpoch) steps\n") }
    }

    func trainerDidStep(epoch: Int, step: Int, stepsPerEpoch: Int, loss: Double) {
        let t = now()
        let inEpoch = (step - 1) % stepsPerEpoch + 1
        if isTerminal {
            guard t - lastDraw > 0.1 || inEpoch == stepsPerEpoch else { return }
            lastDraw = t
            let total = epochs * stepsPerEpoch
            let width = 30
            let filled = min(width, Int(Double(step) / Double(max(total, 1)) * Double(width)))
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            write(String(format: "\r\(label) [\(bar)] epoch %d/%d step %d/%d loss %.4f", epoch, epochs, inEpoch, stepsPerEpoch, loss))
        } else if t - lastLine >= 5 {
            lastLine = t
            write(String(format: "\(label): epoch %d/%d step %d/%d loss %.4f (%.1f s)\n", epoch, epochs, inEpoch, stepsPerEpoch, loss, t - started))
        }
    }

    func trainerDidFinishEpoch(_ record: EpochRecord) {
        var line = String(format: "\(label): epoch %d/%d train loss %.4f", record.epoch, epochs, record.trainLoss)
        if let v = record.validationLoss, let a = record.validationAccuracy {
            line += String(format: ", validation loss %.4f accuracy %.4f", v, a)
        }
        line += String(format: " (%.2f s)", record.elapsedSeconds)
        if isTerminal { write("\r\u{1B}[2K" + line + "\n") } else { write(line + "\n") }
        lastLine = now()
    }

    func trainingDidFinish(_ report: FitReport) {
        if report.stopReason != .completedEpochs {
            write("\(label): stopped (\(report.stopReason)), keeping epoch \(report.selectedEpoch)\n")
        }
    }
}
