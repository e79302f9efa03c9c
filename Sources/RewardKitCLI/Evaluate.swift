import ArgumentParser
import Foundation
import RewardKit

/// `rewardkit evaluate`: the metrics of any saved model — every family's `.rkmodel` and every
/// safetensors export — on feature pairs or on item comparisons.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a saved model (any family, .rkmodel or .safetensors) on feature pairs or item comparisons.",
        discussion: """
        Feature models (reward heads, gpm features, maxmin-em, pal-a, pal-b) read --chosen/--rejected \
        (.npy; --prompt for prompt-gated GPMs and PAL-B with prompts, --users for the per-user \
        mixtures); item models (bradley-terry, thurstonian, gpm items) read --comparisons, where \
        ties are left out (their count is reported) and P(winner ≻ loser) is the probability of a \
        win given a decisive outcome. The same table and report keys for every family: accuracy \
        (strict, P > ½), log-loss, Brier score, expected calibration error (10 equal-width bins over \
        both orientations of each pair), reward statistics for reward heads, accuracy per user with \
        --users and per group with --groups (header user,group; every user needs a group). A user \
        that a per-user model does not know is an error, or with --allow-unknown-users is scored by \
        the population model (EM: mixing weights; PAL: the mean user weights). Without --users, a \
        mixture scores every pair with the population model.
        """)

    @Option(help: "The model file (.rkmodel) or safetensors export written by `rewardkit fit …`, `leaderboard` or `train`.")
    var model: String
    @OptionGroup(title: "Feature pairs") var input: FeatureInputOptions
    @OptionGroup(title: "Item comparisons") var items: ComparisonInputOptions
    @Flag(help: "Print the metrics as JSON instead of the table.") var json = false
    @OptionGroup(title: "Report") var reportOptions: ReportOptions

    func validate() throws {
        try input.reject(["--test-chosen", "--test-prompt", "--test-users"], by: "evaluate (give the pairs as --chosen/--rejected)")
        guard input.hasFeatures != (items.comparisons != nil) else {
            throw ValidationError("give --chosen A.npy --rejected B.npy (feature models) or --comparisons FILE (item models)")
        }
        if input.hasFeatures { _ = try input.requiredFeatures() }
    }

    func run() throws {
        let file: ModelFile
        if url(model).pathExtension.lowercased() == "safetensors" {
            file = try ModelFile(safeTensorsExport: SafeTensorsFile.read(from: url(model)), source: model)
        } else {
            file = try ModelFile.read(from: url(model))
        }
        let loaded = try LoadedModel<Double>(modelFile: file, source: model)
        var result: Result
        switch loaded {
        case .rewardHead, .featureGPM, .maxMinEM, .palA, .palB:
            guard input.hasFeatures else {
                throw CLIError("\(model): a \(loaded.kind) model scores feature pairs: give --chosen A.npy --rejected B.npy, not --comparisons")
            }
            result = try evaluateFeatures(loaded, file: file)
        case .itemBradleyTerry, .itemGPM, .thurstonian:
            guard let comparisons = items.comparisons else {
                throw CLIError("\(model): a \(loaded.kind) model scores named items: give --comparisons FILE, not feature pairs")
            }
            result = try evaluateItems(loaded, comparisons: comparisons)
        }
        var object = result.evaluation.jsonValue.objectValue ?? [:]
        object["command"] = "evaluate"
        object["model"] = .string(model)
        object["kind"] = .string(loaded.kind)
        object["family"] = .string(result.family)
        object["evaluated_on"] = "given_data"
        object["data"] = .object(result.data.mapValues { .string($0) })
        if let byGroup = result.evaluation.byGroup { object["per_group"] = perGroupJSON(byGroup) }
        if let byUser = result.evaluation.byUser { object["per_user"] = perGroupJSON(byUser) }
        for (key, value) in result.extra { object[key] = value }
        let report = JSONValue.object(object)
        try reportOptions.write(report)
        if json {
            print(report.serialized(pretty: true))
        } else {
            print(Self.table(result, kind: loaded.kind))
        }
    }

    /// What one evaluation found.
    struct Result {
        var evaluation: PreferenceEvaluation
        var family: String
        var description: String
        var data: [String: String]
        var extra: [String: JSONValue] = [:]
    }

    /// The metrics table every family shares.
    static func table(_ result: Result, kind: String) -> String {
        let e = result.evaluation
        var lines = ["\(kind): \(result.description)"]
        lines.append(String(format: "  accuracy       %.4f", e.accuracy))
        lines.append(String(format: "  log-loss       %.4f", e.logLoss))
        lines.append(String(format: "  Brier score    %.4f", e.brierScore))
        lines.append(String(format: "  ECE (10 bins)  %.4f", e.expectedCalibrationError))
        if let r = e.rewards {
            lines.append(String(format: "  rewards        min %.4f  mean %.4f  max %.4f  mean margin %.4f", r.minimum, r.mean, r.maximum, r.meanMargin))
        }
        if let unknown = result.extra["unknown_user_pairs"]?.doubleValue, unknown > 0 {
            lines.append("  \(Int(unknown)) pairs by users the model does not know (scored by the population model)")
        }
        if let byUser = e.byUser {
            lines.append(String(format: "  users          %d, mean per-user accuracy %.4f", byUser.groups.count, byUser.meanAccuracy))
            if let worst = byUser.worst {
                lines.append("  worst user     \(worst.name) " + String(format: "(%.4f over %d pairs)", worst.accuracy, worst.count))
            }
        }
        if let byGroup = e.byGroup {
            for g in byGroup.groups {
                lines.append("  group \(g.name.padding(toLength: max(8, g.name.count), withPad: " ", startingAt: 0)) "
                             + String(format: "accuracy %.4f over %d pairs", g.accuracy, g.count))
            }
            if let worst = byGroup.worst { lines.append("  worst group    \(worst.name)") }
        }
        return lines.joined(separator: "\n")
    }

    // MARK: Feature models

    func evaluateFeatures(_ loaded: LoadedModel<Double>, file: ModelFile) throws -> Result {
        let (chosen, rejected) = try input.requiredFeatures()
        // The users the model knows (per-user mixtures), so that users.csv maps onto the model's numbering.
        var known = UserTable()
        var perUser = false
        switch loaded {
        case .maxMinEM(let m):
            known = m.users
            perUser = true
        case .palA, .palB:
            perUser = true
            guard let names = file.metadata["users"]?.arrayValue?.compactMap(\.stringValue) else {
                throw CLIError("\(model): the \(loaded.kind) model file names no users, so \(input.users ?? "users.csv") cannot be mapped onto its users "
                               + "(write it with `rewardkit fit mixture --model-out`)")
            }
            known = UserTable(names: names)
        default: break
        }
        if perUser, case .palA = loaded, input.users == nil { throw ValidationError("a pal-a model needs --users users.csv") }
        if perUser, case .palB = loaded, input.users == nil { throw ValidationError("a pal-b model needs --users users.csv") }
        let pairs = try FeaturePairs<Double>.load(chosen: url(chosen), rejected: url(rejected), prompts: input.prompt.map(url),
                                                  users: input.users.map(url), knownUsers: known)
        try pairs.checkMagnitude(sources: input.trainSources)
        let sources = input.trainSources
        if perUser, !input.allowUnknownUsers, let users = input.users {
            try UnknownUsers.check(pairs, known: known, usersFile: users, knownSource: model)
        }
        let groups = try input.loadGroups()
        try input.checkGroups(groups, cover: pairs.users)
        let grouping = try PairGrouping(pairs: pairs, groups: groups, groupsSource: input.groups ?? "groups.csv")
        var data = ["chosen": chosen, "rejected": rejected]
        if let users = input.users { data["users"] = users }
        if let prompt = input.prompt { data["prompt"] = prompt }
        var extra: [String: JSONValue] = [:]
        if perUser, let ids = pairs.userIDs { extra["unknown_user_pairs"] = .number(Double(ids.filter { $0 >= known.count }.count)) }
        func dimensionCheck(_ expected: Int) throws {
            guard pairs.dimension == expected else {
                throw CLIError("\(chosen): features have dimension \(pairs.dimension), the model expects \(expected)")
            }
        }
        func checked(probabilities: [Double]) throws -> PreferenceEvaluation {
            do throws(PreferenceEvaluationError) {
                return try PreferenceEvaluation.checked(probabilities: probabilities, grouping: grouping)
            } catch { throw HeadTraining.evaluationFailure(error, sources: sources) }
        }
        let what = "\(pairs.count) pairs × \(pairs.dimension) features of \(chosen)"
        /// PAL-A and PAL-B: unknown users get the population weights, then the pairs' probabilities.
        func evaluatePAL<M: PluralisticPreferenceModel>(_ model: M, inputSize: Int, family: String) throws -> Result
            where M.Scalar == Double {
            try dimensionCheck(inputSize)
            var model = model
            MixtureFit.addPopulationUsers(&model, to: pairs.users.count)
            let p = PairwiseTrainer.preferenceLogits(model, on: FeaturePairsView(pairs)).map { Double.sigmoid($0) }
            return Result(evaluation: try checked(probabilities: p), family: family,
                          description: "\(family.uppercased()), K = \(model.prototypeCount), \(what)", data: data, extra: extra)
        }
        switch loaded {
        case .rewardHead(let head):
            try dimensionCheck(head.dimension)
            let evaluation = try HeadTraining.evaluate(head, on: pairs, groups: groups, groupsSource: input.groups ?? "groups.csv",
                                                       sources: sources)
            return Result(evaluation: evaluation, family: head.family, description: "\(head.family) reward head, \(what)", data: data, extra: extra)
        case .featureGPM(let gpm):
            try dimensionCheck(gpm.featureCount)
            let gated = gpm.configuration.eigenvalues == .promptGated
            if gated && pairs.prompts == nil { throw ValidationError("a prompt-gated GPM needs --prompt P.npy") }
            let scores = gpm.scores(chosen: pairs.chosen, rejected: pairs.rejected, prompts: gated ? pairs.prompts : nil)
                .map { $0 / gpm.configuration.temperature }
            let evaluation: PreferenceEvaluation
            do throws(PreferenceEvaluationError) {
                evaluation = try PreferenceEvaluation.checked(scores: scores, grouping: grouping)
            } catch { throw HeadTraining.evaluationFailure(error, sources: sources) }
            return Result(evaluation: evaluation, family: "gpm", description: "feature GPM, \(what)", data: data, extra: extra)
        case .maxMinEM(let em):
            try dimensionCheck(em.components.first?.inputSize ?? pairs.dimension)
            // Without users every pair uses the mixing weights (index −1 is outside the users).
            let ids = pairs.userIDs ?? [Int](repeating: -1, count: pairs.count)
            let p = em.preferenceProbabilities(chosen: pairs.chosen, rejected: pairs.rejected, users: ids)
            if pairs.userIDs == nil { extra["users"] = "none: population model (mixing weights)" }
            return Result(evaluation: try checked(probabilities: p), family: "maxmin-em",
                          description: "MaxMin-EM mixture of \(em.componentCount) heads, \(what)", data: data, extra: extra)
        case .palA(let pal): return try evaluatePAL(pal, inputSize: pal.projector.inputSize, family: "pal-a")
        case .palB(let pal): return try evaluatePAL(pal, inputSize: pal.projector.inputSize, family: "pal-b")
        case .itemBradleyTerry, .itemGPM, .thurstonian:
            fatalError("item models are evaluated by evaluateItems")
        }
    }

    // MARK: Item models

    func evaluateItems(_ loaded: LoadedModel<Double>, comparisons: String) throws -> Result {
        let data = try ComparisonSet.load(contentsOf: url(comparisons))
        let modelItems: [String]
        let probability: (Int, Int) -> Double
        let family: String
        switch loaded {
        case .itemBradleyTerry(let bt):
            modelItems = bt.items
            family = "bradley-terry"
            probability = { i, j in
                let o = bt.outcomeProbabilities(i, j)
                return o.tie < 1 ? o.win / (1 - o.tie) : 0.5
            }
        case .itemGPM(let gpm):
            modelItems = gpm.items
            family = "gpm-items"
            probability = { gpm.probability(preferring: $0, over: $1) }
        case .thurstonian(let t):
            modelItems = t.items
            family = "thurstonian"
            probability = { t.probability(preferring: $0, over: $1) }
        default:
            fatalError("feature models are evaluated by evaluateFeatures")
        }
        let index = Dictionary(uniqueKeysWithValues: modelItems.enumerated().map { ($1, $0) })
        var p = [Double]()
        var ties = 0
        for k in 0..<data.count {
            if data.ties[k] { ties += 1; continue }
            let winner = data.items[data.winners[k]], loser = data.items[data.losers[k]]
            guard let i = index[winner], let j = index[loser] else {
                let missing = index[winner] == nil ? winner : loser
                throw DataError(file: comparisons, reason: .invalidValue(
                    "comparison \(k + 1): item '\(missing)' is not among the \(modelItems.count) items of \(model)"))
            }
            p.append(probability(i, j))
        }
        guard !p.isEmpty else { throw DataError(file: comparisons, reason: .invalidValue("no decisive comparisons to evaluate (\(ties) ties)")) }
        let evaluation: PreferenceEvaluation
        do throws(PreferenceEvaluationError) {
            evaluation = try PreferenceEvaluation.checked(probabilities: p)
        } catch {
            throw DataError(file: comparisons, reason: .invalidValue("\(error)"))
        }
        return Result(evaluation: evaluation, family: family,
                      description: "\(modelItems.count) items, \(p.count) decisive comparisons of \(comparisons) (\(ties) ties left out)",
                      data: ["comparisons": comparisons], extra: ["ties_left_out": .number(Double(ties))])
    }
}
