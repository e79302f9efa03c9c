// Logistic regression with RewardKit's Layers and Optimizers modules.
//
// Generates labelled data from known weights (seeded), then fits r(x) = x·w + b by maximum
// likelihood twice: full-batch L-BFGS on the flattened parameter vector, and minibatch Adam with
// a cosine learning-rate schedule. Prints the recovered weights, their error against the
// generating weights, and how each optimizer stopped.
//
//     swift run -c release logistic-regression

import Foundation
import RewardKit

let sampleCount = 20_000
let dimension = 6
let batchSize = 200
let epochs = 20

// MARK: Data: xᵢ ~ N(0, I), yᵢ = +1 with probability σ(xᵢ·w* + b*), else −1.

var rng = SeededGenerator(seed: 20240611)
let trueWeights = (0..<dimension).map { _ in rng.nextNormal() }
let trueBias = 0.5
let features = Tensor<Double>.randomNormal(shape: [sampleCount, dimension], using: &rng)
let trueMargins = features.matvec(Tensor(trueWeights))
let labels = trueMargins.scalars.map { rng.nextOpenUnit() < Double.sigmoid($0 + trueBias) ? 1.0 : -1.0 }

// MARK: Model and loss: L(w, b) = (1/n) Σ softplus(−yᵢ·rᵢ), ∂L/∂rᵢ = −yᵢ·σ(−yᵢ·rᵢ)/n.

/// The mean logistic loss of `model` on `rows` and its parameter gradients [∂L/∂W, ∂L/∂b].
func lossAndGradients(_ model: Linear<Double>, rows x: Tensor<Double>, labels y: [Double]) -> (Double, [Tensor<Double>]) {
    let (r, cache) = model.forward(x)   // a Linear layer's cache is its input
    let n = Double(y.count)
    var loss = 0.0
    var dr = [Double](repeating: 0, count: y.count)
    for i in y.indices {
        let margin = y[i] * r.scalars[i]
        loss += Double.softplus(-margin)
        dr[i] = -y[i] * Double.sigmoid(-margin) / n
    }
    return (loss / n, model.parameterGradients(Tensor(shape: r.shape, scalars: dr), cache: cache))
}

func report(_ name: String, _ model: Linear<Double>) -> [Double] {
    let fitted = model.weight.scalars + [model.bias!.scalars[0]]
    let truth = trueWeights + [trueBias]
    let error = zip(fitted, truth).map { abs($0 - $1) }.max()!
    let format = { (v: [Double]) in v.map { String(format: "%+.3f", $0) }.joined(separator: " ") }
    print("  \(name) w, b: \(format(fitted))")
    print("  max |fitted − generating|: \(String(format: "%.4f", error))")
    return fitted
}

print("Logistic regression, n = \(sampleCount), d = \(dimension), seed 20240611")
print("  generating w, b: \((trueWeights + [trueBias]).map { String(format: "%+.3f", $0) }.joined(separator: " "))")

// MARK: Full-batch L-BFGS on the flat parameter vector.

var initializer = SeededGenerator(seed: 1)
let start = Linear<Double>(inputSize: dimension, outputSize: 1, initializer: .rewardHead, using: &initializer)
let layout = ParameterVector<Double>(describing: start.parameters)
var lbfgsModel = start
let clock = ContinuousClock()
let lbfgsStart = clock.now
let result = LBFGS<Double>(gradientTolerance: 1e-10).minimize(from: layout.flatten(start.parameters)) { theta, gradient in
    lbfgsModel.parameters = layout.unflatten(theta)
    let (loss, gradients) = lossAndGradients(lbfgsModel, rows: features, labels: labels)
    layout.flatten(gradients, into: &gradient)
    return loss
}
lbfgsModel.parameters = layout.unflatten(result.parameters)
let lbfgsTime = clock.now - lbfgsStart
print("\nL-BFGS (m = 10, strong Wolfe line search):")
let lbfgsFit = report("L-BFGS", lbfgsModel)
print("  stop: \(result.stopReason) after \(result.iterations) iterations, \(result.functionEvaluations) evaluations")
print("  loss \(String(format: "%.10f", result.value)), max |gradient| \(String(format: "%.1e", result.maximumAbsoluteGradient)), \(lbfgsTime)")

// MARK: Minibatch Adam with a cosine schedule.

var adamModel = start
var adam = Adam<Double>(learningRate: 0.05)
let stepsPerEpoch = sampleCount / batchSize
let schedule = LearningRateSchedule.cosine(warmupSteps: stepsPerEpoch, totalSteps: epochs * stepsPerEpoch)
var shuffler = SeededGenerator(seed: 2)
var step = 0
let adamStart = clock.now
for _ in 0..<epochs {
    let order = shuffler.permutation(sampleCount)
    for batchStart in stride(from: 0, to: sampleCount, by: batchSize) {
        let rows = order[batchStart ..< batchStart + batchSize]
        let (_, gradients) = lossAndGradients(adamModel, rows: features.gatherRows(rows), labels: rows.map { labels[$0] })
        var parameters = adamModel.parameters
        adam.learningRate = schedule.learningRate(base: 0.05, atStep: step)
        adam.update(&parameters, gradients: gradients)
        adamModel.parameters = parameters
        step += 1
    }
}
let adamTime = clock.now - adamStart
let (adamLoss, _) = lossAndGradients(adamModel, rows: features, labels: labels)
print("\nAdam (batch \(batchSize), \(epochs) epochs, cosine schedule from 0.05):")
let adamFit = report("Adam", adamModel)
let gap = zip(adamFit, lbfgsFit).map { abs($0 - $1) }.max()!
print("  \(step) steps, loss \(String(format: "%.10f", adamLoss)), max |Adam − L-BFGS| \(String(format: "%.1e", gap)), \(adamTime)")
