import RealModule

/// The four Social Value Orientation types of the slider measure (Murphy, Ackermann & Handgraaf
/// 2011), by SVO angle in degrees:
///
/// | category        | angle                 |
/// |-----------------|-----------------------|
/// | altruistic      | > 57.15°              |
/// | prosocial       | (22.45°, 57.15°]      |
/// | individualistic | (−12.04°, 22.45°]     |
/// | competitive     | ≤ −12.04°             |
public enum SVOCategory: String, Sendable, CaseIterable, Codable, CustomStringConvertible {
    /// Angle above 57.15°.
    case altruistic
    /// Angle in (22.45°, 57.15°].
    case prosocial
    /// Angle in (−12.04°, 22.45°].
    case individualistic
    /// Angle at or below −12.04°.
    case competitive

    /// The boundary between altruistic and prosocial, in degrees.
    public static let altruisticBoundary = 57.15
    /// The boundary between prosocial and individualistic, in degrees.
    public static let prosocialBoundary = 22.45
    /// The boundary between individualistic and competitive, in degrees.
    public static let individualisticBoundary = -12.04

    /// The category of an SVO angle in degrees (upper boundaries inclusive, as in the table above).
    ///
    /// The published measure only produces angles in about [−16.3°, 61.4°]; angles outside
    /// that range (from fitted reward models or custom items) fall into the outer categories.
    public init(angleDegrees angle: Double) {
        if angle > Self.altruisticBoundary {
            self = .altruistic
        } else if angle > Self.prosocialBoundary {
            self = .prosocial
        } else if angle > Self.individualisticBoundary {
            self = .individualistic
        } else {
            self = .competitive
        }
    }

    /// The angle of the classic motivation this category stands for on the SVO ring, used as the
    /// target when an agent is asked to hold a category: altruistic maximizes the other's payoff
    /// (90°), prosocial the joint payoff (45°), individualistic its own payoff (0°), competitive the
    /// difference self − other (−45°).
    public var representativeAngleDegrees: Double {
        switch self {
        case .altruistic: return 90
        case .prosocial: return 45
        case .individualistic: return 0
        case .competitive: return -45
        }
    }

    /// The raw value.
    public var description: String { rawValue }
}

/// Angle helpers in degrees.
enum Angle {
    static func degrees(_ radians: Double) -> Double { radians * 180 / Double.pi }
    static func radians(_ degrees: Double) -> Double { degrees * Double.pi / 180 }

    /// `x` wrapped into (−180°, 180°].
    static func wrapDegrees(_ x: Double) -> Double {
        var y = x.truncatingRemainder(dividingBy: 360)
        if y <= -180 { y += 360 }
        if y > 180 { y -= 360 }
        return y
    }

    /// The signed difference a − b wrapped into (−180°, 180°].
    static func differenceDegrees(_ a: Double, _ b: Double) -> Double { wrapDegrees(a - b) }
}
