import RealModule
import NumericCore

/// A seeded generator of random delivery boards of varied sizes and contents.
///
/// Each board draws its height and width, the fraction of cells holding sheep, road blocks,
/// coins, houses and mud, places one goal, and draws its own true reward weights
/// [time, goal, sheep, coin, roadblock, mud] (time is always −1, coin +1), following the random
/// MDPs of Knox et al.'s experiments (which had no houses or mud; both are optional here).
public struct DeliveryGridworldGenerator: Sendable {
    /// Board heights to draw from.
    public var heights: [Int] = [3, 6, 10, 15]
    /// Board widths to draw from.
    public var widths: [Int] = [5, 6, 10]
    /// Fractions of cells holding sheep.
    public var sheepFractions: [Double] = [0, 0.1, 0.3]
    /// Fractions of cells holding road blocks.
    public var roadBlockFractions: [Double] = [0, 0.1, 0.5, 0.8]
    /// Fractions of cells holding coins.
    public var coinFractions: [Double] = [0, 0.1, 0.2]
    /// Fractions of cells holding houses.
    public var houseFractions: [Double] = [0, 0.1]
    /// Fractions of cells holding mud.
    public var mudFractions: [Double] = [0, 0.1, 0.3]
    /// True reward weights of the goal to draw from.
    public var goalRewards: [Double] = [0, 1, 5, 10, 50]
    /// True reward weights of a sheep to draw from.
    public var sheepRewards: [Double] = [-5, -10, -50, -100]
    /// True reward weights of a road block to draw from.
    public var roadBlockRewards: [Double] = [-2, -5, -10]
    /// True reward weights of mud to draw from.
    public var mudRewards: [Double] = [-1, -2, -3]
    /// The discount of every board.
    public var discount: Double = DeliveryGridworld.defaultDiscount
    /// How the boards store their transitions.
    public var storage: TransitionStorage = .automatic

    /// The default distribution (Knox et al.'s, plus optional houses and mud).
    public init() {}

    /// A generator that always draws boards of one size (for scaling benchmarks).
    public init(height: Int, width: Int) {
        heights = [height]
        widths = [width]
    }

    /// Draws one board; the same generator state gives the same board.
    ///
    /// - Throws: ``MDPError/invalidConfiguration(_:)`` when a choice list is empty or a size is not positive.
    public func generate<G: RandomNumberGenerator>(using rng: inout G) throws(MDPError) -> DeliveryGridworld {
        for (name, list) in [("heights", heights.map(Double.init)), ("widths", widths.map(Double.init)),
                             ("sheepFractions", sheepFractions), ("roadBlockFractions", roadBlockFractions),
                             ("coinFractions", coinFractions), ("houseFractions", houseFractions),
                             ("mudFractions", mudFractions), ("goalRewards", goalRewards),
                             ("sheepRewards", sheepRewards), ("roadBlockRewards", roadBlockRewards),
                             ("mudRewards", mudRewards)] where list.isEmpty {
            throw .invalidConfiguration("DeliveryGridworldGenerator.\(name) is empty")
        }
        guard heights.allSatisfy({ $0 > 0 }) && widths.allSatisfy({ $0 > 0 }) else {
            throw .invalidConfiguration("grid heights and widths must be positive")
        }
        for fractions in [sheepFractions, roadBlockFractions, coinFractions, houseFractions, mudFractions] {
            guard fractions.allSatisfy({ $0 >= 0 && $0 < 1 }), fractions.contains(0) || fractions.min()! < 0.25 else {
                throw .invalidConfiguration("content fractions must lie in [0, 1) and include a small value")
            }
        }
        let height = heights.randomElement(using: &rng)!
        let width = widths.randomElement(using: &rng)!
        let n = height * width
        let sheep = sheepFractions.randomElement(using: &rng)!
        var roadBlocks = roadBlockFractions.randomElement(using: &rng)!
        while sheep + roadBlocks >= 1 { roadBlocks = roadBlockFractions.randomElement(using: &rng)! }
        var coins = coinFractions.randomElement(using: &rng)!
        while sheep + roadBlocks + coins >= 1 { coins = coinFractions.randomElement(using: &rng)! }
        var houses = houseFractions.randomElement(using: &rng)!
        while sheep + roadBlocks + coins + houses >= 1 { houses = houseFractions.randomElement(using: &rng)! }
        let mudFraction = mudFractions.randomElement(using: &rng)!

        var cells = [DeliveryGridworld.Cell](repeating: .empty, count: n)
        var free = rng.permutation(n)
        // The goal first, so it always exists; at least one cell stays empty for a start state.
        cells[free.removeLast()] = .goal
        func place(_ cell: DeliveryGridworld.Cell, _ fraction: Double) {
            for _ in 0..<Int(fraction * Double(n)) where free.count > 1 { cells[free.removeLast()] = cell }
        }
        place(.sheep, sheep)
        place(.roadBlock, roadBlocks)
        place(.coin, coins)
        place(.house, houses)
        var mud = [Bool](repeating: false, count: n)
        for i in rng.permutation(n).prefix(Int(mudFraction * Double(n))) { mud[i] = true }
        let weights: [Double] = [
            -1, goalRewards.randomElement(using: &rng)!, sheepRewards.randomElement(using: &rng)!, 1,
            roadBlockRewards.randomElement(using: &rng)!, mudRewards.randomElement(using: &rng)!,
        ]
        return try DeliveryGridworld(height: height, width: width, cells: cells, mud: mud, weights: weights,
                                      discount: discount, storage: storage)
    }
}
