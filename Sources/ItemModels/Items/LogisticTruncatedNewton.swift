import Dispatch
import Foundation
import PreferenceData
import RewardKitInternals

// Truncated Newton specialized to the Bradley–Terry link without a tie parameter (ties as half
// wins or dropped): the `.truncatedNewton` solver for that model. Same mathematics as the generic
// `newton(_:_:_:direction: .conjugateGradient)` (Docs/BradleyTerry.md: Jacobi-preconditioned CG
// restricted to Σθ = 0, full step accepted on the directional derivative, Armijo backtracking
// otherwise), written as concrete loops over the pair list grouped by its smaller item (row), with
// every buffer allocated once per fit:
//
// - an evaluation is one pass that computes σ once per pair, as πᵢ/(πᵢ + πⱼ) with πᵢ = e^{θᵢ}
//   (n exponentials, one division per pair), and from it the gradient, the Jacobi diagonal and
//   the pair curvature h = (a + b)σ(1 − σ), stored (in single precision) for the CG products;
// - a Hessian-vector product is one pass reading (other item, h) per pair;
// - without a warm start, each item starts at its penalized log-odds of winning (`coldStart`);
// - the CG forcing term stops at what the gradient tolerance needs;
// - the log-likelihood is computed only in the evaluation where quadratic convergence predicts
//   the stop (or in one extra pass at the end), as the logarithm of a running product.
// Pairs are split between two workers when `parallel` and there are ≥ 100,000 of them.

/// Raw views of the row-grouped pairs and the scratch space of one fit, shared by the workers.
private struct LogisticKernel: @unchecked Sendable {
    let n: Int
    let lambda: Double
    /// Row i (pairs whose smaller item is i) is `rowStart[i]..<rowStart[i + 1]`.
    let rowStart: UnsafePointer<Int>
    /// The larger item of each pair.
    let other: UnsafePointer<Int32>
    /// Weight of "row item beat other" and of "other beat row item".
    let firstWins: UnsafePointer<Double>
    let secondWins: UnsafePointer<Double>
    /// Each item's weighted wins.
    let itemWins: UnsafePointer<Double>
    /// (a + b)σ(d)σ(−d) of every pair at the last evaluation, in single precision: it only enters
    /// the Hessian-vector products of the inner CG, where a relative perturbation of 6e-8 changes
    /// the Newton direction by as little (the gradient, which decides convergence, stays Double).
    let curvature: UnsafeMutablePointer<Float>
    /// Per worker, `stride` doubles: n product entries, n unused, the value; then n more for e^{θᵢ}.
    let scratch: UnsafeMutablePointer<Double>
    /// Per worker, n (gradient, diagonal) pairs.
    let gradientAndDiagonal: UnsafeMutablePointer<SIMD2<Double>>
    let stride: Int
    /// Worker w owns rows `rowSplit[w]..<rowSplit[w + 1]`.
    let rowSplit: UnsafePointer<Int>
    let workers: Int

    func forEachWorker(_ body: @Sendable (Int) -> Void) {
        if workers == 1 { body(0) } else { DispatchQueue.concurrentPerform(iterations: workers, execute: body) }
    }

    /// Gradient (into `gradient`), Hessian diagonal (into `diagonal`) and curvatures at `x`;
    /// returns the negative log-likelihood at x when `wantValue` (otherwise 0), +∞ if x is not finite.
    ///
    /// With πᵢ = e^{θᵢ} (n exponentials), σ(θᵢ − θⱼ) = πᵢ/(πᵢ + πⱼ) and σ(θⱼ − θᵢ) = πⱼ/(πᵢ + πⱼ), each
    /// to a few ulps, so a pair costs one division and no exponential. This needs max|θ| ≤ 300 (no
    /// overflow or subnormal π); beyond that (never for centered strengths of real data) every
    /// pair takes e^{−|θᵢ − θⱼ|} instead.
    func evaluate(_ x: UnsafePointer<Double>, gradient: UnsafeMutablePointer<Double>,
                  diagonal: UnsafeMutablePointer<Double>, wantValue: Bool) -> Double {
        var largest = 0.0
        for i in 0..<n { largest = max(largest, abs(x[i])) }
        if !largest.isFinite { return .infinity }
        let usePowers = largest <= 300
        let powers = scratch + workers * stride
        if usePowers { for i in 0..<n { powers[i] = exp(x[i]) } }
        let xs = UnsafeSendablePointer(x)
        forEachWorker { w in
            // (∂F/∂θⱼ, ∂²F/∂θⱼ²) side by side: one 16-byte update per pair and item.
            let gd = self.gradientAndDiagonal + w * self.n
            gd.initialize(repeating: .zero, count: self.n)
            let x = xs.pointer
            let powers = self.scratch + self.workers * self.stride
            let other = self.other, firstWins = self.firstWins, secondWins = self.secondWins
            let curvature = self.curvature
            var value = 0.0
            var product = LogProduct()
            for i in self.rowSplit[w]..<self.rowSplit[w + 1] {
                let xi = x[i], pi = powers[i]
                var row = SIMD2<Double>.zero
                let end = self.rowStart[i + 1]
                var q = self.rowStart[i]
                if usePowers && !wantValue {
                    while q < end {
                        let j = Int(other[q])
                        let pj = powers[j]
                        let inverse = 1 / (pi + pj)
                        let a = firstWins[q], c = a + secondWins[q]
                        let s = pi * inverse                 // σ(θᵢ − θⱼ)
                        let t = c * s - a
                        let h = c * s * (pj * inverse)
                        curvature[q] = Float(h)
                        row += SIMD2(t, h)
                        gd[j] += SIMD2(-t, h)
                        q += 1
                    }
                } else if usePowers {
                    while q < end {
                        let j = Int(other[q])
                        let pj = powers[j]
                        let sum = pi + pj
                        let inverse = 1 / sum
                        let a = firstWins[q], c = a + secondWins[q]
                        let s = pi * inverse
                        let t = c * s - a
                        let h = c * s * (pj * inverse)
                        curvature[q] = Float(h)
                        row += SIMD2(t, h)
                        gd[j] += SIMD2(-t, h)
                        // −a·log σ(d) − b·log σ(−d) = c·log(πᵢ + πⱼ) − a·θᵢ − b·θⱼ; the linear terms
                        // sum to Σᵢ Wᵢθᵢ over items (subtracted below). For the usual weights
                        // c = 1 or 2 the logarithm is taken of a running product instead (one
                        // multiplication per pair; see `LogProduct`).
                        if c == 1 {
                            product.multiply(by: sum)
                        } else if c == 2 {
                            product.multiply(by: sum * sum)
                        } else {
                            value += c * log(sum)
                        }
                        q += 1
                    }
                } else {
                    while q < end {
                        let j = Int(other[q])
                        let d = xi - x[j]
                        let e = exp(-abs(d))
                        let inverse = 1 / (1 + e)
                        let s = d >= 0 ? inverse : e * inverse   // σ(d)
                        let a = firstWins[q], c = a + secondWins[q]
                        let t = c * s - a
                        let h = c * e * inverse * inverse
                        curvature[q] = Float(h)
                        row += SIMD2(t, h)
                        gd[j] += SIMD2(-t, h)
                        if wantValue {
                            // a·softplus(−d) + b·softplus(d), softplus(±d) = max(±d, 0) + log(1 + e^{−|d|}).
                            value += a * max(-d, 0) + (c - a) * max(d, 0) + c * log(1 + e)
                        }
                        q += 1
                    }
                }
                gd[i] += row
            }
            self.scratch[w * self.stride + 2 * self.n] = value + product.logarithm
        }
        var value = 0.0
        for i in 0..<n {
            gradient[i] = lambda * x[i]
            diagonal[i] = lambda
        }
        for w in 0..<workers {
            let gd = gradientAndDiagonal + w * n
            for i in 0..<n {
                gradient[i] += gd[i].x
                diagonal[i] += gd[i].y
            }
            value += scratch[w * stride + 2 * n]
        }
        if wantValue && usePowers {
            for i in 0..<n { value -= itemWins[i] * x[i] }
        }
        return value
    }

    /// ∇²F·v into `product`, from the stored curvatures.
    func hessianProduct(_ v: UnsafePointer<Double>, into product: UnsafeMutablePointer<Double>) {
        let vs = UnsafeSendablePointer(v)
        forEachWorker { w in
            let out = self.scratch + w * self.stride
            out.initialize(repeating: 0, count: self.n)
            let v = vs.pointer
            for i in self.rowSplit[w]..<self.rowSplit[w + 1] {
                let vi = v[i]
                var oi = 0.0
                let end = self.rowStart[i + 1]
                var q = self.rowStart[i]
                while q < end {
                    let j = Int(self.other[q])
                    let t = Double(self.curvature[q]) * (vi - v[j])
                    oi += t
                    out[j] -= t
                    q += 1
                }
                out[i] += oi
            }
        }
        for i in 0..<n { product[i] = lambda * v[i] + scratch[i] }
        for w in 1..<max(workers, 1) {
            let out = scratch + w * stride
            for i in 0..<n { product[i] += out[i] }
        }
    }
}

/// Σ log(vₖ) of many positive factors as the logarithm of their running product: the product is
/// kept within [1e-40, 1e40] by moving its binary exponent into an integer now and then, so each
/// factor costs one multiplication (factors must lie in [1e-262, 1e262]). The relative rounding
/// error of the product grows like √K ulps over K factors, an absolute error of about 1e-13 in the
/// logarithm for a million factors.
private struct LogProduct {
    var mantissa = 1.0
    var exponent = 0

    @inline(__always)
    mutating func multiply(by factor: Double) {
        mantissa *= factor
        if !(mantissa >= 1e-40 && mantissa <= 1e40) { normalize() }
    }

    mutating func normalize() {
        guard mantissa.isFinite && mantissa > 0 else { return }   // a NaN or 0 shows in the result
        let e = mantissa.exponent
        exponent += Int(e)
        mantissa = mantissa.significand    // in [1, 2)
    }

    var logarithm: Double { log(mantissa) + Double(exponent) * 0.693147180559945309417232121458176568 }
}

/// The pair list grouped by smaller item: `AggregatedComparisons` already is (its pairs are ordered
/// by `first`), otherwise a counting sort regroups it. Ties are ignored (the logistic likelihood
/// has no tie term; `halfWins` has folded them into the wins).
private struct RowGroupedPairs {
    var rowStart: [Int]
    var other: [Int32]
    var firstWins: [Double]
    var secondWins: [Double]

    init(_ data: AggregatedComparisons) {
        let n = data.itemCount, p = data.pairCount
        var start = [Int](repeating: 0, count: n + 1)
        // Grouped already (the usual case): the row boundaries are where `first` changes.
        var sorted = true
        data.first.withUnsafeBufferPointer { first in
            start.withUnsafeMutableBufferPointer { start in
                var previous = 0
                for q in 0..<p {
                    let i = Int(first[q])
                    if i != previous {
                        if i < previous { sorted = false; return }
                        for row in (previous + 1)...i { start[row] = q }
                        previous = i
                    }
                }
                for row in (previous + 1)...n { start[row] = p }
            }
        }
        if sorted {
            rowStart = start
            other = data.second
            firstWins = data.firstWins
            secondWins = data.secondWins
            return
        }
        start = [Int](repeating: 0, count: n + 1)
        for q in 0..<p { start[Int(data.first[q]) + 1] += 1 }
        for i in 0..<n { start[i + 1] += start[i] }
        rowStart = start
        var other = [Int32](repeating: 0, count: p)
        var firstWins = [Double](repeating: 0, count: p), secondWins = firstWins
        var cursor = start
        for q in 0..<p {
            let i = Int(data.first[q])
            let position = cursor[i]
            cursor[i] = position + 1
            other[position] = data.second[q]
            firstWins[position] = data.firstWins[q]
            secondWins[position] = data.secondWins[q]
        }
        self.other = other
        self.firstWins = firstWins
        self.secondWins = secondWins
    }
}

/// Each item's weighted wins Wᵢ and weighted comparisons Nᵢ.
private func itemTotals(_ pairs: RowGroupedPairs, itemCount n: Int) -> (wins: [Double], total: [Double]) {
    var wins = [Double](repeating: 0, count: n), total = [Double](repeating: 0, count: n)
    pairs.rowStart.withUnsafeBufferPointer { rowStart in
    pairs.other.withUnsafeBufferPointer { other in
    pairs.firstWins.withUnsafeBufferPointer { firstWins in
    pairs.secondWins.withUnsafeBufferPointer { secondWins in
    wins.withUnsafeMutableBufferPointer { wins in
    total.withUnsafeMutableBufferPointer { total in
        for i in 0..<n {
            var winsOfRow = 0.0, totalOfRow = 0.0
            for q in rowStart[i]..<rowStart[i + 1] {
                let j = Int(other[q])
                let a = firstWins[q], c = a + secondWins[q]
                winsOfRow += a
                totalOfRow += c
                wins[j] += c - a
                total[j] += c
            }
            wins[i] += winsOfRow
            total[i] += totalOfRow
        }
    } } } } } }
    return (wins, total)
}

/// The starting point without a warm start: each item's strength against an average opponent of
/// strength 0 from its own record alone, θᵢ solving (Nᵢ + 1)·σ(θ) + λθ = Wᵢ + ½ (Wᵢ its weighted
/// wins, Nᵢ its weighted comparisons, half a pseudo-win and half a pseudo-loss so it is finite):
/// θᵢ = log((Wᵢ + ½)/(Lᵢ + ½)) for λ = 0. On W1 it saves three of eight Newton steps from θ = 0.
private func coldStart(wins: [Double], total: [Double], l2Penalty lambda: Double) -> [Double] {
    let n = wins.count
    var theta = [Double](repeating: 0, count: n)
    for i in 0..<n {
        let w = wins[i] + 0.5, c = total[i] + 1
        let ratio = log(w / (c - w))
        guard lambda > 0 else { theta[i] = ratio; continue }
        // φ(θ) = Nσ(θ) + λθ − W is increasing, φ(0) and φ(ratio) = λ·ratio have opposite signs:
        // Newton safeguarded by bisection on [0, ratio].
        var low = min(0, ratio), high = max(0, ratio), t = ratio
        for _ in 0..<20 {
            let s = 1 / (1 + exp(-t))
            let phi = c * s + lambda * t - w
            if phi > 0 { high = t } else { low = t }
            var next = t - phi / (c * s * (1 - s) + lambda)
            if !(next > low && next < high) { next = (low + high) / 2 }
            if abs(next - t) <= 1e-8 * max(1, abs(t)) { t = next; break }
            t = next
        }
        theta[i] = t
    }
    return theta
}

/// Truncated Newton for the Bradley–Terry likelihood without a tie parameter; see the file comment
/// and Docs/BradleyTerry.md. Returns the same `SolverResult` as the generic solvers.
func logisticTruncatedNewton(
    _ data: AggregatedComparisons, l2Penalty lambda: Double, start: [Double]?, parallel: Bool,
    _ settings: SolverSettings
) -> SolverResult {
    let n = data.itemCount, p = data.pairCount
    let pairs = RowGroupedPairs(data)
    let totals = itemTotals(pairs, itemCount: n)
    let start = start ?? coldStart(wins: totals.wins, total: totals.total, l2Penalty: lambda)
    let workers = parallel && p >= 100_000 && ProcessInfo.processInfo.activeProcessorCount > 1 ? 2 : 1
    // Row boundaries that split the pairs evenly between the workers.
    var rowSplit = [Int](repeating: 0, count: workers + 1)
    rowSplit[workers] = n
    if workers > 1 {
        var row = 0
        for w in 1..<workers {
            let target = p * w / workers
            while row < n && pairs.rowStart[row] < target { row += 1 }
            rowSplit[w] = row
        }
    }
    let stride = 2 * n + 1
    // Per worker `stride` doubles, then the n values e^{θᵢ}.
    let scratch = UnsafeMutablePointer<Double>.allocate(capacity: workers * stride + n)
    let curvature = UnsafeMutablePointer<Float>.allocate(capacity: max(p, 1))
    let gradientAndDiagonal = UnsafeMutablePointer<SIMD2<Double>>.allocate(capacity: workers * n)
    defer {
        gradientAndDiagonal.deallocate()
        scratch.deallocate()
        curvature.deallocate()
    }
    return pairs.rowStart.withUnsafeBufferPointer { rowStart in
        pairs.other.withUnsafeBufferPointer { other in
            pairs.firstWins.withUnsafeBufferPointer { firstWins in
                pairs.secondWins.withUnsafeBufferPointer { secondWins in
                    rowSplit.withUnsafeBufferPointer { rowSplit in
                    totals.wins.withUnsafeBufferPointer { itemWins in
                        let kernel = LogisticKernel(
                            n: n, lambda: lambda, rowStart: rowStart.baseAddress!, other: other.baseAddress!,
                            firstWins: firstWins.baseAddress!, secondWins: secondWins.baseAddress!,
                            itemWins: itemWins.baseAddress!,
                            curvature: curvature, scratch: scratch, gradientAndDiagonal: gradientAndDiagonal,
                            stride: stride,
                            rowSplit: rowSplit.baseAddress!, workers: workers)
                        return logisticTruncatedNewton(kernel, start: start, settings)
                    }
                    }
                }
            }
        }
    }
}

private func logisticTruncatedNewton(_ kernel: LogisticKernel, start: [Double], _ settings: SolverSettings)
    -> SolverResult {
    let n = kernel.n
    func dot(_ a: UnsafeMutablePointer<Double>, _ b: UnsafeMutablePointer<Double>) -> Double {
        var s = 0.0
        for i in 0..<n { s += a[i] * b[i] }
        return s
    }
    func maxAbs(_ a: UnsafeMutablePointer<Double>) -> Double {
        var m = 0.0
        for i in 0..<n { m = max(m, abs(a[i])) }
        return m
    }
    /// F from the negative log-likelihood the kernel returns.
    func penalized(_ negativeLogLikelihood: Double, _ a: UnsafeMutablePointer<Double>) -> Double {
        var s = 0.0
        for i in 0..<n { s += a[i] * a[i] }
        return negativeLogLikelihood + kernel.lambda / 2 * s
    }
    func center(_ a: UnsafeMutablePointer<Double>) {
        var mean = 0.0
        for i in 0..<n { mean += a[i] }
        mean /= Double(n)
        for i in 0..<n { a[i] -= mean }
    }
    // Vectors of length n: the iterate and its gradient and diagonal, the trial point and its
    // gradient and diagonal, the step, and the CG residual, preconditioned residual, direction
    // and product.
    let buffer = UnsafeMutablePointer<Double>.allocate(capacity: 11 * n)
    defer { buffer.deallocate() }
    buffer.initialize(repeating: 0, count: 11 * n)
    var x = buffer, gradient = buffer + n, diagonal = buffer + 2 * n
    var trial = buffer + 3 * n, trialGradient = buffer + 4 * n, trialDiagonal = buffer + 5 * n
    let step = buffer + 6 * n, r = buffer + 7 * n, z = buffer + 8 * n, direction = buffer + 9 * n
    let product = buffer + 10 * n
    for i in 0..<n { x[i] = start[i] }
    center(x)
    var value = kernel.evaluate(x, gradient: gradient, diagonal: diagonal, wantValue: false)
    var hasValue = false
    var gmax = maxAbs(gradient)
    var previousGmax = Double.infinity
    var iterations = 0, inner = 0
    var stop = BradleyTerryFitReport.StopReason.maximumIterations
    while true {
        if !(value.isFinite && gmax.isFinite) { stop = .noFurtherProgress; break }
        if gmax <= settings.tolerance { stop = .gradientTolerance; break }
        if iterations >= settings.maximumIterations { stop = .maximumIterations; break }
        iterations += 1

        // Preconditioned CG on ∇²F·s = −∇F in the centered subspace (see conjugateGradientDirection).
        var inverseSum = 0.0
        for i in 0..<n {
            let d = diagonal[i] > 0 ? 1 / diagonal[i] : 1
            diagonal[i] = d    // from here on the inverse diagonal
            inverseSum += d
        }
        func precondition() {
            var mu = 0.0
            for i in 0..<n { mu += r[i] * diagonal[i] }
            mu /= inverseSum
            for i in 0..<n { z[i] = (r[i] - mu) * diagonal[i] }
        }
        var drift = 0.0
        for i in 0..<n { drift += gradient[i] }
        drift /= Double(n)
        for i in 0..<n {
            r[i] = drift - gradient[i]
            step[i] = 0
        }
        let bNorm = dot(r, r).squareRoot()
        // Forcing term min(0.1, ‖∇F‖₂) (superlinear convergence), but never below what the stopping
        // test needs: a residual of 2-norm 0.3·tolerance already brings max|∇F| under the tolerance
        // up to the (then negligible) quadratic term.
        let target = max(min(0.1, bNorm) * bNorm, 0.3 * settings.tolerance)
        precondition()
        for i in 0..<n { direction[i] = z[i] }
        var rz = dot(r, z)
        var cgSteps = 0
        for _ in 0..<max(n, 10) {
            kernel.hessianProduct(direction, into: product)
            let curvatureAlong = dot(direction, product)
            if !(curvatureAlong > 0) { break }
            cgSteps += 1
            let alpha = rz / curvatureAlong
            for i in 0..<n {
                step[i] += alpha * direction[i]
                r[i] -= alpha * product[i]
            }
            if dot(r, r).squareRoot() <= target { break }
            precondition()
            let rzNext = dot(r, z)
            let beta = rzNext / rz
            rz = rzNext
            for i in 0..<n { direction[i] = z[i] + beta * direction[i] }
        }
        inner += cgSteps
        if cgSteps == 0 { for i in 0..<n { step[i] = z[i] } }
        var slope = dot(gradient, step)
        if !(slope < 0) {
            for i in 0..<n { step[i] = -gradient[i] }
            slope = -dot(gradient, gradient)
        }

        // Full step first, judged by the directional derivative (F is convex along the line);
        // the value is computed with it when quadratic convergence predicts this is the last step.
        let ratio = previousGmax.isFinite ? gmax / previousGmax : 1
        let expectLast = gmax * ratio * ratio <= settings.tolerance
        for i in 0..<n { trial[i] = x[i] + step[i] }
        center(trial)
        var trialValue = kernel.evaluate(trial, gradient: trialGradient, diagonal: trialDiagonal,
                                         wantValue: expectLast)
        var accepted = false
        if trialValue.isFinite && dot(trialGradient, step) <= 0 {
            accepted = true
            hasValue = expectLast
        } else {
            // Backtracking with the Armijo condition on values.
            if !hasValue {
                // x's curvatures are overwritten below anyway; only its value is needed.
                value = kernel.evaluate(x, gradient: trialGradient, diagonal: trialDiagonal, wantValue: true)
                hasValue = true
            }
            let objective = penalized(value, x)
            var alpha = 1.0
            for _ in 0..<60 {
                for i in 0..<n { trial[i] = x[i] + alpha * step[i] }
                center(trial)
                trialValue = kernel.evaluate(trial, gradient: trialGradient, diagonal: trialDiagonal,
                                             wantValue: true)
                if trialValue.isFinite {
                    let trialObjective = penalized(trialValue, trial)
                    let armijo = trialObjective <= objective + 1e-4 * alpha * slope
                    let flat = abs(trialObjective - objective) <= 1e-13 * max(1, abs(objective))
                        && maxAbs(trialGradient) < gmax
                    if armijo || flat { accepted = true; break }
                }
                alpha /= 2
            }
        }
        if !accepted {
            // The stored curvatures belong to the last trial; only gradient and value are reported.
            stop = .noFurtherProgress
            break
        }
        swap(&x, &trial)
        swap(&gradient, &trialGradient)
        swap(&diagonal, &trialDiagonal)
        value = trialValue
        previousGmax = gmax
        gmax = maxAbs(gradient)
    }
    if !hasValue {
        value = kernel.evaluate(x, gradient: trialGradient, diagonal: trialDiagonal, wantValue: true)
    }
    let resultGradient = Array(UnsafeBufferPointer(start: gradient, count: n))
    let evaluation = PairedComparisonObjective<LogisticPairLikelihood>.Evaluation(
        value: penalized(value, x), negativeLogLikelihood: value, gradient: resultGradient,
        curvature: [], crossCurvature: [], tieCurvature: 0, hessianDiagonal: [], hasValue: true)
    return SolverResult(x: Array(UnsafeBufferPointer(start: x, count: n)), evaluation: evaluation,
                        iterations: iterations, innerIterations: inner, stopReason: stop)
}
