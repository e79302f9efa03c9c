import RealModule
import ItemModels
import NumericCore
import PreferenceData

/// A synthetic experiment comparing pair-selection strategies for the Thurstonian item model.
///
/// Ground truth: `itemCount` items with μ_i ~ N(0, `meanSpread`²) and log σ_i ~ N(0,
/// `logScaleSpread`²). Every comparison of a pair (a, b) is one Bernoulli draw with
/// P(a ≻ b) = Φ((μ_a − μ_b)/√(σ_a² + σ_b²)). A run starts with `warmUpComparisons` random pairs,
/// then repeatedly refits (warm-started) and asks the strategy for `batchSize` more pairs, up to
/// `maximumComparisons`. The score after each batch is the **ranking accuracy**: the share of
/// all n(n − 1)/2 item pairs that the fitted means order as the true means do. The result is the
/// number of comparisons at which it first reaches `targetAccuracy`.
///
/// The ground truth of a seed is the same for every strategy, so strategies are compared on the
/// same items; the outcome draws and the selections come from separate streams of the seed.
public struct ActiveLearningSimulation: Sendable {
    /// The number of items n.
    public var itemCount: Int
    /// The standard deviation of the true means.
    public var meanSpread: Double
    /// The standard deviation of the true log scales.
    public var logScaleSpread: Double
    /// Random comparisons before the first selection.
    public var warmUpComparisons: Int
    /// Pairs asked for per round.
    public var batchSize: Int
    /// The comparison budget.
    public var maximumComparisons: Int
    /// The ranking accuracy to reach.
    public var targetAccuracy: Double
    /// Stop a run as soon as it reaches the target (otherwise it always spends the whole budget,
    /// which gives comparable accuracy curves).
    public var stopsAtTarget: Bool
    /// The Thurstonian fitter refitted after each batch.
    public var fitter: ThurstonianFitter

    /// A simulation with the given truth, budget and target.
    public init(itemCount: Int = 20, meanSpread: Double = 1.5, logScaleSpread: Double = 0.25,
                warmUpComparisons: Int = 40, batchSize: Int = 20, maximumComparisons: Int = 600,
                targetAccuracy: Double = 0.93, stopsAtTarget: Bool = false,
                fitter: ThurstonianFitter = ThurstonianFitter()) {
        precondition(itemCount >= 3 && batchSize >= 1 && maximumComparisons >= warmUpComparisons,
                     "ActiveLearningSimulation: \(itemCount) items, batch \(batchSize), budget \(maximumComparisons), warm-up \(warmUpComparisons)")
        self.itemCount = itemCount
        self.meanSpread = meanSpread
        self.logScaleSpread = logScaleSpread
        self.warmUpComparisons = warmUpComparisons
        self.batchSize = batchSize
        self.maximumComparisons = maximumComparisons
        self.targetAccuracy = targetAccuracy
        self.stopsAtTarget = stopsAtTarget
        self.fitter = fitter
    }

    /// One run's outcome.
    public struct Run: Sendable, Hashable, Codable {
        /// The strategy of the run.
        public var strategy: PairSelectionStrategy
        /// The seed of the run.
        public var seed: UInt64
        /// Comparisons used when the ranking accuracy first reached the target (nil: never, within budget).
        public var comparisonsToTarget: Int?
        /// (comparisons, ranking accuracy) after the warm-up and after each batch.
        public var curve: [Point]
        /// The ranking accuracy after a number of comparisons.
        public struct Point: Sendable, Hashable, Codable {
            /// Comparisons made so far.
            public var comparisons: Int
            /// The ranking accuracy of the fitted means.
            public var accuracy: Double
        }
    }

    /// The ground-truth model of `seed`.
    public func truth(seed: UInt64) -> ThurstonianModel {
        var g = SeededGenerator(seed: seed)
        let means = (0..<itemCount).map { _ in meanSpread * g.nextNormal() }
        let sds = (0..<itemCount).map { _ in Double.exp(logScaleSpread * g.nextNormal()) }
        return ThurstonianModel(items: (0..<itemCount).map { "item\($0)" }, means: means, standardDeviations: sds)
    }

    /// The pointwise mean of runs' accuracy curves (runs over the same budget and batch size).
    public static func meanCurve(_ runs: [Run]) -> [Run.Point] {
        guard let length = runs.map(\.curve.count).min(), length > 0 else { return [] }
        return (0..<length).map { k in
            Run.Point(comparisons: runs[0].curve[k].comparisons,
                      accuracy: runs.reduce(0) { $0 + $1.curve[k].accuracy } / Double(runs.count))
        }
    }

    /// The first number of comparisons at which `curve` reaches `target` (nil if it never does).
    public static func comparisons(toReach target: Double, on curve: [Run.Point]) -> Int? {
        curve.first { $0.accuracy >= target }?.comparisons
    }

    /// The share of item pairs ordered alike by the means of `model` and `truth`.
    public static func rankingAccuracy(_ model: ThurstonianModel, truth: ThurstonianModel) -> Double {
        let n = truth.itemCount
        var agree = 0.0, total = 0.0
        for a in 0..<n {
            for b in (a + 1)..<max(a + 1, n) {
                let t = truth.means[a] - truth.means[b]
                let f = model.means[a] - model.means[b]
                total += 1
                if f == 0 { agree += 0.5 } else if (t > 0) == (f > 0) { agree += 1 }
            }
        }
        return total > 0 ? agree / total : 1
    }

    /// Runs one strategy on the ground truth of `seed`.
    public func run(strategy: PairSelectionStrategy, seed: UInt64) -> Run {
        let truth = truth(seed: seed)
        var root = SeededGenerator(seed: seed ^ 0x5EED_0F_AC71_7E)
        var outcomes = root.split()
        var selection = root.split()
        var warmUp = SeededGenerator(seed: seed ^ 0xA11_CE)
        let selector = PairSelector(strategy: strategy)
        var counts = PairCounts(itemCount: itemCount)
        var first = [Int](), second = [Int](), labels = [Double]()

        func observe(_ pair: (Int, Int)) {
            let p = truth.probability(preferring: pair.0, over: pair.1)
            first.append(pair.0)
            second.append(pair.1)
            labels.append(outcomes.nextOpenUnit() < p ? 1 : 0)
            counts.record(pair.0, pair.1)
        }
        // Warm-up: the same random pairs for every strategy.
        let uniform = PairSelector(strategy: .random)
        let blank = ThurstonianModel(items: truth.items, means: [Double](repeating: 0, count: itemCount),
                                     standardDeviations: [Double](repeating: 1, count: itemCount))
        while first.count < warmUpComparisons {
            let batch = uniform.nextPairs(model: blank, counts: counts,
                                          batchSize: min(batchSize, warmUpComparisons - first.count), using: &warmUp)
            for pair in batch { observe(pair) }
        }
        var curve = [Run.Point]()
        var current: ThurstonianModel? = nil
        var reached: Int? = nil
        while true {
            let data = ProbabilisticComparisons(items: truth.items, first: first, second: second, labels: labels)
            let fit: ThurstonianFit
            do {
                fit = try fitter.fit(data, start: current)
            } catch {
                // Only a Case V fitter without a penalty can fail here (a comparison graph that is
                // not yet strongly connected); the simulation needs a penalty > 0 then.
                preconditionFailure("ActiveLearningSimulation: refit after \(first.count) comparisons failed: \(error)")
            }
            current = fit.model
            let accuracy = Self.rankingAccuracy(fit.model, truth: truth)
            curve.append(Run.Point(comparisons: first.count, accuracy: accuracy))
            if accuracy >= targetAccuracy && reached == nil {
                reached = first.count
                if stopsAtTarget { break }
            }
            guard first.count < maximumComparisons else { break }
            let batch = selector.nextPairs(model: fit.model, counts: counts,
                                           batchSize: min(batchSize, maximumComparisons - first.count),
                                           using: &selection)
            if batch.isEmpty { break }
            for pair in batch { observe(pair) }
        }
        return Run(strategy: strategy, seed: seed, comparisonsToTarget: reached, curve: curve)
    }
}
