import Foundation
import NumericCore
import PreferenceData
import RewardKitInternals

/// The full-batch design of a linear head: the pair differences `dᵢ = x_c,i − x_r,i` and, when the
/// objective centers rewards, the sums `sᵢ = x_c,i + x_r,i`, with margins and weights.
///
/// For `r(x) = w·x`, `r_c − r_r = w·dᵢ` and `r_c + r_r = w·sᵢ`, so the objective of
/// ``BradleyTerryObjective`` needs only these matrices — one matrix and one pass over the data per
/// evaluation when there is no centering. Building the design is the only copy of the data a
/// full-batch fit makes.
public struct LinearHeadDesign<Scalar: BLASScalar>: LinearHeadObjectiveTerms {
    /// `[n, d]` differences `x_c − x_r`.
    public let differences: Tensor<Scalar>
    /// `[n, d]` sums `x_c + x_r` (only when centering is used).
    public let sums: Tensor<Scalar>?
    /// Per-pair margins `mᵢ`.
    public let margins: [Scalar]?
    /// Per-pair weights `ωᵢ`.
    public let weights: [Scalar]?

    /// The number of pairs n.
    public var count: Int { differences.rowCount }
    /// The feature dimension d.
    public var dimension: Int { differences.columnCount }
    /// The number of pairs n (the same as ``count``).
    public var pairCount: Int { count }

    /// Builds the design from pairs; `includesSums` must be true for a centered objective.
    public init(_ pairs: FeaturePairsView<Scalar>, includesSums: Bool) {
        differences = combineRows(pairs.chosen, pairs.rejected, sign: -1)
        sums = includesSums ? combineRows(pairs.chosen, pairs.rejected, sign: 1) : nil
        margins = pairs.margins
        weights = pairs.weights
    }

    /// A design from precomputed differences (and sums).
    public init(differences: Tensor<Scalar>, sums: Tensor<Scalar>? = nil, margins: [Scalar]? = nil, weights: [Scalar]? = nil) {
        precondition(differences.rank == 2, "LinearHeadDesign differences must be a matrix, got \(differences.shape)")
        precondition(sums == nil || sums!.shape == differences.shape, "LinearHeadDesign sums \(sums!.shape) vs differences \(differences.shape)")
        precondition(margins == nil || margins!.count == differences.rowCount, "LinearHeadDesign: \(margins!.count) margins for \(differences.rowCount) pairs")
        precondition(weights == nil || weights!.count == differences.rowCount, "LinearHeadDesign: \(weights!.count) weights for \(differences.rowCount) pairs")
        self.differences = differences
        self.sums = sums
        self.margins = margins
        self.weights = weights
    }

    /// Rows per block of the Hessian's scaled copies.
    static var blockRows: Int { 2048 }
    /// From this many pairs on, ``value(at:objective:gradient:)`` splits the rows over two workers.
    static var parallelThreshold: Int { 8192 }
    /// Rows whose gradient terms accumulate in `Scalar` before they are added into Double.
    static var flushRows: Int { 128 }

    /// The data terms of ``LinearHeadObjectiveTerms`` from one pass over the design, row by row
    /// (two workers from `parallelThreshold` pairs on): for each row
    /// `uᵢ = dᵢ·w` (and `vᵢ = sᵢ·w`) by BLAS `dot`, the loss and coefficients in Double, then
    /// `g += aᵢ·dᵢ (+ eᵢ·sᵢ)` by `axpy` while the row is still in L1. The design is read once per
    /// evaluation, by both cores, and the per-row transcendentals run in parallel too (on W2's
    /// 100k × 768 float32 design about 15 ms per evaluation, against 31 ms for blocks of two `gemv`s
    /// with the per-row work on one thread). Gradient terms accumulate in `Scalar` for
    /// `flushRows` rows, then in Double; the loss accumulates in Double.
    ///
    /// With `zᵢ = (uᵢ − mᵢ)/τ` and scale `s`: `s·Σ ωᵢ[softplus(−zᵢ) + c·vᵢ²]` and its gradient
    /// `s·Σ ωᵢ[−σ(−zᵢ)/τ·dᵢ + 2c·vᵢ·sᵢ]`. ``value(at:objective:gradient:)`` (s = 1/n, plus
    /// `(λ/2)‖w‖²`) is the full-batch objective.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func dataTerms(at w: [Double], objective: BradleyTerryObjective, scale: Double, gradient: inout [Double]?) -> Double {
        let n = count, d = dimension
        precondition(w.count == d, "LinearHeadDesign.dataTerms: \(w.count) weights for dimension \(d)")
        precondition(objective.centeringCoefficient == 0 || sums != nil,
                     "LinearHeadDesign: a centered objective needs the design built with includesSums: true")
        guard n > 0 else {
            if gradient != nil { gradient = [Double](repeating: 0, count: d) }
            return 0
        }
        let workers = n >= Self.parallelThreshold ? Swift.max(1, Swift.min(2, ProcessInfo.processInfo.activeProcessorCount)) : 1
        let wantsGradient = gradient != nil
        let ws = w.map { Scalar($0) }
        let inverseTau = 1 / objective.temperature
        let c = objective.centeringCoefficient
        let totals = UnsafeMutableBufferPointer<Double>.allocate(capacity: workers)
        let partials = UnsafeMutableBufferPointer<Double>.allocate(capacity: workers * d)
        defer { totals.deallocate(); partials.deallocate() }
        _ = totals.initialize(from: repeatElement(0, count: workers))
        _ = partials.initialize(from: repeatElement(0, count: workers * d))
        let margins = self.margins, weights = self.weights
        let flush = Self.flushRows
        let centeredSums = c > 0 ? sums : nil
        differences.scalars.withUnsafeBufferPointer { x in
            (centeredSums?.scalars ?? []).withUnsafeBufferPointer { sumsBuffer in
                ws.withUnsafeBufferPointer { wp in
                    let xs = UnsafeSendablePointer(x.baseAddress!), wsp = UnsafeSendablePointer(wp.baseAddress!)
                    let ss = centeredSums == nil ? nil : sumsBuffer.baseAddress.map { UnsafeSendablePointer($0) }
                    let totalsp = UnsafeSendableMutablePointer(totals.baseAddress!), partialsp = UnsafeSendableMutablePointer(partials.baseAddress!)
                    let work: @Sendable (Int) -> Void = { worker in
                        let start = worker * n / workers, end = (worker + 1) * n / workers
                        let g = partialsp.pointer + worker * d
                        let accumulator = UnsafeMutablePointer<Scalar>.allocate(capacity: d)
                        defer { accumulator.deallocate() }
                        accumulator.initialize(repeating: 0, count: d)
                        var total = 0.0
                        var pending = 0
                        for i in start..<end {
                            let row = xs.pointer + i * d
                            let u = Scalar.dot(count: d, row, 1, wsp.pointer, 1)
                            let m = margins.map { Double($0[i]) } ?? 0
                            let omega = weights.map { Double($0[i]) } ?? 1
                            let z = (Double(u) - m) * inverseTau
                            var loss = Double.softplus(-z)
                            var sumRow: UnsafePointer<Scalar>? = nil
                            var v = 0.0
                            if let ss {
                                sumRow = ss.pointer + i * d
                                v = Double(Scalar.dot(count: d, sumRow!, 1, wsp.pointer, 1))
                                loss += c * v * v
                            }
                            total += omega * loss
                            guard wantsGradient else { continue }
                            Scalar.axpy(count: d, alpha: Scalar(-omega * scale * Double.sigmoid(-z) * inverseTau), x: row, incx: 1, y: accumulator, incy: 1)
                            if let sumRow { Scalar.axpy(count: d, alpha: Scalar(omega * scale * 2 * c * v), x: sumRow, incx: 1, y: accumulator, incy: 1) }
                            pending += 1
                            if pending == flush || i == end - 1 {
                                for j in 0..<d { g[j] += Double(accumulator[j]) }
                                accumulator.update(repeating: 0, count: d)
                                pending = 0
                            }
                        }
                        totalsp.pointer[worker] = total
                    }
                    if workers == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: workers, execute: work) }
                }
            }
        }
        let value = totals.reduce(0, +) * scale
        if wantsGradient {
            var g = [Double](repeating: 0, count: d)
            for worker in 0..<workers { for j in 0..<d { g[j] += partials[worker * d + j] } }
            gradient = g
        }
        return value
    }

    /// The data Hessian `s·Σ ωᵢ[σ(zᵢ)σ(−zᵢ)/τ²·dᵢdᵢᵀ + 2c·sᵢsᵢᵀ]` in Double, accumulated by
    /// `dsyrk` over blocks of rows scaled by the square roots of the coefficients
    /// (``hessian(at:objective:)``: s = 1/n, plus λI).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func dataHessian(at w: [Double], objective: BradleyTerryObjective, scale: Double) -> [Double] {
        let n = count, d = dimension
        precondition(w.count == d, "LinearHeadDesign.dataHessian: \(w.count) weights for dimension \(d)")
        let centering = objective.centeringCoefficient > 0
        let ws = Tensor<Scalar>(shape: [d], scalars: w.map { Scalar($0) })
        let inverseTau = 1 / objective.temperature
        var h = [Double](repeating: 0, count: d * d)
        let block = Self.blockRows
        var u = [Scalar](repeating: 0, count: block)
        var scaled = [Double](repeating: 0, count: block * d)
        var first = true
        func accumulate(_ matrix: Tensor<Scalar>, start: Int, rows: Int, rowScale: (Int) -> Double) {
            matrix.scalars.withUnsafeBufferPointer { x in
                scaled.withUnsafeMutableBufferPointer { out in
                    for k in 0..<rows {
                        let s = rowScale(k)
                        let src = x.baseAddress! + (start + k) * d
                        let dst = out.baseAddress! + k * d
                        for j in 0..<d { dst[j] = s * Double(src[j]) }
                    }
                }
            }
            scaled.withUnsafeBufferPointer { a in
                h.withUnsafeMutableBufferPointer { c in
                    Double.syrk(transpose: true, n: d, k: rows, alpha: 1, a: a.baseAddress!, lda: d,
                                beta: first ? 0 : 1, c: c.baseAddress!, ldc: d)
                }
            }
            first = false
        }
        var start = 0
        while start < n {
            let rows = Swift.min(block, n - start)
            blockProduct(differences, start: start, rows: rows, vector: ws, into: &u)
            accumulate(differences, start: start, rows: rows) { k in
                let i = start + k
                let m = self.margins.map { Double($0[i]) } ?? 0
                let omega = self.weights.map { Double($0[i]) } ?? 1
                let z = (Double(u[k]) - m) * inverseTau
                return (omega * scale * Double.sigmoid(z) * Double.sigmoid(-z)).squareRoot() * inverseTau
            }
            if centering {
                accumulate(sums!, start: start, rows: rows) { k in
                    let omega = self.weights.map { Double($0[start + k]) } ?? 1
                    return (omega * scale * 2 * objective.centeringCoefficient).squareRoot()
                }
            }
            start += rows
        }
        // syrk filled the lower triangle; mirror it.
        for i in 0..<d {
            for j in (i + 1)..<d { h[i * d + j] = h[j * d + i] }
        }
        return h
    }
}

/// `out[0..<rows] = X[start..<start+rows]·v` (one `gemv` on the block).
private func blockProduct<S: BLASScalar>(_ x: Tensor<S>, start: Int, rows: Int, vector v: Tensor<S>, into out: inout [S]) {
    let d = x.columnCount
    x.scalars.withUnsafeBufferPointer { xp in
        v.scalars.withUnsafeBufferPointer { vp in
            out.withUnsafeMutableBufferPointer { o in
                S.gemv(transpose: false, m: rows, n: d, alpha: 1, a: xp.baseAddress! + start * d, lda: d,
                       x: vp.baseAddress!, incx: 1, beta: 0, y: o.baseAddress!, incy: 1)
            }
        }
    }
}

/// `a + sign·b` elementwise (specialized: the design of a large data set is tens of millions of values).
@_specialize(where S == Float)
@_specialize(where S == Double)
func combineRows<S: BLASScalar>(_ a: Tensor<S>, _ b: Tensor<S>, sign: S) -> Tensor<S> {
    precondition(a.shape == b.shape, "combineRows: shapes \(a.shape) and \(b.shape) differ")
    let count = a.count
    let values = [S](unsafeUninitializedCapacity: count) { out, initialized in
        a.scalars.withUnsafeBufferPointer { x in
            b.scalars.withUnsafeBufferPointer { y in
                if sign < 0 {
                    for i in 0..<count { out[i] = x[i] - y[i] }
                } else {
                    for i in 0..<count { out[i] = x[i] + y[i] }
                }
            }
        }
        initialized = count
    }
    return Tensor(shape: a.shape, scalars: values)
}
