import Foundation
import TestSupport
import Testing
@testable import ItemModels
@testable import NumericCore
@testable import PreferenceData

/// Finite-difference checks of the gradient, the dense Hessian and Hessian-vector products of
/// every item likelihood, at moderate and saturating parameter scales.
@Suite("Item-model derivatives")
struct DerivativeTests {
    static func data(ties: Bool, seed: UInt64) -> AggregatedComparisons {
        var rng = SeededGenerator(seed: seed)
        let theta = SyntheticComparisons.strengths(count: 7, using: &rng)
        let set = SyntheticComparisons.comparisons(strengths: theta, count: 300,
                                                   outcomes: ties ? .davidson(nu: 0.8) : .bradleyTerry, using: &rng)
        return AggregatedComparisons(set, ties: ties ? .keep : .halfWins)
    }

    func check<L: PairLikelihood>(_ type: L.Type, ties: Bool, scale: Double, eta: Double, lambda: Double) {
        let objective = PairedComparisonObjective<L>(data: Self.data(ties: ties, seed: 11), l2Penalty: lambda)
        var rng = SeededGenerator(seed: 5)
        var x = (0..<objective.itemCount).map { _ in scale * rng.nextNormal() }
        if L.hasTieParameter { x.append(eta) }
        let gradientError = FiniteDifference.check({ objective.value($0) }, gradient: { objective.evaluate($0).gradient },
                                                   at: x, step: 1e-6)
        #expect(gradientError <= 1e-6, "\(L.self) scale \(scale): gradient error \(gradientError)")
        // Hessian columns against central differences of the analytic gradient.
        let evaluation = objective.evaluate(x)
        let hessian = objective.denseHessian(evaluation)
        let dim = objective.dimension
        for k in 0..<dim {
            var up = x, down = x
            let h = 1e-6 * max(1, abs(x[k]))
            up[k] += h
            down[k] -= h
            let gu = objective.evaluate(up).gradient, gd = objective.evaluate(down).gradient
            for r in 0..<dim {
                let numeric = (gu[r] - gd[r]) / (2 * h)
                let analytic = hessian[r, k]
                #expect(abs(numeric - analytic) <= 1e-5 * max(1, abs(analytic)),
                        "\(L.self) scale \(scale): H[\(r), \(k)] = \(analytic), numeric \(numeric)")
            }
        }
        // Hessian-vector products against the dense Hessian.
        let v = (0..<dim).map { _ in rng.nextNormal() }
        let hv = objective.hessianVectorProduct(evaluation, v)
        let dense = hessian.matvec(Tensor(v)).scalars
        #expect(Tolerance.maxAbsDifference(hv, dense) <= 1e-10 * max(1, dense.map(abs).max()!))
        // The constant direction u is an eigenvector with eigenvalue λ.
        var u = [Double](repeating: 1, count: objective.itemCount)
        if L.hasTieParameter { u.append(0) }
        let hu = objective.hessianVectorProduct(evaluation, u)
        for i in 0..<objective.itemCount { #expect(abs(hu[i] - lambda) <= 1e-9) }
    }

    @Test("Bradley–Terry", arguments: [0.5, 3.0, 20.0])
    func bradleyTerry(scale: Double) { check(LogisticPairLikelihood.self, ties: false, scale: scale, eta: 0, lambda: 0.3) }

    @Test("Thurstone–Mosteller", arguments: [0.5, 3.0, 12.0])
    func thurstone(scale: Double) { check(ProbitPairLikelihood.self, ties: false, scale: scale, eta: 0, lambda: 0.3) }

    @Test("Davidson", arguments: [0.5, 3.0, 20.0])
    func davidson(scale: Double) {
        check(DavidsonPairLikelihood.self, ties: true, scale: scale, eta: -0.4, lambda: 0.2)
        check(DavidsonPairLikelihood.self, ties: true, scale: scale, eta: 1.3, lambda: 0)
    }

    @Test("Rao–Kupper", arguments: [0.5, 3.0, 20.0])
    func raoKupper(scale: Double) {
        check(RaoKupperPairLikelihood.self, ties: true, scale: scale, eta: 0.35, lambda: 0.2)
        check(RaoKupperPairLikelihood.self, ties: true, scale: scale, eta: 2.0, lambda: 0)
    }

    @Test("pair probabilities sum to one and are antisymmetric")
    func probabilities() {
        for d in stride(from: -30.0, through: 30.0, by: 0.7) {
            for eta in [0.1, 0.7, 2.5] {
                let models: [(Double, Double) -> (win: Double, tie: Double)] = [
                    LogisticPairLikelihood.probabilities, ProbitPairLikelihood.probabilities,
                    DavidsonPairLikelihood.probabilities, RaoKupperPairLikelihood.probabilities,
                ]
                for p in models {
                    let forward = p(d, eta), backward = p(-d, eta)
                    #expect(abs(forward.win + backward.win + forward.tie - 1) <= 1e-12)
                    #expect(abs(forward.tie - backward.tie) <= 1e-12)
                }
            }
        }
    }

    func checkValue<L: PairLikelihood>(_ type: L.Type) {
        for d in [-3.0, -0.2, 0.0, 1.1, 4.0] {
            let eta = 0.6
            let forward = L.probabilities(difference: d, tieParameter: eta)
            let backward = L.probabilities(difference: -d, tieParameter: eta)
            let t = forward.tie > 0 ? 1.5 : 0
            let expected = -(2 * log(forward.win) + 3 * log(backward.win) + (t > 0 ? t * log(forward.tie) : 0))
            let value = L.terms(difference: d, tieParameter: eta, firstWins: 2, secondWins: 3, ties: t).value
            #expect(abs(value - expected) <= 1e-12 * max(1, abs(expected)), "\(L.self) d \(d): \(value) vs \(expected)")
        }
    }

    @Test("the value matches −log of the probabilities")
    func valueMatchesProbabilities() {
        checkValue(LogisticPairLikelihood.self)
        checkValue(ProbitPairLikelihood.self)
        checkValue(DavidsonPairLikelihood.self)
        checkValue(RaoKupperPairLikelihood.self)
    }
}
