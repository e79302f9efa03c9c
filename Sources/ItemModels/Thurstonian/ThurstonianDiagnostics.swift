import RealModule
import NumericCore
import PreferenceData
import RewardKitInternals

/// Coherence diagnostics of a fitted ``ThurstonianModel`` on a set of labelled comparisons.
///
/// - **Accuracy**: the weighted share of records with a decided label (y ≠ ½) whose direction
///   the model predicts (P(first ≻ second) > ½ ⇔ y > ½; P = ½ exactly counts as half right).
/// - **Log-loss**: the weighted mean cross-entropy −[y log P + (1 − y) log(1 − P)], with log P
///   and log(1 − P) = log Φ(∓z) computed stably.
/// - **Intransitive triples in the data**: each observed unordered pair gets its majority
///   direction from the weighted mean label (none when it is exactly ½); among item triples whose
///   three pairs all have a direction, the share that form a cycle a ≻ b ≻ c ≻ a.
/// - **Intransitive triples expected under the model**: a utility model's own majority directions
///   (P > ½ ⇔ μ_a > μ_b) are always transitive, so the comparison that means something is with
///   the share the model would produce by sampling noise alone: each pair's direction is the
///   majority of as many Bernoulli(P) draws as it has records (ties when a draw count is even
///   and splits evenly), and the expected cycle share is the mean over the same triples of
///   P(cycle | all three pairs decided). Data with many more cycles than that are less coherent
///   than any utility model.
public struct ThurstonianDiagnostics: Sendable, Hashable, Codable {
    /// Records scored.
    public var recordCount: Int
    /// Weighted directional accuracy (records with y ≠ ½).
    public var accuracy: Double
    /// Weighted mean log-loss.
    public var logLoss: Double
    /// Item triples with all three pairs decided in the data.
    public var decidedTriples: Int
    /// Share of those triples that are cycles in the data.
    public var dataIntransitiveShare: Double
    /// Expected share of cycles among the same triples under the model at the same sampling design.
    public var modelExpectedIntransitiveShare: Double

    /// Scores `model` on `data` (which must name the same items, in the same order).
    public init(model: ThurstonianModel, data: ProbabilisticComparisons) {
        precondition(model.itemCount == data.itemCount,
                     "ThurstonianDiagnostics: model has \(model.itemCount) items, data \(data.itemCount)")
        var correct = 0.0, decidedWeight = 0.0, loss = 0.0, totalWeight = 0.0
        for k in 0..<data.count {
            let w = data.weights[k], y = data.labels[k]
            let z = model.standardizedDifference(data.first[k], data.second[k])
            var l = 0.0
            if y > 0 { l -= y * Double.logNormalCDF(z) }
            if y < 1 { l -= (1 - y) * Double.logNormalCDF(-z) }
            loss += w * l
            totalWeight += w
            if y != 0.5 {
                decidedWeight += w
                if z == 0 { correct += 0.5 * w } else if (z > 0) == (y > 0.5) { correct += w }
            }
        }
        recordCount = data.count
        accuracy = decidedWeight > 0 ? correct / decidedWeight : .nan
        logLoss = totalWeight > 0 ? loss / totalWeight : .nan

        // Majority directions and per-pair sampling probabilities, one edge per decided pair
        // (sparse: the triangles of the comparison graph, never an n×n table).
        let agg = data.aggregated()
        var first: [Int] = [], second: [Int] = [], firstWins: [Bool] = [], win: [Double] = [], lose: [Double] = []
        for p in agg.first.indices where agg.label[p] != 0.5 {
            let i = agg.first[p], j = agg.second[p]
            first.append(i)
            second.append(j)
            firstWins.append(agg.label[p] > 0.5)
            let (w, l) = Self.majorityProbabilities(draws: agg.records[p], probability: model.probability(preferring: i, over: j))
            win.append(w)
            lose.append(l)
        }
        var triples = 0, cycles = 0
        var expected = 0.0
        forEachTriangle(vertexCount: data.itemCount, first: first, second: second) { _, _, _, ab, bc, ac in
            triples += 1
            // a → b → c → a or the reverse.
            if (firstWins[ab] && firstWins[bc] && !firstWins[ac]) || (!firstWins[ab] && !firstWins[bc] && firstWins[ac]) {
                cycles += 1
            }
            let decided = (win[ab] + lose[ab]) * (win[bc] + lose[bc]) * (win[ac] + lose[ac])
            if decided > 0 { expected += (win[ab] * win[bc] * lose[ac] + lose[ab] * lose[bc] * win[ac]) / decided }
        }
        decidedTriples = triples
        dataIntransitiveShare = triples > 0 ? Double(cycles) / Double(triples) : 0
        modelExpectedIntransitiveShare = triples > 0 ? expected / Double(triples) : 0
    }

    /// P(more than half of `draws` Bernoulli(`probability`) draws succeed) and P(fewer than half).
    static func majorityProbabilities(draws m: Int, probability q: Double) -> (win: Double, lose: Double) {
        guard m > 0 else { return (0, 0) }
        let logQ = Double.log(max(q, 1e-300)), log1Q = Double.log(max(1 - q, 1e-300))
        var win = 0.0, lose = 0.0
        var logChoose = 0.0     // log C(m, k), updated incrementally
        for k in 0...m {
            if k > 0 { logChoose += Double.log(Double(m - k + 1)) - Double.log(Double(k)) }
            let p = Double.exp(logChoose + Double(k) * logQ + Double(m - k) * log1Q)
            if 2 * k > m { win += p } else if 2 * k < m { lose += p }
        }
        return (win, lose)
    }
}
