import Foundation
import NumericCore
import PreferenceData

/// A ranked table of items: strength, interval, record, and the pairwise win probabilities of the top items.
public struct Leaderboard: Sendable {
    /// One row.
    public struct Entry: Sendable, Equatable {
        /// 1-based rank by strength.
        public var rank: Int
        public var item: String
        /// Centered strength θ.
        public var strength: Double
        public var standardError: Double?
        public var lower: Double?
        public var upper: Double?
        /// Weighted decisive wins, losses and ties in the data.
        public var wins: Double
        public var losses: Double
        public var ties: Double
    }

    /// Rows, strongest first.
    public let entries: [Entry]
    /// The names of the top items, in rank order (the rows and columns of ``winProbabilities``).
    public let topItems: [String]
    /// `winProbabilities[a, b]` = P(topItems[a] beats topItems[b]) under the model (a tie is not a win;
    /// the diagonal is the model's value at equal strengths).
    public let winProbabilities: Tensor<Double>
    /// The intervals' confidence level, when intervals were given.
    public let level: Double?

    /// Builds the leaderboard of `model` with the records of `comparisons` and optional intervals.
    public init(model: BradleyTerryModel, comparisons: ComparisonSet, intervals: StrengthIntervals? = nil,
                topCount: Int = 10) {
        precondition(model.items == comparisons.items, "leaderboard: the model was fitted to other items")
        let totals = comparisons.itemTotals()
        let order = model.ranking
        entries = order.enumerated().map { rank, i in
            Entry(rank: rank + 1, item: model.items[i], strength: model.strengths[i],
                  standardError: intervals?.standardErrors[i], lower: intervals?.lower[i], upper: intervals?.upper[i],
                  wins: totals.wins[i], losses: totals.losses[i], ties: totals.ties[i])
        }
        let top = Array(order.prefix(max(0, topCount)))
        topItems = top.map { model.items[$0] }
        var matrix = Tensor<Double>.zeros(shape: [top.count, top.count])
        for (a, i) in top.enumerated() {
            for (b, j) in top.enumerated() { matrix[a, b] = model.outcomeProbabilities(i, j).win }
        }
        winProbabilities = matrix
        level = intervals?.level
    }

    /// A plain-text table (rank, item, strength, interval, wins, losses, ties).
    public func formattedTable() -> String {
        let width = max(4, entries.map(\.item.count).max() ?? 4)
        func pad(_ s: String, _ w: Int, left: Bool = false) -> String {
            s.count >= w ? s : (left ? s + String(repeating: " ", count: w - s.count)
                                     : String(repeating: " ", count: w - s.count) + s)
        }
        func number(_ x: Double, _ digits: Int = 3) -> String {
            let text = String(format: "%.\(digits)f", x)
            return text.hasPrefix("-") && text.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) ? String(text.dropFirst()) : text
        }
        func count(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : number(x, 1) }
        let hasIntervals = entries.first?.lower != nil
        var header = pad("rank", 4) + "  " + pad("item", width, left: true) + "  " + pad("strength", 9)
        if hasIntervals { header += "  " + pad("interval", 19, left: true) }
        header += "  " + pad("wins", 7) + "  " + pad("losses", 7) + "  " + pad("ties", 6)
        var lines = [header]
        for e in entries {
            var line = pad(String(e.rank), 4) + "  " + pad(e.item, width, left: true) + "  " + pad(number(e.strength), 9)
            if hasIntervals, let lower = e.lower, let upper = e.upper {
                line += "  " + pad("[\(number(lower)), \(number(upper))]", 19, left: true)
            }
            line += "  " + pad(count(e.wins), 7) + "  " + pad(count(e.losses), 7) + "  " + pad(count(e.ties), 6)
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// The pairwise win-probability matrix of the top items as text.
    public func formattedWinProbabilities() -> String {
        let width = max(6, topItems.map(\.count).max() ?? 6)
        func pad(_ s: String, _ w: Int) -> String { s.count >= w ? s : String(repeating: " ", count: w - s.count) + s }
        var lines = [pad("", width) + topItems.map { " " + pad(String($0.prefix(8)), 8) }.joined()]
        for (a, name) in topItems.enumerated() {
            var line = pad(name, width)
            for b in topItems.indices {
                line += " " + pad(a == b ? "-" : String(format: "%.3f", winProbabilities[a, b]), 8)
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}

/// Renders a leaderboard as an SVG chart: one row per item, a bar from 0 to the strength and a
/// whisker for the interval.
public enum LeaderboardChart {
    /// The SVG document for the first `maximumItems` rows.
    public static func svg(_ leaderboard: Leaderboard, title: String = "Leaderboard", maximumItems: Int = 60) -> String {
        let rows = Array(leaderboard.entries.prefix(max(1, maximumItems)))
        let labelWidth = 12.0 + 7.0 * Double(min(40, rows.map(\.item.count).max() ?? 4))
        let plotWidth = 560.0, rowHeight = 22.0, top = 56.0, bottom = 40.0, right = 30.0
        let width = labelWidth + plotWidth + right
        let height = top + rowHeight * Double(rows.count) + bottom
        var low = 0.0, high = 0.0
        for e in rows {
            low = min(low, e.lower ?? e.strength, e.strength)
            high = max(high, e.upper ?? e.strength, e.strength)
        }
        if high - low < 1e-9 { low -= 1; high += 1 }
        let margin = 0.05 * (high - low)
        low -= margin
        high += margin
        func xPosition(_ v: Double) -> Double { labelWidth + (v - low) / (high - low) * plotWidth }
        func format(_ v: Double) -> String { String(format: "%.2f", v) }
        func escape(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        var svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(format(width))" height="\(format(height))" \
        viewBox="0 0 \(format(width)) \(format(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(format(width / 2))" y="24" text-anchor="middle" font-size="16" font-weight="bold">\(escape(title))</text>

        """
        if let level = leaderboard.level {
            svg += "<text x=\"\(format(width / 2))\" y=\"42\" text-anchor=\"middle\" fill=\"#555\">strength (centered), "
                + "whiskers: \(Int((level * 100).rounded()))% intervals</text>\n"
        } else {
            svg += "<text x=\"\(format(width / 2))\" y=\"42\" text-anchor=\"middle\" fill=\"#555\">strength (centered)</text>\n"
        }
        // Grid.
        let step = niceStep((high - low) / 6)
        var tick = (low / step).rounded(.up) * step
        let axisY = top + rowHeight * Double(rows.count)
        while tick <= high {
            let x = xPosition(tick)
            svg += "<line x1=\"\(format(x))\" y1=\"\(format(top - 4))\" x2=\"\(format(x))\" y2=\"\(format(axisY))\" stroke=\"#ddd\"/>\n"
            svg += "<text x=\"\(format(x))\" y=\"\(format(axisY + 16))\" text-anchor=\"middle\" fill=\"#333\">\(format(tick))</text>\n"
            tick += step
        }
        let zero = xPosition(0)
        svg += "<line x1=\"\(format(zero))\" y1=\"\(format(top - 4))\" x2=\"\(format(zero))\" y2=\"\(format(axisY))\" stroke=\"#888\"/>\n"
        for (k, e) in rows.enumerated() {
            let y = top + rowHeight * Double(k)
            let center = y + rowHeight / 2
            let x0 = min(zero, xPosition(e.strength)), x1 = max(zero, xPosition(e.strength))
            svg += "<text x=\"\(format(labelWidth - 8))\" y=\"\(format(center + 4))\" text-anchor=\"end\">"
                + "\(e.rank). \(escape(e.item))</text>\n"
            svg += "<rect x=\"\(format(x0))\" y=\"\(format(y + 4))\" width=\"\(format(max(x1 - x0, 0.5)))\" "
                + "height=\"\(format(rowHeight - 8))\" fill=\"\(e.strength >= 0 ? "#4878a8" : "#c8745a")\" opacity=\"0.8\"/>\n"
            if let lower = e.lower, let upper = e.upper {
                let a = xPosition(lower), b = xPosition(upper)
                svg += "<line x1=\"\(format(a))\" y1=\"\(format(center))\" x2=\"\(format(b))\" y2=\"\(format(center))\" stroke=\"black\" stroke-width=\"1.5\"/>\n"
                svg += "<line x1=\"\(format(a))\" y1=\"\(format(center - 5))\" x2=\"\(format(a))\" y2=\"\(format(center + 5))\" stroke=\"black\" stroke-width=\"1.5\"/>\n"
                svg += "<line x1=\"\(format(b))\" y1=\"\(format(center - 5))\" x2=\"\(format(b))\" y2=\"\(format(center + 5))\" stroke=\"black\" stroke-width=\"1.5\"/>\n"
            }
            svg += "<circle cx=\"\(format(xPosition(e.strength)))\" cy=\"\(format(center))\" r=\"2.5\" fill=\"black\"/>\n"
        }
        svg += "</svg>\n"
        return svg
    }

    static func niceStep(_ raw: Double) -> Double {
        let magnitude = pow(10, (log10(max(raw, 1e-12))).rounded(.down))
        let fraction = raw / magnitude
        let nice: Double = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        return nice * magnitude
    }
}
