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
        Items:    rewardkit fit gpm --comparisons FILE [--dimension 2k] [--tau τ] [--restarts R] [--seed S] [--report FILE.json]
        Features: rewardkit fit gpm --chosen A.npy --rejected B.npy [--prompt P.npy] [--test-chosen C.npy --test-rejected D.npy] \
        [--dimension 2k] [--hidden N] [--tau τ] [--epochs E] [--batch-size B] [--learning-rate η] [--seed S] [--output MODEL] [--report FILE.json]

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

    @Option(help: "Item comparison file (.csv with winner,loser[,tie,weight,annotator], or .jsonl).")
    var comparisons: String?

    @Option(help: "Chosen responses' features (.npy, n×d).")
    var chosen: String?

    @Option(help: "Rejected responses' features (.npy, n×d).")
    var rejected: String?

    @Option(help: "Prompt features (.npy, n×p) for prompt-gated eigenvalues.")
    var prompt: String?

    @Option(help: "Held-out chosen features (.npy).")
    var testChosen: String?

    @Option(help: "Held-out rejected features (.npy).")
    var testRejected: String?

    @Option(help: "Held-out prompt features (.npy), with --prompt.")
    var testPrompt: String?

    @Option(help: "Embedding dimension 2k (even).")
    var dimension: Int = 4

    @Option(help: "Temperature τ in P = σ(s/τ).")
    var tau: Double = 0.1

    @Option(help: "Margin m in the loss −log σ((s − m)/τ) (training only).")
    var margin: Double = 0

    @Option(help: "Eigenvalues: fixed, learned, prompt-gated (default: fixed for items, learned for features, prompt-gated with --prompt).")
    var eigenvalues: EigenvalueOption?

    @Flag(help: "Do not L2-normalize the embeddings.")
    var noNormalize = false

    @Option(help: "Random starts for items (the lowest loss is kept).")
    var restarts: Int = 5

    @Option(help: "Hidden width of the embedding MLP for features (0: a linear head).")
    var hidden: Int = 128

    @Option(help: "Training epochs (features).")
    var epochs: Int = 5

    @Option(help: "Pairs per minibatch (features).")
    var batchSize: Int = 512

    @Option(help: "Adam learning rate (features).")
    var learningRate: Double = 3e-3

    @Option(help: "Seed of the initialization, restarts and shuffling.")
    var seed: UInt64 = 0

    @Option(help: "Write the fitted model (RewardKit model file) to this path.")
    var output: String?

    @Option(help: "Write the fit report as JSON to this file.")
    var report: String?

    var isItems: Bool { comparisons != nil }

    func validate() throws {
        if isItems {
            guard chosen == nil && rejected == nil && prompt == nil && testChosen == nil && testRejected == nil else {
                throw ValidationError("use either --comparisons (items) or --chosen/--rejected (features), not both")
            }
            if eigenvalues == .promptGated { throw ValidationError("items have no prompt features: use --eigenvalues fixed or learned") }
        } else {
            guard chosen != nil && rejected != nil else {
                throw ValidationError("give --comparisons FILE for items, or --chosen A.npy --rejected B.npy for features")
            }
            guard (testChosen == nil) == (testRejected == nil) else { throw ValidationError("--test-chosen and --test-rejected go together") }
            if eigenvalues == .promptGated && prompt == nil { throw ValidationError("--eigenvalues prompt-gated needs --prompt P.npy") }
            if testChosen != nil && prompt != nil && testPrompt == nil && resolvedEigenvalues == .promptGated {
                throw ValidationError("a prompt-gated model needs --test-prompt for the held-out pairs")
            }
        }
        guard dimension >= 2 && dimension % 2 == 0 else { throw ValidationError("--dimension must be even and ≥ 2, got \(dimension)") }
        guard tau > 0 && tau.isFinite else { throw ValidationError("--tau must be positive, got \(tau)") }
        guard margin.isFinite else { throw ValidationError("--margin must be finite") }
        guard restarts >= 1 else { throw ValidationError("--restarts must be ≥ 1") }
        guard hidden >= 0 else { throw ValidationError("--hidden must be ≥ 0") }
        guard epochs >= 1 && batchSize >= 1 else { throw ValidationError("--epochs and --batch-size must be ≥ 1") }
        guard learningRate > 0 && learningRate.isFinite else { throw ValidationError("--learning-rate must be positive") }
    }

    var resolvedEigenvalues: GPMEigenvalues {
        if let eigenvalues { return eigenvalues.mode }
        if isItems { return .fixed }
        return prompt == nil ? .learned : .promptGated
    }

    var gpmConfiguration: GPMConfiguration {
        GPMConfiguration(dimension: dimension, temperature: tau, margin: margin, normalizesEmbeddings: !noNormalize,
                         eigenvalues: resolvedEigenvalues)
    }

    func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        return ExitCode.failure
    }

    func run() throws {
        if isItems { try runItems() } else { try runFeatures() }
    }

    // MARK: Items

    func runItems() throws {
        let data: ComparisonSet
        do { data = try ComparisonSet.load(contentsOf: URL(fileURLWithPath: comparisons!)) } catch { throw fail(error.description) }
        let model: ItemGPMModel
        do {
            model = try ItemGPM(configuration: gpmConfiguration, restarts: restarts, seed: seed).fit(data)
        } catch {
            throw fail(error.description)
        }
        let fit = model.report!
        let (dataCensus, cycles) = CyclicTriples.cycles(in: data)
        let scores = model.scoreMatrix()
        let captured = CyclicTriples.captured(cycles, scoreMatrix: scores)
        let modelCensus = CyclicTriples.census(scoreMatrix: scores)
        if let output {
            do { try model.modelFile().write(to: URL(fileURLWithPath: output)) } catch { throw fail(error.description) }
        }
        print("\(data.itemCount) items, \(data.count) comparisons; GPM 2k = \(dimension), τ = \(tau), eigenvalues \(resolvedEigenvalues.rawValue)")
        print("train accuracy \(format(fit.trainingAccuracy)), train loss \(format(fit.trainingLoss)), "
              + "best of \(restarts) starts (#\(fit.bestStart + 1), \(fit.starts[fit.bestStart].stopReason)), \(format(fit.seconds)) s")
        print("cyclic triples: data \(dataCensus.cyclic) of \(dataCensus.triples), captured by the model \(captured); "
              + "model tournament \(modelCensus.cyclic) of \(modelCensus.triples)")
        if let report {
            let json: [String: JSONValue] = [
                "mode": "items", "items": .number(Double(data.itemCount)), "comparisons": .number(Double(data.count)),
                "dimension": .number(Double(dimension)), "tau": .number(tau), "margin": .number(margin),
                "eigenvalues": .string(resolvedEigenvalues.rawValue),
                "normalized": .bool(!noNormalize), "restarts": .number(Double(restarts)), "seed": .number(Double(seed)),
                "train_accuracy": .number(fit.trainingAccuracy), "train_loss": .number(fit.trainingLoss),
                "fit_seconds": .number(fit.seconds),
                "best_start": .number(Double(fit.bestStart)), "start_objectives": .array(fit.starts.map { .number($0.objective) }),
                "start_iterations": .array(fit.starts.map { .number(Double($0.iterations)) }),
                "converged": .bool(fit.starts[fit.bestStart].converged),
                "stop_reason": .string(fit.starts[fit.bestStart].stopReason.description),
                "eigenvalue_values": .array(model.eigenvalues.scalars.map { .number($0) }),
                "data_triples": .number(Double(dataCensus.triples)), "data_cyclic_triples": .number(Double(dataCensus.cyclic)),
                "captured_cyclic_triples": .number(Double(captured)), "model_cyclic_triples": .number(Double(modelCensus.cyclic)),
                "model_triples": .number(Double(modelCensus.triples)),
            ]
            try writeReport(json, to: report)
        }
    }

    // MARK: Features

    func runFeatures() throws {
        let train: FeaturePairs<Float>
        var test: FeaturePairs<Float>?
        do {
            train = try FeaturePairs<Float>.load(chosen: URL(fileURLWithPath: chosen!), rejected: URL(fileURLWithPath: rejected!),
                                                 prompts: prompt.map { URL(fileURLWithPath: $0) })
            try train.checkMagnitude(sources: FeaturePairSources(chosen: chosen!, rejected: rejected!, prompts: prompt ?? "prompts"))
            if let testChosen, let testRejected {
                let loaded = try FeaturePairs<Float>.load(chosen: URL(fileURLWithPath: testChosen), rejected: URL(fileURLWithPath: testRejected),
                                                          prompts: testPrompt.map { URL(fileURLWithPath: $0) })
                try loaded.checkMagnitude(sources: FeaturePairSources(chosen: testChosen, rejected: testRejected,
                                                                      prompts: testPrompt ?? "test prompts"))
                test = loaded
            }
        } catch {
            throw fail(error.description)
        }
        if let test, test.dimension != train.dimension {
            throw fail("held-out features have dimension \(test.dimension), training features \(train.dimension)")
        }
        if let test, resolvedEigenvalues == .promptGated, test.promptDimension != train.promptDimension {
            throw fail("held-out prompts have dimension \(test.promptDimension), training prompts \(train.promptDimension)")
        }
        var rng = SeededGenerator(seed: seed)
        var model = FeatureGPM<Float>(featureCount: train.dimension, hiddenSizes: hidden > 0 ? [hidden] : [], activation: .relu,
                                      promptFeatureCount: resolvedEigenvalues == .promptGated ? train.promptDimension : 0,
                                      configuration: gpmConfiguration, using: &rng)
        var adam = Adam<Float>(learningRate: Float(learningRate))
        let trainer = PairwiseTrainer(configuration: .init(epochs: epochs, batchSize: batchSize, seed: seed))
        let trainView = FeaturePairsView(train)
        let fit = trainer.fit(&model, on: trainView, optimizer: &adam)
        if fit.stopReason == .nonFiniteLoss { throw fail("training stopped: the loss became non-finite") }
        let trainMetrics = PairwiseTrainer.evaluate(model, on: trainView)
        let testMetrics = test.map { PairwiseTrainer.evaluate(model, on: FeaturePairsView($0)) }
        // Cyclic triples of the fitted tournament on up to 500 training responses (one embedding pass, one gemm).
        let sample = min(500, train.count)
        let pool = train.chosen.gatherRows(0..<sample)
        let firstPrompt: [Float]? = resolvedEigenvalues == .promptGated ? train.prompts!.rowArray(0) : nil
        let census = CyclicTriples.census(scoreMatrix: model.scoreMatrix(pool, prompt: firstPrompt))
        if let output {
            let extra: [String: JSONValue] = ["train_accuracy": .number(trainMetrics.accuracy), "epochs": .number(Double(epochs))]
            do { try model.modelFile(extraMetadata: extra).write(to: URL(fileURLWithPath: output)) } catch { throw fail(error.description) }
        }
        print("\(train.count) pairs of dimension \(train.dimension); GPM \(train.dimension)→\(hidden > 0 ? "\(hidden)→" : "")\(dimension), "
              + "τ = \(tau), eigenvalues \(resolvedEigenvalues.rawValue)")
        print("train accuracy \(format(trainMetrics.accuracy)), train loss \(format(trainMetrics.loss))"
              + (testMetrics.map { ", test accuracy \(format($0.accuracy))" } ?? "")
              + "; \(fit.steps) steps in \(format(fit.seconds)) s (\(Int(fit.pairsPerSecond.rounded())) pairs/s)")
        print("cyclic triples among \(sample) training responses: \(census.cyclic) of \(census.triples) (\(format(census.cyclicFraction)))")
        if let report {
            var json: [String: JSONValue] = [
                "mode": "features", "pairs": .number(Double(train.count)), "features": .number(Double(train.dimension)),
                "dimension": .number(Double(dimension)), "hidden": .number(Double(hidden)), "tau": .number(tau),
                "margin": .number(margin), "eigenvalues": .string(resolvedEigenvalues.rawValue),
                "normalized": .bool(!noNormalize), "epochs": .number(Double(epochs)), "batch_size": .number(Double(batchSize)),
                "learning_rate": .number(learningRate), "seed": .number(Double(seed)),
                "train_accuracy": .number(trainMetrics.accuracy), "train_loss": .number(trainMetrics.loss),
                "fit_seconds": .number(fit.seconds), "pairs_per_second": .number(fit.pairsPerSecond), "steps": .number(Double(fit.steps)),
                "stop_reason": .string(fit.stopReason.rawValue), "epoch_train_losses": .array(fit.epochs.map { .number($0.trainLoss) }),
                "model_cyclic_triple_fraction": .number(census.cyclicFraction), "cyclic_triple_sample": .number(Double(sample)),
            ]
            if let testMetrics {
                json["test_accuracy"] = .number(testMetrics.accuracy)
                json["test_loss"] = .number(testMetrics.loss)
            }
            if resolvedEigenvalues == .learned {
                json["eigenvalue_values"] = .array(model.eigenvalues().scalars.map { .number(Double($0)) })
            }
            try writeReport(json, to: report)
        }
    }

    func writeReport(_ json: [String: JSONValue], to path: String) throws {
        do {
            try AtomicFileWriter.write(JSONValue.object(json).serialized(pretty: true) + "\n", to: URL(fileURLWithPath: path))
        } catch {
            throw fail("cannot write \(path): \(error.detail)")
        }
    }

    func format(_ x: Double) -> String { String(format: "%.4f", x) }
}
