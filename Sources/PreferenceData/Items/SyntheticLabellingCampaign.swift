import Foundation
import NumericCore

/// A seeded synthetic labelling campaign: annotators of known reliability η and position bias β
/// label uniformly random pairs of items with known strengths, recording which item was shown first.
///
/// Annotator a, shown i first and j second, reports i ≻ j with probability
/// η_a·σ(θ_i − θ_j + β_a) + (1 − η_a)·σ(−(θ_i − θ_j + β_a)); β = +∞ is an annotator who always picks
/// the item shown first (a "left-clicker"), η = 0.5 one who flips a coin. The order of the two
/// items on screen is a fair coin. Every record is written with its `annotator` and `first` fields.
///
/// ```swift
/// var rng = SeededGenerator(seed: 7)
/// let people = [SyntheticLabellingCampaign.Annotator(name: "careful", reliability: 1, bias: 0, labels: 300),
///               SyntheticLabellingCampaign.Annotator(name: "left", reliability: 1, bias: .infinity, labels: 300)]
/// let data = SyntheticLabellingCampaign.comparisons(strengths: [1, 0, -1], annotators: people, using: &rng)
/// ```
public enum SyntheticLabellingCampaign {
    /// One annotator of the campaign.
    public struct Annotator: Sendable, Equatable {
        /// The annotator's name.
        public var name: String
        /// η: the probability of reporting the true (biased) preference.
        public var reliability: Double
        /// β: the shift toward the item shown first (+∞: always the first).
        public var bias: Double
        /// How many labels the annotator gives.
        public var labels: Int

        /// An annotator.
        public init(name: String, reliability: Double, bias: Double, labels: Int) {
            precondition(reliability >= 0 && reliability <= 1, "reliability must be in [0, 1], got \(reliability)")
            precondition(!bias.isNaN && labels >= 0, "bias must not be NaN and labels ≥ 0, got \(bias), \(labels)")
            self.name = name
            self.reliability = reliability
            self.bias = bias
            self.labels = labels
        }
    }

    /// The campaign's comparisons: each annotator's labels in turn, item `k` named as
    /// ``SyntheticComparisons/comparisons(strengths:count:pairs:outcomes:itemNames:using:)`` names it
    /// (`item01`…), with annotator and first-shown fields.
    public static func comparisons<G: RandomNumberGenerator>(
        strengths: [Double], annotators: [Annotator], itemNames: [String]? = nil, using generator: inout G
    ) -> ComparisonSet {
        let n = strengths.count
        precondition(n >= 2, "a campaign needs at least 2 items, got \(n)")
        precondition(itemNames == nil || itemNames!.count == n, "\(itemNames?.count ?? 0) names for \(n) strengths")
        let names = itemNames ?? SyntheticComparisons.defaultItemNames(count: n)
        let total = annotators.reduce(0) { $0 + $1.labels }
        var winners = [Int](), losers = [Int](), ids = [Int](), sides = [Int8]()
        winners.reserveCapacity(total); losers.reserveCapacity(total); ids.reserveCapacity(total); sides.reserveCapacity(total)
        for (a, person) in annotators.enumerated() {
            for _ in 0..<person.labels {
                let i = Int.random(in: 0..<n, using: &generator)     // shown first
                var j = Int.random(in: 0..<(n - 1), using: &generator)
                if j >= i { j += 1 }
                let d = strengths[i] - strengths[j] + person.bias
                let p = person.reliability * Double.sigmoid(d) + (1 - person.reliability) * Double.sigmoid(-d)
                if generator.nextOpenUnit() < p {
                    winners.append(i); losers.append(j); sides.append(1)
                } else {
                    winners.append(j); losers.append(i); sides.append(-1)
                }
                ids.append(a)
            }
        }
        return ComparisonSet(validatedItems: names, winners: winners, losers: losers,
                             ties: [Bool](repeating: false, count: total), weights: [Double](repeating: 1, count: total),
                             annotators: ids, annotatorNames: annotators.map(\.name), shownFirst: sides)
    }
}
