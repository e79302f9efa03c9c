/// One way to split payoffs between the decision maker ("self") and another person ("other").
///
/// The Social Value Orientation measures and the SVO reward model ``SVORewardModel`` score an
/// allocation by u_θ(self, other) = cos θ·self + sin θ·other.
public struct SVOAllocation: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The payoff to the decision maker.
    public var selfPayoff: Double
    /// The payoff to the other person.
    public var otherPayoff: Double

    /// An allocation of `selfPayoff` to oneself and `otherPayoff` to the other.
    public init(selfPayoff: Double, otherPayoff: Double) {
        self.selfPayoff = selfPayoff
        self.otherPayoff = otherPayoff
    }

    /// Shorthand: `SVOAllocation(85, 15)` is (self 85, other 15).
    public init(_ selfPayoff: Double, _ otherPayoff: Double) {
        self.init(selfPayoff: selfPayoff, otherPayoff: otherPayoff)
    }

    /// A readable form, for messages and tables.
    public var description: String { "(\(formatPayoff(selfPayoff)), \(formatPayoff(otherPayoff)))" }
}

func formatPayoff(_ x: Double) -> String {
    x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
}
