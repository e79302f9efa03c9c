import PreferenceData

/// How well scores order the responses of ranked sets: pairwise accuracy within each set, top-1
/// accuracy and Kendall's τ per set.
///
/// For a set, the ordered pairs are every two options in different places (an unranked option is
/// below every ranked one; unranked options are not ordered among themselves, and tied items are
/// not a pair). A pair is correct when the better option scores strictly higher; a score tie counts
/// half. ``pairwiseAccuracy`` is the weighted share of correct pairs over all sets; ``topOneAccuracy``
/// the weighted share of sets whose highest-scoring option is in the first place (a score tie
/// among the highest counts as the share of them that are); ``kendallTau`` the weighted mean over
/// sets of τ = (concordant − discordant)/pairs on the set's ordered pairs (τ-a on untied pairs).
public struct RankingMetrics: Sendable, Equatable {
    /// The weighted share of correctly ordered pairs.
    public var pairwiseAccuracy: Double
    /// The weighted share of sets whose top-scoring option is ranked first.
    public var topOneAccuracy: Double
    /// The weighted mean Kendall τ per set.
    public var kendallTau: Double
    /// The number of sets with at least one ordered pair.
    public var sets: Int

    /// The metrics of `scores` (one per item of `rankings`) on `rankings`.
    public init(scores: [Double], rankings: RankingSet) {
        precondition(scores.count == rankings.itemCount, "\(scores.count) scores for \(rankings.itemCount) items")
        var correct = 0.0, pairs = 0.0, top = 0.0, tau = 0.0, weight = 0.0
        var sets = 0
        for r in 0..<rankings.count {
            let ranking = rankings[r]
            let w = ranking.weight
            // Level of each option: its place; unranked options share the level below the last place.
            var levels: [(item: Int, level: Int)] = []
            for (p, place) in ranking.places.enumerated() { for i in place { levels.append((i, p)) } }
            for i in ranking.unranked { levels.append((i, ranking.places.count)) }
            var setCorrect = 0.0, setPairs = 0.0, concordant = 0.0, discordant = 0.0
            for a in 0..<levels.count {
                for b in (a + 1)..<levels.count where levels[a].level != levels[b].level {
                    let (better, worse) = levels[a].level < levels[b].level ? (levels[a].item, levels[b].item) : (levels[b].item, levels[a].item)
                    setPairs += 1
                    if scores[better] > scores[worse] { setCorrect += 1; concordant += 1 }
                    else if scores[better] < scores[worse] { discordant += 1 }
                    else { setCorrect += 0.5 }
                }
            }
            guard setPairs > 0 else { continue }
            sets += 1
            weight += w
            correct += w * setCorrect
            pairs += w * setPairs
            tau += w * (concordant - discordant) / setPairs
            let best = levels.map { scores[$0.item] }.max() ?? 0
            let leaders = levels.filter { scores[$0.item] == best }
            top += w * Double(leaders.filter { $0.level == 0 }.count) / Double(leaders.count)
        }
        pairwiseAccuracy = pairs > 0 ? correct / pairs : 0
        topOneAccuracy = weight > 0 ? top / weight : 0
        kendallTau = weight > 0 ? tau / weight : 0
        self.sets = sets
    }
}
