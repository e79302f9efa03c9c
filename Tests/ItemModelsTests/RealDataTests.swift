import Foundation
import TestSupport
import Testing
@testable import ItemModels
@testable import PreferenceData

/// Fits of the public data sets in ../shared/data against the fixtures the script computed from
/// the same files. Skipped when the folder is absent (a user's clone does not have it).
@Suite("Real data sets", .enabled(if: Fixture.sharedDataAvailable, "../shared/data is not present"))
struct RealDataTests {
    @Test("fits match the reference to 1e-6", arguments: Fixture.realNames)
    func realData(name: String) throws {
        let fixture = try Fixture.load(name)
        let data = try fixture.comparisonSet()
        let model = try BradleyTerry(fixture.configuration()).fit(data)
        #expect(model.report.converged)
        let error = Tolerance.maxAbsDifference(model.strengths, fixture.referenceStrengths(for: model))
        #expect(error <= 1e-6, "\(name): max |Δθ| = \(error)")
        #expect(Tolerance.isClose(model.report.logLikelihood, fixture.log_likelihood, rtol: 1e-9))
        if let nu = fixture.tie_parameter { #expect(abs(model.tieParameter! - nu) <= 1e-6 * max(1, nu)) }
        let se = try model.hessianIntervals().standardErrors.map { $0! }
        let reference = fixture.referenceStandardErrors(for: model)
        for i in se.indices { #expect(Tolerance.isClose(se[i], reference[i], rtol: 1e-4, atol: 1e-7)) }
    }

    @Test("NASCAR 2002 without a penalty names the drivers who never won")
    func nascar() throws {
        let data = try ComparisonSet(csvFile: Fixture.sharedData.appendingPathComponent("nascar2002/comparisons.csv"))
        #expect(throws: BradleyTerryError.self) { try BradleyTerry().fit(data) }
        do {
            _ = try BradleyTerry().fit(data)
        } catch {
            guard case .notStronglyConnected(_, _, let neverWon) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(neverWon.count == 4)
            for driver in neverWon { #expect(error.description.contains(driver)) }
        }
    }
}
