import Foundation

/// How strengths θ (logits, centered) are shown as ratings: R = factor·θ + offset.
///
/// - `.logit`: R = θ (factor 1, offset 0): P(i ≻ j) = σ(Rᵢ − Rⱼ).
/// - `.elo(base:)`: R = base + (400/ln 10)·θ, so P(i ≻ j) = 1/(1 + 10^{(Rⱼ − Rᵢ)/400}) and a
///   difference of 400 points is 10:1 odds (the Chatbot Arena's SCALE = 400, BASE = 10,
///   INIT_RATING = 1000; chess federations use base 1500). `base` is the rating of the average item.
///
/// An anchor (item a at rating R_a) replaces the offset by R_a − factor·θ_a, so that the anchored
/// item shows exactly R_a and every difference is unchanged.
public enum RatingScale: Sendable, Equatable {
    /// θ itself (factor 1, offset 0).
    case logit
    /// The Elo scale: 400/ln 10 per unit of θ, the average item at `base`.
    case elo(base: Double)

    /// 400 / ln 10 ≈ 173.7178: Elo points per logit.
    public static let eloPointsPerLogit = 400 / log(10.0)

    /// Rating points per unit of θ.
    public var factor: Double {
        switch self {
        case .logit: return 1
        case .elo: return Self.eloPointsPerLogit
        }
    }

    /// The rating of θ = 0 without an anchor.
    public var base: Double {
        switch self {
        case .logit: return 0
        case .elo(let base): return base
        }
    }
}

/// An affine map from centered θ to displayed ratings.
public struct RatingConversion: Sendable, Equatable {
    /// R = factor·θ + offset.
    public let factor: Double
    /// The offset of R = factor·θ + offset.
    public let offset: Double

    /// The conversion for `scale`, optionally anchoring item θ value `anchorStrength` at `anchorRating`.
    public init(scale: RatingScale, anchorStrength: Double? = nil, anchorRating: Double? = nil) {
        factor = scale.factor
        if let anchorStrength, let anchorRating {
            offset = anchorRating - factor * anchorStrength
        } else {
            offset = scale.base
        }
    }

    /// R(θ).
    public func rating(_ theta: Double) -> Double { factor * theta + offset }
    /// θ(R).
    public func strength(_ rating: Double) -> Double { (rating - offset) / factor }
    /// A strength difference (or standard error) in rating points: factor·Δθ.
    public func ratingDifference(_ deltaTheta: Double) -> Double { factor * deltaTheta }

    /// P(i ≻ j) (no tie parameter) from two ratings on this scale: σ((Rᵢ − Rⱼ)/factor).
    public func winProbability(rating ri: Double, over rj: Double) -> Double {
        let d = (ri - rj) / factor
        return d >= 0 ? 1 / (1 + exp(-d)) : exp(d) / (1 + exp(d))
    }
}
