import Foundation

/// Hyperparameters of a minibatch reward-head fit (Adam through `PairwiseTrainer`).
public struct HeadTrainingConfiguration: Sendable, Equatable {
    /// The Bradley–Terry objective (temperature, centering, L2 penalty).
    public var objective: BradleyTerryObjective
    /// Passes over the training pairs.
    public var epochs: Int
    /// Pairs per Adam step.
    public var batchSize: Int
    /// Adam's step size.
    public var learningRate: Double
    /// Seed of the shuffles and of the validation split.
    public var seed: UInt64
    /// Epochs without a better validation loss before stopping; nil trains every epoch without a
    /// validation split.
    public var earlyStoppingPatience: Int?
    /// Share of the training pairs held out for early stopping (when a patience is set and no
    /// validation pairs are given).
    public var validationFraction: Double

    /// A configuration; the defaults are those of `rewardkit fit reward-head --solver adam`.
    public init(objective: BradleyTerryObjective = BradleyTerryObjective(), epochs: Int = 10, batchSize: Int = 256,
                learningRate: Double = 1e-3, seed: UInt64 = 0, earlyStoppingPatience: Int? = nil,
                validationFraction: Double = 0.1) {
        self.objective = objective
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.seed = seed
        self.earlyStoppingPatience = earlyStoppingPatience
        self.validationFraction = validationFraction
    }
}

/// A fitted reward head with its timing and the facts about the fit that reports show.
public struct TrainedHead<S: BLASScalar>: Sendable {
    /// The fitted head.
    public var head: RewardHead<S>
    /// Wall-clock seconds of the fit.
    public var seconds: Double
    /// Pairs processed per second (pairs × evaluations for full-batch solvers).
    public var pairsPerSecond: Double
    /// The trainer's report (minibatch fits only).
    public var fitReport: FitReport?
    /// Report entries (snake_case keys): iterations, stop reason, learning curve, …
    public var details: [String: JSONValue]

    /// A trained head; `details` are written into reports as they are.
    public init(head: RewardHead<S>, seconds: Double, pairsPerSecond: Double, fitReport: FitReport?, details: [String: JSONValue]) {
        self.head = head
        self.seconds = seconds
        self.pairsPerSecond = pairsPerSecond
        self.fitReport = fitReport
        self.details = details
    }
}

/// The reward-head fits that `rewardkit fit reward-head`, `rewardkit train`, the examples and the
/// tests share.
public enum HeadTraining {
    /// Full-batch linear fit (L-BFGS or Newton) of all of `train`.
    public static func fitLinearFullBatch<S: BLASScalar>(
        _ train: FeaturePairs<S>, solver: LinearHeadSolver, objective: BradleyTerryObjective
    ) throws -> TrainedHead<S> {
        let clock = ContinuousClock()
        let began = clock.now
        let fit = try LinearRewardHead<S>.fit(FeaturePairsView(train), solver: solver, objective: objective)
        return trained(fit, pairs: train.count, seconds: (clock.now - began).inSeconds)
    }

    /// Full-batch fit of a linear head from any source of the objective's terms: streamed row
    /// blocks of memory-mapped files (``StreamedLinearHeadDesign``) or a sharded, all-reduced
    /// objective. Reports the same details as ``fitLinearFullBatch(_:solver:objective:)``.
    public static func fitLinearFullBatch<S: BLASScalar>(
        terms: some LinearHeadObjectiveTerms, solver: LinearHeadSolver, objective: BradleyTerryObjective, as: S.Type = S.self
    ) throws -> TrainedHead<S> {
        let clock = ContinuousClock()
        let began = clock.now
        let fit = try LinearRewardHead<S>.fit(terms: terms, solver: solver, objective: objective)
        return trained(fit, pairs: terms.pairCount, seconds: (clock.now - began).inSeconds)
    }

    private static func trained<S: BLASScalar>(_ fit: LinearHeadFit<S>, pairs: Int, seconds: Double) -> TrainedHead<S> {
        TrainedHead(
            head: .linear(fit.head), seconds: seconds,
            pairsPerSecond: Double(pairs * fit.functionEvaluations) / max(seconds, 1e-9), fitReport: nil,
            details: ["iterations": .number(Double(fit.iterations)), "function_evaluations": .number(Double(fit.functionEvaluations)),
                      "converged": .bool(fit.converged), "stop_reason": .string(fit.stopReason.description),
                      "max_abs_gradient": .number(fit.maximumAbsoluteGradient), "objective_value": .number(fit.objectiveValue)])
    }

    /// Minibatch fit with Adam through the trainer, starting from `start`.
    ///
    /// Validation pairs, when given, drive early stopping; otherwise, with
    /// ``HeadTrainingConfiguration/earlyStoppingPatience`` set, a seeded share
    /// ``HeadTrainingConfiguration/validationFraction`` of `train` is held out (seed `seed + 1`).
    public static func fitMinibatch<S: BLASScalar>(
        _ start: RewardHead<S>, _ train: FeaturePairs<S>, validation given: FeaturePairs<S>? = nil,
        configuration config: HeadTrainingConfiguration, observer: TrainingObserver?
    ) throws -> TrainedHead<S> {
        var head = start
        var fitSet = train
        var validation = given
        var early: PairwiseTrainer.EarlyStopping?
        if let patience = config.earlyStoppingPatience {
            if validation == nil {
                let split = try train.split(testFraction: config.validationFraction, seed: config.seed &+ 1)
                fitSet = split.train
                validation = split.test
            }
            early = PairwiseTrainer.EarlyStopping(patience: patience)
        }
        var adam = Adam<S>(learningRate: S(config.learningRate))
        let trainer = PairwiseTrainer(configuration: .init(epochs: config.epochs, batchSize: config.batchSize, seed: config.seed,
                                                           earlyStopping: early))
        let report = trainer.fit(&head, on: FeaturePairsView(fitSet), validation: validation.map { FeaturePairsView($0) },
                                 optimizer: &adam, observer: observer)
        return trained(head, report: report, configuration: config)
    }

    /// Data-parallel minibatch fit with Adam: `shard` holds this process's rows of the training
    /// set, every process draws the same batches (the same seed) and the gradients are summed over
    /// the processes (``BatchSharding``), so every process ends with the same head — the
    /// single-process fit up to the order of summation. No early stopping (it needs a validation
    /// split that is not sharded).
    public static func fitMinibatch<S: BLASScalar>(
        _ start: RewardHead<S>, shard: FeaturePairsView<S>, sharding: BatchSharding,
        configuration config: HeadTrainingConfiguration, observer: TrainingObserver?
    ) -> TrainedHead<S> {
        precondition(config.earlyStoppingPatience == nil, "HeadTraining.fitMinibatch(shard:): early stopping is not sharded")
        var head = start
        var adam = Adam<S>(learningRate: S(config.learningRate))
        let trainer = PairwiseTrainer(configuration: .init(epochs: config.epochs, batchSize: config.batchSize, seed: config.seed))
        let report = trainer.fit(&head, on: shard, optimizer: &adam, observer: observer, sharding: sharding)
        return trained(head, report: report, configuration: config)
    }

    private static func trained<S: BLASScalar>(_ head: RewardHead<S>, report: FitReport, configuration config: HeadTrainingConfiguration)
        -> TrainedHead<S> {
        TrainedHead(
            head: head, seconds: report.seconds, pairsPerSecond: report.pairsPerSecond, fitReport: report,
            details: ["epochs_run": .number(Double(report.epochs.count)), "steps": .number(Double(report.steps)),
                      "stop_reason": .string(report.stopReason.rawValue), "selected_epoch": .number(Double(report.selectedEpoch)),
                      "batch_size": .number(Double(config.batchSize)), "learning_rate": .number(config.learningRate),
                      "learning_curve": learningCurve(report, withSeconds: true)])
    }

    /// The metrics of a head on pairs: scores (r_c − r_r)/τ, reward statistics, and per-group
    /// accuracy when the pairs have users and `groups` is given.
    ///
    /// A pair whose score is not finite (the head's arithmetic overflowed on its features) is a
    /// `DataError` naming `sources.chosen` and the pair's row, so that no report shows NaN or ∞
    /// as a metric.
    public static func evaluate<S: BLASScalar>(_ head: RewardHead<S>, on pairs: FeaturePairs<S>, groups: UserGroups? = nil,
                                               groupsSource: String = "groups.csv",
                                               sources: FeaturePairSources = FeaturePairSources()) throws(DataError) -> PreferenceEvaluation {
        let rc = head.rewards(pairs.chosen), rr = head.rewards(pairs.rejected)
        let inverseTau = 1 / head.objective.temperature
        let scores = zip(rc, rr).map { (Double($0) - Double($1)) * inverseTau }
        let grouping = try? PairGrouping(pairs: pairs, groups: groups, groupsSource: groupsSource)
        var evaluation: PreferenceEvaluation
        do throws(PreferenceEvaluationError) {
            evaluation = try PreferenceEvaluation.checked(scores: scores, grouping: grouping ?? nil)
        } catch {
            throw evaluationFailure(error, sources: sources)
        }
        evaluation.rewards = RewardStatistics(chosen: rc, rejected: rr)
        return evaluation
    }

    /// A `PreferenceEvaluationError` as a `DataError` naming the pairs' chosen file and the row.
    public static func evaluationFailure(_ error: PreferenceEvaluationError, sources: FeaturePairSources) -> DataError {
        DataError(file: sources.chosen, line: error.pair, reason: .invalidValue(
            "\(error); the features of this pair (in \(sources.chosen) and \(sources.rejected)) are too large for the model"))
    }

    /// A trainer report's epochs as report entries (`epoch`, `train_loss`, and `validation_loss`,
    /// `validation_accuracy`, `seconds` where known).
    public static func learningCurve(_ report: FitReport, withSeconds: Bool = false) -> JSONValue {
        .array(report.epochs.map { record in
            var entry: [String: JSONValue] = ["epoch": .number(Double(record.epoch)), "train_loss": .number(record.trainLoss)]
            if withSeconds { entry["seconds"] = .number(record.elapsedSeconds) }
            if let v = record.validationLoss { entry["validation_loss"] = .number(v) }
            if let a = record.validationAccuracy { entry["validation_accuracy"] = .number(a) }
            return .object(entry)
        })
    }
}
