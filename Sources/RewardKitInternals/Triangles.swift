/// The triangles of a sparse undirected graph on the vertices `0..<vertexCount`, whose edges are
/// `(first[e], second[e])` with `first[e] < second[e]` and no edge listed twice.
///
/// Calls `body(a, b, c, ab, bc, ac)` once per triangle a < b < c, with the indices of its three
/// edges, in increasing order of (a, b, c). Each vertex keeps the sorted list of its larger
/// neighbours; a triangle is found by merging the lists of a and b above b, so the cost is
/// O(Σ_edges (deg a + deg b)) time and O(vertices + edges) memory — never a dense n×n table.
package func forEachTriangle(vertexCount n: Int, first: [Int], second: [Int],
                             _ body: (_ a: Int, _ b: Int, _ c: Int, _ ab: Int, _ bc: Int, _ ac: Int) -> Void) {
    precondition(first.count == second.count, "forEachTriangle: \(first.count) first and \(second.count) second ends")
    // Compressed rows: start[v]..<start[v + 1] hold v's larger neighbours (sorted) and the edge indices.
    var start = [Int](repeating: 0, count: n + 1)
    for e in first.indices { start[first[e] + 1] += 1 }
    for v in 0..<n { start[v + 1] += start[v] }
    var neighbor = [Int](repeating: 0, count: first.count), edge = [Int](repeating: 0, count: first.count)
    var cursor = start
    for e in first.indices {
        let v = first[e]
        neighbor[cursor[v]] = second[e]
        edge[cursor[v]] = e
        cursor[v] += 1
    }
    for v in 0..<n where start[v + 1] - start[v] > 1 {
        let order = (start[v]..<start[v + 1]).sorted { neighbor[$0] < neighbor[$1] }
        let (sortedNeighbors, sortedEdges) = (order.map { neighbor[$0] }, order.map { edge[$0] })
        for (k, slot) in (start[v]..<start[v + 1]).enumerated() {
            neighbor[slot] = sortedNeighbors[k]
            edge[slot] = sortedEdges[k]
        }
    }
    for a in 0..<n {
        for p0 in start[a]..<start[a + 1] {
            let b = neighbor[p0], ab = edge[p0]
            var p = p0 + 1, q = start[b]
            while p < start[a + 1] && q < start[b + 1] {
                if neighbor[p] < neighbor[q] {
                    p += 1
                } else if neighbor[p] > neighbor[q] {
                    q += 1
                } else {
                    body(a, b, neighbor[p], ab, edge[q], edge[p])
                    p += 1
                    q += 1
                }
            }
        }
    }
}
