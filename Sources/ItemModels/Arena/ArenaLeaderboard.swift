import Foundation
import NumericCore
import RewardKitInternals

/// A ranked table of ratings with intervals, on a chosen ``RatingScale``.
///
/// Intervals come from a bootstrap run (percentile or basic) when one is given, else from the
/// Hessian standard errors (θ̂ ± z·SE). Ratings and interval ends are mapped by the same affine
/// ``RatingConversion``, so an interval on the rating scale is the θ interval mapped.
public struct ArenaLeaderboard: Sendable {
    public struct Row: Sendable, Equatable {
        /// 1-based rank by rating.
        public var rank: Int
        public var item: String
        public var rating: Double
        public var lower: Double?
        public var upper: Double?
        /// Weighted battles of the item.
        public var battles: Double
        /// Bootstrap replicates used by the item's interval (nil for Hessian intervals).
        public var replicatesUsed: Int?
    }

    public let rows: [Row]
    public let conversion: RatingConversion
    /// How the intervals were made ("bootstrap percentile", "bootstrap basic", "hessian" or "none").
    public let intervalMethod: String
    public let level: Double

    public init(model: ArenaRatingModel, conversion: RatingConversion, bootstrap: ArenaBootstrap.Result? = nil,
                interval: ArenaBootstrap.IntervalKind = .percentile, level: Double = 0.95) {
        self.conversion = conversion
        var method = "none"
        var bounds = [(Double, Double)?](repeating: nil, count: model.items.count)
        var used = [Int?](repeating: nil, count: model.items.count)
        if let bootstrap {
            method = "bootstrap \(interval.rawValue)"
            for i in model.items.indices {
                let entry = bootstrap.strengths[i]
                used[i] = entry.replicatesUsed
                if let range = entry.interval(interval) { bounds[i] = (range.lowerBound, range.upperBound) }
            }
            self.level = bootstrap.level
        } else if let errors = model.standardErrors {
            method = "hessian"
            let z = normalQuantile(0.5 + level / 2)
            for i in model.items.indices {
                bounds[i] = (model.strengths[i] - z * errors.strengths[i], model.strengths[i] + z * errors.strengths[i])
            }
            self.level = level
        } else {
            self.level = level
        }
        intervalMethod = method
        rows = model.ranking.enumerated().map { rank, i in
            let b = bounds[i]
            return Row(rank: rank + 1, item: model.items[i], rating: conversion.rating(model.strengths[i]),
                       lower: b.map { conversion.rating($0.0) }, upper: b.map { conversion.rating($0.1) },
                       battles: model.battles[i], replicatesUsed: used[i])
        }
    }

    /// `rank,item,rating,lower,upper,battles` (interval ends empty when unavailable).
    public func csvText() -> String {
        func field(_ text: String) -> String {
            text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        func count(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)" }
        var text = "rank,item,rating,lower,upper,battles\n"
        for r in rows {
            text += "\(r.rank),\(field(r.item)),\(r.rating),\(r.lower.map { "\($0)" } ?? ""),\(r.upper.map { "\($0)" } ?? ""),\(count(r.battles))\n"
        }
        return text
    }

    /// A plain-text table.
    public func formattedTable() -> String {
        let width = max(4, rows.map(\.item.count).max() ?? 4)
        func pad(_ s: String, _ w: Int, left: Bool = false) -> String {
            s.count >= w ? s : (left ? s + String(repeating: " ", count: w - s.count) : String(repeating: " ", count: w - s.count) + s)
        }
        let digits = conversion.factor > 10 ? 1 : 3
        func number(_ x: Double) -> String { String(format: "%.\(digits)f", x) }
        var lines = [pad("rank", 4) + "  " + pad("item", width, left: true) + "  " + pad("rating", 9) + "  "
                     + pad("interval", 21, left: true) + "  " + pad("battles", 8)]
        for r in rows {
            let interval = r.lower.flatMap { lo in r.upper.map { "[\(number(lo)), \(number($0))]" } } ?? "-"
            lines.append(pad(String(r.rank), 4) + "  " + pad(r.item, width, left: true) + "  " + pad(number(r.rating), 9)
                         + "  " + pad(interval, 21, left: true) + "  " + pad(String(format: "%.0f", r.battles), 8))
        }
        return lines.joined(separator: "\n")
    }
}

