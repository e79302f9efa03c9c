import Foundation
import RewardKit
import Testing
import TestSupport

/// An in-process stand-in for an all-reduce over `size` threads: each caller adds its buffer and
/// waits until all have, then every caller receives the sum (in a fixed order, so every thread
/// gets the same bits).
final class ThreadAllReduce: @unchecked Sendable {
    private let condition = NSCondition()
    private let size: Int
    private var contributions: [Int: [Double]] = [:]
    private var result: [Double]?
    private var collected = 0

    init(size: Int) { self.size = size }

    func reduce(rank: Int, _ values: inout [Double]) {
        condition.lock()
        defer { condition.unlock() }
        contributions[rank] = values
        if contributions.count == size {
            var sum = [Double](repeating: 0, count: values.count)
            for r in 0..<size { for j in sum.indices { sum[j] += contributions[r]![j] } }
            result = sum
            condition.broadcast()
        }
        while result == nil { condition.wait() }
        values = result!
        collected += 1
        if collected == size { contributions = [:]; result = nil; collected = 0 }
    }
}

@Suite("bootstrap replicates spread over processes")
struct ReplicateSpreadingTests {
    @Test("two processes (threads with an all-reduce) each fitting half of the replicates give the one-process intervals exactly")
    func spreadMatchesOneProcess() throws {
        var rng = SeededGenerator(seed: 21)
        var builder = ComparisonSet.Builder()
        for _ in 0..<400 {
            let a = Int(rng.next() % 8), b = (a + 1 + Int(rng.next() % 7)) % 8
            try builder.append(winner: "i\(a)", loser: "i\(b)", isTie: rng.nextOpenUnit() < 0.1)
        }
        let data = builder.build()
        let estimator = BradleyTerry(.init(l2Penalty: 0.01, ties: .davidson))
        let model = try estimator.fit(data)
        let single = try estimator.bootstrapIntervals(data, model: model, samples: 25, seed: 5)
        let reducer = ThreadAllReduce(size: 2)
        let results = UnsafeMutableBufferPointer<StrengthIntervals?>.allocate(capacity: 2)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        let address = Int(bitPattern: results.baseAddress!)
        DispatchQueue.concurrentPerform(iterations: 2) { rank in
            let spreading = ReplicateSpreading(rank: rank, size: 2, reduce: { reducer.reduce(rank: rank, &$0) })
            let out = try? estimator.bootstrapIntervals(data, model: model, samples: 25, seed: 5, threads: 1, spreading: spreading)
            UnsafeMutablePointer<StrengthIntervals?>(bitPattern: address)![rank] = out
        }
        for rank in 0..<2 {
            let spread = try #require(results[rank])
            #expect(spread.lower == single.lower && spread.upper == single.upper, "rank \(rank)")
            #expect(spread.standardErrors == single.standardErrors)
            #expect(spread.tieInterval == single.tieInterval)
        }
    }
}
