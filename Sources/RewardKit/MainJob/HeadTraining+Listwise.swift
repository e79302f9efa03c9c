import Foundation
import FeatureModels
import NumericCore
import Optimizers
import PreferenceData
import Training

extension HeadTraining {
    /// Trains `start` listwise (Plackett–Luce loss on ranked response sets) with Adam minibatches
    /// of whole sets in the `PairwiseTrainer`, as ``fitMinibatch(_:_:validation:configuration:observer:)``
    /// trains pairwise heads; with early stopping, a seeded share `validationFraction` of the
    /// training sets is held out for the validation loss (the mean Plackett–Luce loss per set).
    /// ``TrainedHead/pairsPerSecond`` then counts sets.
    public static func fitListwise<S: BLASScalar>(
        _ start: RewardHead<S>, _ train: RankedResponses<S>, configuration config: HeadTrainingConfiguration,
        observer: TrainingObserver?
    ) -> TrainedHead<S> {
        var head = ListwiseRewardHead(start)
        var fitSet = train
        var validation: RankedResponses<S>? = nil
        var early: PairwiseTrainer.EarlyStopping?
        if let patience = config.earlyStoppingPatience, train.count >= 2 {
            var rng = SeededGenerator(seed: config.seed &+ 1)
            let order = rng.permutation(train.count)
            let held = min(train.count - 1, max(1, Int((config.validationFraction * Double(train.count)).rounded())))
            validation = train.subset(order[..<held])
            fitSet = train.subset(order[held...])
            early = PairwiseTrainer.EarlyStopping(patience: patience)
        }
        var adam = Adam<S>(learningRate: S(config.learningRate))
        let trainer = PairwiseTrainer(configuration: .init(epochs: config.epochs, batchSize: config.batchSize, seed: config.seed,
                                                           earlyStopping: early))
        let report = trainer.fit(&head, on: fitSet, validate: validation.map { held in
            { (model: ListwiseRewardHead<S>) in
                let evaluation = model.evaluate(on: held)
                return (evaluation.loss, evaluation.metrics.pairwiseAccuracy)
            }
        }, optimizer: &adam, observer: observer)
        return TrainedHead(
            head: head.head, seconds: report.seconds, pairsPerSecond: report.pairsPerSecond, fitReport: report,
            details: ["epochs_run": .number(Double(report.epochs.count)), "steps": .number(Double(report.steps)),
                      "stop_reason": .string(report.stopReason.rawValue), "selected_epoch": .number(Double(report.selectedEpoch)),
                      "batch_size": .number(Double(config.batchSize)), "learning_rate": .number(config.learningRate),
                      "learning_curve": learningCurve(report, withSeconds: true)])
    }
}
