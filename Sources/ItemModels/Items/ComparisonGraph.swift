import PreferenceData

/// The directed "beat" graph of aggregated comparisons: an edge i → j when i beat j with positive
/// weight; a tie with positive weight gives edges both ways.
///
/// The unpenalized Bradley–Terry (and Thurstone, Davidson, Rao–Kupper) likelihood has a finite
/// maximizer exactly when this graph is strongly connected (Zermelo 1929; Ford 1957): otherwise
/// the items of a group that no outside item ever beat can be shifted up without bound.
public struct ComparisonGraph: Sendable {
    /// Strongly connected components in a topological order of the condensation, sources
    /// (groups nobody outside beat) first.
    public let components: [[Int]]

    /// The graph of the items and compared pairs of `data`.
    public init(_ data: AggregatedComparisons) {
        let n = data.itemCount
        // CSR adjacency.
        var degree = [Int](repeating: 0, count: n + 1)
        for q in 0..<data.pairCount {
            let i = Int(data.first[q]), j = Int(data.second[q])
            let tie = data.ties[q] > 0
            if data.firstWins[q] > 0 || tie { degree[i + 1] += 1 }
            if data.secondWins[q] > 0 || tie { degree[j + 1] += 1 }
        }
        for i in 0..<n { degree[i + 1] += degree[i] }
        var targets = [Int](repeating: 0, count: degree[n])
        var fill = degree
        for q in 0..<data.pairCount {
            let i = Int(data.first[q]), j = Int(data.second[q])
            let tie = data.ties[q] > 0
            if data.firstWins[q] > 0 || tie { targets[fill[i]] = j; fill[i] += 1 }
            if data.secondWins[q] > 0 || tie { targets[fill[j]] = i; fill[j] += 1 }
        }
        // Iterative Tarjan.
        var index = [Int](repeating: -1, count: n)
        var low = [Int](repeating: 0, count: n)
        var onStack = [Bool](repeating: false, count: n)
        var stack: [Int] = []
        var components: [[Int]] = []
        var counter = 0
        var callStack: [(node: Int, edge: Int)] = []
        for root in 0..<n where index[root] < 0 {
            callStack.append((root, degree[root]))
            index[root] = counter; low[root] = counter; counter += 1
            stack.append(root); onStack[root] = true
            while let top = callStack.last {
                let v = top.node
                if top.edge < degree[v + 1] {
                    let w = targets[top.edge]
                    callStack[callStack.count - 1].edge += 1
                    if index[w] < 0 {
                        index[w] = counter; low[w] = counter; counter += 1
                        stack.append(w); onStack[w] = true
                        callStack.append((w, degree[w]))
                    } else if onStack[w] {
                        low[v] = min(low[v], index[w])
                    }
                } else {
                    callStack.removeLast()
                    if let parent = callStack.last { low[parent.node] = min(low[parent.node], low[v]) }
                    if low[v] == index[v] {
                        var component: [Int] = []
                        while true {
                            let w = stack.removeLast()
                            onStack[w] = false
                            component.append(w)
                            if w == v { break }
                        }
                        components.append(component.sorted())
                    }
                }
            }
        }
        // Tarjan emits sinks first; reverse for sources (strongest) first.
        self.components = components.reversed()
    }

    /// Whether the graph is strongly connected.
    public var isStronglyConnected: Bool { components.count <= 1 }
}

extension ComparisonGraph {
    /// The connectivity diagnosis of an unpenalized fit: throws
    /// ``BradleyTerryError/notStronglyConnected(components:neverLost:neverWon:)`` — naming the
    /// components and the items that never lost or never won (a tie counts as both) — unless the
    /// graph of `data` is strongly connected.
    static func requireStronglyConnected(_ data: AggregatedComparisons, items: [String]) throws(BradleyTerryError) {
        let graph = ComparisonGraph(data)
        if graph.isStronglyConnected { return }
        let n = data.itemCount
        var wins = [Double](repeating: 0, count: n), losses = wins
        for q in 0..<data.pairCount {
            let i = Int(data.first[q]), j = Int(data.second[q])
            let a = data.firstWins[q], b = data.secondWins[q], t = data.ties[q]
            wins[i] += a + t; losses[i] += b + t
            wins[j] += b + t; losses[j] += a + t
        }
        throw .notStronglyConnected(
            components: graph.components.map { $0.map { items[$0] } },
            neverLost: (0..<n).filter { losses[$0] == 0 }.map { items[$0] },
            neverWon: (0..<n).filter { wins[$0] == 0 }.map { items[$0] })
    }
}
