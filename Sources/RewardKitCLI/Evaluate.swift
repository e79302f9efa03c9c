import ArgumentParser
import Foundation
import RewardKit

/// `rewardkit evaluate`: the metrics of a saved reward head on feature pairs.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a saved reward model on chosen/rejected feature pairs.",
        discussion: """
        Prints accuracy (strict r_c > r_r), log-loss, Brier score, expected calibration error (10
        equal-width bins over both orientations of each pair) and reward statistics; with --users,
        accuracy per user, and with --groups (header user,group) per group, naming the worst group.
        """)

    @Option(help: "The model file written by `rewardkit fit reward-head --output` or `rewardkit train`.") var model: String
    @Option(help: "Chosen responses' features (.npy).") var chosen: String
    @Option(help: "Rejected responses' features (.npy).") var rejected: String
    @Option(help: "users.csv with header `user`, one row per pair.") var users: String?
    @Option(help: "groups.csv with header `user,group`.") var groups: String?
    @Flag(help: "Print the metrics as JSON.") var json = false

    func run() throws {
        let url = { (path: String) in URL(fileURLWithPath: path) }
        let head = try RewardHead<Double>.load(from: url(model))
        let pairs = try FeaturePairs<Double>.load(chosen: url(chosen), rejected: url(rejected), users: users.map(url))
        let sources = FeaturePairSources(chosen: chosen, rejected: rejected, users: users ?? "users")
        guard pairs.dimension == head.dimension else {
            throw CLIError("\(chosen): features have dimension \(pairs.dimension), the model expects \(head.dimension)")
        }
        guard groups == nil || users != nil else { throw ValidationError("--groups needs --users") }
        let userGroups = try groups.map { (path: String) throws -> UserGroups in try UserGroups.load(url(path)) }
        // Surface a user missing from groups.csv as an error rather than dropping the grouping.
        if let userGroups, let groups { _ = try PairGrouping(pairs: pairs, groups: userGroups, groupsSource: groups) }
        let evaluation = try HeadTraining.evaluate(head, on: pairs, groups: userGroups, groupsSource: groups ?? "groups.csv",
                                                   sources: sources)
        if json {
            var object = evaluation.jsonValue.objectValue ?? [:]
            object["model"] = .string(model)
            object["family"] = .string(head.family)
            print(JSONValue.object(object).serialized(pretty: true))
            return
        }
        print("\(head.family) reward head, \(pairs.count) pairs × \(pairs.dimension) features")
        print(String(format: "  accuracy       %.4f", evaluation.accuracy))
        print(String(format: "  log-loss       %.4f", evaluation.logLoss))
        print(String(format: "  Brier score    %.4f", evaluation.brierScore))
        print(String(format: "  ECE (10 bins)  %.4f", evaluation.expectedCalibrationError))
        if let r = evaluation.rewards {
            print(String(format: "  rewards        min %.4f  mean %.4f  max %.4f  mean margin %.4f", r.minimum, r.mean, r.maximum, r.meanMargin))
        }
        if let byUser = evaluation.byUser {
            print(String(format: "  users          %d, mean per-user accuracy %.4f", byUser.groups.count, byUser.meanAccuracy))
            if let worst = byUser.worst {
                print("  worst user     \(worst.name) " + String(format: "(%.4f over %d pairs)", worst.accuracy, worst.count))
            }
        }
        if let byGroup = evaluation.byGroup {
            for g in byGroup.groups {
                print("  group \(g.name.padding(toLength: max(8, g.name.count), withPad: " ", startingAt: 0)) " +
                      String(format: "accuracy %.4f over %d pairs", g.accuracy, g.count))
            }
            if let worst = byGroup.worst { print("  worst group    \(worst.name)") }
        }
    }
}
