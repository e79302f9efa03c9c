import TestSupport
import Testing
@testable import FeatureModels
@testable import NumericCore
@testable import PreferenceData

/// Properties of the skew-symmetric score on seeded random embeddings, and the queries built on it.
@Suite("GPM properties")
struct GPMPropertyTests {
    @Test("s(a,b) = −s(b,a), s(a,a) = 0, P(a≻b) + P(b≻a) = 1", arguments: [UInt64(1), 2, 3])
    func skewSymmetry(seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        let (n, k) = (50, 3)
        let a = Tensor<Double>.randomNormal(shape: [n, 2 * k], standardDeviation: 2, using: &rng)
        let b = Tensor<Double>.randomNormal(shape: [n, 2 * k], standardDeviation: 2, using: &rng)
        let lambda = Tensor<Double>.randomUniform(shape: [n, k], in: 0...3, using: &rng)
        let ab = SkewSymmetricOperator.scores(a, b, eigenvalues: lambda)
        let ba = SkewSymmetricOperator.scores(b, a, eigenvalues: lambda)
        let aa = SkewSymmetricOperator.scores(a, a, eigenvalues: lambda)
        for i in 0..<n {
            #expect(ab[i] == -ba[i])
            #expect(aa[i] == 0)
            let tau = 0.1
            let sum = Double.sigmoid(ab[i] / tau) + Double.sigmoid(ba[i] / tau)
            #expect(Tolerance.isClose(sum, 1, rtol: 1e-15, atol: 1e-15))
        }
    }

    @Test("feature model: probabilities are complementary; score matrix is skew-symmetric and matches pairwise scores")
    func featureModelQueries() {
        var rng = SeededGenerator(seed: 4)
        for mode in GPMEigenvalues.allCases {
            var model = FeatureGPM<Double>(featureCount: 5, hiddenSizes: [8], promptFeatureCount: mode == .promptGated ? 3 : 0,
                                           configuration: GPMConfiguration(dimension: 4, eigenvalues: mode), using: &rng)
            var p = model.parameters
            for t in p.indices { p[t] += Tensor.randomNormal(shape: p[t].shape, standardDeviation: 0.2, using: &rng) }
            model.parameters = p
            let x = Tensor<Double>.randomNormal(shape: [9, 5], using: &rng)
            let prompt: [Double]? = mode == .promptGated ? [0.3, -1, 2] : nil
            let s = model.scoreMatrix(x, prompt: prompt)
            for i in 0..<9 {
                #expect(s[i, i] == 0)
                for j in 0..<9 {
                    #expect(s[i, j] == -s[j, i])
                    let pair = model.scores(chosen: x.gatherRows([i]), rejected: x.gatherRows([j]),
                                            prompts: prompt.map { Tensor(shape: [1, 3], scalars: $0) })[0]
                    #expect(Tolerance.isClose(s[i, j], pair, rtol: 1e-10, atol: 1e-13))
                    let pij = model.probability(preferring: x.rowArray(i), over: x.rowArray(j), prompt: prompt)
                    let pji = model.probability(preferring: x.rowArray(j), over: x.rowArray(i), prompt: prompt)
                    #expect(Tolerance.isClose(pij + pji, 1, rtol: 1e-12, atol: 1e-12))
                }
            }
            // Preference against a reference set: the linear-cost mean score equals the brute-force mean.
            let reference = Tensor<Double>.randomNormal(shape: [6, 5], using: &rng)
            let fast = model.preferenceScores(of: x, against: reference, aggregate: .meanScore, prompt: prompt)
            let viaProbability = model.preferenceScores(of: x, against: reference, aggregate: .meanProbability, prompt: prompt)
            let all = model.scoreMatrix(Tensor.concatenate([x, reference]), prompt: prompt)
            for i in 0..<9 {
                let scores = (0..<6).map { all[i, 9 + $0] }
                #expect(Tolerance.isClose(fast[i], scores.reduce(0, +) / 6, rtol: 1e-10, atol: 1e-13))
                let probabilities = scores.map { Double.sigmoid($0 / model.configuration.temperature) }
                #expect(Tolerance.isClose(viaProbability[i], probabilities.reduce(0, +) / 6, rtol: 1e-10, atol: 1e-13))
            }
        }
    }

    @Test("normalized embeddings with λ = 1 keep |s| ≤ 1")
    func boundedScores() {
        var rng = SeededGenerator(seed: 5)
        let model = FeatureGPM<Double>(featureCount: 4, hiddenSizes: [], configuration: GPMConfiguration(dimension: 6), using: &rng)
        let x = Tensor<Double>.randomNormal(shape: [40, 4], standardDeviation: 10, using: &rng)
        let s = model.scoreMatrix(x)
        #expect(s.scalars.allSatisfy { abs($0) <= 1 + 1e-12 })
    }

    @Test("the dense operator R is skew-symmetric and V·R·Vᵀ equals the pairwise scores")
    func denseOperator() {
        var rng = SeededGenerator(seed: 6)
        let lambda = Tensor<Double>([0.5, 2, 1.5])
        let r = SkewSymmetricOperator.matrix(eigenvalues: lambda)
        #expect(Tolerance.allClose(r, -r.transposed()))
        let v = Tensor<Double>.randomNormal(shape: [7, 6], using: &rng)
        let dense = v.matmul(r).matmul(v, transposeOther: true)
        #expect(Tolerance.allClose(dense, SkewSymmetricOperator.scoreMatrix(v, eigenvalues: lambda), rtol: 1e-12, atol: 1e-14))
    }

    @Test("tournament census: the O(n²) formula equals enumeration, and ties fall back to enumeration")
    func tournamentCensus() {
        var rng = SeededGenerator(seed: 7)
        let n = 12
        var s = Tensor<Double>.zeros(shape: [n, n])
        for i in 0..<n { for j in (i + 1)..<n { let x = rng.nextNormal(); s[i, j] = x; s[j, i] = -x } }
        var cyclic = 0
        for a in 0..<n { for b in (a + 1)..<n { for c in (b + 1)..<n {
            let (ab, bc, ca) = (s[a, b] > 0, s[b, c] > 0, s[c, a] > 0)
            if ab == bc && bc == ca { cyclic += 1 }
        } } }
        #expect(CyclicTriples.census(scoreMatrix: s) == TripleCensus(triples: 220, cyclic: cyclic))
        s[0, 1] = 0; s[1, 0] = 0
        let withTie = CyclicTriples.census(scoreMatrix: s)
        #expect(withTie.triples == 220 - (n - 2))
    }

    @Test("data census: majority direction, weights, and a known cycle count")
    func dataCensus() throws {
        // a ≻ b twice and b ≻ a once (majority a ≻ b), b ≻ c, c ≻ a: one cycle; d beats everyone: transitive triples.
        let names = ["a", "b", "c", "d"]
        var builder = ComparisonSet.Builder(items: names)
        for (w, l) in [("a", "b"), ("a", "b"), ("b", "a"), ("b", "c"), ("c", "a"), ("d", "a"), ("d", "b"), ("d", "c")] {
            try builder.append(winner: w, loser: l)
        }
        try builder.append(winner: "c", loser: "d", isTie: true)
        let (census, cycles) = CyclicTriples.cycles(in: builder.build())
        #expect(census == TripleCensus(triples: 4, cyclic: 1))
        #expect(cycles == [PreferenceCycle(0, 1, 2)])
        #expect(PreferenceCycle(2, 0, 1) == PreferenceCycle(0, 1, 2))
        // A weight can flip the majority: b ≻ a with weight 3 makes {a, b, c} transitive.
        var weighted = ComparisonSet.Builder(items: names)
        for (w, l, weight) in [("a", "b", 1.0), ("b", "a", 3.0), ("b", "c", 1.0), ("c", "a", 1.0)] {
            try weighted.append(winner: w, loser: l, weight: weight)
        }
        #expect(CyclicTriples.cycles(in: weighted.build()).census == TripleCensus(triples: 1, cyclic: 0))
    }
}
