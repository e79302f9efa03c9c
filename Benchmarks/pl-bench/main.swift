// pl-bench: RewardKit's Plackett–Luce fit on the rankings file the Python peer reads, and a
// large-scale fit (1M rankings of 10 over 10,000 items, generated in-process).
//
//   pl-bench fit DATA/rankings.csv [--reference choix_mm.txt] [--repeats 5]
//   pl-bench large [ITEMS] [RANKINGS] [LENGTH]
//
// Prints one JSON line: wall times (load, fit median), iterations, log-likelihood, max |gradient|,
// max |Δθ| against a reference strengths file (one value per line, item0, item1, …).
import Foundation
import RewardKit

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    try body()
    return (clock.now - start).inSeconds
}

func emit(_ object: [String: JSONValue]) { print(JSONValue.object(object).serialized(pretty: false)) }

let arguments = Array(CommandLine.arguments.dropFirst())
guard let mode = arguments.first else {
    print("usage: pl-bench fit FILE [--reference FILE] [--repeats N] | pl-bench large [ITEMS] [RANKINGS] [LENGTH]")
    exit(64)
}
func option(_ name: String) -> String? {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
    return arguments[i + 1]
}

do {
    if mode == "fit" {
        let path = arguments[1]
        var rankings: RankingSet? = nil
        let loadSeconds = try seconds { rankings = try RankingSet.load(contentsOf: URL(fileURLWithPath: path)) }
        guard let data = rankings else { exit(1) }
        let repeats = Int(option("--repeats") ?? "5") ?? 5
        var times: [Double] = []
        var model: PlackettLuceModel? = nil
        for _ in 0..<repeats { times.append(try seconds { model = try PlackettLuce().fit(data) }) }
        guard let fitted = model else { exit(1) }
        var mm: PlackettLuceModel? = nil
        let mmSeconds = try seconds { mm = try PlackettLuce(.init(solver: .minorizationMaximization)).fit(data) }
        var out: [String: JSONValue] = [
            "method": "rewardkit_plackett_luce", "load_s": .number(loadSeconds),
            "wall_s": .number(times.sorted()[times.count / 2]), "wall_s_all": .array(times.map { .number($0) }),
            "iters": .number(Double(fitted.report.iterations)), "solver": .string(fitted.report.solver.rawValue),
            "loglik": .number(fitted.report.logLikelihood), "max_abs_grad": .number(fitted.report.maxAbsGradient),
            "items": .number(Double(data.itemCount)), "rankings": .number(Double(data.count)),
            "mm_wall_s": .number(mmSeconds), "mm_iters": .number(Double(mm?.report.iterations ?? 0)),
            "mm_loglik": .number(mm?.report.logLikelihood ?? .nan),
        ]
        if let reference = option("--reference") {
            let values = try String(contentsOfFile: reference, encoding: .utf8).split(whereSeparator: \.isNewline).compactMap { Double($0) }
            var worst = 0.0
            for (i, value) in values.enumerated() {
                if let s = fitted.strength(of: "item\(i)") { worst = max(worst, abs(s - value)) }
            }
            out["max_abs_diff_vs_reference"] = .number(worst)
        }
        emit(out)
    } else if mode == "large" {
        let items = Int(arguments.count > 1 ? arguments[1] : "10000") ?? 10_000
        let count = Int(arguments.count > 2 ? arguments[2] : "1000000") ?? 1_000_000
        let length = Int(arguments.count > 3 ? arguments[3] : "10") ?? 10
        var rng = SeededGenerator(seed: 16)
        var theta = SyntheticComparisons.strengths(count: items, using: &rng)
        let mean = theta.reduce(0, +) / Double(items)
        theta = theta.map { $0 - mean }
        var data: RankingSet? = nil
        let generateSeconds = seconds { data = SyntheticRankings.rankings(strengths: theta, count: count, length: length...length, using: &rng) }
        guard let rankings = data else { exit(1) }
        var model: PlackettLuceModel? = nil
        let fitSeconds = try seconds { model = try PlackettLuce(.init(l2Penalty: 1e-4)).fit(rankings) }
        guard let fitted = model else { exit(1) }
        var squared = 0.0
        for i in 0..<items { squared += (fitted.strengths[i] - theta[i]) * (fitted.strengths[i] - theta[i]) }
        emit(["method": "rewardkit_plackett_luce_large", "items": .number(Double(items)), "rankings": .number(Double(count)),
              "length": .number(Double(length)), "generate_s": .number(generateSeconds), "fit_s": .number(fitSeconds),
              "solver": .string(fitted.report.solver.rawValue), "iters": .number(Double(fitted.report.iterations)),
              "inner_iters": .number(Double(fitted.report.innerIterations)), "converged": .bool(fitted.report.converged),
              "max_abs_grad": .number(fitted.report.maxAbsGradient), "loglik": .number(fitted.report.logLikelihood),
              "rmse_vs_truth": .number((squared / Double(items)).squareRoot())])
    } else {
        print("unknown mode \(mode)")
        exit(64)
    }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
