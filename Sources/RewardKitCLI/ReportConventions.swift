import Foundation
import RewardKit

// The report conventions of Docs/CLI.md: snake_case keys, enums as lowercase snake_case strings,
// per-group results as `[{"group": name, "pairs": n, "accuracy": a}]`, `evaluated_on` explicit.

/// `value` with every object key in snake_case; when `keepingOriginal`, the original camelCase
/// keys of the top-level object stay alongside, with their original values (deprecated spellings
/// of earlier reports).
func snakeCaseKeys(_ value: JSONValue, keepingOriginal: Bool) -> JSONValue {
    if let object = value.objectValue {
        var out = [String: JSONValue]()
        for (key, entry) in object {
            out[snakeCase(key)] = snakeCaseKeys(entry, keepingOriginal: false)
            if keepingOriginal && snakeCase(key) != key { out[key] = entry }
        }
        return .object(out)
    }
    if let array = value.arrayValue { return .array(array.map { snakeCaseKeys($0, keepingOriginal: false) }) }
    return value
}

/// Per-group (or per-user, per-component) results in the one shape of every report.
func perGroupJSON(_ grouped: GroupedAccuracy) -> JSONValue {
    .array(grouped.groups.map { ["group": .string($0.name), "pairs": .number(Double($0.count)), "accuracy": .number($0.accuracy)] })
}

/// The same shape from correctness flags and a label per pair.
func perGroupJSON(correct: [Bool], labels: [Int], names: [String]) -> JSONValue {
    perGroupJSON(GroupedAccuracy(correct: correct, labelOfPair: labels, names: names))
}

// MARK: Honest intervals

/// What the table and the report say about intervals: level, method, replicates, failures, and
/// which items' intervals came from degenerate replicates.
struct IntervalSummary {
    var intervals: StrengthIntervals
    var items: [String]

    var failed: Int {
        if case .bootstrap(_, let failed, _) = intervals.method { return failed }
        return 0
    }
    var samples: Int? {
        if case .bootstrap(let samples, _, _) = intervals.method { return samples }
        return nil
    }

    /// Why item `i`'s interval is not to be trusted, or nil: it was left out of some replicates
    /// (absent, never won, unbeaten there), or the interval has zero width.
    func flag(_ i: Int) -> String? {
        var reasons = [String]()
        if let usage = intervals.replicates?[i], usage.marked > 0 {
            var parts = [String]()
            if usage.absent > 0 { parts.append("absent in \(usage.absent)") }
            if usage.neverWon > 0 { parts.append("never won in \(usage.neverWon)") }
            if usage.unbeaten > 0 { parts.append("unbeaten in \(usage.unbeaten)") }
            reasons.append("left out of \(usage.marked) of \(samples ?? usage.used + usage.marked) replicates (" + parts.joined(separator: ", ") + ")")
        }
        if let range = intervals.interval(i), range.upperBound - range.lowerBound <= 1e-12 * max(1, abs(range.lowerBound)) {
            reasons.append("zero-width interval")
        }
        if intervals.interval(i) == nil { reasons.append("no interval") }
        return reasons.isEmpty ? nil : reasons.joined(separator: "; ")
    }

    /// One line above the table: "intervals: 95% bootstrap percentile, 200 replicates, 3 failed".
    var headline: String {
        var text = "intervals: \(formatLevel(intervals.level)) \(intervals.method.name)"
        if let samples { text += ", \(samples) replicates, \(failed) failed" + (failed > 0 ? " (could not be fitted; left out)" : "") }
        return text
    }

    /// The table with a `!` after each flagged row and a footnote listing why.
    func annotate(table: String, rankedItems: [String]) -> String {
        let index = Dictionary(uniqueKeysWithValues: items.enumerated().map { ($1, $0) })
        var lines = table.components(separatedBy: "\n")
        var notes = [String]()
        for (row, item) in rankedItems.enumerated() where row + 1 < lines.count {
            guard let i = index[item], let why = flag(i) else { continue }
            lines[row + 1] += "  !"
            notes.append("  \(item): \(why)")
        }
        var text = headline + "\n" + lines.joined(separator: "\n")
        if !notes.isEmpty {
            text += "\n! interval from degenerate replicates, not to be read as certain:\n" + notes.joined(separator: "\n")
        }
        if failed > 0 { text += "\n\(failed) of \(samples ?? 0) bootstrap replicates failed and are not in any interval" }
        return text
    }

    /// Report entries: `interval_level`, `interval_method`, `bootstrap_replicates`,
    /// `failed_replicates`, `flagged_intervals` ([{item, reason}]).
    var json: [String: JSONValue] {
        var out: [String: JSONValue] = ["interval_level": .number(intervals.level), "interval_method": .string(snakeCase(intervals.method.name))]
        if let samples {
            out["bootstrap_replicates"] = .number(Double(samples))
            out["failed_replicates"] = .number(Double(failed))
        }
        out["flagged_intervals"] = .array(items.indices.compactMap { i in
            flag(i).map { ["item": .string(items[i]), "reason": .string($0)] }
        })
        return out
    }

    /// "(95% bootstrap percentile intervals, 200 replicates, 3 failed)" for chart titles.
    var chartNote: String {
        var text = "\(formatLevel(intervals.level)) \(intervals.method.name) intervals"
        if let samples { text += ", \(samples) replicates, \(failed) failed" }
        let flagged = items.indices.filter { flag($0) != nil }.count
        if flagged > 0 { text += ", \(flagged) flagged" }
        return text
    }
}

func formatLevel(_ level: Double) -> String {
    let percent = level * 100
    return percent == percent.rounded() ? "\(Int(percent))%" : String(format: "%.1f%%", percent)
}
