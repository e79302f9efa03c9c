import Foundation
import RewardKit

/// `gpm-bench --profile`: CPU seconds per phase of a training step (run with OPENBLAS_NUM_THREADS=1 so
/// process CPU time is the work, whatever the machine's load).
enum Profile {
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) * 1e-6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) * 1e-6
    }

    static func run(chosen: Tensor<Float>, rejected: Tensor<Float>, steps: Int = 300) {
        var rng = SeededGenerator(seed: 0)
        var model = FeatureGPM<Float>(featureCount: 64, hiddenSizes: [128], activation: .relu,
                                      configuration: GPMConfiguration(dimension: 4, temperature: 1, eigenvalues: .learned), using: &rng)
        let pairs = FeaturePairsView(chosen: chosen, rejected: rejected)
        var batch = PairBatch<Float>(responses: .zeros(shape: [1024, 64]))
        var adam = Adam<Float>(learningRate: 1e-3)
        let order = rng.permutation(pairs.count)
        var times = [String: Double]()
        func time(_ name: String, _ body: () -> Void) {
            let t = cpuSeconds()
            body()
            times[name, default: 0] += cpuSeconds() - t
        }
        let normalization = L2Normalization<Float>()
        for step in 0..<steps {
            let slice = order[(step * 512 % 99_000)..<(step * 512 % 99_000 + 512)]
            time("fill") { batch.fill(from: pairs, indices: slice) }
            var gradients = [Tensor<Float>]()
            time("lossAndGradients (total)") { gradients = model.lossAndGradients(on: batch).gradients }
            time("embed (head forward, no cache)") { _ = model.embed(batch.responses) }
            time("preferenceLogits") { _ = model.preferenceLogits(on: batch) }
            var cache: MLP<Float>.Cache?
            var u = Tensor<Float>.zeros(shape: [1, 1])
            time("  mlp.forward") { (u, cache) = model.embedding.forward(batch.responses) }
            var nc: L2Normalization<Float>.Cache?
            time("  normalize.forward") { nc = normalization.forward(u).cache }
            time("  normalize.backward") { _ = normalization.backward(u, cache: nc!) }
            time("  mlp.parameterGradients") { _ = model.embedding.parameterGradients(u, cache: cache!) }
            time("adam + parameters") {
                var p = model.parameters
                adam.update(&p, gradients: gradients)
                model.parameters = p
            }
        }
        let x = Tensor<Float>.randomNormal(shape: [1024, 64], using: &rng)
        let w = Tensor<Float>.randomNormal(shape: [64, 128], using: &rng)
        let h = Tensor<Float>.randomNormal(shape: [1024, 128], using: &rng)
        var z = Tensor<Float>.zeros(shape: [1024, 128])
        var dw = Tensor<Float>.zeros(shape: [64, 128])
        let w2 = Tensor<Float>.randomNormal(shape: [128, 4], using: &rng)
        var u = Tensor<Float>.zeros(shape: [1024, 4])
        var dw2 = Tensor<Float>.zeros(shape: [128, 4])
        for _ in 0..<steps {
            time("gemm x·W (1024×64·64×128)") { z.formMatmul(x, w) }
            time("gemm xᵀ·G (64×1024·1024×128)") { dw.formMatmul(x, h, transposeA: true) }
            time("zeros 1024×128") { _ = Tensor<Float>.zeros(shape: [1024, 128]) }
            time("gemm h·W2 (1024×128·128×4)") { u.formMatmul(h, w2) }
            time("gemm hᵀ·g (128×1024·1024×4)") { dw2.formMatmul(h, u, transposeA: true) }
            time("gemm g·W2ᵀ (1024×4·4×128)") { z.formMatmul(u, w2, transposeB: true) }
        }
        for (name, t) in times.sorted(by: { $0.key < $1.key }) {
            print(name.padding(toLength: 36, withPad: " ", startingAt: 0) + String(format: "%8.1f µs/step", t / Double(steps) * 1e6))
        }
    }
}
