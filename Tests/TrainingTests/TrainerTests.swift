import TestSupport
import Testing
@testable import FeatureModels
@testable import Layers
@testable import NumericCore
@testable import Optimizers
@testable import PreferenceData
@testable import Training

/// A one-parameter model whose gradient always pushes θ up by the learning rate per step, and whose
/// logits 5 − (θ − 3)² make the validation loss smallest at θ = 3: with SGD(lr 1) and one batch per
/// epoch θ after epoch e is e, so early stopping must pick epoch 3.
struct DriftingModel: PairwiseTrainable {
    var theta = Tensor<Double>([0])
    var parameters: [Tensor<Double>] {
        get { [theta] }
        set { theta = newValue[0] }
    }
    func lossAndGradients(on batch: PairBatch<Double>) -> (loss: Double, gradients: [Tensor<Double>]) {
        (-theta.scalars[0], [Tensor([-1])])
    }
    func preferenceLogits(on batch: PairBatch<Double>) -> [Double] {
        let t = theta.scalars[0]
        return Array(repeating: 5 - (t - 3) * (t - 3), count: batch.count)
    }
}

/// The worked example of Docs/Trainer.md: r(x) = xᵀAx.
struct QuadraticReward: PairwiseTrainable {
    var a: Tensor<Double>
    var parameters: [Tensor<Double>] {
        get { [a] }
        set { a = newValue[0] }
    }
    func rewards(_ x: Tensor<Double>) -> [Double] {
        let xa = x.matmul(a)
        return (0..<x.rowCount).map { i in zip(xa.rowArray(i), x.rowArray(i)).reduce(0) { $0 + $1.0 * $1.1 } }
    }
    func lossAndGradients(on batch: PairBatch<Double>) -> (loss: Double, gradients: [Tensor<Double>]) {
        let r = rewards(batch.responses)
        var dr = [Double](repeating: 0, count: r.count)
        let loss = r.withUnsafeBufferPointer { rp in dr.withUnsafeMutableBufferPointer { g in
            BradleyTerryObjective().pairLoss(rewards: rp, margins: batch.margins, weights: batch.weights, gradient: g) } }
        var scaled = batch.responses
        for i in 0..<scaled.rowCount { scaled.setRow(i, to: scaled.rowArray(i).map { $0 * dr[i] }) }
        return (loss, [scaled.matmul(batch.responses, transposeSelf: true)])
    }
    func preferenceLogits(on batch: PairBatch<Double>) -> [Double] {
        let r = rewards(batch.responses), n = batch.count
        return (0..<n).map { r[$0] - r[n + $0] }
    }
}

final class RecordingObserver: TrainingObserver {
    var started: (epochs: Int, steps: Int, pairs: Int)?
    var steps = [Int]()
    var epochs = [EpochRecord]()
    var finished: FitReport?
    func trainingWillStart(epochs: Int, stepsPerEpoch: Int, pairs: Int) { started = (epochs, stepsPerEpoch, pairs) }
    func trainerDidStep(epoch: Int, step: Int, stepsPerEpoch: Int, loss: Double) { steps.append(step) }
    func trainerDidFinishEpoch(_ record: EpochRecord) { epochs.append(record) }
    func trainingDidFinish(_ report: FitReport) { finished = report }
}

func tinyPairs(_ n: Int, dimension d: Int = 3, seed: UInt64 = 1) -> FeaturePairsView<Double> {
    var rng = SeededGenerator(seed: seed)
    return FeaturePairsView(chosen: Tensor.randomNormal(shape: [n, d], using: &rng), rejected: Tensor.randomNormal(shape: [n, d], using: &rng))
}

@Suite("Pairwise trainer")
struct TrainerTests {
    @Test("early stopping stops after `patience` epochs without improvement and restores the best epoch's weights")
    func earlyStoppingRestoresBest() {
        var model = DriftingModel()
        var sgd = SGD<Double>(learningRate: 1)
        let observer = RecordingObserver()
        let trainer = PairwiseTrainer(configuration: .init(epochs: 20, batchSize: 8, seed: 0, earlyStopping: .init(patience: 2)))
        let report = trainer.fit(&model, on: tinyPairs(8), validation: tinyPairs(4, seed: 2), optimizer: &sgd, observer: observer)
        #expect(report.stopReason == .earlyStopping)
        #expect(report.epochs.count == 5)                 // best at 3, no improvement at 4 and 5
        #expect(report.selectedEpoch == 3 && report.restoredBestWeights)
        #expect(model.theta.scalars == [3])
        let validationLosses = report.epochs.map { $0.validationLoss! }
        #expect(validationLosses.firstIndex(of: validationLosses.min()!) == 2)
        // Without restore the model keeps the last epoch's θ = 5.
        var keep = DriftingModel()
        var sgd2 = SGD<Double>(learningRate: 1)
        let noRestore = PairwiseTrainer(configuration: .init(epochs: 20, batchSize: 8, earlyStopping: .init(patience: 2, restoresBestWeights: false)))
            .fit(&keep, on: tinyPairs(8), validation: tinyPairs(4, seed: 2), optimizer: &sgd2)
        #expect(keep.theta.scalars == [5] && !noRestore.restoredBestWeights && noRestore.selectedEpoch == 5)
    }

    @Test("the observer hears every step and epoch; the report counts steps, pairs and time")
    func observerAndReport() {
        var model = DriftingModel()
        var sgd = SGD<Double>(learningRate: 0.1)
        let observer = RecordingObserver()
        let report = PairwiseTrainer(configuration: .init(epochs: 3, batchSize: 4, seed: 0))
            .fit(&model, on: tinyPairs(10), optimizer: &sgd, observer: observer)
        #expect(observer.started! == (3, 3, 10))
        #expect(observer.steps == Array(1...9))
        #expect(observer.epochs.map(\.epoch) == [1, 2, 3])
        #expect(observer.finished == report)
        #expect(report.steps == 9 && report.pairsProcessed == 30 && report.stopReason == .completedEpochs)
        #expect(report.seconds > 0 && report.pairsPerSecond > 0)
        #expect(Tolerance.isClose(model.theta.scalars[0], 0.9, rtol: 1e-12))
    }

    @Test("a learning-rate schedule sets the optimizer's rate per step")
    func schedule() {
        var model = DriftingModel()
        var sgd = SGD<Double>(learningRate: 1)
        let config = PairwiseTrainer.Configuration(epochs: 2, batchSize: 5, schedule: .linear(warmupSteps: 0, totalSteps: 4))
        let report = PairwiseTrainer(configuration: config).fit(&model, on: tinyPairs(10), optimizer: &sgd)
        // Factors 1, 3/4, 1/2, 1/4 → θ = 2.5.
        #expect(Tolerance.isClose(model.theta.scalars[0], 2.5, rtol: 1e-12))
        #expect(report.epochs.map(\.learningRate) == [0.75, 0.25])
    }

    @Test("a non-finite loss stops training and restores the initial weights")
    func nonFinite() {
        struct Exploding: PairwiseTrainable {
            var w = Tensor<Double>([1])
            var parameters: [Tensor<Double>] { get { [w] } set { w = newValue[0] } }
            func lossAndGradients(on batch: PairBatch<Double>) -> (loss: Double, gradients: [Tensor<Double>]) {
                (w.scalars[0] > 2 ? .nan : 0, [Tensor([-1])])
            }
            func preferenceLogits(on batch: PairBatch<Double>) -> [Double] { Array(repeating: 0, count: batch.count) }
        }
        var model = Exploding()
        var sgd = SGD<Double>(learningRate: 1)
        let report = PairwiseTrainer(configuration: .init(epochs: 5, batchSize: 10)).fit(&model, on: tinyPairs(10), optimizer: &sgd)
        #expect(report.stopReason == .nonFiniteLoss)
        // Epochs 1 (w 1→2) finished; epoch 2 steps w 2→3, epoch 3 sees NaN: the best epoch (1) is restored.
        #expect(model.w.scalars == [2] && report.selectedEpoch == 1)
    }

    @Test("seeded runs are reproducible; another seed shuffles differently")
    func reproducible() {
        let data = SyntheticFeaturePairs.mlp(Float.self, trainCount: 600, testCount: 10, dimension: 8, hiddenWidth: 4, seed: 3)
        func run(seed: UInt64) -> [Tensor<Float>] {
            var rng = SeededGenerator(seed: 9)
            var head = MLPRewardHead<Float>(inputSize: 8, hiddenSizes: [16], using: &rng)
            var adam = Adam<Float>(learningRate: 1e-2)
            _ = PairwiseTrainer(configuration: .init(epochs: 3, batchSize: 32, seed: seed)).fit(&head, on: FeaturePairsView(data.train), optimizer: &adam)
            return head.parameters
        }
        #expect(run(seed: 1) == run(seed: 1))
        #expect(run(seed: 1) != run(seed: 2))
    }

    @Test("gradient clipping bounds each step: with clip G and SGD(lr 1) a parameter moves at most G per step")
    func clipping() {
        var model = DriftingModel()
        var sgd = SGD<Double>(learningRate: 1)
        _ = PairwiseTrainer(configuration: .init(epochs: 4, batchSize: 10, gradientClipNorm: 0.25)).fit(&model, on: tinyPairs(10), optimizer: &sgd)
        #expect(Tolerance.isClose(model.theta.scalars[0], 4 * 0.25 / (1 + 1e-6), rtol: 1e-9))
    }

    @Test("the documented quadratic model trains through the trainer and learns a quadratic preference")
    func quadraticExample() {
        // Truth: r(x) = x₀² − x₁², labels by BT sampling.
        var rng = SeededGenerator(seed: 4)
        let n = 3000, d = 3
        var chosen = Tensor<Double>.randomNormal(shape: [n, d], using: &rng)
        var rejected = Tensor<Double>.randomNormal(shape: [n, d], using: &rng)
        func truth(_ x: [Double]) -> Double { 2 * (x[0] * x[0] - x[1] * x[1]) }
        for i in 0..<n {
            let a = chosen.rowArray(i), b = rejected.rowArray(i)
            if rng.nextOpenUnit() >= Double.sigmoid(truth(a) - truth(b)) {
                chosen.setRow(i, to: b); rejected.setRow(i, to: a)
            }
        }
        let all = FeaturePairsView(chosen: chosen, rejected: rejected)
        var model = QuadraticReward(a: .zeros(shape: [d, d]))
        var adam = Adam<Double>(learningRate: 5e-2)
        let report = PairwiseTrainer(configuration: .init(epochs: 15, batchSize: 128, seed: 1))
            .fit(&model, on: all, optimizer: &adam)
        let (loss, accuracy) = PairwiseTrainer.evaluate(model, on: all)
        #expect(report.epochs.last!.trainLoss < report.epochs.first!.trainLoss)
        #expect(accuracy > 0.8 && loss < 0.45)
        #expect(model.a[0, 0] > 0.5 && model.a[1, 1] < -0.5)
    }

    @Test("minibatch linear head with Adam reaches the full-batch optimum's held-out accuracy (±1 point)")
    func minibatchLinearMatchesFullBatch() throws {
        let data = SyntheticFeaturePairs.linear(Float.self, trainCount: 8000, testCount: 4000, dimension: 16, seed: 12)
        let full = try LinearRewardHead<Float>.fit(FeaturePairsView(data.train))
        var head = LinearRewardHead<Float>(dimension: 16)
        var adam = Adam<Float>(learningRate: 1e-2)
        let split = try data.train.split(testFraction: 0.1, seed: 1)
        let report = PairwiseTrainer(configuration: .init(epochs: 30, batchSize: 128, seed: 2, earlyStopping: .init(patience: 3)))
            .fit(&head, on: FeaturePairsView(split.train), validation: FeaturePairsView(split.test), optimizer: &adam)
        let test = FeaturePairsView(data.test)
        let minibatch = PairwiseTrainer.evaluate(head, on: test).accuracy
        let optimum = PairwiseTrainer.evaluate(full.head, on: test).accuracy
        #expect(abs(minibatch - optimum) < 0.01, "minibatch \(minibatch), full batch \(optimum), \(report.epochs.count) epochs")
    }

    @Test("an MLP head learns a nonlinear reward: held-out accuracy within 3 points of the oracle")
    func mlpLearns() throws {
        let data = SyntheticFeaturePairs.mlp(Float.self, trainCount: 20_000, testCount: 4000, dimension: 16, hiddenWidth: 8,
                                             rewardScale: 6, seed: 13)
        var rng = SeededGenerator(seed: 1)
        var head = MLPRewardHead<Float>(inputSize: 16, hiddenSizes: [64], activation: .gelu, using: &rng)
        var adam = Adam<Float>(learningRate: 3e-3)
        let split = try data.train.split(testFraction: 0.1, seed: 1)
        _ = PairwiseTrainer(configuration: .init(epochs: 25, batchSize: 128, seed: 3, earlyStopping: .init(patience: 3)))
            .fit(&head, on: FeaturePairsView(split.train), validation: FeaturePairsView(split.test), optimizer: &adam)
        let accuracy = PairwiseTrainer.evaluate(head, on: FeaturePairsView(data.test)).accuracy
        #expect(accuracy > data.oracleTestAccuracy - 0.03, "accuracy \(accuracy), oracle \(data.oracleTestAccuracy)")
    }
}
