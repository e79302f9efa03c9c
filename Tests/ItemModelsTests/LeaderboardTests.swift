import Foundation
import TestSupport
import Testing
@testable import ItemModels
@testable import NumericCore
@testable import PreferenceData
import Reports

@Suite("Synthetic data, leaderboard and chart")
struct LeaderboardTests {
    @Test("the generator is seeded and its outcome frequencies follow the model")
    func generator() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42)
        let theta = SyntheticComparisons.strengths(count: 10, using: &a)
        #expect(theta == SyntheticComparisons.strengths(count: 10, using: &b))
        let one = SyntheticComparisons.comparisons(strengths: theta, count: 500, using: &a)
        let two = SyntheticComparisons.comparisons(strengths: theta, count: 500, using: &b)
        #expect(one == two)
        // Two items, Davidson ν = 1 at d = 1: P(win) = e^{1/2}/(e^{1/2} + e^{−1/2} + 1).
        var rng = SeededGenerator(seed: 9)
        let set = SyntheticComparisons.comparisons(strengths: [1, 0], count: 200_000, outcomes: .davidson(nu: 1),
                                                   using: &rng)
        let expected = SyntheticComparisons.OutcomeModel.davidson(nu: 1).probabilities(difference: 1)
        var firstWins = 0.0, ties = 0.0, firstPlays = 0.0
        for k in 0..<set.count {
            if set.ties[k] { ties += 1 } else if set.winners[k] == 0 { firstWins += 1 }
            firstPlays += 1
        }
        #expect(abs(ties / firstPlays - expected.tie) < 0.005)
        #expect(abs(firstWins / firstPlays - expected.win) < 0.005)
        // Sparse pairs stay on a connected graph with about the requested degree.
        let sparse = SyntheticComparisons.comparisons(strengths: SyntheticComparisons.strengths(count: 100, using: &rng),
                                                      count: 20_000, pairs: .sparse(averageDegree: 6), using: &rng)
        let aggregated = AggregatedComparisons(sparse)
        #expect(aggregated.pairCount <= 300 && aggregated.pairCount >= 280)
        #expect(ComparisonGraph(aggregated).isStronglyConnected)
    }

    @Test("leaderboard ranks, records, probabilities and SVG")
    func leaderboard() throws {
        var rng = SeededGenerator(seed: 12)
        let theta = SyntheticComparisons.strengths(count: 12, using: &rng)
        let data = SyntheticComparisons.comparisons(strengths: theta, count: 4000, outcomes: .davidson(nu: 0.6),
                                                    itemNames: (0..<12).map { "model-\($0)" }, using: &rng)
        let model = try BradleyTerry(.init(l2Penalty: 0.01, ties: .davidson)).fit(data)
        let intervals = try model.hessianIntervals()
        let board = Leaderboard(model: model, comparisons: data, intervals: intervals, topCount: 5)
        #expect(board.entries.map(\.rank) == Array(1...12))
        #expect(zip(board.entries, board.entries.dropFirst()).allSatisfy { $0.strength >= $1.strength })
        let totalDecisive = board.entries.reduce(0) { $0 + $1.wins }
        let totalTies = board.entries.reduce(0) { $0 + $1.ties }
        #expect(totalDecisive + totalTies / 2 == Double(data.count))
        #expect(board.entries.reduce(0) { $0 + $1.losses } == totalDecisive)
        #expect(board.topItems == board.entries.prefix(5).map(\.item))
        for a in 0..<5 {
            for b in 0..<5 where a != b {
                let i = model.index(of: board.topItems[a])!, j = model.index(of: board.topItems[b])!
                let sum = board.winProbabilities[a, b] + board.winProbabilities[b, a] + model.tieProbability(between: i, and: j)
                #expect(abs(sum - 1) < 1e-12)
                if a < b { #expect(board.winProbabilities[a, b] >= board.winProbabilities[b, a]) }
            }
        }
        for e in board.entries { #expect(e.lower! < e.strength && e.strength < e.upper!) }
        let svg = LeaderboardChart.svg(board, title: "Test <board>")
        #expect(svg.contains("<svg") && svg.hasSuffix("</svg>\n"))
        #expect(svg.contains("Test &lt;board&gt;"))
        #expect(svg.contains("model-0"))
        #expect(svg.components(separatedBy: "<circle").count == 13)
        let table = board.formattedTable()
        #expect(table.split(separator: "\n").count == 13)
    }
}
