import Foundation
import RealModule
import NumericCore

/// The negative log-likelihood of one aggregated pair and its derivatives.
///
/// For a pair (i, j) with strength difference d = θᵢ − θⱼ, tie parameter η (when the model has
/// one), `a` = weight of "i beat j", `b` = weight of "j beat i" and `t` = weight of ties,
/// `value` is −(a·log P(i ≻ j) + b·log P(j ≻ i) + t·log P(tie)) and the other fields are its
/// first and second partial derivatives in d and η. Every model below is jointly convex in (d, η).
public struct PairTerms: Sendable, Equatable {
    /// The negative log-likelihood of the pair.
    public var value: Double
    /// ∂/∂d
    public var dD: Double
    /// ∂/∂η
    public var dEta: Double
    /// ∂²/∂d²
    public var dDD: Double
    /// ∂²/∂d∂η
    public var dDEta: Double
    /// ∂²/∂η²
    public var dEtaEta: Double

    /// Terms with the given value and derivatives (the η derivatives default to 0).
    @inlinable
    public init(value: Double, dD: Double, dEta: Double = 0, dDD: Double, dDEta: Double = 0, dEtaEta: Double = 0) {
        self.value = value
        self.dD = dD
        self.dEta = dEta
        self.dDD = dDD
        self.dDEta = dDEta
        self.dEtaEta = dEtaEta
    }
}

/// A paired-comparison likelihood written per aggregated pair, so that one generic evaluation loop
/// serves Bradley–Terry, Thurstone–Mosteller and the tie models (and models built on top of them).
public protocol PairLikelihood: Sendable {
    /// Whether the model has a tie parameter η (the last coordinate of the parameter vector).
    static var hasTieParameter: Bool { get }
    /// The pair's terms at difference `d` and tie parameter `eta` for weights (a, b, t).
    static func terms(difference d: Double, tieParameter eta: Double, firstWins a: Double, secondWins b: Double,
                      ties t: Double) -> PairTerms
    /// The same terms where `value` may be left at 0 when it is finite (used by solvers that only
    /// need derivatives; an infeasible point must still report an infinite value).
    static func derivativeTerms(difference d: Double, tieParameter eta: Double, firstWins a: Double, secondWins b: Double,
                                ties t: Double) -> PairTerms
    /// (P(first ≻ second), P(tie)) at difference `d`.
    static func probabilities(difference d: Double, tieParameter eta: Double) -> (win: Double, tie: Double)
}

extension PairLikelihood {
    /// The full ``terms(difference:tieParameter:firstWins:secondWins:ties:)``, value included.
    @inlinable
    public static func derivativeTerms(difference d: Double, tieParameter eta: Double, firstWins a: Double,
                                       secondWins b: Double, ties t: Double) -> PairTerms {
        terms(difference: d, tieParameter: eta, firstWins: a, secondWins: b, ties: t)
    }
}

/// Bradley–Terry: P(i ≻ j) = σ(d). With ℓ(d) = −log σ(d) = softplus(−d):
/// value = a·softplus(−d) + b·softplus(d), ∂/∂d = (a + b)·σ(d) − a, ∂²/∂d² = (a + b)·σ(d)·σ(−d).
public enum LogisticPairLikelihood: PairLikelihood {
    /// This model has no tie parameter.
    public static let hasTieParameter = false

    /// The pair's negative log-likelihood and its derivatives (the formulas above).
    @inlinable
    public static func terms(difference d: Double, tieParameter eta: Double, firstWins a: Double, secondWins b: Double,
                             ties t: Double) -> PairTerms {
        let e = exp(-abs(d))
        // log(1 + e) rather than log1p(e): e ≤ 1, so the absolute error is below 2.3e-16 per pair
        // (what a sum of many pairs can resolve anyway), and `log` is about twice as fast.
        let l1p = log(1 + e)
        let inverse = 1 / (1 + e)
        let s = d >= 0 ? inverse : e * inverse   // σ(d)
        let n = a + b
        let value = a * (max(-d, 0) + l1p) + b * (max(d, 0) + l1p)
        return PairTerms(value: value, dD: n * s - a, dDD: n * e * inverse * inverse)
    }

    /// Derivatives only: one `exp` per pair, no logarithm.
    @inlinable
    public static func derivativeTerms(difference d: Double, tieParameter eta: Double, firstWins a: Double,
                                       secondWins b: Double, ties t: Double) -> PairTerms {
        let e = exp(-abs(d))
        let inverse = 1 / (1 + e)
        let s = d >= 0 ? inverse : e * inverse
        let n = a + b
        return PairTerms(value: 0, dD: n * s - a, dDD: n * e * inverse * inverse)
    }

    /// (P(first ≻ second), P(tie)) at difference `d`.
    @inlinable
    public static func probabilities(difference d: Double, tieParameter eta: Double) -> (win: Double, tie: Double) {
        (Double.sigmoid(d), 0)
    }
}

/// Thurstone–Mosteller Case V: P(i ≻ j) = Φ(d). With m(x) = φ(x)/Φ(x) (inverse Mills ratio):
/// d/dx[−log Φ(x)] = −m(x), d²/dx²[−log Φ(x)] = m(x)·(x + m(x)).
public enum ProbitPairLikelihood: PairLikelihood {
    /// This model has no tie parameter.
    public static let hasTieParameter = false

    /// The pair's negative log-likelihood and its derivatives (the formulas above).
    @inlinable
    public static func terms(difference d: Double, tieParameter eta: Double, firstWins a: Double, secondWins b: Double,
                             ties t: Double) -> PairTerms {
        var value = 0.0, g = 0.0, h = 0.0
        if a > 0 {
            let (logCDF, m) = Double.logNormalCDFAndInverseMillsRatio(d)
            value -= a * logCDF
            g -= a * m
            h += a * m * (d + m)
        }
        if b > 0 {
            let (logCDF, m) = Double.logNormalCDFAndInverseMillsRatio(-d)
            value -= b * logCDF
            g += b * m
            h += b * m * (-d + m)
        }
        return PairTerms(value: value, dD: g, dDD: h)
    }

    /// (P(first ≻ second), P(tie)) at difference `d`.
    @inlinable
    public static func probabilities(difference d: Double, tieParameter eta: Double) -> (win: Double, tie: Double) {
        (Double.normalCDF(d), 0)
    }
}

/// Davidson (1970) ties with η = log ν:
/// P(i ≻ j) = e^{d/2}/Z, P(j ≻ i) = e^{−d/2}/Z, P(tie) = e^{η}/Z, Z = e^{d/2} + e^{−d/2} + e^{η}
/// (the strength form πᵢ/(πᵢ + πⱼ + ν√(πᵢπⱼ)) divided through by √(πᵢπⱼ)).
/// With L = log Z and N = a + b + t: value = N·L − (a − b)·d/2 − t·η. L is a log-partition function,
/// so its Hessian is the covariance of the statistics (±½, 0) and (0, 1) under (p_w, p_l, p_t).
public enum DavidsonPairLikelihood: PairLikelihood {
    /// This model has a tie parameter.
    public static let hasTieParameter = true

    /// The pair's negative log-likelihood and its derivatives (the formulas above).
    @inlinable
    public static func terms(difference d: Double, tieParameter eta: Double, firstWins a: Double, secondWins b: Double,
                             ties t: Double) -> PairTerms {
        let u = d / 2
        let m = max(abs(u), eta)
        let ew = exp(u - m), el = exp(-u - m), et = exp(eta - m)
        let z = ew + el + et
        let logZ = m + log(z)
        let pw = ew / z, pl = el / z, pt = et / z
        let n = a + b + t
        let half = (pw - pl) / 2
        let value = n * logZ - (a - b) * u - t * eta
        let hdd = n * ((pw + pl) / 4 - half * half)
        return PairTerms(value: value, dD: n * half - (a - b) / 2, dEta: n * pt - t,
                         dDD: hdd, dDEta: -n * pt * half, dEtaEta: n * pt * (1 - pt))
    }

    /// (P(first ≻ second), P(tie)) at difference `d`.
    @inlinable
    public static func probabilities(difference d: Double, tieParameter eta: Double) -> (win: Double, tie: Double) {
        let u = d / 2
        let m = max(abs(u), eta)
        let ew = exp(u - m), el = exp(-u - m), et = exp(eta - m)
        let z = ew + el + et
        return (ew / z, et / z)
    }
}

/// Rao–Kupper (1967) ties with threshold θ_RK = e^η ≥ 1:
/// P(i ≻ j) = σ(d − η), P(j ≻ i) = σ(−d − η), P(tie) = σ(η − d)·σ(η + d)·(1 − e^{−2η}).
/// With s(x) = −log σ(x) and r(η) = −log(1 − e^{−2η}) (r′ = −2/(e^{2η} − 1), r″ = 4e^{2η}/(e^{2η} − 1)²):
/// value = a·s(d − η) + b·s(−d − η) + t·[s(η − d) + s(η + d) + r(η)]; infinite for η ≤ 0 when t > 0.
public enum RaoKupperPairLikelihood: PairLikelihood {
    /// This model has a tie parameter.
    public static let hasTieParameter = true

    /// (s(x), s′(x), s″(x)) for s(x) = softplus(−x).
    @inlinable
    static func s(_ x: Double) -> (Double, Double, Double) {
        let e = exp(-abs(x))
        let inverse = 1 / (1 + e)
        let sigma = x >= 0 ? inverse : e * inverse
        return (max(-x, 0) + log1p(e), sigma - 1, e * inverse * inverse)
    }

    /// The pair's negative log-likelihood and its derivatives (the formulas above).
    @inlinable
    public static func terms(difference d: Double, tieParameter eta: Double, firstWins a: Double, secondWins b: Double,
                             ties t: Double) -> PairTerms {
        var value = 0.0, gd = 0.0, ge = 0.0, hdd = 0.0, hde = 0.0, hee = 0.0
        if a > 0 {
            let (v, g, h) = s(d - eta)
            value += a * v; gd += a * g; ge -= a * g; hdd += a * h; hee += a * h; hde -= a * h
        }
        if b > 0 {
            let (v, g, h) = s(-d - eta)
            value += b * v; gd -= b * g; ge -= b * g; hdd += b * h; hee += b * h; hde += b * h
        }
        if t > 0 {
            if !(eta > 0) { return PairTerms(value: .infinity, dD: 0, dDD: 0) }
            let (v1, g1, h1) = s(eta - d)
            let (v2, g2, h2) = s(eta + d)
            let em1 = expm1(2 * eta)
            let r = -log(-expm1(-2 * eta))
            let r1 = -2 / em1
            let r2 = 4 * (em1 + 1) / (em1 * em1)
            value += t * (v1 + v2 + r)
            gd += t * (-g1 + g2)
            ge += t * (g1 + g2 + r1)
            hdd += t * (h1 + h2)
            hde += t * (-h1 + h2)
            hee += t * (h1 + h2 + r2)
        }
        return PairTerms(value: value, dD: gd, dEta: ge, dDD: hdd, dDEta: hde, dEtaEta: hee)
    }

    /// (P(first ≻ second), P(tie)) at difference `d`.
    @inlinable
    public static func probabilities(difference d: Double, tieParameter eta: Double) -> (win: Double, tie: Double) {
        let win = Double.sigmoid(d - eta)
        let tie = Double.sigmoid(eta - d) * Double.sigmoid(eta + d) * -expm1(-2 * eta)
        return (win, max(0, tie))
    }
}
