// Out-of-core linear head (issue 17): writes a data set larger than memory, fits a linear head on
// it streamed from memory-mapped files, and fits the same head in memory on a subset, reporting
// throughput (rows/s = pairs × passes / fit seconds) and the resident set. Run through run.sh,
// which sizes the data at 1.5× the machine's memory and deletes it afterwards. Run in release:
//
//   dist-bench write DIR ROWS DIMENSION        chosen.npy, rejected.npy: ROWS×DIMENSION float32
//   dist-bench streamed DIR ITERATIONS         L-BFGS over memory-mapped row blocks, ITERATIONS at most
//   dist-bench in-memory DIR ROWS ITERATIONS   the first ROWS pairs loaded into memory, same solver
//
// The data: x_a, x_b uniform in [−1, 1]^d, chosen = a with probability σ(w·(x_a − x_b)), w a
// fixed seeded vector of norm 4, from SeededGenerator (seed 17), generated and written in blocks of
// 16,384 rows so writing needs no more memory than a block.
import Foundation
import RewardKit

func status(_ key: String) -> Double? {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix(key) {
        return (line.split(separator: " ").compactMap { Double($0) }.first ?? 0) / 1024
    }
    return nil
}

func emit(_ object: [String: Any]) {
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    print(String(decoding: data, as: UTF8.self))
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("dist-bench: \(message)\n".utf8))
    exit(1)
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard let mode = arguments.first else { fail("usage: dist-bench write|streamed|in-memory DIR …") }
let folder = URL(fileURLWithPath: arguments.count > 1 ? arguments[1] : ".")
let chosenURL = folder.appendingPathComponent("chosen.npy"), rejectedURL = folder.appendingPathComponent("rejected.npy")
let objective = BradleyTerryObjective(l2Penalty: 1e-6)

switch mode {
case "write":
    guard arguments.count == 4, let n = Int(arguments[2]), let d = Int(arguments[3]), n > 0, d > 0 else {
        fail("usage: dist-bench write DIR ROWS DIMENSION")
    }
    var rng = SeededGenerator(seed: 17)
    var w = (0..<d).map { _ in Float(rng.nextNormal()) }
    let norm = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
    w = w.map { 4 * $0 / norm }
    let header = NumPyFile.headerBytes(dtype: .float32, shape: [n, d])
    FileManager.default.createFile(atPath: chosenURL.path, contents: Data(header))
    FileManager.default.createFile(atPath: rejectedURL.path, contents: Data(header))
    guard let c = FileHandle(forWritingAtPath: chosenURL.path), let r = FileHandle(forWritingAtPath: rejectedURL.path) else {
        fail("cannot write in \(folder.path)")
    }
    c.seekToEndOfFile()
    r.seekToEndOfFile()
    let block = 16_384
    let began = Date()
    var a = [Float](repeating: 0, count: block * d), b = a
    var start = 0
    while start < n {
        let rows = min(block, n - start)
        for k in 0..<(rows * d) {
            // 24 random bits → uniform in [−1, 1).
            let bits = rng.next()
            a[k] = Float(bits >> 40) * 0x1p-23 - 1
            b[k] = Float((bits >> 16) & 0xFF_FFFF) * 0x1p-23 - 1
        }
        for i in 0..<rows {
            var u: Float = 0
            for j in 0..<d { u += w[j] * (a[i * d + j] - b[i * d + j]) }
            if rng.nextOpenUnit() >= 1 / (1 + exp(-Double(u))) {
                for j in 0..<d { swap(&a[i * d + j], &b[i * d + j]) }
            }
        }
        a.withUnsafeBytes { c.write(Data($0.prefix(rows * d * 4))) }
        b.withUnsafeBytes { r.write(Data($0.prefix(rows * d * 4))) }
        start += rows
    }
    c.closeFile()
    r.closeFile()
    let bytes = 2 * (header.count + n * d * 4)
    emit(["mode": "write", "rows": n, "dimension": d, "bytes": bytes, "seconds": Date().timeIntervalSince(began)])

case "streamed", "in-memory":
    let iterations = Int(arguments.last ?? "") ?? 5
    let solver = LinearHeadSolver.lbfgs(gradientTolerance: 1e-9, maximumIterations: iterations)
    let clock = ContinuousClock()
    let began = clock.now
    let fit: LinearHeadFit<Float>
    let rows: Int
    var extra: [String: Any] = [:]
    do {
        if mode == "streamed" {
            let pairs = try MappedFeaturePairs<Float>.open(chosen: chosenURL, rejected: rejectedURL)
            let opened = clock.now
            extra["validation_seconds"] = (opened - began).inSeconds
            extra["block_rows"] = pairs.blockRows
            rows = pairs.count
            fit = try LinearRewardHead<Float>.fit(terms: StreamedLinearHeadDesign(pairs, includesSums: false), solver: solver, objective: objective)
        } else {
            guard arguments.count == 4, let subset = Int(arguments[2]) else { fail("usage: dist-bench in-memory DIR ROWS ITERATIONS") }
            let all = try MappedFeaturePairs<Float>.open(chosen: chosenURL, rejected: rejectedURL, rows: 0..<subset, blockRows: subset)
            let view = all.block(0..<subset)
            extra["load_seconds"] = (clock.now - began).inSeconds
            rows = subset
            fit = try LinearRewardHead<Float>.fit(view, solver: solver, objective: objective)
        }
    } catch {
        fail("\(error)")
    }
    let passes = fit.functionEvaluations
    extra.merge(["mode": mode, "rows": rows, "iterations": fit.iterations, "passes": passes, "fit_seconds": fit.seconds,
                 "rows_per_second": Double(rows * passes) / fit.seconds, "objective": fit.objectiveValue,
                 "weights_head": Array(fit.weights.prefix(4)), "peak_rss_mb": status("VmHWM:") ?? -1]) { $1 }
    emit(extra)

default:
    fail("unknown mode \(mode): write, streamed or in-memory")
}
