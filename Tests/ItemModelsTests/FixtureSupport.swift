import Foundation
@testable import ItemModels
@testable import PreferenceData

/// A reference optimum written by Scripts/make_bt_fixtures.py (choix / scipy).
struct Fixture: Decodable {
    struct Records: Decodable {
        var winner: [String]
        var loser: [String]
        var tie: [Int]
        var weight: [Double]
    }

    var name: String
    var reference: String
    var model: String
    var ties: String
    var l2: Double
    var items: [String]
    var strengths: [Double]
    var standard_errors: [Double]
    var log_likelihood: Double
    var objective: Double
    var tie_parameter: Double?
    var log_tie_parameter_standard_error: Double?
    var comparisons: Records?
    var data_file: String?

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// The shared real-data folder (../shared/data relative to the package root).
    static let sharedData = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/data")

    static var sharedDataAvailable: Bool {
        FileManager.default.fileExists(atPath: sharedData.appendingPathComponent("README.md").path)
    }

    static func load(_ name: String) throws -> Fixture {
        let data = try Data(contentsOf: directory.appendingPathComponent(name + ".json"))
        return try JSONDecoder().decode(Fixture.self, from: data)
    }

    static var syntheticNames: [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: directory.path))?
            .filter { $0.hasSuffix(".json") && !$0.hasPrefix("real_") }
            .map { String($0.dropLast(5)) }.sorted() ?? []
    }

    static var realNames: [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: directory.path))?
            .filter { $0.hasSuffix(".json") && $0.hasPrefix("real_") }
            .map { String($0.dropLast(5)) }.sorted() ?? []
    }

    /// The comparisons, with the fixture's items registered first (so indices match `items`).
    func comparisonSet() throws -> ComparisonSet {
        if let records = comparisons {
            var builder = ComparisonSet.Builder(items: items)
            for k in records.winner.indices {
                try builder.append(winner: records.winner[k], loser: records.loser[k], isTie: records.tie[k] == 1,
                                   weight: records.weight[k])
            }
            return builder.build()
        }
        return try ComparisonSet(csvFile: Fixture.sharedData.appendingPathComponent(data_file!))
    }

    func configuration(solver: BradleyTerry.Solver = .automatic) -> BradleyTerry.Configuration {
        BradleyTerry.Configuration(l2Penalty: l2, link: model == "thurstone" ? .thurstone : .bradleyTerry,
                                   ties: BradleyTerry.TieModel(rawValue: ties)!, solver: solver)
    }

    /// The reference strength of each item of `model`, matched by name.
    func referenceStrengths(for model: BradleyTerryModel) -> [Double] {
        var map: [String: Double] = [:]
        for (k, name) in items.enumerated() { map[name] = strengths[k] }
        return model.items.map { map[$0]! }
    }

    func referenceStandardErrors(for model: BradleyTerryModel) -> [Double] {
        var map: [String: Double] = [:]
        for (k, name) in items.enumerated() { map[name] = standard_errors[k] }
        return model.items.map { map[$0]! }
    }
}

/// Spearman rank correlation (no ties in the inputs).
func spearman(_ a: [Double], _ b: [Double]) -> Double {
    func ranks(_ v: [Double]) -> [Double] {
        var r = [Double](repeating: 0, count: v.count)
        for (rank, i) in v.indices.sorted(by: { v[$0] < v[$1] }).enumerated() { r[i] = Double(rank) }
        return r
    }
    let ra = ranks(a), rb = ranks(b)
    let n = Double(a.count)
    let mean = (n - 1) / 2
    var num = 0.0, da = 0.0, db = 0.0
    for i in a.indices {
        num += (ra[i] - mean) * (rb[i] - mean)
        da += (ra[i] - mean) * (ra[i] - mean)
        db += (rb[i] - mean) * (rb[i] - mean)
    }
    return num / (da * db).squareRoot()
}
