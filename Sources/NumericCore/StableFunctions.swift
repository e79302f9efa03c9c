import RealModule

// Numerically stable scalar functions. Each stays finite (or exactly ±0 / ±∞ where the true value
// is) for arguments of ±1e4 and beyond. The derivations are in Docs/NumericCore.md.

extension Real {
    /// The logistic function σ(x) = 1/(1 + e^{−x}), evaluated without overflow.
    @inlinable
    public static func sigmoid(_ x: Self) -> Self {
        if x >= 0 {
            return 1 / (1 + exp(-x))
        }
        let e = exp(x)
        return e / (1 + e)
    }

    /// softplus(x) = log(1 + eˣ) = max(x, 0) + log1p(e^{−|x|}).
    @inlinable
    public static func softplus(_ x: Self) -> Self {
        let m: Self = x > 0 ? x : 0
        let magnitude: Self = x > 0 ? -x : x
        return m + log(onePlus: exp(magnitude))
    }

    /// log(1 + eˣ); the same function as ``softplus(_:)`` under its other common name.
    @inlinable
    public static func log1pExp(_ x: Self) -> Self { softplus(x) }

    /// log σ(x) = −softplus(−x).
    @inlinable
    public static func logSigmoid(_ x: Self) -> Self { -softplus(-x) }

    /// The standard normal cumulative distribution Φ(x) = ½ erfc(−x/√2).
    @inlinable
    public static func normalCDF(_ x: Self) -> Self {
        erfc(-x / sqrt(2)) / 2
    }

    /// The standard normal density φ(x).
    @inlinable
    public static func normalPDF(_ x: Self) -> Self {
        let quadratic: Self = -(x * x) / 2
        return exp(quadratic) / sqrt(2 * Self.pi)
    }

    /// log Φ(x), finite for all finite x (a continued fraction for the Mills ratio below x = −20).
    @inlinable
    public static func logNormalCDF(_ x: Self) -> Self {
        if x > 5 {
            // Φ(x) = 1 − Q(x) with Q tiny: log(1 − Q) = log1p(−Q).
            return log(onePlus: -erfc(x / sqrt(2)) / 2)
        }
        if x > -20 {
            return log(erfc(-x / sqrt(2)) / 2)
        }
        // Φ(x) = φ(x)/D(−x), D the continued fraction of the inverse Mills ratio.
        let halfLogTwoPi: Self = log(2 * Self.pi) / 2
        let quadratic: Self = -(x * x) / 2
        return quadratic - halfLogTwoPi - log(millsContinuedFraction(-x))
    }

    /// The inverse Mills ratio φ(x)/Φ(x) = d log Φ(x)/dx, stable for large negative x.
    @inlinable
    public static func inverseMillsRatio(_ x: Self) -> Self {
        if x > -20 {
            let halfLogTwoPi: Self = log(2 * Self.pi) / 2
            let quadratic: Self = -(x * x) / 2
            return exp(quadratic - halfLogTwoPi - logNormalCDF(x))
        }
        return millsContinuedFraction(-x)
    }

    /// (log Φ(x), φ(x)/Φ(x)) from one evaluation of log Φ: exactly
    /// (``logNormalCDF(_:)``, ``inverseMillsRatio(_:)``), at the cost of one of them.
    @inlinable
    public static func logNormalCDFAndInverseMillsRatio(_ x: Self) -> (logCDF: Self, inverseMillsRatio: Self) {
        let halfLogTwoPi: Self = log(2 * Self.pi) / 2
        let quadratic: Self = -(x * x) / 2
        if x > -20 {
            let logCDF = logNormalCDF(x)
            return (logCDF, exp(quadratic - halfLogTwoPi - logCDF))
        }
        let fraction = millsContinuedFraction(-x)
        return (quadratic - halfLogTwoPi - log(fraction), fraction)
    }

    /// φ(−t)/Φ(−t) = t + 1/(t + 2/(t + 3/(t + …))) (Laplace's continued fraction of the Mills ratio),
    /// evaluated bottom-up from 40 terms; for t ≥ 20 this is exact to rounding, and log Φ and the
    /// inverse Mills ratio computed from it are consistent (λ = d log Φ/dx to rounding), which
    /// the Newton steps of the Thurstonian fits rely on.
    @usableFromInline
    static func millsContinuedFraction(_ t: Self) -> Self {
        var d = t
        var k: Self = 40
        while k >= 1 {
            d = t + k / d
            k -= 1
        }
        return d
    }
}

/// log Σ exp(xᵢ), computed around the maximum; −∞ for an empty input.
@inlinable
public func logSumExp<S: Real>(_ values: some Collection<S>) -> S {
    guard let m = values.max(), m.isFinite else {
        return values.max() ?? -S.infinity
    }
    var total: S = 0
    for v in values { total += S.exp(v - m) }
    return m + S.log(total)
}

/// The softmax of `values`, computed around the maximum so it never overflows.
@inlinable
public func softmax<S: Real>(_ values: [S]) -> [S] {
    guard let m = values.max() else { return [] }
    var out = values.map { S.exp($0 - m) }
    let total = out.reduce(0, +)
    for i in out.indices { out[i] /= total }
    return out
}

extension Tensor {
    /// σ applied elementwise.
    public func sigmoid() -> Tensor { map { Scalar.sigmoid($0) } }
    /// log σ applied elementwise.
    public func logSigmoid() -> Tensor { map { Scalar.logSigmoid($0) } }
    /// softplus applied elementwise.
    public func softplus() -> Tensor { map { Scalar.softplus($0) } }
    /// log Σ exp over all scalars.
    public func logSumExp() -> Scalar { NumericCore.logSumExp(scalars) }

    /// Softmax along each row of a matrix (or over a vector).
    public func softmax() -> Tensor {
        if rank == 1 { return Tensor(NumericCore.softmax(scalars)) }
        precondition(rank == 2, "softmax needs a vector or a matrix, got shape \(shape)")
        var out = self
        let n = shape[1]
        for i in 0..<shape[0] { out.setRow(i, to: NumericCore.softmax(rowArray(i))) }
        _ = n
        return out
    }

    /// log-softmax along each row of a matrix (or over a vector).
    public func logSoftmax() -> Tensor {
        if rank == 1 {
            let lse = logSumExp()
            return map { $0 - lse }
        }
        precondition(rank == 2, "logSoftmax needs a vector or a matrix, got shape \(shape)")
        var out = self
        for i in 0..<shape[0] {
            let row = rowArray(i)
            let lse = NumericCore.logSumExp(row)
            out.setRow(i, to: row.map { $0 - lse })
        }
        return out
    }
}
