/// One epoch of a minibatch fit.
public struct EpochRecord: Sendable, Equatable, Codable {
    /// The epoch, counted from 1.
    public var epoch: Int
    /// The mean minibatch objective over the epoch (pair-weighted, penalties included), measured
    /// before each step as PyTorch loops do.
    public var trainLoss: Double
    /// The validation negative log-likelihood −(1/n)·Σ log σ(sᵢ) at the end of the epoch, if a
    /// validation set was given.
    public var validationLoss: Double?
    /// The validation accuracy (share of pairs with sᵢ > 0) at the end of the epoch.
    public var validationAccuracy: Double?
    /// The learning rate used by the epoch's last step.
    public var learningRate: Double
    /// Seconds since the fit started, at the end of the epoch.
    public var elapsedSeconds: Double

    /// A record of one epoch.
    public init(epoch: Int, trainLoss: Double, validationLoss: Double?, validationAccuracy: Double?,
                learningRate: Double, elapsedSeconds: Double) {
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.validationLoss = validationLoss
        self.validationAccuracy = validationAccuracy
        self.learningRate = learningRate
        self.elapsedSeconds = elapsedSeconds
    }
}

/// Why a minibatch fit stopped.
public enum TrainingStopReason: String, Sendable, Equatable, Codable, CustomStringConvertible {
    /// All requested epochs ran.
    case completedEpochs = "completed-epochs"
    /// The validation loss did not improve by `minimumDelta` for `patience` epochs.
    case earlyStopping = "early-stopping"
    /// The minibatch loss or a gradient became NaN or infinite.
    case nonFiniteLoss = "non-finite-loss"

    /// The raw value.
    public var description: String { rawValue }
}

/// What a minibatch fit did: the loss curve, why it stopped, and how fast it ran.
public struct FitReport: Sendable, Equatable, Codable {
    /// One record per epoch that ran.
    public var epochs: [EpochRecord]
    /// Why training stopped.
    public var stopReason: TrainingStopReason
    /// The epoch whose weights the model holds at the end (the best validation epoch when early
    /// stopping restored weights, else the last one).
    public var selectedEpoch: Int
    /// Whether the best weights were restored at the end.
    public var restoredBestWeights: Bool
    /// Optimizer steps taken.
    public var steps: Int
    /// Training pairs processed (pairs × epochs run).
    public var pairsProcessed: Int
    /// Wall-clock seconds of the whole fit (steps plus validation passes).
    public var seconds: Double
    /// Wall-clock seconds spent in validation passes (included in ``seconds``).
    public var validationSeconds: Double

    /// Training pairs per second of fit time.
    public var pairsPerSecond: Double { seconds > 0 ? Double(pairsProcessed) / seconds : 0 }
    /// The train loss of the last epoch.
    public var finalTrainLoss: Double? { epochs.last?.trainLoss }

    /// A report of a finished fit.
    public init(epochs: [EpochRecord], stopReason: TrainingStopReason, selectedEpoch: Int, restoredBestWeights: Bool,
                steps: Int, pairsProcessed: Int, seconds: Double, validationSeconds: Double) {
        self.epochs = epochs
        self.stopReason = stopReason
        self.selectedEpoch = selectedEpoch
        self.restoredBestWeights = restoredBestWeights
        self.steps = steps
        self.pairsProcessed = pairsProcessed
        self.seconds = seconds
        self.validationSeconds = validationSeconds
    }
}
