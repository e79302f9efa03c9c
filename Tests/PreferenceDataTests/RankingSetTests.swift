import Foundation
import TestSupport
import Testing
@testable import FileFormats
@testable import NumericCore
@testable import PreferenceData

@Suite("Ranking sets")
struct RankingSetTests {
    func csv(_ text: String) throws(DataError) -> RankingSet { try RankingSet(csv: Array(text.utf8), source: "r.csv") }
    func jsonl(_ text: String) throws(DataError) -> RankingSet { try RankingSet(jsonl: Array(text.utf8), source: "r.jsonl") }

    /// Fuzz regression: two different bytes that are not UTF-8 (0xAC, 0xA7) both decoded to "�",
    /// so the item list had one name for two interned items and the fit indexed past its end.
    /// Names that are not UTF-8 are read as ISO 8859-1 (a Latin-1 spreadsheet export), so they stay
    /// distinct; the same name in UTF-8 and in Latin-1 is one item.
    @Test func namesThatAreNotUTF8StayDistinctAndLatin1MatchesUTF8() throws {
        var bytes = Array("ranking,item,rank\n1,".utf8) + [0xAC] + Array(",1\n1,".utf8) + [0xA7] + Array(",2\n1,b,3\n".utf8)
        let set = try RankingSet(csv: bytes, source: "r.csv")
        #expect(set.items == ["\u{AC}", "\u{A7}", "b"])
        #expect(set.itemCount == 3 && set.placeItems.allSatisfy { Int($0) < set.itemCount })
        bytes = Array("ranking,item,rank\n1,caf".utf8) + [0xE9] + Array(",1\n1,b,2\n2,café,1\n2,b,2\n".utf8)
        let mixed = try RankingSet(csv: bytes, source: "r.csv")
        #expect(mixed.items == ["café", "b"])
        let comparisons = try ComparisonSet(csv: Array("winner,loser\n".utf8) + [0xAC] + Array(",b\n".utf8) + [0xA7] + Array(",b\n".utf8),
                                            source: "c.csv")
        #expect(comparisons.items == ["\u{AC}", "b", "\u{A7}"])
    }

    @Test func longCSVWithTiesExtraColumnsAndCRLF() throws {
        let set = try csv("ranking,item,rank,comment\r\nr1,a,1,x\r\nr1,b,2,\r\nr1,c,2,\"tie, here\"\r\nr1,d,4,\r\nr2,d,1,\r\nr2,a,2,\r\n")
        #expect(set.items == ["a", "b", "c", "d"])
        #expect(set.count == 2)
        #expect(set[0].places == [[0], [1, 2], [3]])
        #expect(set[1].places == [[3], [0]])
        #expect(set.maximumTieSize == 2)
        #expect(set.weights == [1, 1])
    }

    @Test func rowsOfOneRankingNeedNotBeAdjacentAndRanksNeedNotBeConsecutive() throws {
        let set = try csv("rank,ranking,item\n10,x,a\n1,y,b\n3,x,b\n2,y,a\n")
        #expect(set[0].places == [[1], [0]])   // ranking x: b (3) before a (10)
        #expect(set[1].places == [[1], [0]])
    }

    @Test func topKWeightsAndRankersInCSV() throws {
        let set = try csv("ranking,item,rank,unranked,weight,ranker\n1,a,1,0,2,ann\n1,b,,1,2,ann\n1,c,,1,2,ann\n2,b,1,0,1,bob\n2,c,2,0,1,bob\n")
        #expect(set[0].places == [[0]])
        #expect(set[0].unranked == [1, 2])
        #expect(set.weights == [2, 1])
        #expect(set.rankers.map { $0.map { set.rankerNames[$0] } } == ["ann", "bob"])
        let again = try csv(set.csvText())
        #expect(again == set)
    }

    @Test func jsonlWithTiesTopKRankerAndWeight() throws {
        let set = try jsonl("""
        {"ranking": ["a", "b", ["c", "d"], "e"], "ranker": "r1", "weight": 1.5}

        {"ranking": [3, "a"], "unranked": ["e"]}
        """)
        #expect(set.items == ["a", "b", "c", "d", "e", "3"])
        #expect(set[0].places == [[0], [1], [2, 3], [4]])
        #expect(set[0].weight == 1.5)
        #expect(set[1].places == [[5], [0]])
        #expect(set[1].unranked == [4])
        #expect(set.rankerNames[set.rankers![0]] == "r1")
    }

    func expectError(_ reason: String, line: Int?, _ body: () throws(DataError) -> RankingSet,
                     sourceLocation: SourceLocation = #_sourceLocation) {
        guard let error = caughtDataError(body) else {
            Issue.record("no error", sourceLocation: sourceLocation)
            return
        }
        #expect(error.line == line, "\(error)", sourceLocation: sourceLocation)
        #expect(error.description.contains(reason), "\(error)", sourceLocation: sourceLocation)
        #expect(error.file.hasPrefix("r."), sourceLocation: sourceLocation)
    }

    @Test func csvErrorsNameFileLineAndReason() {
        expectError("appears twice", line: 4) { () throws(DataError) in try csv("ranking,item,rank\n1,a,1\n1,b,2\n1,a,3\n") }
        expectError("not a positive integer", line: 3) { () throws(DataError) in try csv("ranking,item,rank\n1,a,1\n1,b,0\n") }
        expectError("not a positive integer", line: 2) { () throws(DataError) in try csv("ranking,item,rank\n1,a,-2\n1,b,1\n") }
        expectError("not a positive integer", line: 2) { () throws(DataError) in try csv("ranking,item,rank\n1,a,1.5\n1,b,1\n") }
        expectError("not a positive integer", line: 2) { () throws(DataError) in try csv("ranking,item,rank\n1,a,first\n1,b,1\n") }
        expectError("not a positive integer", line: 3) { () throws(DataError) in try csv("ranking,item,rank\n1,a,1\n1,b,\n") }
        expectError("fewer than two items", line: 4) { () throws(DataError) in try csv("ranking,item,rank\n1,a,1\n1,b,2\n2,c,1\n") }
        expectError("missing column 'rank'", line: 1) { () throws(DataError) in try csv("ranking,item\n1,a\n") }
        expectError("expected 3 fields", line: 2) { () throws(DataError) in try csv("ranking,item,rank\n1,a\n") }
        expectError("empty item name", line: 2) { () throws(DataError) in try csv("ranking,item,rank\n1,,1\n") }
        expectError("weight", line: 3) { () throws(DataError) in try csv("ranking,item,rank,weight\n1,a,1,1\n1,b,2,2\n") }
        expectError("no comparisons", line: nil) { () throws(DataError) in try csv("ranking,item,rank\n") }
        expectError("the file is empty", line: nil) { () throws(DataError) in try csv("") }
        expectError("unterminated", line: 2) { () throws(DataError) in try csv("ranking,item,rank\n1,\"a,1\n") }
    }

    @Test func jsonlErrorsNameFileLineAndReason() {
        expectError("appears twice", line: 2) { () throws(DataError) in try jsonl("{\"ranking\": [\"a\", \"b\"]}\n{\"ranking\": [\"a\", [\"b\", \"a\"]]}\n") }
        expectError("fewer than two items", line: 1) { () throws(DataError) in try jsonl("{\"ranking\": [\"a\"]}\n") }
        expectError("empty tie group", line: 1) { () throws(DataError) in try jsonl("{\"ranking\": [\"a\", [], \"b\"]}\n") }
        expectError("missing column 'ranking'", line: 1) { () throws(DataError) in try jsonl("{\"order\": [\"a\", \"b\"]}\n") }
        expectError("not valid JSON", line: 2) { () throws(DataError) in try jsonl("{\"ranking\": [\"a\", \"b\"]}\n{\"ranking\": [\"a\", \n") }
        expectError("not an item name", line: 1) { () throws(DataError) in try jsonl("{\"ranking\": [\"a\", true]}\n") }
        expectError("tie group inside", line: 1) { () throws(DataError) in try jsonl("{\"ranking\": [\"a\", [[\"b\"]]]}\n") }
        expectError("weight", line: 1) { () throws(DataError) in try jsonl("{\"ranking\": [\"a\", \"b\"], \"weight\": -1}\n") }
        expectError("not a JSON object", line: 1) { () throws(DataError) in try jsonl("[\"a\", \"b\"]\n") }
    }

    @Test func pairwiseBreakdownOfARanking() throws {
        let set = try jsonl("{\"ranking\": [\"a\", [\"b\", \"c\"]], \"unranked\": [\"d\"]}\n")
        let pairs = set.pairwiseComparisons()
        // a beats b, c, d; b and c tie; b and c beat d.
        #expect(pairs.count == 6)
        #expect(pairs.ties.filter { $0 }.count == 1)
    }

    @Test func generatorIsSeededAndHonorsLengthTopKAndTies() {
        var a = SeededGenerator(seed: 3), b = SeededGenerator(seed: 3)
        let theta = [0.5, -0.2, 1.0, 0.0, -1.3, 0.4]
        let x = SyntheticRankings.rankings(strengths: theta, count: 200, length: 3...5, topK: 2,
                                           ties: .davidsonLuce(deltas: [0.7]), using: &a)
        let y = SyntheticRankings.rankings(strengths: theta, count: 200, length: 3...5, topK: 2,
                                           ties: .davidsonLuce(deltas: [0.7]), using: &b)
        #expect(x == y)
        for r in 0..<x.count {
            #expect((3...5).contains(x[r].optionCount))
            #expect(x[r].places.count <= 2)
        }
        #expect(x.hasTies && x.hasUnranked)
    }

    /// The kernel's value is −Σ log P(ranking) computed directly from the definition.
    @Test func kernelMatchesTheDefinitionAndItsDerivatives() {
        var rng = SeededGenerator(seed: 8)
        let theta = (0..<6).map { _ in rng.nextNormal() }
        let set = SyntheticRankings.rankings(strengths: theta, count: 60, length: 2...5, topK: 3,
                                             ties: .davidsonLuce(deltas: [0.6, 0.3]), using: &rng)
        let choices = PlackettLuceChoices(set)
        let s = (0..<6).map { _ in 2 * rng.nextNormal() }
        var direct = 0.0
        for r in 0..<set.count {
            let ranking = set[r]
            var remaining = ranking.places.flatMap { $0 } + ranking.unranked
            for place in ranking.places {
                let z = remaining.reduce(0) { $0 + exp(s[$1]) }
                direct -= place.reduce(0) { $0 + s[$1] } / Double(place.count) - log(z)
                remaining.removeAll { place.contains($0) }
            }
        }
        let e = choices.evaluate(s, parallel: false)
        #expect(Tolerance.isClose(e.negativeLogLikelihood, direct, rtol: 1e-12))
        let gradientError = FiniteDifference.check({ choices.negativeLogLikelihood($0, parallel: false) },
                                                   gradient: { choices.evaluate($0, parallel: false).gradient }, at: s)
        #expect(gradientError <= 1e-7)
        let dense = choices.denseHessian(e)
        let diagonal = choices.hessianDiagonal(e)
        for i in 0..<6 {
            var unit = [Double](repeating: 0, count: 6)
            unit[i] = 1
            let numeric = FiniteDifference.gradient(of: { choices.evaluate($0, parallel: false).gradient[i] }, at: s)
            let column = choices.hessianVectorProduct(e, unit, parallel: false)
            #expect(FiniteDifference.relativeError(analytic: Array(dense[(i * 6)..<(i * 6 + 6)]), numeric: numeric) <= 1e-6)
            #expect(FiniteDifference.relativeError(analytic: column, numeric: numeric) <= 1e-6)
            #expect(Tolerance.isClose(diagonal[i], dense[i * 6 + i], rtol: 1e-10, atol: 1e-12))
        }
    }

    @Test func tieKernelDerivativesAndDefinition() {
        var rng = SeededGenerator(seed: 21)
        let theta = (0..<5).map { _ in rng.nextNormal() }
        let set = SyntheticRankings.rankings(strengths: theta, count: 40, length: 2...5, topK: 3,
                                             ties: .davidsonLuce(deltas: [0.8, 0.4]), using: &rng)
        let kernel = PlackettLuceTieKernel(PlackettLuceChoices(set))
        #expect(kernel.largestTie == set.maximumTieSize)
        let x = (0..<kernel.dimension).map { _ in rng.nextNormal() }
        // Direct: enumerate every subset of each remaining set.
        let n = 5
        var direct = 0.0
        for r in 0..<set.count {
            let ranking = set[r]
            var remaining = ranking.places.flatMap { $0 } + ranking.unranked
            for place in ranking.places where remaining.count >= 2 {
                func phi(_ group: [Int]) -> Double {
                    group.reduce(0) { $0 + x[$1] } / Double(group.count) + (group.count >= 2 ? x[n + group.count - 2] : 0)
                }
                var z = 0.0
                forEachSubset(of: remaining.count, upTo: min(kernel.largestTie, remaining.count)) { members in
                    z += exp(phi(members.map { remaining[$0] }))
                }
                direct -= phi(place) - log(z)
                remaining.removeAll { place.contains($0) }
            }
        }
        let e = kernel.evaluate(x)
        #expect(Tolerance.isClose(e.negativeLogLikelihood, direct, rtol: 1e-12))
        let d = kernel.dimension
        #expect(FiniteDifference.check({ kernel.evaluate($0).negativeLogLikelihood }, gradient: { kernel.evaluate($0).gradient }, at: x) <= 1e-7)
        let dense = kernel.denseHessian(e)
        let diagonal = kernel.hessianDiagonal(e)
        for i in 0..<d {
            var unit = [Double](repeating: 0, count: d)
            unit[i] = 1
            let numeric = FiniteDifference.gradient(of: { kernel.evaluate($0).gradient[i] }, at: x)
            #expect(FiniteDifference.relativeError(analytic: Array(dense[(i * d)..<(i * d + d)]), numeric: numeric) <= 1e-6)
            #expect(FiniteDifference.relativeError(analytic: kernel.hessianVectorProduct(e, unit), numeric: numeric) <= 1e-6)
            #expect(Tolerance.isClose(diagonal[i], dense[i * d + i], rtol: 1e-10, atol: 1e-12))
        }
    }
}
