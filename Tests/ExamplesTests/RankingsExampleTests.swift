import Foundation
import Testing

extension ExamplesTests {
    @Test("rankings: Plackett–Luce intervals cover the truth near 95%, the pairs' far less; the listwise head beats the best-vs-worst pairs")
    func rankings() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (status, out, err) = try runExample("rankings", ["--seasons", "30"], in: folder)
        #expect(status == 0, "stderr: \(err)")
        #expect(out.contains("Season: 150 races, 20 drivers"))
        let coverage = try #require(line(out, containing: "Coverage of the 95% intervals").map { numbers(in: $0) })
        // [95, 30, PL coverage, PL width, pairs coverage, pairs width]
        #expect(coverage.count == 6, "\(coverage)")
        #expect(coverage[2] >= 0.9 && coverage[2] <= 0.99, "Plackett–Luce coverage \(coverage[2])")
        #expect(coverage[4] < coverage[2] - 0.1, "pairs' coverage \(coverage[4])")
        func tau(_ marker: String) throws -> Double {
            let text = try #require(line(out, containing: marker))
            let after = try #require(text.range(of: "Kendall τ ")).upperBound
            return try #require(numbers(in: text[after...]).first)
        }
        let listwise = try tau("Listwise head"), pairwise = try tau("Pairwise head")
        #expect(listwise > pairwise + 0.03, "listwise τ \(listwise), pairwise τ \(pairwise)")
    }
}
