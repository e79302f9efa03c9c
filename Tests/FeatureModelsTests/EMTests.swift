import TestSupport
import Testing
@testable import FeatureModels
@testable import ItemModels
@testable import Layers
@testable import NumericCore
@testable import Optimizers
@testable import PreferenceData

struct EMTests {
    @Test func mStepObjectiveGradientMLP() {
        var rng = SeededGenerator(seed: 21)
        let head = MLP<Double>(widths: [4, 5, 1], activation: .tanh, using: &rng)
        let n = 7
        let stacked = Tensor<Double>.randomNormal(shape: [2 * n, 4], using: &rng)
        let c = (0..<n).map { _ in rng.nextOpenUnit() }
        let layout = ParameterVector<Double>(describing: head.parameters)
        var probe = head
        var scratch = [Double](repeating: 0, count: layout.count)
        let error = FiniteDifference.check({ x in
            probe.parameters = layout.unflatten(x)
            return WeightedBradleyTerryFit.weightedLoss(probe, pairs: stacked, weights: c, gradient: &scratch, layout: layout)
        }, gradient: { x in
            probe.parameters = layout.unflatten(x)
            var g = [Double](repeating: 0, count: layout.count)
            _ = WeightedBradleyTerryFit.weightedLoss(probe, pairs: stacked, weights: c, gradient: &g, layout: layout)
            return g
        }, at: layout.flatten(head.parameters))
        #expect(error < 1e-7, "weighted M-step objective gradient error \(error)")
    }

    /// The Newton M-step lands on the minimizer of J found independently by L-BFGS.
    @Test func newtonMStepMatchesLBFGS() {
        var rng = SeededGenerator(seed: 22)
        let n = 200, d = 5
        let D = Tensor<Double>.randomNormal(shape: [n, d], using: &rng)
        let c = (0..<n).map { _ in rng.nextOpenUnit() }
        let lambda = 0.1
        var w = [Double](repeating: 0, count: d)
        _ = WeightedBradleyTerryFit.newton(differences: D, weights: c, weight: &w, l2Penalty: lambda,
                                           maximumIterations: 50, gradientTolerance: 1e-12)
        let reference = LBFGS<Double>(gradientTolerance: 1e-11).minimize(from: [Double](repeating: 0, count: d)) { x, g in
            var value = 0.0
            var gradient = x.map { lambda * $0 }
            for i in 0..<n {
                var z = 0.0
                for j in 0..<d { z += D[i, j] * x[j] }
                value += c[i] * Double.softplus(-z)
                let s = -c[i] * Double.sigmoid(-z)
                for j in 0..<d { gradient[j] += s * D[i, j] }
            }
            g = gradient
            return value + lambda / 2 * x.reduce(0) { $0 + $1 * $1 }
        }
        #expect(Tolerance.maxAbsDifference(w, reference.parameters) < 1e-8)
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func softEMLogLikelihoodIsMonotone(seed: UInt64) throws {
        // Random data (labels independent of any planted structure) and a random start.
        var rng = SeededGenerator(seed: seed)
        let n = 300, d = 4, users = 12
        let pairs = try FeaturePairs(chosen: Tensor<Double>.randomNormal(shape: [n, d], using: &rng),
                                     rejected: Tensor<Double>.randomNormal(shape: [n, d], using: &rng),
                                     userIDs: (0..<n).map { _ in Int(rng.next() % UInt64(users)) },
                                     users: UserTable(names: (0..<users).map { "\($0)" }))
        for head in [BradleyTerryMixture<Double>.Head.linear, .mlp(hiddenSizes: [3], activation: .tanh)] {
            let em = BradleyTerryMixture<Double>(componentCount: 3, head: head, assignment: .soft, initialization: .random,
                                                 l2Penalty: 0.1, maximumIterations: 15, relativeTolerance: 0,
                                                 maximumMStepIterations: 5, seed: seed)
            let trace = try em.fit(pairs).logLikelihoodTrace
            #expect(trace.count == 15)
            for t in 1..<trace.count {
                #expect(trace[t] >= trace[t - 1] - 1e-9 * abs(trace[t - 1]), "\(head): F dropped at \(t): \(trace[t - 1]) → \(trace[t])")
            }
        }
    }

    @Test func hardEMRecoversPlantedGroups() throws {
        let data = PlantedUsers(groups: 3, usersPerGroup: [12, 8, 4], pairsPerUser: 60, dimension: 6, scale: 4, seed: 5)
        for initialization in [MixtureInitialization.kMeansPlusPlus(), .roundRobin] {
            let em = BradleyTerryMixture<Double>(componentCount: 3, assignment: .hard, initialization: initialization, restarts: 3)
            let model = try em.fit(data.pairs)
            let p = purity(model.assignments, data.groupOfUser)
            #expect(p >= 0.95, "\(initialization): purity \(p)")
            let trace = model.logLikelihoodTrace
            for t in 1..<trace.count { #expect(trace[t] >= trace[t - 1] - 1e-9 * abs(trace[t - 1])) }
        }
    }

    /// K = 1: EM is a single penalized Bradley–Terry fit; compare with L-BFGS on Σ softplus(−w·d) + λ/2‖w‖².
    @Test func singleComponentMatchesBradleyTerry() throws {
        let data = PlantedUsers(groups: 1, usersPerGroup: [10], pairsPerUser: 30, dimension: 5, scale: 2, seed: 8)
        let lambda = 1e-2
        for assignment in BradleyTerryMixture<Double>.Assignment.allCases {
            let model = try BradleyTerryMixture<Double>(componentCount: 1, assignment: assignment, l2Penalty: lambda,
                                                        mStepGradientTolerance: 1e-12).fit(data.pairs)
            let D = data.pairs.chosen - data.pairs.rejected
            let n = D.rowCount, d = D.columnCount
            let reference = LBFGS<Double>(gradientTolerance: 1e-11).minimize(from: [Double](repeating: 0, count: d)) { x, g in
                let z = D.matvec(Tensor(x)).scalars
                let s = Tensor((0..<n).map { -Double.sigmoid(-z[$0]) })
                g = D.matvec(s, transposed: true).scalars
                for j in 0..<d { g[j] += lambda * x[j] }
                return z.reduce(0) { $0 + Double.softplus(-$1) } + lambda / 2 * x.reduce(0) { $0 + $1 * $1 }
            }
            #expect(Tolerance.maxAbsDifference(model.linearWeights!.scalars, reference.parameters) < 1e-7)
            #expect(Tolerance.isClose(model.logLikelihoodTrace.last!, -reference.value, rtol: 1e-10))
            let p = model.preferenceProbabilities(chosen: data.pairs.chosen, rejected: data.pairs.rejected, users: data.pairs.userIDs!)
            for i in 0..<n { #expect(Tolerance.isClose(p[i], Double.sigmoid(D.row(i).dot(Tensor(reference.parameters))), rtol: 1e-6)) }
        }
    }

    @Test func maxMinRewardAndPosterior() throws {
        let data = PlantedUsers(groups: 2, usersPerGroup: [6, 6], pairsPerUser: 60, dimension: 4, scale: 4, seed: 9, conflicting: true)
        let model = try BradleyTerryMixture<Double>(componentCount: 2).fit(data.pairs)
        let x = data.pairs.chosen
        let r = model.rewards(x)
        let mm = model.maxMinRewards(x)
        for i in 0..<x.rowCount { #expect(mm[i] == min(r[i, 0], r[i, 1])) }
        // A new user's posterior from 10 comparisons of group 1 puts its mass on group 1's component.
        let group1User = data.groupOfUser.firstIndex(of: 1)!
        let rows = data.pairs.userIDs!.indices.filter { data.pairs.userIDs![$0] == group1User }.prefix(10)
        let gamma = model.posterior(chosen: x.gatherRows(Array(rows)), rejected: data.pairs.rejected.gatherRows(Array(rows)))
        #expect(gamma[model.assignments[group1User]] > 0.99)
        let prior = model.posterior(chosen: Tensor.zeros(shape: [0, 4]), rejected: Tensor.zeros(shape: [0, 4]))
        #expect(Tolerance.maxAbsDifference(prior, model.mixingWeights) < 1e-12)
    }
}
