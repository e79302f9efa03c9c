import RealModule

/// One item of the SVO slider measure: nine allocations evenly spaced on the segment between two
/// endpoint allocations.
///
/// Option k (1…9) lies at t = (k − 1)/8 of the way from `first` to `last`; its payoffs are
/// `first + t·(last − first)` rounded to whole numbers **half up** (⌊x + ½⌋). This is the rule
/// that reproduces the published sheet of Murphy, Ackermann & Handgraaf (2011) for all six primary
/// items: e.g. item 1's "other" payoffs 85, 76.25, 67.5, 58.75, 50, … round to 85, 76, 68, 59, 50,
/// 41, 33, 24, 15 — 67.5 → 68 and 32.5 → 33 rule out round-half-to-even, and item 3's
/// 92.5 → 93 on a descending sequence rules out rounding toward the starting endpoint.
public struct SVOSliderItem: Sendable, Hashable, Codable {
    /// The item's number in the measure (1-based).
    public var number: Int
    /// Option 1's allocation.
    public var first: SVOAllocation
    /// Option 9's allocation.
    public var last: SVOAllocation
    /// The nine allocations, option 1 first.
    public var options: [SVOAllocation]

    /// The number of options on every slider item.
    public static let optionCount = 9

    /// An item whose options interpolate `first` → `last` and are rounded half up.
    public init(number: Int, from first: SVOAllocation, to last: SVOAllocation) {
        self.number = number
        self.first = first
        self.last = last
        var options = [SVOAllocation]()
        options.reserveCapacity(Self.optionCount)
        for k in 0..<Self.optionCount {
            let t = Double(k) / Double(Self.optionCount - 1)
            let s = first.selfPayoff + t * (last.selfPayoff - first.selfPayoff)
            let o = first.otherPayoff + t * (last.otherPayoff - first.otherPayoff)
            options.append(SVOAllocation(Self.roundHalfUp(s), Self.roundHalfUp(o)))
        }
        self.options = options
    }

    /// An item with explicitly given options (for custom or secondary items).
    public init(number: Int, options: [SVOAllocation]) {
        precondition(!options.isEmpty, "SVOSliderItem \(number) needs at least one option")
        self.number = number
        self.first = options[0]
        self.last = options[options.count - 1]
        self.options = options
    }

    /// The allocation of option `option` (1-based, as on the response sheet).
    public func allocation(option: Int) -> SVOAllocation {
        precondition(option >= 1 && option <= options.count,
                     "SVO item \(number): option \(option) outside 1...\(options.count)")
        return options[option - 1]
    }

    /// ⌊x + ½⌋: the published measure's rounding (exact halves go up).
    ///
    /// The interpolated payoffs are multiples of 1/8, so `x + 0.5` is computed exactly in Double
    /// and no representation error can move a half across the floor.
    public static func roundHalfUp(_ x: Double) -> Double { (x + 0.5).rounded(.down) }
}
