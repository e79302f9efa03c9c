import NumericCore
import Testing
@testable import RewardKitInternals

@Test func sparseTrianglesMatchBruteForce() {
    var rng = SeededGenerator(seed: 11)
    for (n, density) in [(0, 0.0), (3, 1.0), (12, 0.4), (40, 0.15)] {
        var adjacent = [[Int?]](repeating: [Int?](repeating: nil, count: n), count: n)
        var first: [Int] = [], second: [Int] = []
        var pairs: [(Int, Int)] = []
        for i in 0..<n { for j in (i + 1)..<max(n, i + 1) where Double.random(in: 0..<1, using: &rng) < density { pairs.append((i, j)) } }
        pairs.shuffle(using: &rng)   // the edge order must not matter
        for (i, j) in pairs {
            adjacent[i][j] = first.count
            first.append(i)
            second.append(j)
        }
        var expected: [[Int]] = []
        for a in 0..<n { for b in (a + 1)..<max(n, a + 1) { for c in (b + 1)..<max(n, b + 1) {
            if let ab = adjacent[a][b], let bc = adjacent[b][c], let ac = adjacent[a][c] { expected.append([a, b, c, ab, bc, ac]) }
        } } }
        var found: [[Int]] = []
        forEachTriangle(vertexCount: n, first: first, second: second) { a, b, c, ab, bc, ac in found.append([a, b, c, ab, bc, ac]) }
        #expect(found == expected, "n = \(n): \(found.count) triangles vs \(expected.count)")
    }
}
