import NumericCore

/// Receives the trainer's progress. The library never prints: programs attach an observer (the
/// `rewardkit` tool draws a progress bar on a terminal and plain lines otherwise).
///
/// Every method has an empty default implementation, so an observer implements only what it needs.
/// Observers are called on the thread that runs ``PairwiseTrainer/fit(_:on:validation:optimizer:observer:sharding:)``.
public protocol TrainingObserver: AnyObject {
    /// Called once before the first step with the number of epochs and steps per epoch.
    func trainingWillStart(epochs: Int, stepsPerEpoch: Int, pairs: Int)
    /// Called after every optimizer step: `step` counts from 1 over the whole run, `loss` is the
    /// minibatch objective (with penalties) before the step.
    func trainerDidStep(epoch: Int, step: Int, stepsPerEpoch: Int, loss: Double)
    /// Called after each epoch with that epoch's record (train loss, validation loss and accuracy).
    func trainerDidFinishEpoch(_ record: EpochRecord)
    /// Called once at the end with the report.
    func trainingDidFinish(_ report: FitReport)
}

extension TrainingObserver {
    /// Does nothing by default.
    public func trainingWillStart(epochs: Int, stepsPerEpoch: Int, pairs: Int) {}
    /// Does nothing by default.
    public func trainerDidStep(epoch: Int, step: Int, stepsPerEpoch: Int, loss: Double) {}
    /// Does nothing by default.
    public func trainerDidFinishEpoch(_ record: EpochRecord) {}
    /// Does nothing by default.
    public func trainingDidFinish(_ report: FitReport) {}
}
