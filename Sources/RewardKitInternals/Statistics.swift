import Foundation
import NumericCore
import RealModule

// Statistics shared by the model families: one Φ⁻¹, one quantile rule of each kind, one binomial
// sampler and one largest-magnitude helper.

/// The standard normal quantile Φ⁻¹(p), 0 < p < 1 (Acklam's rational approximation refined by
/// two Newton steps on Φ, accurate to ~1e-15).
package func normalQuantile(_ p: Double) -> Double {
    precondition(p > 0 && p < 1, "normalQuantile needs 0 < p < 1, got \(p)")
    let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
             1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
    let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
             6.680131188771972e+01, -1.328068155288572e+01]
    let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
             -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
    let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
    var x: Double
    if p < 0.02425 {
        let q = (-2 * log(p)).squareRoot()
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
            / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    } else if p > 1 - 0.02425 {
        let q = (-2 * log(1 - p)).squareRoot()
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
            / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    } else {
        let q = p - 0.5
        let r = q * q
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
            / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    }
    for _ in 0..<2 {
        let error = Double.normalCDF(x) - p
        x -= error / Double.normalPDF(x)
    }
    return x
}

/// The q-quantile of sorted values by linear interpolation (numpy's default).
package func quantile(_ sorted: [Double], _ q: Double) -> Double {
    let position = q * Double(sorted.count - 1)
    let lower = Int(position.rounded(.down))
    let upper = min(lower + 1, sorted.count - 1)
    let fraction = position - Double(lower)
    return sorted[lower] + fraction * (sorted[upper] - sorted[lower])
}

/// The lower empirical quantile (numpy's `inverted_cdf`): the smallest value with at least a
/// `share` of the values at or below it; 0 for no values.
package func lowerQuantile(_ values: [Double], _ share: Double) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    let k = min(sorted.count - 1, max(0, Int((share * Double(sorted.count)).rounded(.up)) - 1))
    return sorted[k]
}

/// The largest |vᵢ| (0 for no values; NaN when any entry is NaN, so a broken gradient never looks
/// converged).
@inlinable
package func maxAbs<Scalar: FloatingPoint>(_ v: [Scalar]) -> Scalar {
    var worst: Scalar = 0
    for x in v {
        let m = abs(x)
        if m > worst || m.isNaN { worst = m }
    }
    return worst
}

/// An exact Binomial(trials, probability) draw (trials a non-negative integer stored as Double).
///
/// Small means (trials·min(p, 1−p) < 10) use sequential inversion; larger ones Hörmann's (1993)
/// BTRS transformed rejection with squeeze, accepting k against the exact log-probability ratio
/// log(f(k)/f(m)) = lnΓ(m+1) + lnΓ(n−m+1) − lnΓ(k+1) − lnΓ(n−k+1) + (k − m)·log(p/q), m the mode.
@inlinable
package func binomialSample<G: RandomNumberGenerator>(trials: Double, probability: Double, using rng: inout G) -> Double {
    let n = trials
    if n <= 0 || probability <= 0 { return 0 }
    if probability >= 1 { return n }
    if probability > 0.5 { return n - binomialSample(trials: n, probability: 1 - probability, using: &rng) }
    let p = probability, q = 1 - p
    if n * p < 10 {
        let s = p / q, a = (n + 1) * s
        var r = exp(n * log1p(-p))
        var u = rng.nextOpenUnit()
        var x = 0.0
        while u > r {
            u -= r
            x += 1
            if x > n { return n }
            r *= a / x - s
            if r <= 0 { break }
        }
        return min(x, n)
    }
    let spq = (n * p * q).squareRoot()
    let b = 1.15 + 2.53 * spq
    let a = -0.0873 + 0.0248 * b + 0.01 * p
    let c = n * p + 0.5
    let vr = 0.92 - 4.2 / b
    let alpha = (2.83 + 5.1 / b) * spq
    let lpq = log(p / q)
    let m = ((n + 1) * p).rounded(.down)
    let h = lgamma(m + 1) + lgamma(n - m + 1)
    while true {
        let u = rng.nextOpenUnit() - 0.5
        var v = rng.nextOpenUnit()
        let us = 0.5 - abs(u)
        let k = ((2 * a / us + b) * u + c).rounded(.down)
        if k < 0 || k > n { continue }
        if us >= 0.07 && v <= vr { return k }
        v = log(v * alpha / (a / (us * us) + b))
        if v <= h - lgamma(k + 1) - lgamma(n - k + 1) + (k - m) * lpq { return k }
    }
}

/// The area under the ROC curve of `scores` for the positives `labels` (the Mann–Whitney
/// probability that a random positive scores above a random negative, ties counting ½); nil
/// without both classes.
package func areaUnderROC(scores: [Double], labels: [Bool]) -> Double? {
    precondition(scores.count == labels.count, "\(scores.count) scores for \(labels.count) labels")
    let order = scores.indices.sorted { scores[$0] < scores[$1] }
    var rankSum = 0.0, positives = 0.0
    var start = 0
    while start < order.count {
        var end = start
        while end + 1 < order.count && scores[order[end + 1]] == scores[order[start]] { end += 1 }
        let midRank = Double(start + end) / 2 + 1
        for position in start...end where labels[order[position]] {
            rankSum += midRank
            positives += 1
        }
        start = end + 1
    }
    let negatives = Double(scores.count) - positives
    guard positives > 0 && negatives > 0 else { return nil }
    return (rankSum - positives * (positives + 1) / 2) / (positives * negatives)
}
