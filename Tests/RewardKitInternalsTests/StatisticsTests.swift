import Testing
@testable import NumericCore
@testable import RewardKitInternals

@Suite("Statistics")
struct StatisticsTests {
    @Test("Φ⁻¹ inverts Φ to 1e-14 and matches scipy.stats.norm.ppf at known points")
    func normalQuantileInvertsCDF() {
        // scipy.stats.norm.ppf values.
        #expect(abs(normalQuantile(0.975) - 1.959963984540054) < 1e-13)
        #expect(abs(normalQuantile(0.5)) < 1e-15)
        #expect(abs(normalQuantile(1e-10) + 6.361340902404056) < 1e-11)
        for p in stride(from: 0.001, to: 1.0, by: 0.0137) {
            #expect(abs(Double.normalCDF(normalQuantile(p)) - p) < 1e-14)
        }
    }

    @Test("Linear-interpolation quantile equals numpy's default; lower quantile equals inverted_cdf")
    func quantiles() {
        let v = [1.0, 2, 4, 8, 16]
        // numpy.quantile(v, [0, 0.1, 0.5, 0.9, 1]) = 1, 1.4, 4, 12.8, 16
        for (q, expected) in [(0.0, 1.0), (0.1, 1.4), (0.5, 4.0), (0.9, 12.8), (1.0, 16.0)] {
            #expect(abs(quantile(v, q) - expected) < 1e-12)
        }
        // numpy.quantile(v, [0.1, 0.5, 0.9], method="inverted_cdf") = 1, 4, 16
        #expect(lowerQuantile(v.reversed(), 0.1) == 1)
        #expect(lowerQuantile(v, 0.5) == 4)
        #expect(lowerQuantile(v, 0.9) == 16)
        #expect(lowerQuantile([], 0.5) == 0)
    }

    @Test("maxAbs propagates NaN and is 0 for no values")
    func maxAbsValues() {
        #expect(maxAbs([1.0, -3, 2]) == 3)
        #expect(maxAbs([Double]()) == 0)
        #expect(maxAbs([1.0, .nan, 2]).isNaN)
        #expect(maxAbs([Float(-2), 1]) == 2)
    }

    @Test("Binomial draws have the right mean and variance in both regimes")
    func binomialMoments() {
        var rng = SeededGenerator(seed: 3)
        for (n, p) in [(20.0, 0.1), (1000.0, 0.3), (50.0, 0.9)] {
            let draws = (0..<20_000).map { _ in binomialSample(trials: n, probability: p, using: &rng) }
            let mean = draws.reduce(0, +) / Double(draws.count)
            let variance = draws.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(draws.count - 1)
            #expect(draws.allSatisfy { $0 >= 0 && $0 <= n && $0 == $0.rounded() })
            #expect(abs(mean - n * p) < 4 * (n * p * (1 - p) / 20_000).squareRoot())
            #expect(abs(variance / (n * p * (1 - p)) - 1) < 0.05)
        }
    }

    @Test("Text padding on either side, longer strings unchanged")
    func padding() {
        #expect("ab".padded(to: 4) == "ab  ")
        #expect("ab".padded(to: 4, alignment: .right) == "  ab")
        #expect("abcdef".padded(to: 4) == "abcdef")
    }
}
