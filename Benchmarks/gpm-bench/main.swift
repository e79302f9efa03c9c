// W4 of ../shared/BENCHMARKS.md: feature-level GPM on cyclic preferences (64 features, 100k pairs).
//
//   swift run -c release gpm-bench [DATADIR] [--only peer_setup|best|fixed] [--threads N] [--custom k=v,...] [--profile]
//   (DATADIR defaults to /tmp/prefbench; --threads sets the BLAS thread count, default OpenBLAS's)
//
// Prints one JSON line per configuration, in the shape of ../shared/bench/peers.py:
// - "swift_gpm_k2_peer_setup": the peer's exact setup (64→128 ReLU→4, L2-normalized, λ = exp(ρ) learned,
//   τ = 1, Adam 1e-3, batch 512, 5 epochs) for a like-for-like pairs/s comparison with torch_gpm_k2;
// - "swift_gpm_k2_best": the best-accuracy setup found: τ = 0.1, λ = exp(ρ) learned from λ = τ, Adam 3e-3,
//   same architecture and budget (W4's labels are s = 10·v_aᵀRv_b with normalized v: λ → 1 is the truth);
// - "swift_gpm_k2_fixed": λ = 1 fixed, τ = 0.1 — the true family, but sharp from the first step; it stalls
//   in a poor optimum, which is why learned eigenvalues start at λ = τ (see Docs/GPM.md).
// --custom key=value,... runs one other setup (keys: tau, eigenvalues, epochs, lr, batch, hidden, dimension, seed).
// Time covers only the fit (PairwiseTrainer.fit, no validation set), like the peers; evaluation runs after.
import Foundation
import RewardKit

struct Options {
    var data = "/tmp/prefbench"
    var only: String?
    var custom: [String: String]?
    var profile = false
    var threads: Int?

    static func parse() -> Options {
        var options = Options()
        var arguments = Array(CommandLine.arguments.dropFirst())
        while !arguments.isEmpty {
            let a = arguments.removeFirst()
            if a == "--only", !arguments.isEmpty {
                options.only = arguments.removeFirst()
            } else if a == "--threads", !arguments.isEmpty {
                options.threads = Int(arguments.removeFirst())
            } else if a == "--profile" {
                options.profile = true
            } else if a == "--custom", !arguments.isEmpty {
                // --custom tau=0.1,eigenvalues=fixed,epochs=10,lr=0.003,batch=512,hidden=128,dimension=4,seed=0
                var pairs = [String: String]()
                for item in arguments.removeFirst().split(separator: ",") {
                    let kv = item.split(separator: "=", maxSplits: 1).map(String.init)
                    if kv.count == 2 { pairs[kv[0]] = kv[1] }
                }
                options.custom = pairs
            } else {
                options.data = a
            }
        }
        return options
    }
}

let options = Options.parse()
if let threads = options.threads { BLASRuntime.setThreadCount(threads) }

func load(_ name: String, from folder: String) -> Tensor<Float> {
    let url = URL(fileURLWithPath: folder).appendingPathComponent("w4").appendingPathComponent("\(name).npy")
    do { return try NumPyFile.readTensor(url) } catch {
        FileHandle.standardError.write("gpm-bench: \(error)\nGenerate the data with: python3 ../shared/bench/gen.py \(folder) --only w4\n".data(using: .utf8)!)
        exit(1)
    }
}

let chosen = load("chosen", from: options.data), rejected = load("rejected", from: options.data)
let testChosen = load("test_chosen", from: options.data), testRejected = load("test_rejected", from: options.data)
let oracle: Double? = {
    let url = URL(fileURLWithPath: options.data).appendingPathComponent("w4/meta.json")
    guard let bytes = try? Data(contentsOf: url), let json = try? JSONValue.parse(Array(bytes)) else { return nil }
    return json["test_oracle"]?["oracle_acc_empirical"]?.doubleValue
}()

func peakResidentMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024   // Linux reports KiB
}

/// Mean NLL softplus(−s/τ) and strict accuracy (s > 0) of a model on pairs.
func evaluate(_ model: FeatureGPM<Float>, _ c: Tensor<Float>, _ r: Tensor<Float>) -> (loss: Double, accuracy: Double) {
    PairwiseTrainer.evaluate(model, on: FeaturePairsView(chosen: c, rejected: r), batchSize: 8192)
}

struct Setup {
    var method: String
    var configuration: GPMConfiguration
    var epochs = 5
    var batchSize = 512
    var learningRate: Float = 1e-3
    var seed: UInt64 = 0
    var hidden = 128
    var note: String
}

let setups = [
    Setup(method: "swift_gpm_k2_peer_setup",
          configuration: GPMConfiguration(dimension: 4, temperature: 1, normalizesEmbeddings: true, eigenvalues: .learned),
          note: "64-128(ReLU)-4, L2-normalized, lambda = exp(rho) learned from 1, tau = 1, Adam 1e-3 (torch_gpm_k2's setup)"),
    Setup(method: "swift_gpm_k2_best",
          configuration: GPMConfiguration(dimension: 4, temperature: 0.1, normalizesEmbeddings: true, eigenvalues: .learned),
          learningRate: 3e-3,
          note: "64-128(ReLU)-4, L2-normalized, lambda = exp(rho) learned from tau, tau = 0.1, Adam 3e-3"),
    Setup(method: "swift_gpm_k2_fixed",
          configuration: GPMConfiguration(dimension: 4, temperature: 0.1, normalizesEmbeddings: true, eigenvalues: .fixed),
          note: "64-128(ReLU)-4, L2-normalized, lambda = 1 fixed, tau = 0.1, Adam 1e-3 (sharp from the first step: stalls)"),
]

if options.profile {
    Profile.run(chosen: chosen, rejected: rejected)
    exit(0)
}

var chosenSetups = setups
if let c = options.custom {
    let configuration = GPMConfiguration(dimension: Int(c["dimension"] ?? "4")!, temperature: Double(c["tau"] ?? "0.1")!,
                                         normalizesEmbeddings: (c["normalize"] ?? "true") == "true",
                                         eigenvalues: GPMEigenvalues(rawValue: c["eigenvalues"] ?? "fixed")!)
    chosenSetups = [Setup(method: "swift_gpm_custom", configuration: configuration, epochs: Int(c["epochs"] ?? "5")!,
                          batchSize: Int(c["batch"] ?? "512")!, learningRate: Float(c["lr"] ?? "0.001")!,
                          seed: UInt64(c["seed"] ?? "0")!, hidden: Int(c["hidden"] ?? "128")!,
                          note: c.keys.sorted().map { "\($0)=\(c[$0]!)" }.joined(separator: ","))]
}

for setup in chosenSetups where options.only == nil || setup.method.hasSuffix(options.only!) || setup.method.contains(options.only!) {
    var rng = SeededGenerator(seed: setup.seed)
    let model = FeatureGPM<Float>(featureCount: 64, hiddenSizes: [setup.hidden], activation: .relu,
                                  configuration: setup.configuration, using: &rng)
    var fitted = model
    var adam = Adam<Float>(learningRate: setup.learningRate)
    let trainer = PairwiseTrainer(configuration: .init(epochs: setup.epochs, batchSize: setup.batchSize, seed: setup.seed))
    let report = trainer.fit(&fitted, on: FeaturePairsView(chosen: chosen, rejected: rejected), optimizer: &adam)
    let (wall, steps) = (report.seconds, report.steps)
    let train = evaluate(fitted, chosen, rejected)
    let test = evaluate(fitted, testChosen, testRejected)
    var record: [String: JSONValue] = [
        "workload": "w4", "method": .string(setup.method), "wall_s": .number(wall),
        "threads": .number(Double(BLASRuntime.threadCount)), "blas_core": .string(BLASRuntime.coreName),
        "train_loss": .number(train.loss), "train_acc": .number(train.accuracy), "test_acc": .number(test.accuracy),
        "epochs": .number(Double(setup.epochs)), "batch": .number(Double(setup.batchSize)),
        "lr": .number(Double(setup.learningRate)), "optimizer": "Adam", "steps": .number(Double(steps)),
        "pairs_per_s": .number(Double(chosen.rowCount * setup.epochs) / wall),
        "n_params": .number(Double(fitted.parameterCount)), "arch": .string(setup.note),
        "peak_rss_mb": .number(peakResidentMegabytes()), "scalar": "Float32",
    ]
    if let oracle { record["oracle_test_acc"] = .number(oracle) }
    if setup.configuration.eigenvalues == .learned {
        record["learned_block_eigenvalues"] = .array(fitted.eigenvalues().scalars.map { .number(Double($0)) })
    }
    print(JSONValue.object(record).serialized())
}
