import Foundation
import TestSupport
import Testing
@testable import ItemModels
@testable import PreferenceData

/// Every fixture from Scripts/make_bt_fixtures.py (choix / scipy references), through every applicable solver.
@Suite("Item models match the choix / scipy fixtures")
struct FixtureTests {
    static func solvers(for fixture: Fixture) -> [BradleyTerry.Solver] {
        var list: [BradleyTerry.Solver] = [.newtonCholesky, .truncatedNewton]
        if fixture.model == "bradleyTerry" && (fixture.ties == "halfWins" || fixture.ties == "drop") {
            list.append(.minorizationMaximization)
        }
        return list
    }

    @Test("strengths, tie parameter and log-likelihood to 1e-6", arguments: Fixture.syntheticNames)
    func matchesFixture(name: String) throws {
        let fixture = try Fixture.load(name)
        let data = try fixture.comparisonSet()
        for solver in Self.solvers(for: fixture) {
            let model = try BradleyTerry(fixture.configuration(solver: solver)).fit(data)
            #expect(model.report.converged, "\(name) \(solver): \(model.report)")
            let reference = fixture.referenceStrengths(for: model)
            let error = Tolerance.maxAbsDifference(model.strengths, reference)
            #expect(error <= 1e-6, "\(name) \(solver): max |Δθ| = \(error)")
            #expect(abs(model.strengths.reduce(0, +)) <= 1e-9)
            #expect(Tolerance.isClose(model.report.logLikelihood, fixture.log_likelihood, rtol: 1e-9, atol: 1e-8),
                    "\(name) \(solver): log-lik \(model.report.logLikelihood) vs \(fixture.log_likelihood)")
            #expect(Tolerance.isClose(model.report.objective, fixture.objective, rtol: 1e-9, atol: 1e-8))
            if let nu = fixture.tie_parameter {
                let fitted = try #require(model.tieParameter)
                #expect(abs(fitted - nu) <= 1e-6 * max(1, nu), "\(name) \(solver): tie parameter \(fitted) vs \(nu)")
            }
        }
    }

    @Test("Hessian standard errors match the reference covariance", arguments: Fixture.syntheticNames)
    func standardErrors(name: String) throws {
        let fixture = try Fixture.load(name)
        let model = try BradleyTerry(fixture.configuration()).fit(try fixture.comparisonSet())
        let intervals = try model.hessianIntervals(level: 0.95)
        let reference = fixture.referenceStandardErrors(for: model)
        for i in reference.indices {
            let se = try #require(intervals.standardErrors[i]), upper = try #require(intervals.upper[i])
            #expect(Tolerance.isClose(se, reference[i], rtol: 1e-5, atol: 1e-7),
                    "\(name) item \(i): SE \(se) vs \(reference[i])")
            #expect(abs(upper - model.strengths[i] - 1.959963984540054 * reference[i]) <= 1e-5)
        }
        if let tieSE = fixture.log_tie_parameter_standard_error {
            let se = try #require(intervals.tieStandardError)
            #expect(Tolerance.isClose(se, tieSE, rtol: 1e-5, atol: 1e-7), "\(name): tie SE \(se) vs \(tieSE)")
        }
    }

    @Test("the 3-cycle has all strengths equal")
    func cycle() throws {
        let fixture = try Fixture.load("cycle3")
        let model = try BradleyTerry(fixture.configuration()).fit(try fixture.comparisonSet())
        for s in model.strengths { #expect(abs(s) <= 1e-12) }
        #expect(abs(model.probability(preferring: "a", over: "b")! - 0.5) <= 1e-12)
    }
}
