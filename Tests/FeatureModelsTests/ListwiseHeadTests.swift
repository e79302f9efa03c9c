import Foundation
import TestSupport
import Testing
@testable import FeatureModels
@testable import FileFormats
@testable import NumericCore
@testable import Optimizers
@testable import PreferenceData
@testable import Training

@Suite("Listwise (Plackett–Luce) reward heads")
struct ListwiseHeadTests {
    /// `sets` sets of `k` distinct rows of an `[rows, d]` standard-normal matrix, ranked by
    /// Plackett–Luce on the rewards X·w (optionally top-2 with ties by Davidson–Luce).
    static func data(rows: Int, sets: Int, k: Int, d: Int, seed: UInt64, ties: Bool = false) -> (RankedResponses<Double>, [Double]) {
        var rng = SeededGenerator(seed: seed)
        let features = Tensor<Double>(shape: [rows, d], scalars: (0..<(rows * d)).map { _ in rng.nextNormal() })
        let w = (0..<d).map { _ in rng.nextNormal() }
        let rewards = (0..<rows).map { i in (0..<d).reduce(0.0) { $0 + features.scalars[i * d + $1] * w[$1] } }
        var builder = RankingSet.Builder(items: (0..<rows).map(String.init))
        for _ in 0..<sets {
            var options: [Int] = []
            while options.count < k {
                let r = Int.random(in: 0..<rows, using: &rng)
                if !options.contains(r) { options.append(r) }
            }
            let places = SyntheticRankings.order(options, strengths: rewards, ties: ties ? .davidsonLuce(deltas: [0.5]) : .none,
                                                 using: &rng)
            builder.appendValidated(.init(places: places, unranked: [], weight: 1, ranker: nil), rankerName: nil)
        }
        return (try! RankedResponses(features: features, rankings: builder.build()), rewards)
    }

    @Test("finite-difference gradient of the listwise loss, linear and MLP heads, with ties and top-k")
    func gradients() throws {
        let (data, _) = Self.data(rows: 30, sets: 12, k: 4, d: 5, seed: 3, ties: true)
        var batch = data.emptyBatch()
        data.fill(&batch, indices: Array(0..<12)[...])
        var rng = SeededGenerator(seed: 8)
        let objective = BradleyTerryObjective(temperature: 0.7, l2Penalty: 0.01)
        let heads: [RewardHead<Double>] = [
            .linear(LinearRewardHead(weights: Tensor((0..<5).map { _ in rng.nextNormal() }), objective: objective)),
            .mlp(MLPRewardHead(inputSize: 5, hiddenSizes: [6], activation: .tanh, objective: objective, using: &rng)),
        ]
        for start in heads {
            let model = ListwiseRewardHead(start)
            let flat = model.parameters.flatMap(\.scalars)
            func unflatten(_ x: [Double]) -> ListwiseRewardHead<Double> {
                var copy = model
                var offset = 0
                copy.parameters = model.parameters.map { p in
                    defer { offset += p.count }
                    return Tensor(shape: p.shape, scalars: Array(x[offset..<(offset + p.count)]))
                }
                return copy
            }
            let error = FiniteDifference.check({ unflatten($0).lossAndGradients(on: batch).loss },
                                               gradient: { unflatten($0).lossAndGradients(on: batch).gradients.flatMap(\.scalars) }, at: flat)
            #expect(error <= 1e-6, "\(start.family): gradient error \(error)")
        }
    }

    @Test("the listwise loss of a batch is the Plackett–Luce kernel's, per unit weight")
    func lossIsTheKernel() {
        let (data, _) = Self.data(rows: 20, sets: 6, k: 3, d: 4, seed: 5)
        let head = ListwiseRewardHead<Double>(.linear(LinearRewardHead(weights: Tensor([0.3, -0.2, 0.5, 0.1]))))
        var batch = data.emptyBatch()
        data.fill(&batch, indices: Array(0..<6)[...])
        let direct = PlackettLuceChoices(data.rankings).evaluate(data.rows.map { Double(head.rewards(data.features)[$0]) }).negativeLogLikelihood / 6
        #expect(Tolerance.isClose(head.lossAndGradients(on: batch).loss, direct, rtol: 1e-12))
        #expect(Tolerance.isClose(head.evaluate(on: data).loss, direct, rtol: 1e-12))
    }

    @Test("ranking metrics: perfect, reversed and tied scores")
    func metrics() throws {
        var builder = RankingSet.Builder(items: ["a", "b", "c", "d"])
        try builder.append(places: [["a"], ["b", "c"]], unranked: ["d"])
        let set = builder.build()
        let perfect = RankingMetrics(scores: [4, 3, 3, 1], rankings: set)
        #expect(perfect.pairwiseAccuracy == 1 && perfect.kendallTau == 1 && perfect.topOneAccuracy == 1)
        let reversed = RankingMetrics(scores: [1, 2, 3, 4], rankings: set)
        #expect(reversed.pairwiseAccuracy == 0 && reversed.kendallTau == -1 && reversed.topOneAccuracy == 0)
        let flat = RankingMetrics(scores: [1, 1, 1, 1], rankings: set)
        #expect(flat.pairwiseAccuracy == 0.5 && flat.kendallTau == 0 && flat.topOneAccuracy == 0.25)
    }

    @Test("sets of 4 with a known linear reward: the listwise head recovers it better (test Kendall τ) than a pairwise head on the best-vs-worst pairs")
    func listwiseBeatsBinarizedPairs() throws {
        let (all, rewards) = Self.data(rows: 4000, sets: 2300, k: 4, d: 8, seed: 2026)
        let train = all.subset(0..<300), test = all.subset(300..<2300)
        // The test sets ordered by the true reward (no sampling noise): τ measures recovery of the reward.
        var truthBuilder = RankingSet.Builder(items: test.rankings.items)
        for r in 0..<test.count {
            let options = test.rankings[r].places.flatMap { $0 }
            truthBuilder.appendValidated(.init(places: options.sorted { rewards[test.rows[$0]] > rewards[test.rows[$1]] }.map { [$0] },
                                               unranked: [], weight: 1, ranker: nil), rankerName: nil)
        }
        let truth = try RankedResponses(features: test.features, rankings: truthBuilder.build())
        let trainer = PairwiseTrainer(configuration: .init(epochs: 30, batchSize: 32, seed: 1))
        var listwise = ListwiseRewardHead<Double>(.linear(LinearRewardHead(dimension: 8)))
        var adam = Adam<Double>(learningRate: 0.02)
        let report = trainer.fit(&listwise, on: train, validate: nil, optimizer: &adam)
        #expect(report.epochs.count == 30)
        let pairs = train.bestVersusWorstPairs()
        var pairwise = LinearRewardHead<Double>(dimension: 8)
        var adam2 = Adam<Double>(learningRate: 0.02)
        _ = trainer.fit(&pairwise, on: FeaturePairsView(pairs), optimizer: &adam2)
        let a = listwise.evaluate(on: truth).metrics
        let b = ListwiseRewardHead<Double>.evaluate(rewards: pairwise.rewards(test.features), on: truth).metrics
        #expect(a.kendallTau > b.kendallTau + 0.02, "listwise τ \(a.kendallTau), pairwise τ \(b.kendallTau)")
        #expect(a.pairwiseAccuracy > b.pairwiseAccuracy)
    }

    @Test("the trainer's validation hook and seeds: the same run twice gives the same head")
    func reproducibleWithValidation() {
        let (all, _) = Self.data(rows: 200, sets: 300, k: 3, d: 4, seed: 9)
        let train = all.subset(0..<240), validation = all.subset(240..<300)
        func run() -> (ListwiseRewardHead<Double>, FitReport) {
            var head = ListwiseRewardHead<Double>(.linear(LinearRewardHead(dimension: 4)))
            var adam = Adam<Double>(learningRate: 0.05)
            let trainer = PairwiseTrainer(configuration: .init(epochs: 5, batchSize: 16, seed: 4, earlyStopping: .init(patience: 2)))
            let report = trainer.fit(&head, on: train, validate: { model in
                let e = model.evaluate(on: validation)
                return (e.loss, e.metrics.pairwiseAccuracy)
            }, optimizer: &adam)
            return (head, report)
        }
        let (a, ra) = run(), (b, _) = run()
        #expect(a.parameters == b.parameters)
        #expect(ra.epochs.allSatisfy { $0.validationLoss != nil && $0.validationAccuracy != nil })
    }

    @Test("loading .npy rows and set,row,rank; a row outside the matrix is an error with its line")
    func loading() throws {
        try TestFiles.withTemporaryFolder { folder in
            let features = folder.appendingPathComponent("x.npy")
            try NumPyFile.write(Tensor<Float>(shape: [4, 2], scalars: [1, 0, 0, 1, 1, 1, 0, 0]), to: features)
            let sets = folder.appendingPathComponent("sets.csv")
            try "set,row,rank\np1,0,1\np1,2,2\np1,3,2\np2,1,1\np2,3,2\n".write(to: sets, atomically: true, encoding: .utf8)
            let data = try RankedResponses<Float>.load(features: features, rankings: sets)
            #expect(data.count == 2 && data.dimension == 2)
            #expect(data.rankings[0].places.count == 2)
            #expect(data.rows == [0, 2, 3, 1])
            try "set,row,rank\np1,0,1\np1,7,2\n".write(to: sets, atomically: true, encoding: .utf8)
            let error = caughtDataError { () throws(DataError) in try RankedResponses<Float>.load(features: features, rankings: sets) }
            #expect(error?.line == 3 && error?.description.contains("outside the feature matrix") == true, "\(String(describing: error))")
            try "set,row,rank\np1,0,1\np1,x,2\n".write(to: sets, atomically: true, encoding: .utf8)
            let error2 = caughtDataError { () throws(DataError) in try RankedResponses<Float>.load(features: features, rankings: sets) }
            #expect(error2?.line == 3 && error2?.description.contains("not a row index") == true)
        }
    }
}
