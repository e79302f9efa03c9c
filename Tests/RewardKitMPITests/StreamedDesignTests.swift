import Foundation
import RewardKit
import RewardKitMPI
import Testing
import TestSupport

@Suite("out-of-core linear heads: memory-mapped .npy row blocks")
struct StreamedDesignTests {
    @Test("a mapped .npy reads the same rows as NumPyFile.read, in either precision")
    func mappedRowsMatchRead() throws {
        try TestFiles.withTemporaryFolder { folder in
            let files = try SyntheticPairFiles(folder: folder, rows: 37, dimension: 5, seed: 1)
            let mapped = try NumPyFile.map(files.chosen)
            #expect(mapped.shape == [37, 5])
            let whole: Tensor<Double> = try NumPyFile.readTensor(files.chosen)
            let block: Tensor<Double> = mapped.rows(10..<23)
            #expect(block.shape == [13, 5])
            #expect(block.scalars == Array(whole.scalars[50..<115]))
            let narrowed: Tensor<Float> = mapped.rows(0..<37)
            #expect(narrowed.scalars == whole.scalars.map { Float($0) })
            mapped.release(rows: 0..<37)
            let again: Tensor<Double> = mapped.rows(0..<37)
            #expect(again.scalars == whole.scalars)
        }
    }

    @Test("mapping keeps the .npy header checks: bad magic, oversized header, truncated payload, integer dtype")
    func mappedHeaderChecks() throws {
        try TestFiles.withTemporaryFolder { folder in
            let bad = folder.appendingPathComponent("bad.npy")
            try Data("not numpy at all".utf8).write(to: bad)
            let e1 = caughtDataError { () throws(DataError) in try NumPyFile.map(bad) }
            #expect(e1?.description.contains("magic") == true)
            // Version 2.0 header claiming 4 GiB.
            try Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59] + [2, 0, 0xFF, 0xFF, 0xFF, 0xFF] + [UInt8](repeating: 0x20, count: 20)).write(to: bad)
            let e2 = caughtDataError { () throws(DataError) in try NumPyFile.map(bad) }
            #expect(e2?.description.contains("header length") == true)
            var bytes = NumPyFile.encode(Tensor<Double>(shape: [4, 2], scalars: Array(repeating: 1, count: 8)))
            bytes.removeLast(8)
            try Data(bytes).write(to: bad)
            let e3 = caughtDataError { () throws(DataError) in try NumPyFile.map(bad) }
            #expect(e3?.description.contains("truncated") == true)
            let ints = folder.appendingPathComponent("ints.npy")
            try NumPyFile.write(NumPyArray(shape: [2, 2], storage: .int32([1, 2, 3, 4])), to: ints)
            let e4 = caughtDataError { () throws(DataError) in try MappedFeaturePairs<Double>.open(chosen: ints, rejected: ints) }
            #expect(e4?.description.contains("integers") == true)
        }
    }

    @Test("a non-finite value in a mapped file is a DataError naming the file and its row")
    func mappedNonFinite() throws {
        try TestFiles.withTemporaryFolder { folder in
            let files = try SyntheticPairFiles(folder: folder, rows: 50, dimension: 3, seed: 2)
            var values: Tensor<Double> = try NumPyFile.readTensor(files.rejected)
            values[41, 2] = .nan
            try NumPyFile.write(values, to: files.rejected)
            let error = caughtDataError { () throws(DataError) in try MappedFeaturePairs<Double>.open(chosen: files.chosen, rejected: files.rejected, blockRows: 8) }
            #expect(error?.file == files.rejected.path)
            #expect(error?.line == 41)
        }
    }

    @Test("streamed value, gradient and Hessian equal the in-memory design's (Double, 1e-12) and pass a finite-difference check")
    func streamedTermsMatchInMemory() throws {
        try TestFiles.withTemporaryFolder { folder in
            let files = try SyntheticPairFiles(folder: folder, rows: 301, dimension: 6, seed: 3)
            let objective = BradleyTerryObjective(temperature: 0.7, centeringCoefficient: 0.05, l2Penalty: 1e-3)
            let design = LinearHeadDesign(FeaturePairsView(files.pairs), includesSums: true)
            let mapped = try MappedFeaturePairs<Double>.open(chosen: files.chosen, rejected: files.rejected, margins: files.margins, blockRows: 17)
            let streamed = StreamedLinearHeadDesign(mapped, includesSums: true)
            let w = [0.3, -0.2, 0.5, 0.1, -0.4, 0.25]
            var g1: [Double]? = [], g2: [Double]? = []
            let v1 = design.value(at: w, objective: objective, gradient: &g1)
            let v2 = streamed.value(at: w, objective: objective, gradient: &g2)
            #expect(Tolerance.isClose(v1, v2, rtol: 1e-12))
            #expect(Tolerance.maxAbsDifference(g1!, g2!) <= 1e-12)
            let h1 = design.hessian(at: w, objective: objective), h2 = streamed.hessian(at: w, objective: objective)
            #expect(Tolerance.maxAbsDifference(h1.scalars, h2.scalars) <= 1e-12)
            let error = FiniteDifference.check({ x in
                var none: [Double]? = nil
                return streamed.value(at: x, objective: objective, gradient: &none)
            }, gradient: { x in
                var g: [Double]? = []
                _ = streamed.value(at: x, objective: objective, gradient: &g)
                return g!
            }, at: w)
            #expect(error < 1e-6)
        }
    }

    @Test("an out-of-core fit reproduces the in-memory fit: weights to 1e-10 (Double, Newton and L-BFGS)")
    func streamedFitMatchesInMemory() throws {
        try TestFiles.withTemporaryFolder { folder in
            let files = try SyntheticPairFiles(folder: folder, rows: 500, dimension: 8, seed: 4)
            let objective = BradleyTerryObjective(l2Penalty: 1e-2)
            let mapped = try MappedFeaturePairs<Double>.open(chosen: files.chosen, rejected: files.rejected, margins: files.margins, blockRows: 33)
            for solver in [LinearHeadSolver.newton(gradientTolerance: 1e-13), .lbfgs(gradientTolerance: 1e-12)] {
                let inMemory = try LinearRewardHead<Double>.fit(FeaturePairsView(files.pairs), solver: solver, objective: objective)
                let streamed = try LinearRewardHead<Double>.fit(terms: StreamedLinearHeadDesign(mapped, includesSums: false),
                                                                solver: solver, objective: objective)
                #expect(Tolerance.maxAbsDifference(inMemory.weights, streamed.weights) <= 1e-10, "\(solver)")
                // Through the one-process communicator the sums are the same.
                let reduced = AllReducedLinearHeadTerms(local: StreamedLinearHeadDesign(mapped, includesSums: false),
                                                        localPairCount: mapped.count, communicator: SingleProcessCommunicator())
                let single = try LinearRewardHead<Double>.fit(terms: reduced, solver: solver, objective: objective)
                #expect(single.weights == streamed.weights)
            }
        }
    }

    @Test("shards of a mapped file partition its rows, a shard may be empty, and the shards' terms sum to the whole")
    func shardsSumToWhole() throws {
        try TestFiles.withTemporaryFolder { folder in
            let files = try SyntheticPairFiles(folder: folder, rows: 2, dimension: 3, seed: 5)
            let objective = BradleyTerryObjective(l2Penalty: 0.1)
            let w = [0.2, -0.1, 0.3]
            let whole = LinearHeadDesign(FeaturePairsView(files.pairs), includesSums: false)
            var none: [Double]? = nil
            let expected = whole.dataTerms(at: w, objective: objective, scale: 0.5, gradient: &none)
            var total = 0.0
            for rank in 0..<3 {
                let rows = (rank * 2 / 3)..<((rank + 1) * 2 / 3)
                let shard = try MappedFeaturePairs<Double>.open(chosen: files.chosen, rejected: files.rejected, margins: files.margins, rows: rows)
                total += StreamedLinearHeadDesign(shard, includesSums: false).dataTerms(at: w, objective: objective, scale: 0.5, gradient: &none)
            }
            #expect(Tolerance.isClose(total, expected, rtol: 1e-14))
        }
    }
}

@Suite("sharded minibatch training")
struct BatchShardingTests {
    @Test("one shard holding every row with the identity reduction trains exactly as the plain trainer (Double)")
    func oneShardIsThePlainTrainer() throws {
        try TestFiles.withTemporaryFolder { folder in
            let files = try SyntheticPairFiles(folder: folder, rows: 230, dimension: 5, seed: 6)
            let trainer = PairwiseTrainer(configuration: .init(epochs: 2, batchSize: 32, seed: 3))
            var rng = SeededGenerator(seed: 1)
            let start = MLPRewardHead<Double>(inputSize: 5, hiddenSizes: [4], using: &rng)
            var plain = start, sharded = start
            var adam1 = Adam<Double>(learningRate: 0.01), adam2 = Adam<Double>(learningRate: 0.01)
            let view = FeaturePairsView(files.pairs)
            let r1 = trainer.fit(&plain, on: view, optimizer: &adam1)
            let r2 = trainer.fit(&sharded, on: view, optimizer: &adam2,
                                 sharding: BatchSharding(globalCount: 230, rows: 0..<230, reduce: { _ in }))
            #expect(plain.parameters.map(\.scalars) == sharded.parameters.map(\.scalars))
            #expect(r1.epochs.map(\.trainLoss) == r2.epochs.map(\.trainLoss))
        }
    }
}

@Suite("sharded item comparisons")
struct ShardedComparisonsTests {
    @Test("merging through the one-process communicator gives the single fit (strengths to 1e-12)")
    func singleProcessMerge() throws {
        var rng = SeededGenerator(seed: 9)
        var builder = ComparisonSet.Builder()
        for _ in 0..<600 {
            let a = Int(rng.next() % 12), b = (a + 1 + Int(rng.next() % 11)) % 12
            try builder.append(winner: "item\(a)", loser: "item\(b)", isTie: rng.nextOpenUnit() < 0.1)
        }
        let data = builder.build()
        let estimator = BradleyTerry(.init(l2Penalty: 0.01, ties: .davidson))
        let direct = try estimator.fit(data)
        let merged = ShardedComparisons.merge(data, ties: estimator.configuration.tieHandling, communicator: SingleProcessCommunicator())
        #expect(merged.items == data.items)
        #expect(merged.comparisonCount == data.count)
        let sharded = try estimator.fitModel(aggregated: merged.aggregated, items: merged.items, comparisonCount: merged.comparisonCount)
        #expect(Tolerance.maxAbsDifference(direct.strengths, sharded.strengths) <= 1e-12)
        #expect(merged.itemTotals.wins == data.itemTotals().wins)
    }
}
