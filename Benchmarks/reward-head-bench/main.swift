// Reward-head benchmark on the shared workloads W2 (linear head) and W3 (MLP head), on the same
// files as the Python peers (`python3 ../shared/bench/gen.py /tmp/prefbench --only w2,w3`).
//
//   swift run -c release reward-head-bench /tmp/prefbench w2 [swift_linear_lbfgs|swift_linear_newton|swift_linear_adam_b512]
//   swift run -c release reward-head-bench /tmp/prefbench w3 [swift_mlp_b256|swift_mlp_b1024]
//
// Prints one JSON line per run in the peers' shape: `wall_s` is fit time only (after loading; for
// the full-batch linear head the untimed `prep_s` builds d = chosen − rejected, as the scikit-learn
// peer's does), `train_loss` the mean BT negative log-likelihood at the final parameters, `test_acc`
// the share of test pairs with r(chosen) > r(rejected). `run.sh` runs the peers side by side.
import Foundation
import RewardKit

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// VmHWM (peak resident set) and VmRSS in MB from /proc/self/status.
func memoryMB() -> (rss: Double, peak: Double) {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return (0, 0) }
    var rss = 0.0, peak = 0.0
    for line in text.split(separator: "\n") {
        let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard parts.count >= 2, let kb = Double(parts[1]) else { continue }
        if parts[0] == "VmRSS:" { rss = kb / 1024 }
        if parts[0] == "VmHWM:" { peak = kb / 1024 }
    }
    return (rss, peak)
}

func emit(_ record: [String: Any]) {
    let data = try! JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

func oracle(_ dir: URL) -> Double? {
    guard let data = try? Data(contentsOf: dir.appending(path: "meta.json")),
          let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
          let test = json["test_oracle"] as? [String: Any] else { return nil }
    return test["oracle_acc_empirical"] as? Double
}

func accuracyAndLoss(_ probabilities: [Float]) -> (accuracy: Double, logLoss: Double) {
    var correct = 0
    var loss = 0.0
    for p in probabilities {
        if p > 0.5 { correct += 1 }
        loss -= Foundation.log(max(Double(p), 1e-300))
    }
    return (Double(correct) / Double(probabilities.count), loss / Double(probabilities.count))
}

/// Per-step cost of each part of an MLP training step on random data (W3 shapes), median of repeats,
/// wall clock and process CPU time: gather, forward+backward (`lossAndGradients`), Adam, raw GEMMs.
func profileStep(dimension d: Int = 768, hidden: Int = 256, batch: Int = 256, pairs n: Int = 20_000) {
    var rng = SeededGenerator(seed: 1)
    let pairs = FeaturePairsView(chosen: Tensor<Float>.randomNormal(shape: [n, d], using: &rng),
                                 rejected: Tensor<Float>.randomNormal(shape: [n, d], using: &rng))
    let head = MLPRewardHead<Float>(inputSize: d, hiddenSizes: [hidden], using: &rng)
    var batchBuffer = PairBatch<Float>(responses: Tensor.zeros(shape: [2 * batch, d]))
    let order = rng.permutation(n)
    func cpu() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6
    }
    func time(_ label: String, repeats: Int = 200, _ body: (Int) -> Void) {
        body(0)
        var walls = [Double]()
        let c0 = cpu()
        for r in 0..<repeats {
            let t0 = now()
            body(r)
            walls.append(now() - t0)
        }
        walls.sort()
        print(String(format: "%-28@ median %.3f ms  min %.3f ms  cpu/step %.3f ms", label as NSString, walls[repeats / 2] * 1e3, walls[0] * 1e3,
                     (cpu() - c0) / Double(repeats) * 1e3))
    }
    time("gather 2×\(batch) rows") { r in
        let start = (r * batch) % (n - batch)
        batchBuffer.fill(from: pairs, indices: order[start..<(start + batch)])
    }
    time("lossAndGradients") { _ in _ = head.lossAndGradients(on: batchBuffer) }
    time("rewards (forward only)") { _ in _ = head.rewards(batchBuffer.responses) }
    let linear = LinearRewardHead<Float>(dimension: d)
    time("linear head lossAndGradients") { _ in _ = linear.lossAndGradients(on: batchBuffer) }
    var adam = Adam<Float>(learningRate: 1e-3)
    var parameters = head.parameters
    let gradients = head.lossAndGradients(on: batchBuffer).gradients
    time("Adam update") { _ in adam.update(&parameters, gradients: gradients) }
    var model = head
    time("parameters get+set") { _ in
        let p = model.parameters
        model.parameters = p
    }
    let x = batchBuffer.responses
    let w = head.network.layers[0].weight
    var z = Tensor<Float>.zeros(shape: [2 * batch, hidden])
    time("gemm forward \(2 * batch)×\(d)·\(d)×\(hidden)") { _ in z.formMatmul(x, w) }
    var dw = Tensor<Float>.zeros(shape: [d, hidden])
    time("gemm weight-grad Xᵀ·δ") { _ in dw.formMatmul(x, z, transposeA: true) }
    var dwt = Tensor<Float>.zeros(shape: [hidden, d])
    time("gemm δᵀ·X (torch layout)") { _ in dwt.formMatmul(z, x, transposeA: true) }
    let flop = 2.0 * 2 * Double(2 * batch * d * hidden)
    print(String(format: "GEMM work per step %.1f MFLOP = %.2f ms at 200 GFLOP/s", flop / 1e6, flop / 200e9 * 1e3))
}

let arguments = CommandLine.arguments
if arguments.count == 2 && arguments[1] == "profile" {
    profileStep()
    exit(0)
}
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: reward-head-bench DATADIR w2|w3 [METHOD]\n".utf8))
    exit(2)
}
let root = URL(fileURLWithPath: arguments[1])
let workload = arguments[2]
let method = arguments.count > 3 ? arguments[3] : (workload == "w2" ? "swift_linear_lbfgs" : "swift_mlp_b256")
let dir = root.appending(path: workload)

func load(_ prefix: String) throws -> FeaturePairs<Float> {
    try FeaturePairs<Float>.load(chosen: dir.appending(path: "\(prefix)chosen.npy"),
                                 rejected: dir.appending(path: "\(prefix)rejected.npy"))
}

do {
    let train = try load("")
    let test = try load("test_")
    let memoryBefore = memoryMB()
    let n = train.count, d = train.dimension
    var record: [String: Any] = [
        "workload": workload, "method": method, "threads": BLASRuntime.threadCount, "blas_core": BLASRuntime.coreName,
        "n_train": n, "dim": d, "data_mb": Double(2 * n * d * 4) / 1_048_576,
    ]
    if let oracle = oracle(dir) { record["oracle_test_acc"] = oracle }
    let head: RewardHead<Float>
    switch method {
    case "swift_linear_lbfgs", "swift_linear_newton":
        // The peers' scikit-learn fit minimizes Σ loss + ½‖w‖²/C with C = 1e4, i.e. the mean loss
        // plus (λ/2)‖w‖² with λ = 1/(C·n).
        let objective = BradleyTerryObjective(l2Penalty: 1e-4 / Double(n))
        let prepStart = now()
        let design = LinearHeadDesign(FeaturePairsView(train), includesSums: false)
        record["prep_s"] = now() - prepStart
        let solver: LinearHeadSolver = method == "swift_linear_lbfgs"
            ? .lbfgs(gradientTolerance: 1e-6, relativeFunctionTolerance: 1e-10) : .newton(gradientTolerance: 1e-7)
        let start = now()
        let fit = try LinearRewardHead<Float>.fit(design: design, solver: solver, objective: objective)
        record["wall_s"] = now() - start
        record["iters"] = fit.iterations
        record["function_evaluations"] = fit.functionEvaluations
        record["stop_reason"] = fit.stopReason.description
        record["max_abs_gradient"] = fit.maximumAbsoluteGradient
        record["data_passes_per_s"] = Double(fit.functionEvaluations) / (record["wall_s"] as! Double)
        head = .linear(fit.head)
        if let trueW = try? NumPyFile.readTensor(dir.appending(path: "true_w.npy"), as: Double.self) {
            let w = fit.weights
            let dot = zip(w, trueW.scalars).reduce(0) { $0 + $1.0 * $1.1 }
            let nw = w.reduce(0) { $0 + $1 * $1 }.squareRoot(), nt = trueW.scalars.reduce(0) { $0 + $1 * $1 }.squareRoot()
            record["cosine_true_w"] = dot / (nw * nt)
        }
    case "trace_lbfgs":
        // Diagnostics: every objective evaluation of the full-batch L-BFGS fit.
        let objective = BradleyTerryObjective(l2Penalty: 1e-4 / Double(n))
        let design = LinearHeadDesign(FeaturePairsView(train), includesSums: false)
        var count = 0
        let solver = LBFGS<Double>(gradientTolerance: 1e-6, relativeFunctionTolerance: 1e-10)
        let result = solver.minimize(from: [Double](repeating: 0, count: d)) { x, g in
            var gradient: [Double]? = g
            let value = design.value(at: x, objective: objective, gradient: &gradient)
            g = gradient!
            count += 1
            let norm = x.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let gmax = g.reduce(0) { max($0, abs($1)) }
            print(String(format: "eval %2d  f %.10f  max|g| %.3e  |w| %.4f", count, value, gmax, norm))
            return value
        }
        print("iterations \(result.iterations), evaluations \(result.functionEvaluations), \(result.stopReason)")
        exit(0)
    case "swift_linear_adam_b512", "swift_mlp_b256", "swift_mlp_b1024":
        let isLinear = method.hasPrefix("swift_linear")
        let batch = isLinear ? 512 : (method.hasSuffix("b256") ? 256 : 1024)
        let seed = UInt64(ProcessInfo.processInfo.environment["SEED"] ?? "0") ?? 0
        var rng = SeededGenerator(seed: seed)
        var model: RewardHead<Float>
        if isLinear {
            model = .linear(LinearRewardHead(dimension: d))
        } else {
            // The peer's initialization: torch.nn.Linear's default, U(±1/√fanIn) for weights and biases.
            model = .mlp(MLPRewardHead<Float>.pytorchInitialized(inputSize: d, hiddenSizes: [256], activation: .relu, using: &rng))
            record["init"] = "U(±1/√fanIn) (torch.nn.Linear default)"
            record["seed"] = Int(seed)
        }
        var adam = Adam<Float>(learningRate: 1e-3)
        let trainer = PairwiseTrainer(configuration: .init(epochs: 3, batchSize: batch, seed: seed))
        let view = FeaturePairsView(train)
        let report = trainer.fit(&model, on: view, optimizer: &adam)
        record["wall_s"] = report.seconds
        record["pairs_per_s"] = report.pairsPerSecond
        record["steps"] = report.steps
        record["epochs"] = 3
        record["batch"] = batch
        record["lr"] = 1e-3
        record["optimizer"] = "Adam"
        record["last_epoch_mean_batch_loss"] = report.finalTrainLoss ?? .nan
        if !isLinear {
            // 2 responses × (forward 768×256 + weight gradient 768×256) × 2 flop per multiply-add.
            let flop = Double(2 * 2 * 2 * d * 256) * Double(n) * 3
            record["arch"] = "\(d)-256(ReLU)-1"
            record["gemm_gflop_total"] = flop / 1e9
            record["gemm_gflops_achieved"] = flop / 1e9 / report.seconds
            record["fraction_of_200_gflops"] = flop / 1e9 / report.seconds / 200
        }
        head = model
    default:
        FileHandle.standardError.write(Data("unknown method \(method)\n".utf8))
        exit(2)
    }
    let memoryAfter = memoryMB()
    record["rss_before_fit_mb"] = memoryBefore.rss
    record["peak_rss_mb"] = memoryAfter.peak
    record["train_loss"] = accuracyAndLoss(head.probabilities(chosen: train.chosen, rejected: train.rejected)).logLoss
    let testMetrics = accuracyAndLoss(head.probabilities(chosen: test.chosen, rejected: test.rejected))
    record["test_acc"] = testMetrics.accuracy
    record["test_log_loss"] = testMetrics.logLoss
    emit(record)
} catch {
    FileHandle.standardError.write(Data("reward-head-bench: \(error)\n".utf8))
    exit(1)
}
