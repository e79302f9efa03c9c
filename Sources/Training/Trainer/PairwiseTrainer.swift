import Dispatch
import NumericCore
import Optimizers
import PreferenceData

/// The one minibatch training loop of RewardKit. It fits any `PairwiseTrainable` model with any
/// first-order `Optimizer`: seeded shuffling, epochs, validation after every epoch, early stopping
/// with best-weights restore, a learning-rate schedule, gradient clipping by global norm, progress
/// through a ``TrainingObserver``, and a ``FitReport`` with the loss curve.
///
/// One step on the batch `B` of pair indices (consecutive slices of a seeded permutation of the
/// training pairs, `MinibatchSchedule`):
///
///     batch ← gather(B)                          rows copied into a reused [2|B|, d] buffer
///     (L, g) ← model.lossAndGradients(batch)
///     g ← g · min(1, G/‖g‖)                      when gradientClipNorm = G
///     η_t ← η₀ · schedule.factor(t)              η₀ = the optimizer's learning rate at the start
///     θ ← optimizer.update(θ, g)
///
/// After each epoch the validation pairs are scored with `PairwiseTrainable/preferenceLogits(on:)`:
/// validation loss `(1/n)Σ softplus(−sᵢ)`, accuracy `(1/n)Σ 1[sᵢ > 0]`. Early stopping watches the
/// validation loss (the epoch's train loss when there is no validation set): an epoch improves when
/// its loss is below the best so far by more than `minimumDelta`; after `patience` epochs without
/// improvement training stops and, if `restoresBestWeights`, the best epoch's parameters are put back.
///
/// ```swift
/// var head = MLPRewardHead<Float>(inputSize: 64, hiddenSizes: [128], using: &rng)
/// var adam = Adam<Float>(learningRate: 1e-3)
/// let trainer = PairwiseTrainer(configuration: .init(epochs: 20, batchSize: 256, seed: 1,
///                                                    earlyStopping: .init(patience: 3)))
/// let report = trainer.fit(&head, on: FeaturePairsView(train), validation: FeaturePairsView(valid),
///                          optimizer: &adam)
/// ```
public struct PairwiseTrainer: Sendable {
    /// When to stop before the last epoch.
    public struct EarlyStopping: Sendable, Equatable, Codable {
        /// Epochs without improvement tolerated before stopping.
        public var patience: Int
        /// The decrease of the monitored loss that counts as an improvement.
        public var minimumDelta: Double
        /// Whether the best epoch's parameters are restored when training ends.
        public var restoresBestWeights: Bool

        /// Stop after `patience` epochs without a validation-loss improvement larger than `minimumDelta`, and restore the best epoch's weights when asked.
        public init(patience: Int = 3, minimumDelta: Double = 0, restoresBestWeights: Bool = true) {
            precondition(patience >= 1, "EarlyStopping patience must be ≥ 1, got \(patience)")
            precondition(minimumDelta >= 0, "EarlyStopping minimumDelta must be ≥ 0, got \(minimumDelta)")
            self.patience = patience
            self.minimumDelta = minimumDelta
            self.restoresBestWeights = restoresBestWeights
        }
    }

    /// The loop's hyperparameters (the optimizer carries its own).
    public struct Configuration: Sendable, Equatable {
        /// The maximum number of passes over the training pairs.
        public var epochs: Int
        /// Pairs per step (the last batch of an epoch may be smaller unless `dropsLastPartialBatch`).
        public var batchSize: Int
        /// Seeds the shuffles: the same seed, data and model give the same fit.
        public var seed: UInt64
        /// Whether each epoch visits the pairs in a fresh seeded random order.
        public var shuffles: Bool
        /// Whether an epoch's last, smaller batch is skipped.
        public var dropsLastPartialBatch: Bool
        /// The learning-rate multiplier per step (applied to the optimizer's initial rate).
        public var schedule: LearningRateSchedule
        /// Clip the global gradient norm to this value before each update (nil: no clipping).
        public var gradientClipNorm: Double?
        /// Early stopping (nil: run every epoch; the final weights are the last epoch's).
        public var earlyStopping: EarlyStopping?
        /// Pairs scored at once in validation passes.
        public var validationBatchSize: Int

        /// The trainer's settings; the defaults are 10 epochs of batches of 256, seed 0, shuffled.
        public init(epochs: Int = 10, batchSize: Int = 256, seed: UInt64 = 0, shuffles: Bool = true,
                    dropsLastPartialBatch: Bool = false, schedule: LearningRateSchedule = .constant,
                    gradientClipNorm: Double? = nil, earlyStopping: EarlyStopping? = nil,
                    validationBatchSize: Int = 4096) {
            precondition(epochs >= 1, "trainer epochs must be ≥ 1, got \(epochs)")
            precondition(batchSize >= 1, "trainer batchSize must be ≥ 1, got \(batchSize)")
            precondition(gradientClipNorm == nil || gradientClipNorm! > 0, "gradientClipNorm must be positive, got \(gradientClipNorm!)")
            precondition(validationBatchSize >= 1, "validationBatchSize must be ≥ 1, got \(validationBatchSize)")
            self.epochs = epochs
            self.batchSize = batchSize
            self.seed = seed
            self.shuffles = shuffles
            self.dropsLastPartialBatch = dropsLastPartialBatch
            self.schedule = schedule
            self.gradientClipNorm = gradientClipNorm
            self.earlyStopping = earlyStopping
            self.validationBatchSize = validationBatchSize
        }

        /// Optimizer steps per epoch for `pairs` training pairs (to size a schedule's `totalSteps`).
        public func stepsPerEpoch(pairs: Int) -> Int {
            dropsLastPartialBatch ? pairs / batchSize : (pairs + batchSize - 1) / batchSize
        }
    }

    /// The loop's hyperparameters.
    public var configuration: Configuration

    /// A trainer with `configuration`.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Trains `model` in place on `train`, validating on `validation` after each epoch.
    ///
    /// - Returns: the loss curve, stop reason, timing and throughput. When early stopping restores
    ///   weights, `model` holds the best epoch's parameters; after a non-finite loss it holds the best
    ///   (or, before any epoch finished, the initial) parameters.
    ///
    /// With `sharding` (data-parallel training, ``BatchSharding``), `train` holds this process's
    /// rows of the global training set, batches are drawn over the global count, and each step's
    /// loss and gradients are summed over the processes; the epoch's train loss is the global one.
    /// Validation and early stopping are not sharded: pass neither.
    public func fit<Model: PairwiseTrainable, Opt: Optimizer>(
        _ model: inout Model, on train: FeaturePairsView<Model.Scalar>,
        validation: FeaturePairsView<Model.Scalar>? = nil, optimizer: inout Opt,
        observer: TrainingObserver? = nil, sharding: BatchSharding? = nil
    ) -> FitReport where Opt.Scalar == Model.Scalar {
        precondition(sharding == nil || (sharding!.rows.count == train.count && validation == nil && configuration.earlyStopping == nil),
                     "PairwiseTrainer.fit: a sharded fit needs the view of its \(sharding!.rows.count) rows and no validation or early stopping")
        if let validation {
            precondition(validation.chosen.columnCount == train.chosen.columnCount,
                         "validation dimension \(validation.chosen.columnCount) differs from training dimension \(train.chosen.columnCount)")
        }
        let batchSize = configuration.validationBatchSize
        return fit(&model, on: train, validate: validation.map { validation in
            { (model: Model) in Self.evaluate(model, on: validation, batchSize: batchSize) }
        }, optimizer: &optimizer, observer: observer, sharding: sharding)
    }

    /// Trains `model` in place on any minibatch source (pairs, ranked response sets), calling
    /// `validate` after each epoch for the validation loss and accuracy that early stopping
    /// monitors. Everything else — seeded batches, schedules, clipping, early stopping with
    /// best-weights restore, observers, the report (whose "pairs" count the source's units) — is
    /// the pairwise ``fit(_:on:validation:optimizer:observer:sharding:)``'s, data-parallel
    /// ``BatchSharding`` included (`train` then holds this process's units of the global set).
    public func fit<Model: MinibatchTrainable, Source: MinibatchSource, Opt: Optimizer>(
        _ model: inout Model, on train: Source, validate: ((Model) -> (loss: Double, accuracy: Double))?,
        optimizer: inout Opt, observer: TrainingObserver? = nil, sharding: BatchSharding? = nil
    ) -> FitReport where Source.Batch == Model.Batch, Opt.Scalar == Model.Scalar {
        typealias S = Model.Scalar
        let config = configuration
        let n = sharding?.globalCount ?? train.count
        precondition(n > 0, "PairwiseTrainer.fit needs at least one training pair")
        let schedule = MinibatchSchedule(count: n, batchSize: config.batchSize, seed: config.seed,
                                         shuffles: config.shuffles, dropsLastPartialBatch: config.dropsLastPartialBatch)
        let stepsPerEpoch = schedule.batchesPerEpoch
        precondition(stepsPerEpoch > 0, "PairwiseTrainer: \(n) pairs give no batch of \(config.batchSize) when the last partial batch is dropped")
        let baseRate = optimizer.learningRate
        let clock = ContinuousClock()
        let began = clock.now
        func elapsed() -> Double {
            let d = clock.now - began
            return d.inSeconds
        }
        observer?.trainingWillStart(epochs: config.epochs, stepsPerEpoch: stepsPerEpoch, pairs: n)

        let initialParameters = model.parameters
        var bestParameters: [Tensor<S>]? = nil
        var bestLoss = Double.infinity
        var bestEpoch = 0
        var epochsWithoutImprovement = 0
        var records = [EpochRecord]()
        var stop = TrainingStopReason.completedEpochs
        var step = 0
        var pairsProcessed = 0
        var validationSeconds = 0.0
        var batch = train.emptyBatch()
        var learningRate = baseRate

        epochLoop: for epoch in 1...config.epochs {
            var lossSum = 0.0
            var lossPairs = 0
            for indices in schedule.batches(epoch: epoch - 1) {
                var (loss, gradients): (Double, [Tensor<S>])
                if let sharding {
                    let local = sharding.localIndices(indices)
                    if !local.isEmpty { train.fill(&batch, indices: local[...]) }
                    (loss, gradients) = sharding.combinedStep(model, local: local.isEmpty ? nil : batch, localCount: local.count,
                                                              globalCount: indices.count)
                } else {
                    train.fill(&batch, indices: indices)
                    (loss, gradients) = model.lossAndGradients(on: batch)
                }
                if !loss.isFinite {
                    stop = .nonFiniteLoss
                    break epochLoop
                }
                if let clip = config.gradientClipNorm {
                    let norm = GradientClipping.clip(&gradients, maximumNorm: S(clip))
                    if !norm.isFinite {
                        stop = .nonFiniteLoss
                        break epochLoop
                    }
                }
                learningRate = config.schedule.learningRate(base: baseRate, atStep: step)
                optimizer.learningRate = learningRate
                var parameters = model.parameters
                optimizer.update(&parameters, gradients: gradients)
                model.parameters = parameters
                step += 1
                lossSum += loss * Double(indices.count)
                lossPairs += indices.count
                pairsProcessed += indices.count
                observer?.trainerDidStep(epoch: epoch, step: step, stepsPerEpoch: stepsPerEpoch, loss: loss)
            }
            let trainLoss = lossSum / Double(Swift.max(lossPairs, 1))
            var validationLoss: Double?
            var validationAccuracy: Double?
            if let validate {
                let started = elapsed()
                let (loss, accuracy) = validate(model)
                validationLoss = loss
                validationAccuracy = accuracy
                validationSeconds += elapsed() - started
            }
            let record = EpochRecord(epoch: epoch, trainLoss: trainLoss, validationLoss: validationLoss,
                                     validationAccuracy: validationAccuracy, learningRate: Double(learningRate),
                                     elapsedSeconds: elapsed())
            records.append(record)
            observer?.trainerDidFinishEpoch(record)
            let monitored = validationLoss ?? trainLoss
            if !monitored.isFinite {
                stop = .nonFiniteLoss
                break
            }
            if monitored < bestLoss - (config.earlyStopping?.minimumDelta ?? 0) {
                bestLoss = monitored
                bestEpoch = epoch
                epochsWithoutImprovement = 0
                bestParameters = model.parameters
            } else {
                epochsWithoutImprovement += 1
                if let early = config.earlyStopping, epochsWithoutImprovement >= early.patience {
                    stop = .earlyStopping
                    break
                }
            }
        }

        var restored = false
        var selectedEpoch = records.last?.epoch ?? 0
        if stop == .nonFiniteLoss {
            model.parameters = bestParameters ?? initialParameters
            restored = true
            selectedEpoch = bestParameters == nil ? 0 : bestEpoch
        } else if let early = config.earlyStopping, early.restoresBestWeights, let bestParameters, bestEpoch != selectedEpoch {
            model.parameters = bestParameters
            restored = true
            selectedEpoch = bestEpoch
        }
        let report = FitReport(epochs: records, stopReason: stop, selectedEpoch: selectedEpoch,
                               restoredBestWeights: restored, steps: step, pairsProcessed: pairsProcessed,
                               seconds: elapsed(), validationSeconds: validationSeconds)
        observer?.trainingDidFinish(report)
        return report
    }

    /// The mean negative log-likelihood `(1/n)Σ softplus(−sᵢ)` and accuracy `(1/n)Σ 1[sᵢ > 0]` of a
    /// model's logits on `pairs`, scored in batches of `batchSize`.
    public static func evaluate<Model: PairwiseTrainable>(
        _ model: Model, on pairs: FeaturePairsView<Model.Scalar>, batchSize: Int = 4096
    ) -> (loss: Double, accuracy: Double) {
        let logits = preferenceLogits(model, on: pairs, batchSize: batchSize)
        guard !logits.isEmpty else { return (0, 0) }
        var loss = 0.0
        var correct = 0
        for s in logits {
            let x = Double(s)
            loss += Double.softplus(-x)
            if x > 0 { correct += 1 }
        }
        return (loss / Double(logits.count), Double(correct) / Double(logits.count))
    }

    /// The model's log-odds `sᵢ` for every pair, scored in batches of `batchSize` pairs.
    public static func preferenceLogits<Model: PairwiseTrainable>(
        _ model: Model, on pairs: FeaturePairsView<Model.Scalar>, batchSize: Int = 4096
    ) -> [Model.Scalar] {
        precondition(batchSize >= 1, "preferenceLogits batchSize must be ≥ 1, got \(batchSize)")
        let n = pairs.count
        var logits = [Model.Scalar]()
        logits.reserveCapacity(n)
        var batch = PairBatch<Model.Scalar>(responses: Tensor.zeros(shape: [0, pairs.chosen.columnCount]))
        let order = Array(0..<n)
        var start = 0
        while start < n {
            let end = Swift.min(start + batchSize, n)
            batch.fill(from: pairs, indices: order[start..<end])
            logits.append(contentsOf: model.preferenceLogits(on: batch))
            start = end
        }
        return logits
    }
}
