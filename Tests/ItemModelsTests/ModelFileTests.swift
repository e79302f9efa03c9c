import Foundation
import TestSupport
import Testing
@testable import FileFormats
@testable import ItemModels
@testable import NumericCore
@testable import PreferenceData

/// Item models write a ``ModelFile`` and read it back; the committed fixture files under
/// Fixtures/ load and predict like a fresh fit of the same data.
///
/// The fixtures are written by this suite when `REWARDKIT_WRITE_ITEM_MODEL_FIXTURES=1` is set
/// (`swift test --filter ItemModelFiles`); without it the committed files are only read.
@Suite("ItemModelFiles")
struct ItemModelFileTests {
    static let bradleyTerryFixture = Fixture.directory.appendingPathComponent("bradley_terry_davidson.rkmodel")
    static let thurstonianFixture = Fixture.directory.appendingPathComponent("thurstonian_per_item.rkmodel")
    static var writesFixtures: Bool { ProcessInfo.processInfo.environment["REWARDKIT_WRITE_ITEM_MODEL_FIXTURES"] == "1" }

    /// The Davidson fixture's records, fitted with λ = 1e-3.
    static func bradleyTerryFit() throws -> BradleyTerryModel {
        let data = try Fixture.load("ties_davidson").comparisonSet()
        return try BradleyTerry(.init(l2Penalty: 1e-3, ties: .davidson)).fit(data)
    }

    static func thurstonianFit() throws -> ThurstonianModel {
        let truth = ThurstonianTests.truth(6, seed: 71)
        return try ThurstonianFitter().fit(ThurstonianTests.sample(truth, count: 3000, seed: 72)).model
    }

    static func roundTrip(_ file: ModelFile) throws -> ModelFile {
        try ModelFile.decode(file.encoded())
    }

    func expectSamePredictions(_ a: BradleyTerryModel, _ b: BradleyTerryModel, tolerance: Double) {
        #expect(a.items == b.items)
        for i in a.items.indices {
            for j in a.items.indices where i != j {
                let (p, q) = (a.outcomeProbabilities(i, j), b.outcomeProbabilities(i, j))
                #expect(abs(p.win - q.win) <= tolerance && abs(p.tie - q.tie) <= tolerance, "(\(i), \(j)): \(p) vs \(q)")
            }
        }
    }

    @Test func bradleyTerryRoundTripsExactly() throws {
        for configuration in [BradleyTerry.Configuration(l2Penalty: 1e-3, ties: .davidson),
                              BradleyTerry.Configuration(l2Penalty: 0, link: .thurstone, ties: .drop, maximumIterations: 50),
                              BradleyTerry.Configuration(l2Penalty: 1e-2, ties: .raoKupper, solver: .truncatedNewton)] {
            let model = try BradleyTerry(configuration).fit(Fixture.load("ties_davidson").comparisonSet())
            let file = try Self.roundTrip(model.modelFile(extraMetadata: ["note": "test"]))
            #expect(file.metadata["family"] == .string("bradley-terry") && file.metadata["version"] == .number(1))
            #expect(file.metadata["note"] == .string("test"))
            let loaded = try BradleyTerryModel(modelFile: file)
            #expect(loaded.strengths == model.strengths && loaded.logTieParameter == model.logTieParameter)
            var untimed = model.report
            untimed.seconds = 0   // model files carry no timing
            #expect(loaded.configuration == model.configuration && loaded.report == untimed)
            #expect(loaded.data == model.data && loaded.comparisonCount == model.comparisonCount)
            expectSamePredictions(model, loaded, tolerance: 0)
            #expect(try loaded.hessianIntervals() == model.hessianIntervals())
        }
    }

    @Test func theSameFitWritesTheSameBytes() throws {
        let data = try Fixture.load("ties_davidson").comparisonSet()
        try TestFiles.withTemporaryFolder { folder in
            var bytes: [Data] = []
            for run in 0..<2 {
                let url = folder.appendingPathComponent("bt\(run).rkmodel")
                try BradleyTerry(.init(l2Penalty: 1e-3, ties: .davidson)).fit(data).write(to: url)
                bytes.append(try Data(contentsOf: url))
            }
            #expect(bytes[0] == bytes[1])
        }
    }

    @Test func thurstonianRoundTripsExactly() throws {
        let model = try Self.thurstonianFit()
        let file = try Self.roundTrip(model.modelFile())
        #expect(file.metadata["family"] == .string("thurstonian") && file.metadata["version"] == .number(1))
        #expect(try ThurstonianModel(modelFile: file) == model)
    }

    @Test func wrongKindFamilyOrVersionIsRejected() throws {
        let bt = try Self.bradleyTerryFit().modelFile()
        let thurstonian = try Self.thurstonianFit().modelFile()
        #expect(throws: ModelFileError.self) { try ThurstonianModel(modelFile: bt) }
        #expect(throws: ModelFileError.self) { try BradleyTerryModel(modelFile: thurstonian) }
        var future = bt
        future.metadata["version"] = .number(2)
        #expect(throws: ModelFileError.self) { try BradleyTerryModel(modelFile: future) }
        var other = thurstonian
        other.metadata["family"] = .string("bradley-terry")
        #expect(throws: ModelFileError.self) { try ThurstonianModel(modelFile: other) }
        var badTies = bt
        badTies.metadata["ties"] = .string("sometimes")
        #expect(throws: ModelFileError.self) { try BradleyTerryModel(modelFile: badTies) }
    }

    @Test func bradleyTerryFixtureLoadsAndPredictsLikeTheFit() throws {
        let fitted = try Self.bradleyTerryFit()
        if Self.writesFixtures { try fitted.write(to: Self.bradleyTerryFixture) }
        let loaded = try BradleyTerryModel(contentsOf: Self.bradleyTerryFixture)
        #expect(loaded.configuration == fitted.configuration && loaded.data == fitted.data)
        #expect(Tolerance.maxAbsDifference(loaded.strengths, fitted.strengths) <= 1e-9)
        #expect(abs(loaded.logTieParameter! - fitted.logTieParameter!) <= 1e-9)
        expectSamePredictions(fitted, loaded, tolerance: 1e-9)
    }

    @Test func thurstonianFixtureLoadsAndPredictsLikeTheFit() throws {
        let fitted = try Self.thurstonianFit()
        if Self.writesFixtures { try fitted.write(to: Self.thurstonianFixture) }
        let loaded = try ThurstonianModel(contentsOf: Self.thurstonianFixture)
        #expect(loaded.items == fitted.items)
        #expect(Tolerance.maxAbsDifference(loaded.means, fitted.means) <= 1e-6)
        #expect(Tolerance.maxAbsDifference(loaded.standardDeviations, fitted.standardDeviations) <= 1e-6)
        for a in fitted.items.indices {
            for b in fitted.items.indices where a != b {
                #expect(abs(loaded.probability(preferring: a, over: b) - fitted.probability(preferring: a, over: b)) <= 1e-6)
            }
        }
    }
}
