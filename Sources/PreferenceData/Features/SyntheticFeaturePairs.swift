import Foundation
import NumericCore

/// Seeded generators of synthetic feature-pair data with a known true preference model, modelled
/// on the benchmark workloads W2–W5 (see `Docs/DataFormats.md`).
///
/// Every generator draws response features, computes the true logit s(a, b) of each pair, and
/// orients the pair by Bradley–Terry sampling: with u ~ U(0, 1), a is `chosen` when u < σ(s(a, b)).
/// Training and test sets come from the same truth with independent draws. The same seed gives
/// the same data, in `Float` or `Double` (features are rounded to `Scalar` before the truth is
/// applied, so the truth is exact for the stored features).
///
/// ```swift
/// let data = SyntheticFeaturePairs.linear(Float.self, trainCount: 5_000, testCount: 1_000, dimension: 64, seed: 1)
/// print(data.oracleTestAccuracy)
/// ```
public enum SyntheticFeaturePairs {
    /// Linear reward, like W2: responses x = z/‖z‖·√d with z ~ N(0, I_d), true reward r(x) = w·x
    /// with w ~ N(0, I_d/d)·`weightScale`.
    public static func linear<S: BLASScalar>(
        _ type: S.Type = Double.self, trainCount: Int, testCount: Int, dimension d: Int,
        weightScale: Double = 3, seed: UInt64
    ) -> SyntheticFeatureData<S> {
        precondition(d > 0 && trainCount > 0 && testCount > 0, "linear: needs d, trainCount, testCount > 0")
        var generator = SeededGenerator(seed: seed)
        let w = Tensor<Double>.randomNormal(shape: [d], standardDeviation: weightScale / Double(d).squareRoot(), using: &generator)
        let truth = SyntheticRewardTruth.linear(weights: w)
        return generate(S.self, truth: truth, trainCount: trainCount, testCount: testCount, generator: &generator,
                        users: nil) { g, rows in sphereFeatures(rows: rows, dimension: d, using: &g) }
    }

    /// A small tanh network reward, like W3: responses as in ``linear(_:trainCount:testCount:dimension:weightScale:seed:)``,
    /// r(x) = c · vᵀ tanh(W₁x/√d + b₁) with W₁ ~ N(0, 1) (h×d), b₁ ~ N(0, 0.25), v ~ N(0, 1/h)
    /// and c = `rewardScale` (W3 uses h = 64 and c = 4.6457 for an expected oracle accuracy of 0.875
    /// at d = 768).
    public static func mlp<S: BLASScalar>(
        _ type: S.Type = Double.self, trainCount: Int, testCount: Int, dimension d: Int,
        hiddenWidth h: Int = 64, rewardScale: Double = 4.6457, seed: UInt64
    ) -> SyntheticFeatureData<S> {
        precondition(d > 0 && h > 0 && trainCount > 0 && testCount > 0, "mlp: needs d, h, trainCount, testCount > 0")
        var generator = SeededGenerator(seed: seed)
        let w1 = Tensor<Double>.randomNormal(shape: [h, d], using: &generator)
        let b1 = Tensor<Double>.randomNormal(shape: [h], standardDeviation: 0.5, using: &generator)
        let v = Tensor<Double>.randomNormal(shape: [h], standardDeviation: 1 / Double(h).squareRoot(), using: &generator)
        let truth = SyntheticRewardTruth.mlp(inputWeights: w1, inputBias: b1, outputWeights: v, scale: rewardScale)
        return generate(S.self, truth: truth, trainCount: trainCount, testCount: testCount, generator: &generator,
                        users: nil) { g, rows in sphereFeatures(rows: rows, dimension: d, using: &g) }
    }

    /// Heterogeneous users, like W5: `userCount` users split into groups of sizes
    /// round(fraction·users) (the last group takes the remainder), assigned in a random order.
    /// Group g has reward w_g·x with w_g ~ N(0, I_d/d)·`weightScale`. Each pair's user is drawn with
    /// probability proportional to the user's activity a_u ~ LogNormal(0, `activitySpread`²);
    /// labels follow the user's group reward. User names are `"0"`, `"1"`, …, and user index u is
    /// the user named `"u"`.
    public static func userGroups<S: BLASScalar>(
        _ type: S.Type = Double.self, trainCount: Int, testCount: Int, dimension d: Int,
        userCount: Int = 200, groupFractions: [Double] = [0.6, 0.3, 0.1], activitySpread: Double = 0.75,
        weightScale: Double = 3, seed: UInt64
    ) -> SyntheticFeatureData<S> {
        precondition(d > 0 && trainCount > 0 && testCount > 0, "userGroups: needs d, trainCount, testCount > 0")
        precondition(!groupFractions.isEmpty && groupFractions.allSatisfy { $0 > 0 }, "userGroups: group fractions must be positive, got \(groupFractions)")
        precondition(userCount >= groupFractions.count, "userGroups: \(userCount) users for \(groupFractions.count) groups")
        var generator = SeededGenerator(seed: seed)
        let total = groupFractions.reduce(0, +)
        var sizes = groupFractions.map { Swift.max(1, Int(($0 / total * Double(userCount)).rounded())) }
        sizes[sizes.count - 1] = userCount - sizes.dropLast().reduce(0, +)
        precondition(sizes.last! > 0, "userGroups: group fractions \(groupFractions) leave the last group empty for \(userCount) users")
        let order = generator.permutation(userCount)
        var groupOfUser = [Int](repeating: 0, count: userCount)
        var position = 0
        for (g, size) in sizes.enumerated() {
            for u in order[position..<(position + size)] { groupOfUser[u] = g }
            position += size
        }
        let weights = Tensor<Double>.randomNormal(shape: [sizes.count, d], standardDeviation: weightScale / Double(d).squareRoot(), using: &generator)
        let activity = (0..<userCount).map { _ in Foundation.exp(activitySpread * generator.nextNormal()) }
        var cumulative = [Double]()
        cumulative.reserveCapacity(userCount)
        var running = 0.0
        for a in activity { running += a; cumulative.append(running) }
        func drawUser(_ g: inout SeededGenerator) -> Int {
            let u = g.nextOpenUnit() * running
            var lo = 0, hi = userCount - 1
            while lo < hi {
                let mid = (lo + hi) / 2
                if cumulative[mid] < u { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
        let truth = SyntheticRewardTruth.userGroups(groupWeights: weights, groupOfUser: groupOfUser, activity: activity)
        let table = UserTable(names: (0..<userCount).map(String.init))
        return generate(S.self, truth: truth, trainCount: trainCount, testCount: testCount, generator: &generator,
                        users: (table, drawUser)) { g, rows in sphereFeatures(rows: rows, dimension: d, using: &g) }
    }

    /// Cyclic (intransitive) preferences, like W4: a pool of `itemCount` responses with features
    /// x ~ N(0, I_d); v(x) = A x/‖A x‖ with A ~ N(0, I/d) of shape 2k×d (k = `blockCount`) and
    /// P(a ≻ b) = σ(strength · v_aᵀ R v_b), R = blockdiag([[0, −1], [1, 0]] × k). Pairs are uniformly
    /// random pairs of distinct responses; no test pair (unordered) occurs among the training pairs.
    public static func cyclic<S: BLASScalar>(
        _ type: S.Type = Double.self, trainCount: Int, testCount: Int, itemCount: Int = 3_000,
        dimension d: Int = 64, blockCount k: Int = 2, strength: Double = 10, seed: UInt64
    ) -> SyntheticFeatureData<S> {
        precondition(d > 0 && k > 0 && trainCount > 0 && testCount > 0, "cyclic: needs d, k, trainCount, testCount > 0")
        precondition(itemCount >= 2 && itemCount * (itemCount - 1) / 2 > trainCount + testCount,
                     "cyclic: \(itemCount) items have too few distinct pairs for \(trainCount) + \(testCount) pairs")
        var generator = SeededGenerator(seed: seed)
        let projection = Tensor<Double>.randomNormal(shape: [2 * k, d], standardDeviation: 1 / Double(d).squareRoot(), using: &generator)
        let truth = SyntheticRewardTruth.cyclic(projection: projection, strength: strength)
        // Item features, rounded to Scalar once so every pair sees the stored values.
        let items = Tensor<Double>.randomNormal(shape: [itemCount, d], using: &generator)
            .map { Double(S($0)) }
        var trainKeys = Set<Int>()
        func drawPairs(_ count: Int, excluding: Set<Int>?, _ g: inout SeededGenerator) -> (a: [Int], b: [Int]) {
            var a = [Int](), b = [Int]()
            while a.count < count {
                let i = Int(g.next() % UInt64(itemCount)), j = Int(g.next() % UInt64(itemCount))
                if i == j { continue }
                let key = Swift.min(i, j) * itemCount + Swift.max(i, j)
                if let excluding, excluding.contains(key) { continue }
                if excluding == nil { trainKeys.insert(key) }
                a.append(i)
                b.append(j)
            }
            return (a, b)
        }
        var trainGenerator = generator.split()
        var testGenerator = generator.split()
        let trainPairs = drawPairs(trainCount, excluding: nil, &trainGenerator)
        let testPairs = drawPairs(testCount, excluding: trainKeys, &testGenerator)
        let train = orient(S.self, truth: truth, a: items.gatherRows(trainPairs.a), b: items.gatherRows(trainPairs.b),
                           users: nil, table: UserTable(), generator: &trainGenerator)
        let test = orient(S.self, truth: truth, a: items.gatherRows(testPairs.a), b: items.gatherRows(testPairs.b),
                          users: nil, table: UserTable(), generator: &testGenerator)
        return SyntheticFeatureData(train: train.pairs, test: test.pairs, truth: truth,
                                    oracleTrainAccuracy: train.oracle, oracleTestAccuracy: test.oracle,
                                    oracleExpectedTestAccuracy: test.expectedOracle)
    }

    // MARK: Shared machinery

    /// m×d rows x = z/‖z‖·√d, z ~ N(0, I_d).
    static func sphereFeatures(rows m: Int, dimension d: Int, using generator: inout SeededGenerator) -> Tensor<Double> {
        var x = Tensor<Double>.randomNormal(shape: [m, d], using: &generator)
        let radius = Double(d).squareRoot()
        x.scalars.withUnsafeMutableBufferPointer { p in
            for i in 0..<m {
                var norm = 0.0
                for j in 0..<d { norm += p[i * d + j] * p[i * d + j] }
                let factor = radius / norm.squareRoot()
                for j in 0..<d { p[i * d + j] *= factor }
            }
        }
        return x
    }

    private static func generate<S: BLASScalar>(
        _ type: S.Type, truth: SyntheticRewardTruth, trainCount: Int, testCount: Int,
        generator: inout SeededGenerator, users: (table: UserTable, draw: (inout SeededGenerator) -> Int)?,
        features: (inout SeededGenerator, Int) -> Tensor<Double>
    ) -> SyntheticFeatureData<S> {
        var trainGenerator = generator.split()
        var testGenerator = generator.split()
        let train = sample(S.self, count: trainCount, truth: truth, users: users, features: features, generator: &trainGenerator)
        let test = sample(S.self, count: testCount, truth: truth, users: users, features: features, generator: &testGenerator)
        return SyntheticFeatureData(train: train.pairs, test: test.pairs, truth: truth,
                                    oracleTrainAccuracy: train.oracle, oracleTestAccuracy: test.oracle,
                                    oracleExpectedTestAccuracy: test.expectedOracle)
    }

    private struct Sampled<S: BLASScalar> {
        var pairs: FeaturePairs<S>
        var oracle: Double
        var expectedOracle: Double
    }

    /// Draws `count` pairs in chunks (bounded memory), each response from `features`.
    private static func sample<S: BLASScalar>(
        _ type: S.Type, count: Int, truth: SyntheticRewardTruth,
        users: (table: UserTable, draw: (inout SeededGenerator) -> Int)?,
        features: (inout SeededGenerator, Int) -> Tensor<Double>, generator: inout SeededGenerator
    ) -> Sampled<S> {
        let chunk = 2_048
        var parts = [Sampled<S>]()
        var start = 0
        while start < count {
            let m = Swift.min(chunk, count - start)
            let a = features(&generator, m)
            let b = features(&generator, m)
            let ids = users.map { u in (0..<m).map { _ in u.draw(&generator) } }
            parts.append(orient(S.self, truth: truth, a: a.map { Double(S($0)) }, b: b.map { Double(S($0)) },
                                users: ids, table: users?.table ?? UserTable(), generator: &generator))
            start += m
        }
        if parts.count == 1 { return parts[0] }
        let weights = parts.map { Double($0.pairs.count) }
        let total = weights.reduce(0, +)
        let chosen = Tensor.concatenate(parts.map(\.pairs.chosen))
        let rejected = Tensor.concatenate(parts.map(\.pairs.rejected))
        let ids = users == nil ? nil : parts.flatMap { $0.pairs.userIDs! }
        let pairs = FeaturePairs<S>(unchecked: chosen, rejected: rejected, prompts: nil, margins: nil,
                                    userIDs: ids, users: users?.table ?? UserTable())
        return Sampled(pairs: pairs,
                       oracle: zip(parts, weights).reduce(0) { $0 + $1.0.oracle * $1.1 } / total,
                       expectedOracle: zip(parts, weights).reduce(0) { $0 + $1.0.expectedOracle * $1.1 } / total)
    }

    /// Orients each row pair (a_i, b_i) by BT sampling under the truth and converts to `S`.
    private static func orient<S: BLASScalar>(
        _ type: S.Type, truth: SyntheticRewardTruth, a: Tensor<Double>, b: Tensor<Double>,
        users: [Int]?, table: UserTable, generator: inout SeededGenerator
    ) -> Sampled<S> {
        let m = a.rowCount, d = a.columnCount
        let logits = truth.logits(a, b, users: users)
        var chosen = [S](repeating: 0, count: m * d)
        var rejected = [S](repeating: 0, count: m * d)
        var correct = 0
        var expected = 0.0
        for i in 0..<m {
            let p = Double.sigmoid(logits[i])
            let firstWins = generator.nextOpenUnit() < p
            let winnerLogit = firstWins ? logits[i] : -logits[i]
            if winnerLogit > 0 { correct += 1 }
            expected += Swift.max(p, 1 - p)
            let (win, lose) = firstWins ? (a, b) : (b, a)
            for j in 0..<d {
                chosen[i * d + j] = S(win.scalars[i * d + j])
                rejected[i * d + j] = S(lose.scalars[i * d + j])
            }
        }
        let pairs = FeaturePairs<S>(unchecked: Tensor(shape: [m, d], scalars: chosen), rejected: Tensor(shape: [m, d], scalars: rejected),
                                    prompts: nil, margins: nil, userIDs: users, users: table)
        return Sampled(pairs: pairs, oracle: Double(correct) / Double(m), expectedOracle: expected / Double(m))
    }
}
