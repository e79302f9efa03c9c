import TestSupport
import Testing
@testable import FeatureModels
@testable import ItemModels
@testable import NumericCore
@testable import PreferenceData

/// Item-level GPM against Bradley–Terry on cyclic and transitive tournaments.
@Suite("Item-level GPM")
struct ItemGPMTests {
    static func set(_ records: [(String, String)], items: [String]) throws -> ComparisonSet {
        var builder = ComparisonSet.Builder(items: items)
        for (w, l) in records { try builder.append(winner: w, loser: l) }
        return builder.build()
    }

    /// The n-cycle 0 ≻ 1 ≻ … ≻ n−1 ≻ 0, each edge `repeats` times.
    static func cycle(_ n: Int, repeats: Int = 3) throws -> ComparisonSet {
        let names = (0..<n).map { "i\($0)" }
        var records = [(String, String)]()
        for _ in 0..<repeats { for i in 0..<n { records.append((names[i], names[(i + 1) % n])) } }
        return try set(records, items: names)
    }

    @Test("3-cycle and 4-cycle: GPM reaches 100% training accuracy, Bradley–Terry gives every item the same strength",
          arguments: [3, 4])
    func cycles(n: Int) throws {
        let data = try Self.cycle(n)
        let gpm = try ItemGPM(configuration: GPMConfiguration(dimension: 2), restarts: 3, seed: 1).fit(data)
        #expect(gpm.report!.trainingAccuracy == 1)
        #expect(gpm.accuracy(on: data) == 1)
        for i in 0..<n { #expect(gpm.probability(preferring: i, over: (i + 1) % n) > 0.99) }
        #expect(gpm.tripleCensus().cyclic >= 1)

        let bt = try BradleyTerry().fit(data)
        let spread = bt.strengths.max()! - bt.strengths.min()!
        #expect(spread < 1e-8, "BT strengths \(bt.strengths)")
        for i in 0..<n { #expect(Tolerance.isClose(bt.probability(preferring: i, over: (i + 1) % n), 0.5, atol: 1e-8)) }
    }

    /// Three groups of `size` items, transitive inside each group (lower index wins) and
    /// rock-paper-scissors across groups (every item of group g beats every item of group g+1 mod 3).
    static func rockPaperScissors(groupSize size: Int) throws -> ComparisonSet {
        let names = (0..<3).flatMap { g in (0..<size).map { "g\(g)_\($0)" } }
        var records = [(String, String)]()
        for g in 0..<3 {
            for i in 0..<size {
                for j in (i + 1)..<size { records.append(("g\(g)_\(i)", "g\(g)_\(j)")) }
                for j in 0..<size { records.append(("g\(g)_\(i)", "g\((g + 1) % 3)_\(j)")) }
            }
        }
        return try set(records, items: names)
    }

    @Test("rock-paper-scissors of transitive groups: 2k = 4 and 6 reach 100% training accuracy for seeds 1…5",
          arguments: [4, 6], [UInt64(1), 2, 3, 4, 5])
    func rockPaperScissors(dimension: Int, seed: UInt64) throws {
        let data = try Self.rockPaperScissors(groupSize: 4)
        #expect(CyclicTriples.cycles(in: data).census.cyclic == 64)   // one item from each group: 4³
        let model = try ItemGPM(configuration: GPMConfiguration(dimension: dimension), restarts: 4, seed: seed).fit(data)
        #expect(model.accuracy(on: data) == 1, "seed \(seed), 2k = \(dimension): accuracy \(model.accuracy(on: data))")
        let (_, cycles) = CyclicTriples.cycles(in: data)
        #expect(CyclicTriples.captured(cycles, scoreMatrix: model.scoreMatrix()) == 64)
        // BT cannot order a cycle: at most 2 of the 3 cross-group blocks can be right.
        let bt = try BradleyTerry().fit(data)
        var btCorrect = 0
        for k in 0..<data.count where bt.strengths[data.winners[k]] > bt.strengths[data.losers[k]] { btCorrect += 1 }
        #expect(Double(btCorrect) / Double(data.count) < 0.85)
    }

    @Test("transitive data: GPM's held-out accuracy is within one point of Bradley–Terry's")
    func transitive() throws {
        var rng = SeededGenerator(seed: 21)
        let n = 40
        let theta = (0..<n).map { _ in rng.nextNormal() }
        let names = (0..<n).map { "item\($0)" }
        var train = ComparisonSet.Builder(items: names), test = ComparisonSet.Builder(items: names)
        for t in 0..<16_000 {
            let i = Int.random(in: 0..<n, using: &rng)
            var j = Int.random(in: 0..<(n - 1), using: &rng)
            if j >= i { j += 1 }
            let iWins = rng.nextOpenUnit() < Double.sigmoid(theta[i] - theta[j])
            let (w, l) = iWins ? (names[i], names[j]) : (names[j], names[i])
            if t < 8_000 { try train.append(winner: w, loser: l) } else { try test.append(winner: w, loser: l) }
        }
        let trainSet = train.build(), testSet = test.build()
        let bt = try BradleyTerry().fit(trainSet)
        var btCorrect = 0
        for k in 0..<testSet.count where bt.strengths[testSet.winners[k]] > bt.strengths[testSet.losers[k]] { btCorrect += 1 }
        let btAccuracy = Double(btCorrect) / Double(testSet.count)
        let gpm = try ItemGPM(configuration: GPMConfiguration(dimension: 4), restarts: 3, seed: 22).fit(trainSet)
        let gpmAccuracy = gpm.accuracy(on: testSet)
        #expect(abs(gpmAccuracy - btAccuracy) <= 0.01, "GPM \(gpmAccuracy) vs BT \(btAccuracy)")
        #expect(btAccuracy > 0.7)
        // A transitive fit has (almost) no cyclic triple.
        #expect(gpm.tripleCensus().cyclicFraction < 0.02)
    }

    @Test("restarts keep the lowest objective; names, errors and a fixed seed give the same model")
    func restartsAndErrors() throws {
        let data = try Self.rockPaperScissors(groupSize: 3)
        let estimator = ItemGPM(configuration: GPMConfiguration(dimension: 4, eigenvalues: .learned), restarts: 4, seed: 9)
        let m1 = try estimator.fit(data), m2 = try estimator.fit(data)
        #expect(m1.embeddings == m2.embeddings)
        // Another seed draws other starts.
        var other = estimator
        other.seed = 10
        #expect(try other.fit(data).report!.starts.map(\.objective) != m1.report!.starts.map(\.objective))
        let report = m1.report!
        #expect(report.starts.count == 4)
        #expect(report.starts.allSatisfy { $0.objective >= report.starts[report.bestStart].objective })
        #expect(m1.eigenvalues.scalars.allSatisfy { $0 > 0 })
        #expect(try m1.probability(preferring: "g0_0", over: "g1_0") > 0.5)
        #expect(throws: GPMError.unknownItem("nope")) { try m1.probability(preferring: "nope", over: "g0_0") }
        #expect(throws: GPMError.self) {
            try ItemGPM(configuration: GPMConfiguration(eigenvalues: .promptGated)).fit(data)
        }
        let empty = try ComparisonSet(items: ["a", "b"], winners: [], losers: [])
        #expect(throws: GPMError.emptyData) { try ItemGPM().fit(empty) }
    }
}
