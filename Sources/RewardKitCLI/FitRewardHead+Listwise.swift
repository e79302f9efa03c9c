import ArgumentParser
import Foundation
import RewardKit

/// `fit reward-head --rankings SETS.csv --features X.npy [--test-rankings T.csv]`: listwise heads.
struct ListwiseInputOptions: ParsableArguments {
    @Option(help: "Ranked response sets: CSV set,row,rank (rows of --features; rank 1 = best, equal ranks tie) or JSONL; trains a listwise (Plackett–Luce) head.")
    var rankings: String?
    @Option(help: "All responses' features, a rows×d .npy (with --rankings).") var features: String?
    @Option(help: "Held-out ranked sets over the rows of --features (with --rankings).") var testRankings: String?

    var isGiven: Bool { rankings != nil || features != nil || testRankings != nil }
}

extension FitRewardHead {
    func validateListwise() throws {
        guard listwise.rankings != nil, listwise.features != nil else {
            throw ValidationError("listwise training needs both --rankings SETS.csv and --features X.npy")
        }
        let pairOptions: [(String, Bool)] = [("--chosen", input.chosen != nil), ("--rejected", input.rejected != nil),
                                             ("--test-chosen", input.testChosen != nil), ("--test-rejected", input.testRejected != nil),
                                             ("--margins", marginsPath != nil), ("--users", input.users != nil),
                                             ("--test-users", input.testUsers != nil), ("--groups", input.groups != nil),
                                             ("--prompt", input.prompt != nil), ("--center", center != 0)]
        if let given = pairOptions.first(where: \.1) {
            throw ValidationError("\(given.0) is a pairwise option; listwise training (--rankings) takes --features and --test-rankings")
        }
        if distribution.distributed || distribution.outOfCore || noiseScores != nil {
            throw ValidationError("listwise training (--rankings) runs in one process on in-memory sets: no --distributed, --out-of-core or --noise-scores")
        }
        guard temperature > 0 else { throw ValidationError("need --temperature > 0") }
        if let solver, solver != .adam { throw ValidationError("listwise heads train with --solver adam") }
        guard Activation(rawValue: activation) != nil else { throw ValidationError("--activation must be relu, gelu or tanh") }
        guard let sizes = parseHidden(hidden), !sizes.isEmpty else {
            throw ValidationError("--hidden must be positive integers separated by commas, e.g. 256 or 512,128")
        }
    }

    func fitListwise<S: BLASScalar>(_: S.Type) throws {
        guard let rankingsPath = listwise.rankings, let featuresPath = listwise.features else { return }
        let train = try RankedResponses<S>.load(features: url(featuresPath), rankings: url(rankingsPath))
        let test = try listwise.testRankings.map { try RankedResponses<S>.load(features: url(featuresPath), rankings: url($0)) }
        let objective = BradleyTerryObjective(temperature: temperature, l2Penalty: l2)
        var config = HeadTrainingConfiguration(objective: objective, epochs: epochs, batchSize: batchSize,
                                               learningRate: learningRate, seed: seed)
        config.earlyStoppingPatience = training.earlyStoppingPatience
        config.validationFraction = training.validationFraction ?? 0.1
        let start = startingHead(S.self, dimension: train.dimension, objective: objective)
        let trained = HeadTraining.fitListwise(start, train, configuration: config, observer: reportOptions.progress("listwise \(head.rawValue) head"))
        let model = ListwiseRewardHead(trained.head)
        let trainEvaluation = model.evaluate(on: train)
        var json: [String: JSONValue] = [
            "command": "fit reward-head",
            "objective_kind": "listwise_plackett_luce",
            "head": .string(head.rawValue),
            "initialization": .string(head == .mlp ? initialization.rawValue : "zeros"),
            "solver": "adam",
            "dtype": .string(S.self == Float.self ? "float32" : "float64"),
            "train_sets": .number(Double(train.count)),
            "rows": .number(Double(train.features.rowCount)),
            "dimension": .number(Double(train.dimension)),
            "parameters": .number(Double(trained.head.parameterCount)),
            "train_loss": .number(trainEvaluation.loss),
            "train_pairwise_accuracy": .number(trainEvaluation.metrics.pairwiseAccuracy),
            "train_top1_accuracy": .number(trainEvaluation.metrics.topOneAccuracy),
            "train_kendall_tau": .number(trainEvaluation.metrics.kendallTau),
            "fit_seconds": .number(trained.seconds),
            "sets_per_second": .number(trained.pairsPerSecond),
            "objective": .object(["temperature": .number(temperature), "l2_penalty": .number(l2)]),
            "evaluated_on": .string(test == nil ? "train" : "test"),
        ]
        for (key, value) in trained.details { json[key] = value }
        if let stop = json["stop_reason"]?.stringValue { json["stop_reason"] = .string(snakeCase(stop)) }
        if let test {
            let evaluation = model.evaluate(on: test)
            json["test_sets"] = .number(Double(test.count))
            json["test_loss"] = .number(evaluation.loss)
            json["test_pairwise_accuracy"] = .number(evaluation.metrics.pairwiseAccuracy)
            json["test_top1_accuracy"] = .number(evaluation.metrics.topOneAccuracy)
            json["test_kendall_tau"] = .number(evaluation.metrics.kendallTau)
        }
        if let modelPath {
            try trained.head.save(to: url(modelPath), metadata: ["fit": ModelFile.withoutTiming(.object(json))])
            json["model"] = .string(modelPath)
        }
        if let safetensors = modelOutput.safetensors { try trained.head.exportSafeTensors(to: url(safetensors)) }
        try reportOptions.write(.object(json))
        print("listwise \(head.rawValue) head, \(train.count) ranked sets over \(train.features.rowCount) responses × \(train.dimension) features")
        print(String(format: "  fit %.3f s, train loss %.4f, pairwise accuracy %.4f, top-1 %.4f, Kendall τ %.4f", trained.seconds,
                     trainEvaluation.loss, trainEvaluation.metrics.pairwiseAccuracy, trainEvaluation.metrics.topOneAccuracy,
                     trainEvaluation.metrics.kendallTau))
        if let test = json["test_kendall_tau"]?.doubleValue, let accuracy = json["test_pairwise_accuracy"]?.doubleValue,
           let top = json["test_top1_accuracy"]?.doubleValue {
            print(String(format: "  test pairwise accuracy %.4f, top-1 %.4f, Kendall τ %.4f", accuracy, top, test))
        }
        if let modelPath { print("  model: \(modelPath)") }
    }
}
