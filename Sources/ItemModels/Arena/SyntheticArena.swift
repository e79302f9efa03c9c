import Foundation
import NumericCore
import PreferenceData

/// Seeded synthetic arena battles in which a per-answer style feature (think: answer length) sways
/// the votes.
///
/// Battle r compares a uniformly random pair (i, j); each answer gets a style value
/// z = styleMeans[item] + styleNoise·N(0, 1), and the outcome is drawn from
/// P(i ≻ j) = σ(θᵢ − θⱼ + γ·(zᵢ − zⱼ)) (or its Davidson version with ties when `davidsonNu` is set).
/// Items whose answers are long on average are thus inflated by a plain Bradley–Terry fit.
public enum SyntheticArena {
    /// The generated battles (covariate `style`, c = z_winner − z_loser, no normalization) and the
    /// raw style values of each record's winner and loser.
    public struct Sample: Sendable {
        /// The battles with their style covariate.
        public var battles: ArenaBattles
        /// The style value z of each record's winner.
        public var winnerStyle: [Double]
        /// The style value z of each record's loser.
        public var loserStyle: [Double]

        /// CSV with `winner,loser,tie,style_w,style_l` (read back with `--covariates style_w:style_l`).
        public func csvText() -> String {
            let set = battles.comparisons
            var text = "winner,loser,tie,style_w,style_l\n"
            for r in 0..<set.count {
                text += "\(set.items[set.winners[r]]),\(set.items[set.losers[r]]),\(set.ties[r] ? 1 : 0),\(winnerStyle[r]),\(loserStyle[r])\n"
            }
            return text
        }
    }

    /// `count` battles between items of true `strengths` whose answers have mean style `styleMeans[item]`, with the style coefficient γ, style noise, optional Davidson ties (ν = `davidsonNu`) and item names (default `item-0`, …), drawn from `rng`.
    public static func styleBattles<G: RandomNumberGenerator>(
        strengths: [Double], styleMeans: [Double], styleCoefficient gamma: Double, styleNoise: Double = 0.5,
        count: Int, davidsonNu: Double? = nil, itemNames: [String]? = nil, using rng: inout G
    ) -> Sample {
        let n = strengths.count
        precondition(n >= 2 && styleMeans.count == n, "need ≥ 2 items and one style mean per item, got \(n) and \(styleMeans.count)")
        precondition(itemNames == nil || itemNames!.count == n, "\(itemNames?.count ?? 0) names for \(n) items")
        let names = itemNames ?? (1...n).map { String(format: "model%02d", $0) }
        var winners: [Int] = [], losers: [Int] = [], ties: [Bool] = [], zw: [Double] = [], zl: [Double] = []
        winners.reserveCapacity(count); losers.reserveCapacity(count)
        for _ in 0..<count {
            let i = Int.random(in: 0..<n, using: &rng)
            var j = Int.random(in: 0..<(n - 1), using: &rng)
            if j >= i { j += 1 }
            let zi = styleMeans[i] + styleNoise * rng.nextNormal()
            let zj = styleMeans[j] + styleNoise * rng.nextNormal()
            let d = strengths[i] - strengths[j] + gamma * (zi - zj)
            let win: Double, tie: Double
            if let nu = davidsonNu {
                (win, tie) = DavidsonPairLikelihood.probabilities(difference: d, tieParameter: log(nu))
            } else {
                (win, tie) = (Double.sigmoid(d), 0)
            }
            let u = rng.nextOpenUnit()
            if u < win + tie {
                winners.append(i); losers.append(j); zw.append(zi); zl.append(zj); ties.append(u >= win)
            } else {
                winners.append(j); losers.append(i); zw.append(zj); zl.append(zi); ties.append(false)
            }
        }
        // Item indices are the generator's (every item is registered in order).
        let set = try! ComparisonSet(items: names, winners: winners, losers: losers, ties: ties)
        let c = Tensor(shape: [count, 1], scalars: (0..<count).map { zw[$0] - zl[$0] })
        let battles = try! ArenaBattles(set, covariateNames: ["style"], values: c)
        return Sample(battles: battles, winnerStyle: zw, loserStyle: zl)
    }
}
