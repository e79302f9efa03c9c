// Numeric-core benchmark: Tensor's BLAS products against calling cblas_*gemm directly on the same
// shapes, and in-place elementwise operations against a plain copy of the same buffers.
// Run in release: `swift run -c release numeric-core-bench` (see Benchmarks/README.md).
import COpenBLAS
import Foundation
import NumericCore

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// Best and median seconds over repeated calls (2 warm-ups, then at least `minimumSeconds` and 5 calls).
func measure(minimumSeconds: Double = 1.0, _ body: () -> Void) -> (best: Double, median: Double) {
    body(); body()
    var times: [Double] = []
    let start = now()
    while times.count < 5 || now() - start < minimumSeconds {
        let t0 = now()
        body()
        times.append(now() - t0)
    }
    times.sort()
    return (times[0], times[times.count / 2])
}

struct Row: Encodable {
    var benchmark: String
    var shape: String
    var scalar: String
    var tensor_gflops: Double
    var direct_gflops: Double
    var ratio: Double
}

func gemmRow<S: BLASScalar>(_ type: S.Type, m: Int, n: Int, k: Int, transposeB: Bool = false,
                            direct: (UnsafePointer<S>, UnsafePointer<S>, UnsafeMutablePointer<S>) -> Void) -> Row {
    var rng = SeededGenerator(seed: 1)
    let a = Tensor<S>.randomNormal(shape: [m, k], using: &rng)
    let b = Tensor<S>.randomNormal(shape: transposeB ? [n, k] : [k, n], using: &rng)
    var c = Tensor<S>.zeros(shape: [m, n])
    let flop = 2.0 * Double(m) * Double(n) * Double(k)
    // Alternate the two so drift on a shared machine affects both alike.
    var tensorBest = Double.infinity, directBest = Double.infinity
    var cDirect = [S](repeating: 0, count: m * n)
    for _ in 0..<3 {
        tensorBest = min(tensorBest, measure(minimumSeconds: 0.4) {
            c.formMatmul(a, b, transposeB: transposeB)
        }.best)
        directBest = min(directBest, measure(minimumSeconds: 0.4) {
            a.scalars.withUnsafeBufferPointer { ap in
                b.scalars.withUnsafeBufferPointer { bp in
                    cDirect.withUnsafeMutableBufferPointer { cp in direct(ap.baseAddress!, bp.baseAddress!, cp.baseAddress!) }
                }
            }
        }.best)
    }
    // Also time the allocating form `a.matmul(b)` that most code uses.
    let allocating = measure(minimumSeconds: 0.4) { _ = a.matmul(b, transposeOther: transposeB) }.best
    let tg = flop / tensorBest / 1e9, dg = flop / directBest / 1e9
    print(String(format: "%-28@ %-7@ formMatmul %7.1f GFLOP/s  matmul %7.1f  direct cblas %7.1f  ratio %.3f",
                 "\(m)×\(k)·\(k)×\(n)\(transposeB ? "ᵀ" : "")" as NSString, "\(S.self)" as NSString,
                 tg, flop / allocating / 1e9, dg, tg / dg))
    return Row(benchmark: "gemm", shape: "\(m)x\(k)x\(n)", scalar: "\(S.self)", tensor_gflops: tg, direct_gflops: dg, ratio: tg / dg)
}

print("BLAS core \(BLASRuntime.coreName), \(BLASRuntime.threadCount) threads; \(BLASRuntime.configuration)")
var rows: [Row] = []
for (m, n, k) in [(256, 256, 768), (1024, 1024, 1024)] {
    rows.append(gemmRow(Float.self, m: m, n: n, k: k) { a, b, c in
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(m), blasint(n), blasint(k), 1, a, blasint(k), b, blasint(n), 0, c, blasint(n))
    })
    rows.append(gemmRow(Double.self, m: m, n: n, k: k) { a, b, c in
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(m), blasint(n), blasint(k), 1, a, blasint(k), b, blasint(n), 0, c, blasint(n))
    })
}
// The backward shape of a 768→256 layer: input gradient dY·Wᵀ.
rows.append(gemmRow(Float.self, m: 256, n: 768, k: 256, transposeB: true) { a, b, c in
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, 256, 768, 256, 1, a, 256, b, 256, 0, c, 768)
})

// Elementwise at 10M elements: bytes moved per second against memcpy of the same buffer.
let count = 10_000_000
var rng = SeededGenerator(seed: 2)
var x = Tensor<Float>.randomNormal(shape: [count], using: &rng)
let y = Tensor<Float>.randomNormal(shape: [count], using: &rng)
var copyTarget = [Float](repeating: 0, count: count)
let bytes = Double(count * MemoryLayout<Float>.size)
let copyTime = measure {
    copyTarget.withUnsafeMutableBytes { dst in x.scalars.withUnsafeBytes { src in
        dst.baseAddress!.copyMemory(from: src.baseAddress!, byteCount: src.count) } }
}.best
let copyRate = 2 * bytes / copyTime / 1e9   // read + write
print(String(format: "plain copy of 10M Float: %.2f ms, %.1f GB/s (read+write)", copyTime * 1e3, copyRate))
struct ElementwiseRow: Encodable { var operation: String; var ms: Double; var gb_per_s: Double; var fraction_of_copy: Double }
var elementwise: [ElementwiseRow] = []
@MainActor func elementwiseCase(_ name: String, streams: Double, _ body: () -> Void) {
    let t = measure(body).best
    let rate = streams * bytes / t / 1e9
    print(String(format: "%-34@ %7.2f ms  %6.1f GB/s  %.2f of copy", name as NSString, t * 1e3, rate, rate / copyRate))
    elementwise.append(ElementwiseRow(operation: name, ms: t * 1e3, gb_per_s: rate, fraction_of_copy: rate / copyRate))
}
elementwiseCase("x += y (formElementwise)", streams: 3) { x += y }
elementwiseCase("x *= 0.999 (formMap)", streams: 2) { x *= 0.999 }
elementwiseCase("x.axpy(0.5, y) (BLAS)", streams: 3) { x.axpy(0.5, y) }
elementwiseCase("x.scale(by:) (BLAS)", streams: 2) { x.scale(by: 1.0001) }
elementwiseCase("x.formMap(sigmoid)", streams: 2) { x.formMap { Float.sigmoid($0) } }

struct Report: Encodable { var gemm: [Row]; var elementwise: [ElementwiseRow]; var copy_gb_per_s: Double; var blas_core: String; var threads: Int }
let report = Report(gemm: rows, elementwise: elementwise, copy_gb_per_s: copyRate, blas_core: BLASRuntime.coreName, threads: BLASRuntime.threadCount)
if let path = CommandLine.arguments.dropFirst().first {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try encoder.encode(report).write(to: URL(fileURLWithPath: path))
    print("wrote \(path)")
}
