import Foundation
import RewardKit
import TestSupport

/// Synthetic linear-head pairs: x_c, x_r ~ N(0, I), labels from σ(w·(x_c − x_r)), written as .npy.
struct SyntheticPairFiles {
    let chosen: URL
    let rejected: URL
    let margins: URL
    let pairs: FeaturePairs<Double>

    init(folder: URL, rows n: Int, dimension d: Int, seed: UInt64, float: Bool = false) throws {
        var rng = SeededGenerator(seed: seed)
        let truth = (0..<d).map { _ in rng.nextNormal() }
        var c = [Double](), r = [Double](), m = [Double]()
        for _ in 0..<n {
            let a = (0..<d).map { _ in rng.nextNormal() }, b = (0..<d).map { _ in rng.nextNormal() }
            let u = zip(zip(a, b), truth).reduce(0) { $0 + ($1.0.0 - $1.0.1) * $1.1 }
            let first = rng.nextOpenUnit() < 1 / (1 + exp(-u))
            c += first ? a : b
            r += first ? b : a
            m.append(0.1 * rng.nextNormal())
        }
        chosen = folder.appendingPathComponent(float ? "chosen32.npy" : "chosen.npy")
        rejected = folder.appendingPathComponent(float ? "rejected32.npy" : "rejected.npy")
        margins = folder.appendingPathComponent("margins.npy")
        if float {
            try NumPyFile.write(Tensor(shape: [n, d], scalars: c.map { Float($0) }), to: chosen)
            try NumPyFile.write(Tensor(shape: [n, d], scalars: r.map { Float($0) }), to: rejected)
        } else {
            try NumPyFile.write(Tensor(shape: [n, d], scalars: c), to: chosen)
            try NumPyFile.write(Tensor(shape: [n, d], scalars: r), to: rejected)
        }
        try NumPyFile.write(Tensor(shape: [n], scalars: m), to: margins)
        pairs = try FeaturePairs<Double>.load(chosen: chosen, rejected: rejected, margins: margins)
    }
}
