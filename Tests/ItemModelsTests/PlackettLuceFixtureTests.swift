import Foundation
import TestSupport
import Testing
@testable import ItemModels
@testable import PreferenceData

/// A reference optimum written by Scripts/make_pl_fixtures.py (choix, or brute-force likelihoods
/// maximized with PyTorch derivatives).
struct PlackettLuceFixture: Decodable {
    struct Ranking: Decodable {
        var places: [[String]]
        var unranked: [String]
    }

    var name: String
    var reference: String
    var ties: String
    var l2: Double
    var items: [String]
    var rankings: [Ranking]
    var strengths: [Double]
    var log_tie_parameters: [Double]
    var log_likelihood: Double
    var objective: Double

    static func load(_ name: String) throws -> PlackettLuceFixture {
        let url = Fixture.directory.appendingPathComponent("PlackettLuce").appendingPathComponent(name + ".json")
        return try JSONDecoder().decode(PlackettLuceFixture.self, from: Data(contentsOf: url))
    }

    func rankingSet() throws -> RankingSet {
        var builder = RankingSet.Builder(items: items)
        for r in rankings { try builder.append(places: r.places, unranked: r.unranked) }
        return builder.build()
    }
}

@Suite("Plackett–Luce fixtures")
struct PlackettLuceFixtureTests {
    @Test("matches the references to 1e-6",
          arguments: ["pl_choix_mle", "pl_choix_l2", "pl_topk_bruteforce", "pl_davidson_luce_bruteforce"])
    func matches(name: String) throws {
        let fixture = try PlackettLuceFixture.load(name)
        let set = try fixture.rankingSet()
        for solver in [PlackettLuce.Solver.newtonCholesky, .truncatedNewton] {
            let model = try PlackettLuce(.init(l2Penalty: fixture.l2, ties: fixture.ties == "none" ? .none : .davidsonLuce,
                                               solver: solver)).fit(set)
            #expect(model.report.converged)
            #expect(Tolerance.maxAbsDifference(model.strengths, fixture.strengths) <= 1e-6,
                    "\(name) \(solver): \(Tolerance.maxAbsDifference(model.strengths, fixture.strengths)) (\(fixture.reference))")
            #expect(Tolerance.maxAbsDifference(model.logTieParameters, fixture.log_tie_parameters) <= 1e-6)
            #expect(abs(model.report.logLikelihood - fixture.log_likelihood) <= 1e-6)
            #expect(abs(model.report.objective - fixture.objective) <= 1e-6)
        }
    }
}
