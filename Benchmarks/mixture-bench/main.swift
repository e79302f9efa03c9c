// W5 of ../shared/BENCHMARKS.md: MaxMin-RLHF EM (K = 3, k-means++ start) on 200 users in three
// groups. Prints one JSON line per method in the shape of bench/peers.py. Run in release:
//
//   swift run -c release mixture-bench [/tmp/prefbench] [swift_em_k3 swift_em_k3_hard …]
//
// Methods: swift_em_k3 (soft EM as the peer em_mixture_k3), swift_em_k3_hard (the paper's hard
// assignment). `wall_s` is the whole fit (including forming chosen − rejected), after loading.
import Foundation
import RewardKit

func peakResidentMegabytes() -> Double? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
        return kb / 1024
    }
    return nil
}

func residentMegabytes() -> Double? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return (line.split(separator: " ").compactMap { Double($0) }.first ?? 0) / 1024
    }
    return nil
}

/// Resets the peak resident set (VmHWM) to the current one, as peers.py does; false if not allowed.
func resetPeakResident() -> Bool {
    guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
    defer { try? handle.close() }
    return (try? handle.write(contentsOf: Data("5".utf8))) != nil
}

func json(_ object: [String: Any]) -> String {
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    return String(decoding: data, as: UTF8.self)
}

let arguments = CommandLine.arguments.dropFirst()
let root = URL(fileURLWithPath: arguments.first ?? "/tmp/prefbench").appendingPathComponent("w5")
let methods = arguments.count > 1 ? Array(arguments.dropFirst()) : ["swift_em_k3", "swift_em_k3_hard"]

do {
    // Features stay float32 (as the peer's C and R); the fit works on float64 differences.
    let train = try FeaturePairs<Float>.load(
        chosen: root.appendingPathComponent("chosen.npy"), rejected: root.appendingPathComponent("rejected.npy"),
        users: root.appendingPathComponent("users.csv"))
    let test = try FeaturePairs<Float>.load(
        chosen: root.appendingPathComponent("test_chosen.npy"), rejected: root.appendingPathComponent("test_rejected.npy"),
        users: root.appendingPathComponent("test_users.csv"), knownUsers: train.users)
    let groups = try UserGroups.load(root.appendingPathComponent("groups.csv"))
    let groupOfUser = try groups.groupIndices(for: test.users)
    let meta = try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("meta.json"))) as? [String: Any]
    let oracle = (meta?["test_oracle"] as? [String: Any])?["per_group_oracle_acc_empirical"] ?? NSNull()

    for method in methods {
        let assignment: BradleyTerryMixture<Double>.Assignment = method.hasSuffix("_hard") ? .hard : .soft
        let em = BradleyTerryMixture<Double>(componentCount: 3, assignment: assignment,
                                             initialization: .kMeansPlusPlus(runs: 10), l2Penalty: 1e-4, seed: 0)
        let rssBefore = residentMegabytes()
        let peakReset = resetPeakResident()
        let clock = ContinuousClock()
        let start = clock.now
        let model = try em.fit(convertingFrom: train)
        let elapsed = clock.now - start
        let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let peakFit = peakResidentMegabytes()

        let testDouble = try test.converted(to: Double.self)
        let p = model.preferenceProbabilities(chosen: testDouble.chosen, rejected: testDouble.rejected, users: test.userIDs!)
        let correct = p.map { $0 > 0.5 }
        let pairGroups = test.userIDs!.map { groupOfUser[$0] }
        let grouped = GroupedAccuracy(correct: correct, labelOfPair: pairGroups, names: groups.groupNames)
        let trainDouble = try train.converted(to: Double.self)
        let trainP = model.preferenceProbabilities(chosen: trainDouble.chosen, rejected: trainDouble.rejected, users: train.userIDs!)
        let trainLoss = trainP.reduce(0) { $0 - log($1) } / Double(trainP.count)
        let trainGroups = try groups.groupIndices(for: train.users)
        let record: [String: Any] = [
            "workload": "w5", "method": method, "wall_s": wall, "threads": BLASRuntime.threadCount,
            "train_loss": trainLoss,
            "test_acc": Double(correct.filter { $0 }.count) / Double(correct.count),
            "test_acc_per_group": grouped.groups.map(\.accuracy),
            "worst_group_test_acc": grouped.worst?.accuracy ?? .nan,
            "oracle_test_acc_per_group": oracle,
            "user_cluster_ARI": ClusteringAgreement.adjustedRandIndex(model.assignments, trainGroups),
            "purity": ClusteringAgreement.purity(predicted: model.assignments, truth: trainGroups),
            "mixing_weights": model.mixingWeights.sorted(by: >),
            "em_iters": model.iterations,
            "mstep_solver_iters": model.mStepIterations,
            "marginal_loglik": model.logLikelihoodTrace.last ?? .nan,
            "assignment": assignment.rawValue,
            "init": "k-means++ (10 runs) on per-user normalized mean(chosen - rejected), one-hot start",
            "mstep": "damped Newton (Cholesky) per component on its users' pairs, warm start, L2 lam=1e-4",
            "rss_before_fit_mb": rssBefore ?? NSNull(),
            "peak_rss_fit_mb": peakFit ?? NSNull(),
            "rss_peak_reset": peakReset,
            "peak_rss_mb": peakResidentMegabytes() ?? NSNull(),
        ]
        print(json(record))
    }
} catch {
    FileHandle.standardError.write(Data("mixture-bench: \(error)\n".utf8))
    exit(1)
}
