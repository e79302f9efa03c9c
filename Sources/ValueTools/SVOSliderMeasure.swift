import RealModule

/// The Social Value Orientation slider measure (Murphy, Ackermann & Handgraaf 2011, "Measuring
/// Social Value Orientation", Judgment and Decision Making 6(8)): six primary items, each a
/// slider with nine (self, other) allocations.
///
/// The SVO angle of a set of answers is
///
///     SVO° = atan((ō − 50)/(s̄ − 50))  in degrees,
///
/// with s̄ and ō the mean self and other payoffs of the chosen allocations over the six items
/// (50 is the centre of the SVO ring). It is computed as `atan2(ō − 50, s̄ − 50)`, which equals
/// the published `atan` whenever s̄ > 50 — always true for the primary items, whose self payoffs
/// are all ≥ 50 and include item 1's constant 85 — and stays defined on the whole circle for
/// custom items.
///
/// ```swift
/// let svo = SVOSliderMeasure.primary
/// let angle = try svo.angle(options: [1, 1, 1, 1, 1, 1])   // 30.47° (all left)
/// SVOCategory(angleDegrees: angle)                          // .prosocial
/// ```
public struct SVOSliderMeasure: Sendable, Hashable, Codable {
    /// The items, in order; answers are given as one option (1…9) per item.
    public var items: [SVOSliderItem]

    /// A measure of the given slider items.
    public init(items: [SVOSliderItem]) {
        precondition(!items.isEmpty, "SVOSliderMeasure needs at least one item")
        self.items = items
    }

    /// The six primary items with their published endpoints:
    /// 1: (85, 85) → (85, 15); 2: (85, 15) → (100, 50); 3: (50, 100) → (85, 85);
    /// 4: (50, 100) → (85, 15); 5: (100, 50) → (50, 100); 6: (100, 50) → (85, 85).
    public static let primary = SVOSliderMeasure(items: [
        SVOSliderItem(number: 1, from: SVOAllocation(85, 85), to: SVOAllocation(85, 15)),
        SVOSliderItem(number: 2, from: SVOAllocation(85, 15), to: SVOAllocation(100, 50)),
        SVOSliderItem(number: 3, from: SVOAllocation(50, 100), to: SVOAllocation(85, 85)),
        SVOSliderItem(number: 4, from: SVOAllocation(50, 100), to: SVOAllocation(85, 15)),
        SVOSliderItem(number: 5, from: SVOAllocation(100, 50), to: SVOAllocation(50, 100)),
        SVOSliderItem(number: 6, from: SVOAllocation(100, 50), to: SVOAllocation(85, 85)),
    ])

    /// The centre of the SVO ring in payoff units.
    public static let ringCentre = 50.0

    /// The chosen allocations for one option per item (`options[i]` answers `items[i]`, 1-based).
    public func allocations(options: [Int]) throws(SVOError) -> [SVOAllocation] {
        guard options.count == items.count else {
            throw SVOError.incompleteAnswers(respondent: nil, expected: items.count, found: options.count)
        }
        var result = [SVOAllocation]()
        result.reserveCapacity(options.count)
        for (i, option) in options.enumerated() {
            guard option >= 1 && option <= items[i].options.count else {
                throw SVOError.optionOutOfRange(respondent: nil, item: items[i].number, option: option,
                                                optionCount: items[i].options.count)
            }
            result.append(items[i].options[option - 1])
        }
        return result
    }

    /// The SVO angle in degrees of one answer per item.
    public func angle(options: [Int]) throws(SVOError) -> Double {
        Self.angle(of: try allocations(options: options))
    }

    /// The SVO angle in degrees of chosen allocations: `atan2(ō − 50, s̄ − 50)`.
    public static func angle(of allocations: [SVOAllocation]) -> Double {
        precondition(!allocations.isEmpty, "SVO angle of no allocations")
        var meanSelf = 0.0, meanOther = 0.0
        for a in allocations {
            meanSelf += a.selfPayoff
            meanOther += a.otherPayoff
        }
        meanSelf /= Double(allocations.count)
        meanOther /= Double(allocations.count)
        return Angle.degrees(Double.atan2(y: meanOther - ringCentre, x: meanSelf - ringCentre))
    }

    /// The category of one answer per item.
    public func category(options: [Int]) throws(SVOError) -> SVOCategory {
        SVOCategory(angleDegrees: try angle(options: options))
    }

    /// The option a utility maximizer with angle θ (degrees) picks on each item: the option
    /// maximizing cos θ·self + sin θ·other (the first one on exact ties).
    public func maximizingOptions(angleDegrees: Double) -> [Int] {
        let model = SVORewardModel(angleDegrees: angleDegrees, rationality: 1)
        return items.map { item in
            var best = 0
            var bestUtility = -Double.infinity
            for (k, a) in item.options.enumerated() {
                let u = model.utility(a)
                if u > bestUtility + 1e-12 {
                    bestUtility = u
                    best = k
                }
            }
            return best + 1
        }
    }

    /// Every answer of the measure as a nine-option choice set, for fitting ``SVORewardModel``.
    public func choices(options: [Int], weight: Double = 1) throws(SVOError) -> [AllocationChoice] {
        guard options.count == items.count else {
            throw SVOError.incompleteAnswers(respondent: nil, expected: items.count, found: options.count)
        }
        var result = [AllocationChoice]()
        for (i, option) in options.enumerated() {
            guard option >= 1 && option <= items[i].options.count else {
                throw SVOError.optionOutOfRange(respondent: nil, item: items[i].number, option: option,
                                                optionCount: items[i].options.count)
            }
            result.append(AllocationChoice(options: items[i].options, chosen: option - 1, weight: weight))
        }
        return result
    }
}
