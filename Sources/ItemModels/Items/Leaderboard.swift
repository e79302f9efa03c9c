import Foundation
import FileFormats
import NumericCore
import PreferenceData
import RewardKitInternals

/// A ranked table of items: strength and rating, interval, record, and the pairwise win
/// probabilities of the top items — for every item model with strengths (plain, with ties, with
/// contest covariates).
///
/// Ratings are the strengths mapped by a ``RatingConversion`` (the identity by default; an Elo
/// scale with an optional anchor for arena leaderboards). Interval ends are mapped by the same
/// affine map, so an interval on the rating scale is the strength interval mapped.
public struct Leaderboard: Sendable {
    /// One row.
    public struct Entry: Sendable, Equatable {
        /// 1-based rank by strength.
        public var rank: Int
        /// The item's name.
        public var item: String
        /// Centered strength θ.
        public var strength: Double
        /// θ on the rating scale.
        public var rating: Double
        /// Standard error of θ (strength scale).
        public var standardError: Double?
        /// Interval ends of θ (strength scale).
        public var lower: Double?
        /// The upper interval end of θ (strength scale).
        public var upper: Double?
        /// Weighted decisive wins, losses and ties in the data.
        public var wins: Double
        /// Weighted decisive losses in the data.
        public var losses: Double
        /// Weighted ties in the data.
        public var ties: Double
        /// Bootstrap replicates that gave the item a value (nil for Hessian intervals or none).
        public var replicatesUsed: Int?

        /// Weighted comparisons of the item (wins + losses + ties).
        public var battles: Double { wins + losses + ties }
        /// The interval ends on the rating scale.
        public func ratingInterval(_ conversion: RatingConversion) -> ClosedRange<Double>? {
            guard let lower, let upper else { return nil }
            return conversion.rating(lower)...conversion.rating(upper)
        }
    }

    /// Rows, strongest first.
    public let entries: [Entry]
    /// The names of the top items, in rank order (the rows and columns of ``winProbabilities``).
    public let topItems: [String]
    /// `winProbabilities[a, b]` = P(topItems[a] beats topItems[b]) under the model at zero covariates
    /// (a tie is not a win; the diagonal is the model's value at equal strengths).
    public let winProbabilities: Tensor<Double>
    /// `expectedScores[a, b]` = P(a beats b) + ½·P(tie) among the top items.
    public let expectedScores: Tensor<Double>
    /// The map from strengths to displayed ratings.
    public let conversion: RatingConversion
    /// The intervals' confidence level, when intervals were given.
    public let level: Double?
    /// How the intervals were made: "hessian", "bootstrap percentile", "bootstrap basic" or "none".
    public let intervalMethod: String

    /// Builds the leaderboard of `model` with the records of `comparisons` and optional intervals.
    public init(model: BradleyTerryModel, comparisons: ComparisonSet, intervals: StrengthIntervals? = nil,
                conversion: RatingConversion = RatingConversion(scale: .logit), topCount: Int = 10) {
        precondition(model.items == comparisons.items, "leaderboard: the model was fitted to other items")
        self.init(model: model, itemTotals: comparisons.itemTotals(), intervals: intervals, conversion: conversion, topCount: topCount)
    }

    /// Builds the leaderboard from per-item weighted totals (``ComparisonSet/itemTotals()``, indexed
    /// like `model.items`) instead of the records, for data that is not in one process (sharded fits).
    public init(model: BradleyTerryModel, itemTotals totals: (wins: [Double], losses: [Double], ties: [Double]),
                intervals: StrengthIntervals? = nil, conversion: RatingConversion = RatingConversion(scale: .logit),
                topCount: Int = 10) {
        precondition(totals.wins.count == model.items.count && totals.losses.count == model.items.count
                     && totals.ties.count == model.items.count, "leaderboard: \(totals.wins.count) item totals for \(model.items.count) items")
        let order = model.ranking
        entries = order.enumerated().map { rank, i in
            Entry(rank: rank + 1, item: model.items[i], strength: model.strengths[i],
                  rating: conversion.rating(model.strengths[i]), standardError: intervals?.standardErrors[i] ?? nil,
                  lower: intervals?.lower[i] ?? nil, upper: intervals?.upper[i] ?? nil,
                  wins: totals.wins[i], losses: totals.losses[i], ties: totals.ties[i],
                  replicatesUsed: intervals?.replicates?[i].used)
        }
        let top = Array(order.prefix(max(0, topCount)))
        topItems = top.map { model.items[$0] }
        var matrix = Tensor<Double>.zeros(shape: [top.count, top.count])
        for (a, i) in top.enumerated() {
            for (b, j) in top.enumerated() { matrix[a, b] = model.outcomeProbabilities(i, j).win }
        }
        winProbabilities = matrix
        expectedScores = model.expectedScores(top)
        self.conversion = conversion
        level = intervals?.level
        intervalMethod = intervals?.method.name ?? "none"
    }

    /// Whether ratings differ from strengths (a scale other than the plain logit).
    public var showsRatings: Bool { conversion != RatingConversion(scale: .logit) }

    /// A plain-text table: rank, item, strength (or rating), interval, wins, losses, ties.
    public func formattedTable() -> String {
        let width = max(4, entries.map(\.item.count).max() ?? 4)
        let digits = conversion.factor > 10 ? 1 : 3
        func number(_ x: Double, _ digits: Int) -> String {
            let text = String(format: "%.\(digits)f", x)
            return text.hasPrefix("-") && text.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) ? String(text.dropFirst()) : text
        }
        func count(_ x: Double) -> String {
            if x == x.rounded() && abs(x) < 1e7 { return String(Int(x)) }
            return abs(x) < 1e7 ? number(x, 1) : String(format: "%.3g", x)
        }
        let hasIntervals = intervalMethod != "none"
        let valueName = showsRatings ? "rating" : "strength"
        var header = "rank".padded(to: 4, alignment: .right) + "  " + "item".padded(to: width, alignment: .left) + "  " + valueName.padded(to: 9, alignment: .right)
        if hasIntervals { header += "  " + "interval".padded(to: 21, alignment: .left) }
        header += "  " + "wins".padded(to: 7, alignment: .right) + "  " + "losses".padded(to: 7, alignment: .right) + "  " + "ties".padded(to: 6, alignment: .right)
        var lines = [header]
        for e in entries {
            var line = String(e.rank).padded(to: 4, alignment: .right) + "  " + e.item.padded(to: width, alignment: .left) + "  "
                + number(showsRatings ? e.rating : e.strength, digits).padded(to: 9, alignment: .right)
            if hasIntervals {
                let text = e.ratingInterval(conversion).map { "[\(number($0.lowerBound, digits)), \(number($0.upperBound, digits))]" }
                    ?? "- (\(e.replicatesUsed ?? 0) replicates)"
                line += "  " + text.padded(to: 21, alignment: .left)
            }
            line += "  " + count(e.wins).padded(to: 7, alignment: .right) + "  " + count(e.losses).padded(to: 7, alignment: .right) + "  " + count(e.ties).padded(to: 6, alignment: .right)
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// The pairwise win-probability matrix of the top items as text.
    public func formattedWinProbabilities() -> String {
        let width = max(6, topItems.map(\.count).max() ?? 6)
        var lines = ["".padded(to: width, alignment: .right) + topItems.map { " " + String($0.prefix(8)).padded(to: 8, alignment: .right) }.joined()]
        for (a, name) in topItems.enumerated() {
            var line = name.padded(to: width, alignment: .right)
            for b in topItems.indices {
                line += " " + (a == b ? "-" : String(format: "%.3f", winProbabilities[a, b])).padded(to: 8, alignment: .right)
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// `item,strength` (plus `std_error,lower,upper` when the board has intervals; an item without
    /// an interval leaves them empty), strongest first.
    public func strengthsCSV() -> String {
        let hasIntervals = intervalMethod != "none"
        var csv = CSVWriter(header: ["item", "strength"] + (hasIntervals ? ["std_error", "lower", "upper"] : []))
        for e in entries {
            var record = [e.item, "\(e.strength)"]
            if hasIntervals { record += [e.standardError, e.lower, e.upper].map { $0.map { "\($0)" } ?? "" } }
            csv.appendRecord(record)
        }
        return csv.text
    }

    /// `rank,item,rating,lower,upper,battles` on the rating scale (interval ends empty when unavailable).
    public func ratingsCSV() -> String {
        func count(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)" }
        var csv = CSVWriter(header: ["rank", "item", "rating", "lower", "upper", "battles"])
        for e in entries {
            let range = e.ratingInterval(conversion)
            csv.appendRecord(["\(e.rank)", e.item, "\(e.rating)", range.map { "\($0.lowerBound)" } ?? "",
                              range.map { "\($0.upperBound)" } ?? "", count(e.battles)])
        }
        return csv.text
    }
}
