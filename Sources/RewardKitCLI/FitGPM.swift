import ArgumentParser
import Foundation
import RewardKit

/// `rewardkit fit gpm`: a general preference (skew-symmetric embedding) model, item-level from a
/// comparison file or feature-level from NumPy pairs.
struct GPMFit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gpm",
        abstract: "Fit a general preference model (GPM): embeddings in R^2k scored by a skew-symmetric operator, so cycles are representable.",
        discussion: """
        Items:    rewardkit fit gpm --comparisons FILE [--dimension 2k] [--temperature τ] [--restarts R] [--seed S] [--model-out MODEL] [--report FILE.json]
        Features: rewardkit fit gpm --chosen A.npy --rejected B.npy [--prompt P.npy] [--test-chosen C.npy --test-rejected D.npy] \
        [--dimension 2k] [--hidden N[,M]] [--temperature τ] [--epochs E] [--batch-size B] [--learning-rate η] [--seed S] [--model-out MODEL] [--report FILE.json]

        Feature defaults (2k = 4, hidden 128, τ = 0.1, learned eigenvalues from λ = τ, Adam 3e-3, batch 512, 5 epochs, seed 0) \
        are gpm-bench's best setup (W4: 0.901 test accuracy, oracle 0.909).

        s(a ≻ b) = Σ_l λ_l (v_a[2l] v_b[2l+1] − v_a[2l+1] v_b[2l]), P(a ≻ b) = σ(s/τ), with L2-normalized \
        embeddings v (in training and inference alike). Items are fit by full-batch L-BFGS from R random \
        starts (keeping the lowest loss); features by the shared minibatch trainer with Adam. Eigenvalues \
        default to fixed (λ = 1) for items, learned (λ = exp(ρ), from λ = τ) for features, and prompt-gated \
        (λ = k·softmax(x_p·W + b)) when --prompt is given. See Docs/GPM.md.
        """
    )

    enum EigenvalueOption: String, ExpressibleByArgument, CaseIterable {
        case fixed, learned, promptGated = "prompt-gated"

        var mode: GPMEigenvalues {
            switch self {
            case .fixed: .fixed
            case .learned: .learned
            case .promptGated: .promptGated
            }
        }
    }

    @OptionGroup(title: "Items") var items: ComparisonInputOptions
    @OptionGroup(title: "Features") var input: FeatureInputOptions
    @Option(help: "Embedding dimension 2k (even).") var dimension: Int = 4
    @Option(help: "Temperature τ in P = σ(s/τ).") var temperature: Double?
    @Option(help: ArgumentHelp("Old spelling of --temperature.", visibility: .hidden)) var tau: Double?
    @Option(help: "Margin m in the loss −log σ((s − m)/τ) (a number; training only).") var margin: Double = 0
    @Option(help: "Eigenvalues: fixed, learned, prompt-gated (default: fixed for items, learned for features, prompt-gated with --prompt).")
    var eigenvalues: EigenvalueOption?
    @Flag(help: "Do not L2-normalize the embeddings.") var noNormalize = false
    @Option(help: "Random starts for items (the lowest loss is kept).") var restarts: Int = 5
    @Option(help: "Hidden widths of the embedding MLP for features, comma-separated (0: a linear head).") var hidden: String = "128"
    @OptionGroup(title: "Training (features; defaults epochs 5, batch 512, learning rate 3e-3: gpm-bench's best setup)") var training: TrainingOptions
    @OptionGroup var seedOptions: SeedOptions
    @OptionGroup(title: "Model output") var modelOutput: ModelOutputOptions
    @Option(help: ArgumentHelp("Old spelling of --model-out.", visibility: .hidden)) var output: String?
    @OptionGroup(title: "Report") var reportOptions: ReportOptions

    var isItems: Bool { items.comparisons != nil }
    var tauValue: Double { temperature ?? tau ?? 0.1 }
    var epochs: Int { training.epochs ?? 5 }
    var batchSize: Int { training.batchSize ?? 512 }
    var learningRate: Double { training.learningRate ?? 3e-3 }
    var seed: UInt64 { seedOptions.seed }
    var hiddenSizes: [Int] { parseHidden(hidden) ?? [] }
    var modelPath: String? { modelOutput.modelOut ?? output }

    func validate() throws {
        if temperature != nil && tau != nil { throw ValidationError("give --temperature once (--tau is its old spelling)") }
        if modelOutput.modelOut != nil && output != nil { throw ValidationError("give --model-out once (--output is its old spelling)") }
        try training.rejectEarlyStopping(by: "fit gpm")
        if isItems {
            guard !input.hasFeatures && input.prompt == nil && input.testChosen == nil else {
                throw ValidationError("use either --comparisons (items) or --chosen/--rejected (features), not both")
            }
            try input.reject(["--users", "--groups", "--test-users", "--allow-unknown-users"], by: "fit gpm --comparisons")
            if eigenvalues == .promptGated { throw ValidationError("items have no prompt features: use --eigenvalues fixed or learned") }
        } else {
            guard input.chosen != nil && input.rejected != nil else {
                throw ValidationError("give --comparisons FILE for items, or --chosen A.npy --rejected B.npy for features")
            }
            // A GPM scores every user alike: users matter only for per-group test accuracy.
            try input.reject(["--users", "--allow-unknown-users", "--groups-without-test-users"], by: "fit gpm")
            if eigenvalues == .promptGated && input.prompt == nil { throw ValidationError("--eigenvalues prompt-gated needs --prompt P.npy") }
            if input.testChosen != nil && input.prompt != nil && input.testPrompt == nil && resolvedEigenvalues == .promptGated {
                throw ValidationError("a prompt-gated model needs --test-prompt for the held-out pairs")
            }
        }
        guard dimension >= 2 && dimension % 2 == 0 else { throw ValidationError("--dimension must be even and ≥ 2, got \(dimension)") }
        guard tauValue > 0 && tauValue.isFinite else { throw ValidationError("--temperature must be positive, got \(tauValue)") }
        guard margin.isFinite else { throw ValidationError("--margin must be finite") }
        guard restarts >= 1 else { throw ValidationError("--restarts must be ≥ 1") }
        guard parseHidden(hidden) != nil else { throw ValidationError("--hidden must be integers ≥ 0 separated by commas, e.g. 128 or 128,64") }
    }

    var resolvedEigenvalues: GPMEigenvalues {
        if let eigenvalues { return eigenvalues.mode }
        if isItems { return .fixed }
        return input.prompt == nil ? .learned : .promptGated
    }

    var gpmConfiguration: GPMConfiguration {
        GPMConfiguration(dimension: dimension, temperature: tauValue, margin: margin, normalizesEmbeddings: !noNormalize,
                         eigenvalues: resolvedEigenvalues)
    }

    func fail(_ message: String) -> CLIError { CLIError(message) }

    func run() throws {
        if isItems { try runItems() } else { try runFeatures() }
    }

    // MARK: Items

    func runItems() throws {
        let data: ComparisonSet
        let comparisons = try items.required()
        data = try ComparisonSet.load(contentsOf: url(comparisons))
        let model: ItemGPMModel
        do {
            model = try ItemGPM(configuration: gpmConfiguration, restarts: restarts, seed: seed).fit(data)
        } catch {
            throw fail("\(comparisons): \(error.description)")
        }
        let fit = model.report!
        let (dataCensus, cycles) = CyclicTriples.cycles(in: data)
        let scores = model.scoreMatrix()
        let captured = CyclicTriples.captured(cycles, scoreMatrix: scores)
        let modelCensus = CyclicTriples.census(scoreMatrix: scores)
        if let modelPath { try model.modelFile().write(to: url(modelPath)) }
        if let safetensors = modelOutput.safetensors { try model.modelFile().safeTensorsExport().write(to: url(safetensors)) }
        print("\(data.itemCount) items, \(data.count) comparisons; GPM 2k = \(dimension), τ = \(tauValue), eigenvalues \(resolvedEigenvalues.rawValue)")
        print("train accuracy \(format(fit.trainingAccuracy)), train loss \(format(fit.trainingLoss)), "
              + "best of \(restarts) starts (#\(fit.bestStart + 1), \(fit.starts[fit.bestStart].stopReason)), \(format(fit.seconds)) s")
        print("cyclic triples: data \(dataCensus.cyclic) of \(dataCensus.triples), captured by the model \(captured); "
              + "model tournament \(modelCensus.cyclic) of \(modelCensus.triples)")
        do {
            let json: [String: JSONValue] = [
                "command": "fit gpm", "evaluated_on": "train", "temperature": .number(tauValue),
                "mode": "items", "items": .number(Double(data.itemCount)), "comparisons": .number(Double(data.count)),
                "dimension": .number(Double(dimension)), "tau": .number(tauValue), "margin": .number(margin),
                "eigenvalues": .string(resolvedEigenvalues.rawValue),
                "normalized": .bool(!noNormalize), "restarts": .number(Double(restarts)), "seed": .number(Double(seed)),
                "train_accuracy": .number(fit.trainingAccuracy), "train_loss": .number(fit.trainingLoss),
                "fit_seconds": .number(fit.seconds),
                "best_start": .number(Double(fit.bestStart)), "start_objectives": .array(fit.starts.map { .number($0.objective) }),
                "start_iterations": .array(fit.starts.map { .number(Double($0.iterations)) }),
                "converged": .bool(fit.starts[fit.bestStart].converged),
                "stop_reason": .string(snakeCase(fit.starts[fit.bestStart].stopReason.description)),
                "eigenvalue_values": .array(model.eigenvalues.scalars.map { .number($0) }),
                "data_triples": .number(Double(dataCensus.triples)), "data_cyclic_triples": .number(Double(dataCensus.cyclic)),
                "captured_cyclic_triples": .number(Double(captured)), "model_cyclic_triples": .number(Double(modelCensus.cyclic)),
                "model_triples": .number(Double(modelCensus.triples)),
            ]
            try reportOptions.write(.object(json))
        }
    }

    // MARK: Features

    func runFeatures() throws {
        let train = try input.loadTrain(Float.self)
        let test = try input.loadTest(Float.self, known: train.users, dimension: train.dimension,
                                      knownSource: input.users ?? "the training data", perUserModel: false)
        let groups = try input.loadGroups()
        if let test, resolvedEigenvalues == .promptGated, test.promptDimension != train.promptDimension {
            throw DataError(file: input.testPrompt ?? "test prompts",
                            reason: .dimensionMismatch(expected: train.promptDimension, found: test.promptDimension))
        }
        var rng = SeededGenerator(seed: seed)
        var model = FeatureGPM<Float>(featureCount: train.dimension, hiddenSizes: hiddenSizes, activation: .relu,
                                      promptFeatureCount: resolvedEigenvalues == .promptGated ? train.promptDimension : 0,
                                      configuration: gpmConfiguration, using: &rng)
        var adam = Adam<Float>(learningRate: Float(learningRate))
        let trainer = PairwiseTrainer(configuration: .init(epochs: epochs, batchSize: batchSize, seed: seed))
        let trainView = FeaturePairsView(train)
        let fit = trainer.fit(&model, on: trainView, optimizer: &adam, observer: reportOptions.progress("gpm"))
        if fit.stopReason == .nonFiniteLoss { throw fail("training stopped: the loss became non-finite") }
        let trainMetrics = PairwiseTrainer.evaluate(model, on: trainView)
        let testMetrics = test.map { PairwiseTrainer.evaluate(model, on: FeaturePairsView($0)) }
        var testEvaluation: PreferenceEvaluation?
        if let test {
            let scores = model.scores(chosen: test.chosen, rejected: test.rejected, prompts: resolvedEigenvalues == .promptGated ? test.prompts : nil)
                .map { Double($0) / tauValue }
            try input.checkGroups(groups, cover: test.users)
            let grouping = try PairGrouping(pairs: test, groups: groups, groupsSource: input.groups ?? "groups.csv")
            do throws(PreferenceEvaluationError) {
                testEvaluation = try PreferenceEvaluation.checked(scores: scores, grouping: grouping)
            } catch {
                throw HeadTraining.evaluationFailure(error, sources: input.testSources)
            }
        }
        // Cyclic triples of the fitted tournament on up to 500 training responses (one embedding pass, one gemm).
        let sample = min(500, train.count)
        let pool = train.chosen.gatherRows(0..<sample)
        let firstPrompt: [Float]? = resolvedEigenvalues == .promptGated ? train.prompts!.rowArray(0) : nil
        let census = CyclicTriples.census(scoreMatrix: model.scoreMatrix(pool, prompt: firstPrompt))
        let extra: [String: JSONValue] = ["train_accuracy": .number(trainMetrics.accuracy), "epochs": .number(Double(epochs))]
        if let modelPath { try model.modelFile(extraMetadata: extra).write(to: url(modelPath)) }
        if let safetensors = modelOutput.safetensors { try model.modelFile(extraMetadata: extra).safeTensorsExport().write(to: url(safetensors)) }
        print("\(train.count) pairs of dimension \(train.dimension); GPM \(train.dimension)→\(hiddenSizes.map { "\($0)→" }.joined())\(dimension), "
              + "τ = \(tauValue), eigenvalues \(resolvedEigenvalues.rawValue)")
        print("train accuracy \(format(trainMetrics.accuracy)), train loss \(format(trainMetrics.loss))"
              + (testMetrics.map { ", test accuracy \(format($0.accuracy))" } ?? "")
              + "; \(fit.steps) steps in \(format(fit.seconds)) s (\(Int(fit.pairsPerSecond.rounded())) pairs/s)")
        print("cyclic triples among \(sample) training responses: \(census.cyclic) of \(census.triples) (\(format(census.cyclicFraction)))")
        do {
            var json: [String: JSONValue] = [
                "command": "fit gpm", "evaluated_on": .string(test == nil ? "train" : "test"), "temperature": .number(tauValue),
                "hidden_sizes": .array(hiddenSizes.map { .number(Double($0)) }),
                "mode": "features", "pairs": .number(Double(train.count)), "features": .number(Double(train.dimension)),
                "dimension": .number(Double(dimension)), "hidden": .number(Double(hiddenSizes.first ?? 0)), "tau": .number(tauValue),
                "margin": .number(margin), "eigenvalues": .string(resolvedEigenvalues.rawValue),
                "normalized": .bool(!noNormalize), "epochs": .number(Double(epochs)), "batch_size": .number(Double(batchSize)),
                "learning_rate": .number(learningRate), "seed": .number(Double(seed)),
                "train_accuracy": .number(trainMetrics.accuracy), "train_loss": .number(trainMetrics.loss),
                "fit_seconds": .number(fit.seconds), "pairs_per_second": .number(fit.pairsPerSecond), "steps": .number(Double(fit.steps)),
                "stop_reason": .string(snakeCase(fit.stopReason.rawValue)), "epoch_train_losses": .array(fit.epochs.map { .number($0.trainLoss) }),
                "model_cyclic_triple_fraction": .number(census.cyclicFraction), "cyclic_triple_sample": .number(Double(sample)),
            ]
            if let testMetrics {
                json["test_accuracy"] = .number(testMetrics.accuracy)
                json["test_loss"] = .number(testMetrics.loss)
            }
            if let testEvaluation {
                json["test"] = testEvaluation.jsonValue
                if let byGroup = testEvaluation.byGroup { json["per_group"] = perGroupJSON(byGroup) }
            }
            if resolvedEigenvalues == .learned {
                json["eigenvalue_values"] = .array(model.eigenvalues().scalars.map { .number(Double($0)) })
            }
            try reportOptions.write(.object(json))
        }
    }

    func format(_ x: Double) -> String { String(format: "%.4f", x) }
}
