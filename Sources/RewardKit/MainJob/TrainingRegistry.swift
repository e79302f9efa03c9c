import Foundation

/// A model family that `rewardkit train` fits and compares. To add one (GPM, a mixture), append an
/// entry to ``TrainingRegistry/families`` whose `fit` trains on `context.fit` (validating on
/// `context.validation` if it trains by minibatches, reporting through `observer`) and returns a
/// ``TrainingOutcome`` with test logits or probabilities, an optional model file and the fit report.
public struct TrainingFamily: Sendable {
    /// The name `--only` and the table use.
    public var name: String
    /// One line for `--list`.
    public var summary: String
    /// Mixture families need every pair's user (users.csv, test_users.csv); `train` skips them, with a
    /// note, on data without users.
    public var requiresUsers = false
    /// Fits the family on `context.fit` (validating on `context.validation`), reporting through the observer.
    public var fit: @Sendable (_ context: TrainingContext, _ observer: TrainingObserver) throws -> TrainingOutcome

    /// A family entry.
    public init(name: String, summary: String, requiresUsers: Bool = false,
                fit: @escaping @Sendable (_ context: TrainingContext, _ observer: TrainingObserver) throws -> TrainingOutcome) {
        self.name = name
        self.summary = summary
        self.requiresUsers = requiresUsers
        self.fit = fit
    }
}

/// What a family's fit returns; `evaluation` and `files` are filled in by `train`.
public struct TrainingOutcome {
    /// The family's name.
    public var name: String
    /// A short description for reports.
    public var summary: String
    /// Wall-clock seconds of the fit.
    public var fitSeconds: Double
    /// Per test pair: the log-odds of P(chosen ≻ rejected) …
    public var testScores: [Double]?
    /// … or the probability itself (models without a single logit, e.g. mixtures).
    public var testProbabilities: [Double]?
    /// Rewards of the test pairs' chosen and rejected responses, for models with a reward.
    public var testRewards: (chosen: [Double], rejected: [Double])?
    /// The trainer's report (minibatch families).
    public var fitReport: FitReport?
    /// The fitted model as a model file.
    public var modelFile: ModelFile?
    /// A safetensors export (reward heads).
    public var safeTensors: SafeTensorsFile?
    /// Family-specific report entries (snake_case keys).
    public var details: [String: JSONValue] = [:]
    /// The test metrics (filled in by ``TrainingRegistry/fit(_:on:observer:writingModelsTo:)``).
    public var evaluation: PreferenceEvaluation?
    /// The files written for this family.
    public var files: [String] = []

    /// An outcome; `evaluation` and `files` are filled in later.
    public init(name: String, summary: String, fitSeconds: Double, testScores: [Double]?, testProbabilities: [Double]?,
                testRewards: (chosen: [Double], rejected: [Double])?, fitReport: FitReport?, modelFile: ModelFile?,
                safeTensors: SafeTensorsFile?, details: [String: JSONValue] = [:]) {
        self.name = name
        self.summary = summary
        self.fitSeconds = fitSeconds
        self.testScores = testScores
        self.testProbabilities = testProbabilities
        self.testRewards = testRewards
        self.fitReport = fitReport
        self.modelFile = modelFile
        self.safeTensors = safeTensors
        self.details = details
    }

    /// The metrics of the outcome's test scores or probabilities on the context's test pairs; a
    /// pair whose score is not finite (or whose probability is not in [0, 1]) is a `DataError`
    /// naming the test file and the row, so that no report shows NaN or ∞ as a metric.
    public func evaluate(_ context: TrainingContext) throws(DataError) -> PreferenceEvaluation {
        let grouping = context.grouping(context.test)
        var evaluation: PreferenceEvaluation
        do throws(PreferenceEvaluationError) {
            if let testScores {
                evaluation = try PreferenceEvaluation.checked(scores: testScores, grouping: grouping)
            } else {
                evaluation = try PreferenceEvaluation.checked(probabilities: testProbabilities ?? [], grouping: grouping)
            }
        } catch {
            throw HeadTraining.evaluationFailure(error, sources: context.testSources)
        }
        if let testRewards { evaluation.rewards = RewardStatistics(chosen: testRewards.chosen, rejected: testRewards.rejected) }
        return evaluation
    }
}

/// The families of `rewardkit train`, in table order, and how they are fitted.
public enum TrainingRegistry {
    /// Every family `rewardkit train` fits, in table order.
    public static var families: [TrainingFamily] { [
        TrainingFamily(name: "linear-lbfgs", summary: "linear reward head, full-batch L-BFGS (λ = 1e-4)") { context, _ in
            let trained = try HeadTraining.fitLinearFullBatch(context.fit, solver: .lbfgs, objective: BradleyTerryObjective(l2Penalty: 1e-4))
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
                       fit: gpm),
        TrainingFamily(name: "maxmin-em", summary: "MaxMin-RLHF EM mixture, K = 2 linear Bradley–Terry heads, hard E-step, k-means++ start, 3 restarts (needs users.csv)",
                       requiresUsers: true, fit: mixtureEM),
        TrainingFamily(name: "pal-b", summary: "PAL-B mixture of K = 2 preference prototypes, linear projector d→32, Adam (lr 1e-2, batch 128, early stopping; needs users.csv)",
                       requiresUsers: true, fit: palB),
        // New families: add a TrainingFamily here.
    ] }

    /// The `gpm` family of `rewardkit train`: a 64→128→4 (ReLU) feature-level GPM with learned eigenvalues
    /// (from λ = τ = 0.1), Adam (lr 3e-3, batch 128), early stopping on the validation split.
    @Sendable static func gpm(_ context: TrainingContext, _ observer: TrainingObserver) throws -> TrainingOutcome {
        var rng = SeededGenerator(seed: context.seed)
        var model = FeatureGPM<Float>(featureCount: context.fit.dimension, hiddenSizes: [128], activation: .relu,
                                      configuration: GPMConfiguration(dimension: 4, temperature: 0.1, eigenvalues: .learned),
                                      using: &rng)
        var adam = Adam<Float>(learningRate: 3e-3)
        let trainer = PairwiseTrainer(configuration: .init(epochs: 60, batchSize: 128, seed: context.seed,
                                                           earlyStopping: .init(patience: 4)))
        let report = trainer.fit(&model, on: FeaturePairsView(context.fit), validation: FeaturePairsView(context.validation),
                                 optimizer: &adam, observer: observer)
        let logits = PairwiseTrainer.preferenceLogits(model, on: FeaturePairsView(context.test)).map(Double.init)
        let details: [String: JSONValue] = [
            "epochs_run": .number(Double(report.epochs.count)), "selected_epoch": .number(Double(report.selectedEpoch)),
            "stop_reason": .string(report.stopReason.rawValue), "steps": .number(Double(report.steps)),
            "parameters": .number(Double(model.parameterCount)), "pairs_per_second": .number(report.pairsPerSecond),
            "eigenvalues": .array(model.eigenvalues().scalars.map { .number(Double($0)) }),
        ]
        return TrainingOutcome(name: "gpm", summary: "GPM d→128→4 (skew-symmetric), learned λ, τ = 0.1, Adam",
                               fitSeconds: report.seconds, testScores: logits, testProbabilities: nil, testRewards: nil,
                               fitReport: report,
                               modelFile: model.modelFile(extraMetadata: ["trained_by": "rewardkit train", "name": "gpm"]),
                               safeTensors: nil, details: details)
    }

    /// Fits one family on the context, evaluates it on the test pairs and, with a folder, writes its
    /// model file (`NAME.rkmodel`) and safetensors export (`NAME.safetensors`) there.
    public static func fit(_ family: TrainingFamily, on context: TrainingContext, observer: TrainingObserver,
                           writingModelsTo models: URL? = nil) throws -> TrainingOutcome {
        var outcome = try family.fit(context, observer)
        outcome.evaluation = try outcome.evaluate(context)
        guard let models else { return outcome }
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
        return outcome
    }

    /// The mixture families need every pair's user; `train` skips them when ``TrainingContext/hasUsers``
    /// is false, and a direct call fails with this error.
    public static func requireUsers(_ context: TrainingContext, _ name: String) throws {
        guard context.hasUsers else {
            throw DataError(file: context.dataFolder.path, reason: .invalidValue(
                "\(name) needs users.csv and test_users.csv (or leave it out with --only)"))
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
        // The user names, so that `rewardkit evaluate` maps a users.csv onto the model's users.
        var file = model.modelFile
        file.metadata["users"] = .array(context.test.users.names.map { .string($0) })
        return TrainingOutcome(
            name: "pal-b", summary: "PAL-B, K = 2", fitSeconds: report.seconds, testScores: logits, testProbabilities: nil,
            testRewards: nil, fitReport: report, modelFile: file, safeTensors: nil,
            details: ["scale": .number(Double(model.scale)), "pairs_per_second": .number(report.pairsPerSecond),
                      "epochs_run": .number(Double(report.epochs.count)), "selected_epoch": .number(Double(report.selectedEpoch))])
    }

    /// Minibatch training on the context's fit/validation split.
    static func trainHead(_ start: RewardHead<Float>, _ context: TrainingContext, config: HeadTrainingConfiguration,
                          observer: TrainingObserver) throws -> TrainedHead<Float> {
        var trained = try HeadTraining.fitMinibatch(start, context.fit, validation: context.validation, configuration: config,
                                                    observer: observer)
        // summary.json has its own learning curve per family; the hyperparameters are in the summary line.
        for key in ["learning_curve", "batch_size", "learning_rate"] { trained.details[key] = nil }
        return trained
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
