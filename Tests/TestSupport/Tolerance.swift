import NumericCore

/// Shared numeric assertions for RewardKit's test suites: every tolerance lives here.
public enum Tolerance {
    /// Relative-plus-absolute closeness: |a − b| ≤ atol + rtol·max(|a|, |b|).
    public static func isClose<S: BinaryFloatingPoint>(_ a: S, _ b: S, rtol: S = 1e-9, atol: S = 1e-12) -> Bool {
        if a == b { return true }
        guard a.isFinite && b.isFinite else { return false }
        return abs(a - b) <= atol + rtol * max(abs(a), abs(b))
    }

    /// The largest elementwise |a − b| of two equally long sequences.
    public static func maxAbsDifference<S: BinaryFloatingPoint>(_ a: [S], _ b: [S]) -> S {
        precondition(a.count == b.count, "maxAbsDifference: lengths \(a.count) and \(b.count) differ")
        var worst: S = 0
        for i in a.indices { worst = max(worst, abs(a[i] - b[i])) }
        return worst
    }

    /// True when every pair of scalars is close.
    public static func allClose<S: BLASScalar>(_ a: Tensor<S>, _ b: Tensor<S>, rtol: S = 1e-9, atol: S = 1e-12) -> Bool {
        guard a.shape == b.shape else { return false }
        for i in 0..<a.count where !isClose(a.scalars[i], b.scalars[i], rtol: rtol, atol: atol) { return false }
        return true
    }
}

/// Central finite differences in Double, for checking analytic gradients.
public enum FiniteDifference {
    /// The numerical gradient of `f` at `x` by central differences with step `h`·max(1, |xᵢ|).
    public static func gradient(of f: ([Double]) -> Double, at x: [Double], step h: Double = 1e-6) -> [Double] {
        var g = [Double](repeating: 0, count: x.count)
        var probe = x
        for i in x.indices {
            let step = h * max(1, abs(x[i]))
            probe[i] = x[i] + step
            let up = f(probe)
            probe[i] = x[i] - step
            let down = f(probe)
            probe[i] = x[i]
            g[i] = (up - down) / (2 * step)
        }
        return g
    }

    /// The largest relative error between an analytic and a numerical gradient:
    /// max |aᵢ − nᵢ| / max(1, |aᵢ|, |nᵢ|), so tiny gradients compare absolutely.
    public static func relativeError(analytic: [Double], numeric: [Double]) -> Double {
        precondition(analytic.count == numeric.count, "gradient lengths \(analytic.count) and \(numeric.count) differ")
        var worst = 0.0
        for i in analytic.indices {
            let scale = max(1, abs(analytic[i]), abs(numeric[i]))
            worst = max(worst, abs(analytic[i] - numeric[i]) / scale)
        }
        return worst
    }

    /// Checks `gradient` against central differences of `f` at `x`; returns the worst relative error.
    public static func check(
        _ f: ([Double]) -> Double, gradient: ([Double]) -> [Double], at x: [Double], step h: Double = 1e-6
    ) -> Double {
        relativeError(analytic: gradient(x), numeric: self.gradient(of: f, at: x, step: h))
    }
}
