import Foundation
import TestSupport
import Testing
@testable import ItemModels
@testable import NumericCore
@testable import PreferenceData

@Suite("Item-model solvers")
struct SolverTests {
    static func synthetic(items: Int, count: Int, outcomes: SyntheticComparisons.OutcomeModel = .bradleyTerry,
                          pairs: SyntheticComparisons.PairSampling = .uniform, seed: UInt64)
        -> (truth: [Double], data: ComparisonSet) {
        var rng = SeededGenerator(seed: seed)
        let truth = SyntheticComparisons.strengths(count: items, using: &rng)
        let data = SyntheticComparisons.comparisons(strengths: truth, count: count, pairs: pairs, outcomes: outcomes,
                                                    using: &rng)
        return (truth, data)
    }

    @Test("Newton, MM and truncated Newton agree to 1e-8", arguments: [0.0, 1e-4, 0.5])
    func agreement(lambda: Double) throws {
        let (_, data) = Self.synthetic(items: 40, count: 3000, outcomes: .davidson(nu: 0.5),
                                       pairs: .sparse(averageDegree: 8), seed: 3)
        var fits: [BradleyTerryModel] = []
        for solver in [BradleyTerry.Solver.newtonCholesky, .minorizationMaximization, .truncatedNewton] {
            let config = BradleyTerry.Configuration(l2Penalty: lambda, ties: .halfWins, solver: solver,
                                                    gradientTolerance: 1e-10)
            let model = try BradleyTerry(config).fit(data)
            #expect(model.report.converged, "\(solver): \(model.report)")
            #expect(model.report.solver == .init(solver))
            fits.append(model)
        }
        for model in fits.dropFirst() {
            let difference = Tolerance.maxAbsDifference(model.strengths, fits[0].strengths)
            #expect(difference <= 1e-8, "\(model.report.solver) vs Newton: \(difference)")
        }
        #expect(fits[0].report.iterations < 15)
    }

    @Test("tie models and Thurstone: Newton and truncated Newton agree to 1e-8",
          arguments: [BradleyTerry.TieModel.davidson, .raoKupper, .drop])
    func tieModelAgreement(ties: BradleyTerry.TieModel) throws {
        let (_, data) = Self.synthetic(items: 30, count: 2500, outcomes: .raoKupper(threshold: 1.8), seed: 8)
        for link in [BradleyTerry.Link.bradleyTerry, .thurstone] where !(link == .thurstone && ties != .drop) {
            let newton = try BradleyTerry(.init(l2Penalty: 0.01, link: link, ties: ties, solver: .newtonCholesky,
                                                gradientTolerance: 1e-10)).fit(data)
            let cg = try BradleyTerry(.init(l2Penalty: 0.01, link: link, ties: ties, solver: .truncatedNewton,
                                            gradientTolerance: 1e-10)).fit(data)
            #expect(newton.report.converged && cg.report.converged)
            #expect(Tolerance.maxAbsDifference(newton.parameters, cg.parameters) <= 1e-8)
        }
    }

    @Test("recovery: 200 items, 50k comparisons, Spearman ≥ 0.98")
    func recovery() throws {
        let (truth, data) = Self.synthetic(items: 200, count: 50_000, seed: 2024)
        let model = try BradleyTerry(.init(l2Penalty: 0, solver: .truncatedNewton)).fit(data)
        #expect(model.report.converged)
        let rho = spearman(model.strengths, truth)
        #expect(rho >= 0.98, "Spearman \(rho)")
        let mean = truth.reduce(0, +) / Double(truth.count)
        let error = Tolerance.maxAbsDifference(model.strengths, truth.map { $0 - mean })
        #expect(error < 0.35, "max |θ̂ − θ| = \(error)")
    }

    @Test("tie parameters are recovered")
    func tieRecovery() throws {
        let (_, davidson) = Self.synthetic(items: 30, count: 30_000, outcomes: .davidson(nu: 0.7), seed: 4)
        let nu = try BradleyTerry(.init(ties: .davidson)).fit(davidson).tieParameter!
        #expect(abs(nu - 0.7) < 0.05, "ν̂ = \(nu)")
        let (_, raoKupper) = Self.synthetic(items: 30, count: 30_000, outcomes: .raoKupper(threshold: 1.5), seed: 5)
        let threshold = try BradleyTerry(.init(ties: .raoKupper)).fit(raoKupper).tieParameter!
        #expect(abs(threshold - 1.5) < 0.05, "θ̂_RK = \(threshold)")
        let (truth, thurstone) = Self.synthetic(items: 30, count: 30_000, outcomes: .thurstone, seed: 6)
        let model = try BradleyTerry(.init(link: .thurstone)).fit(thurstone)
        let mean = truth.reduce(0, +) / Double(truth.count)
        #expect(Tolerance.maxAbsDifference(model.strengths, truth.map { $0 - mean }) < 0.15)
    }

    @Test("a report that did not converge says so")
    func iterationLimit() throws {
        let (_, data) = Self.synthetic(items: 20, count: 2000, seed: 9)
        let model = try BradleyTerry(.init(solver: .minorizationMaximization, maximumIterations: 2)).fit(data)
        #expect(model.report.iterations == 2)
        #expect(model.report.stopReason == .maximumIterations)
        #expect(!model.report.converged)
    }

    @Test("bootstrap 95% intervals cover the truth for 90–99% of items")
    func bootstrapCoverage() throws {
        let (truth, data) = Self.synthetic(items: 150, count: 30_000, seed: 77)
        let estimator = BradleyTerry(.init(l2Penalty: 0))
        let model = try estimator.fit(data)
        let intervals = try estimator.bootstrapIntervals(data, model: model, samples: 200, level: 0.95, seed: 1)
        let mean = truth.reduce(0, +) / Double(truth.count)
        let covered = truth.indices.filter { intervals.interval($0)?.contains(truth[$0] - mean) == true }
        let coverage = Double(covered.count) / Double(truth.count)
        #expect(coverage >= 0.90 && coverage <= 0.99, "coverage \(coverage)")
        // Bootstrap and Hessian standard errors estimate the same thing.
        let hessian = try model.hessianIntervals()
        for i in truth.indices {
            #expect(abs(intervals.standardErrors[i]! / hessian.standardErrors[i]! - 1) < 0.3)
        }
        // Same seed, same result (independent of scheduling).
        let again = try estimator.bootstrapIntervals(data, model: model, samples: 200, level: 0.95, seed: 1)
        #expect(again == intervals)
    }

    @Test("λ = 0 on a graph that is not strongly connected names the items")
    func notStronglyConnected() throws {
        var builder = ComparisonSet.Builder()
        // {a, b} cycle beats {c, d} cycle; "e" never wins.
        for (w, l) in [("a", "b"), ("b", "a"), ("a", "c"), ("c", "d"), ("d", "c"), ("b", "d"), ("c", "e")] {
            try builder.append(winner: w, loser: l)
        }
        let data = builder.build()
        do {
            _ = try BradleyTerry(.init(l2Penalty: 0)).fit(data)
            Issue.record("expected notStronglyConnected")
        } catch {
            guard case .notStronglyConnected(let components, let neverLost, let neverWon) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(components == [["a", "b"], ["c", "d"], ["e"]])
            #expect(neverLost.isEmpty)
            #expect(neverWon == ["e"])
            #expect(error.description.contains("'e'"))
            #expect(error.description.contains("λ > 0"))
        }
        // With a penalty the fit exists and orders the groups.
        let model = try BradleyTerry(.init(l2Penalty: 0.1)).fit(data)
        #expect(model.strength(of: "a")! > model.strength(of: "c")!)
        #expect(model.strength(of: "c")! > model.strength(of: "e")!)
    }

    @Test("an item that never lost is named")
    func neverLost() throws {
        var builder = ComparisonSet.Builder()
        for (w, l) in [("champ", "x"), ("x", "y"), ("y", "x"), ("champ", "y")] { try builder.append(winner: w, loser: l) }
        #expect(throws: BradleyTerryError.notStronglyConnected(components: [["champ"], ["x", "y"]],
                                                              neverLost: ["champ"], neverWon: [])) {
            try BradleyTerry().fit(builder.build())
        }
    }

    @Test("bad configurations and data are typed errors")
    func configurationErrors() throws {
        let (_, data) = Self.synthetic(items: 5, count: 200, seed: 1)
        #expect(throws: BradleyTerryError.self) { try BradleyTerry(.init(l2Penalty: -1)).fit(data) }
        #expect(throws: BradleyTerryError.self) { try BradleyTerry(.init(link: .thurstone, ties: .davidson)).fit(data) }
        #expect(throws: BradleyTerryError.self) {
            try BradleyTerry(.init(ties: .raoKupper, solver: .minorizationMaximization)).fit(data)
        }
        // A tie model on data without ties.
        #expect(throws: BradleyTerryError.tieParameterUndefined(ties: 0, decisive: 200)) {
            try BradleyTerry(.init(ties: .davidson)).fit(data)
        }
    }
}
