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
        try train.checkMagnitude(sources: FeaturePairSources(chosen: chosen, rejected: rejected))
        var test: FeaturePairs<S>?
        let testSources = FeaturePairSources(chosen: testChosen ?? "test chosen", rejected: testRejected ?? "test rejected")
        if let testChosen, let testRejected {
            let loaded = try FeaturePairs<S>.load(chosen: url(testChosen), rejected: url(testRejected), knownUsers: train.users)
            guard loaded.dimension == train.dimension else {
                throw CLIError("test features have dimension \(loaded.dimension), training features \(train.dimension)")
            }
            try loaded.checkMagnitude(sources: testSources)
            test = loaded
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
        case (.linear, .lbfgs): trained = try HeadTraining.fitLinearFullBatch(train, solver: .lbfgs, objective: objective)
        case (.linear, .newton): trained = try HeadTraining.fitLinearFullBatch(train, solver: .newton, objective: objective)
        case (.linear, .adam):
            trained = try HeadTraining.fitMinibatch(.linear(LinearRewardHead(dimension: train.dimension, objective: objective)),
                                                   train, configuration: config, observer: progress)
        case (.mlp, _):
            var rng = SeededGenerator(seed: seed)
            let mlp = MLPRewardHead<S>(inputSize: train.dimension, hiddenSizes: hiddenSizes!,
                                       activation: Activation(rawValue: activation)!, objective: objective, using: &rng)
            trained = try HeadTraining.fitMinibatch(.mlp(mlp), train, configuration: config, observer: progress)
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
            let evaluation = try HeadTraining.evaluate(trained.head, on: test, sources: testSources)
            json["test_pairs"] = .number(Double(test.count))
            json["test_accuracy"] = .number(evaluation.accuracy)
            json["test_log_loss"] = .number(evaluation.logLoss)
            json["test_ece"] = .number(evaluation.expectedCalibrationError)
            json["test_brier"] = .number(evaluation.brierScore)
            json["test"] = evaluation.jsonValue
        }
        if let output {
            // The model file carries the fit's facts but no timing, so the same seed writes the
            // same bytes; fit_seconds and pairs_per_second stay in the report.
            try trained.head.save(to: url(output), metadata: ["fit": ModelFile.withoutTiming(.object(json))])
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
