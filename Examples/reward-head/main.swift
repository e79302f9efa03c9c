// Trains a linear and an MLP Bradley–Terry reward head on the embeddings shipped in
// Data/embeddings and prints held-out metrics.
//
//   swift run -c release reward-head [DATA_DIR] [--epochs N]
//
// `--epochs N` caps the MLP's epochs (default 60, with early stopping).
import Foundation
import RewardKit

var positional = [String]()
var mlpEpochs = 60
var argumentList = Array(CommandLine.arguments.dropFirst())
while !argumentList.isEmpty {
    let argument = argumentList.removeFirst()
    if argument == "--epochs", let n = argumentList.first.flatMap(Int.init), n > 0 {
        argumentList.removeFirst()
        mlpEpochs = n
    } else {
        positional.append(argument)
    }
}

let folder: URL = {
    if let path = positional.first { return URL(fileURLWithPath: path) }
    let here = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Data/embeddings")
    if FileManager.default.fileExists(atPath: here.appendingPathComponent("chosen.npy").path) { return here }
    return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Data/embeddings")
}()

func report(_ name: String, _ head: RewardHead<Float>, _ test: FeaturePairs<Float>, seconds: Double) {
    let rc = head.rewards(test.chosen), rr = head.rewards(test.rejected)
    let evaluation = PreferenceEvaluation(chosenRewards: rc, rejectedRewards: rr)
    print(name.padding(toLength: 26, withPad: " ", startingAt: 0)
          + String(format: "accuracy %.4f  log-loss %.4f  ECE %.4f  Brier %.4f  fit %.3f s",
                   evaluation.accuracy, evaluation.logLoss, evaluation.expectedCalibrationError, evaluation.brierScore, seconds))
}

do {
    let train = try FeaturePairs<Float>.load(folder: folder)
    let test = try FeaturePairs<Float>.load(folder: folder, prefix: "test_", knownUsers: train.users)
    print("\(train.count) training pairs, \(test.count) test pairs, \(train.dimension) features (\(folder.path))\n")

    // 1. Linear head r(x) = w·x, full-batch L-BFGS on the mean BT loss + (λ/2)‖w‖².
    let linear = try LinearRewardHead<Float>.fit(FeaturePairsView(train), solver: .lbfgs,
                                                 objective: BradleyTerryObjective(l2Penalty: 1e-4))
    report("linear head (L-BFGS)", .linear(linear.head), test, seconds: linear.seconds)

    // 2. The same head by Newton's method (Hessian Dᵀ·diag(p(1−p))·D/n + λI, Cholesky solve).
    let newton = try LinearRewardHead<Float>.fit(FeaturePairsView(train), solver: .newton(gradientTolerance: 1e-7),
                                                 objective: BradleyTerryObjective(l2Penalty: 1e-4))
    report("linear head (Newton)", .linear(newton.head), test, seconds: newton.seconds)

    // 3. An MLP head d→128→1 with Adam minibatches, early stopping on a 10% validation split.
    let split = try train.split(testFraction: 0.1, seed: 1)
    var rng = SeededGenerator(seed: 1)
    var mlp = MLPRewardHead<Float>(inputSize: train.dimension, hiddenSizes: [128], activation: .relu,
                                   objective: BradleyTerryObjective(centeringCoefficient: 0.01), using: &rng)
    var adam = Adam<Float>(learningRate: 1e-3)
    let trainer = PairwiseTrainer(configuration: .init(epochs: mlpEpochs, batchSize: 128, seed: 1,
                                                       earlyStopping: .init(patience: 4)))
    let fit = trainer.fit(&mlp, on: FeaturePairsView(split.train), validation: FeaturePairsView(split.test), optimizer: &adam)
    report("MLP head (Adam, centered)", .mlp(mlp), test, seconds: fit.seconds)
    print("  MLP: \(fit.epochs.count) epochs (\(fit.stopReason)), kept epoch \(fit.selectedEpoch), "
          + String(format: "%.0f pairs/s", fit.pairsPerSecond))
} catch {
    FileHandle.standardError.write(Data("reward-head: \(error)\n".utf8))
    exit(1)
}
