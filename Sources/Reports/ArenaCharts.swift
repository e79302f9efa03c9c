import Foundation
import ItemModels
import NumericCore

/// SVG pictures of an arena leaderboard: ratings with interval whiskers, and the pairwise
/// expected-score heatmap.
public enum ArenaCharts {
    static func fmt(_ x: Double) -> String { x.isFinite ? String(format: "%.2f", x) : "0" }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func niceStep(_ raw: Double) -> Double {
        let magnitude = pow(10, log10(max(raw, 1e-12)).rounded(.down))
        let fraction = raw / magnitude
        return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * magnitude
    }

    /// One row per item (rank order): a dot at the rating and a whisker for the interval.
    public static func leaderboardSVG(_ board: ArenaLeaderboard, title: String = "Leaderboard", maximumItems: Int = 60) -> String {
        let rows = Array(board.rows.prefix(max(1, maximumItems)))
        let labelWidth = 16.0 + 7.0 * Double(min(40, (rows.map(\.item.count).max() ?? 4) + 4))
        let plotWidth = 560.0, rowHeight = 20.0, top = 58.0, bottom = 42.0, right = 30.0
        let width = labelWidth + plotWidth + right, height = top + rowHeight * Double(rows.count) + bottom
        var low = Double.infinity, high = -Double.infinity
        for r in rows {
            low = min(low, r.lower ?? r.rating, r.rating)
            high = max(high, r.upper ?? r.rating, r.rating)
        }
        if !(high - low > 1e-9) { low -= 1; high += 1 }
        let margin = 0.05 * (high - low)
        low -= margin; high += margin
        func x(_ v: Double) -> Double { labelWidth + (v - low) / (high - low) * plotWidth }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(fmt(width))\" height=\"\(fmt(height))\" "
            + "viewBox=\"0 0 \(fmt(width)) \(fmt(height))\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
            + "<text x=\"\(fmt(width / 2))\" y=\"24\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">\(escape(title))</text>\n"
        let subtitle = board.intervalMethod == "none" ? "rating"
            : "rating, whiskers: \(Int((board.level * 100).rounded()))% \(board.intervalMethod) intervals"
        svg += "<text x=\"\(fmt(width / 2))\" y=\"42\" text-anchor=\"middle\" fill=\"#555\">\(escape(subtitle))</text>\n"
        let axisY = top + rowHeight * Double(rows.count)
        let step = niceStep((high - low) / 6)
        var tick = (low / step).rounded(.up) * step
        while tick <= high {
            svg += "<line x1=\"\(fmt(x(tick)))\" y1=\"\(fmt(top - 4))\" x2=\"\(fmt(x(tick)))\" y2=\"\(fmt(axisY))\" stroke=\"#ddd\"/>\n"
            svg += "<text x=\"\(fmt(x(tick)))\" y=\"\(fmt(axisY + 16))\" text-anchor=\"middle\" fill=\"#333\">\(step >= 1 ? String(format: "%.0f", tick) : fmt(tick))</text>\n"
            tick += step
        }
        for (k, r) in rows.enumerated() {
            let center = top + rowHeight * (Double(k) + 0.5)
            if k % 2 == 0 {
                svg += "<rect x=\"\(fmt(labelWidth))\" y=\"\(fmt(center - rowHeight / 2))\" width=\"\(fmt(plotWidth))\" height=\"\(fmt(rowHeight))\" fill=\"#f6f6f6\"/>\n"
            }
            svg += "<text x=\"\(fmt(labelWidth - 8))\" y=\"\(fmt(center + 4))\" text-anchor=\"end\">\(r.rank). \(escape(r.item))</text>\n"
            if let lo = r.lower, let hi = r.upper {
                svg += "<line x1=\"\(fmt(x(lo)))\" y1=\"\(fmt(center))\" x2=\"\(fmt(x(hi)))\" y2=\"\(fmt(center))\" stroke=\"#4E79A7\" stroke-width=\"2\"/>\n"
                for end in [lo, hi] {
                    svg += "<line x1=\"\(fmt(x(end)))\" y1=\"\(fmt(center - 5))\" x2=\"\(fmt(x(end)))\" y2=\"\(fmt(center + 5))\" stroke=\"#4E79A7\" stroke-width=\"2\"/>\n"
                }
            }
            svg += "<circle cx=\"\(fmt(x(r.rating)))\" cy=\"\(fmt(center))\" r=\"3.5\" fill=\"#E15759\"/>\n"
        }
        return svg + "</svg>\n"
    }

    /// A heatmap of `scores[a, b]` = expected score of `items[a]` against `items[b]`
    /// (blue below ½, white at ½, red above), with the value printed in each cell.
    public static func heatmapSVG(items: [String], scores: Tensor<Double>, title: String = "P(row beats column)") -> String {
        let count = items.count
        precondition(scores.shape == [count, count], "heatmap scores of shape \(scores.shape) for \(count) items")
        let cell = 44.0, labelWidth = 16.0 + 7.0 * Double(min(40, items.map(\.count).max() ?? 4))
        let top = 50.0 + labelWidth * 0.75, width = labelWidth + cell * Double(count) + 20
        let height = top + cell * Double(count) + 20
        func color(_ p: Double) -> String {
            let t = min(max((p - 0.5) * 2, -1), 1)
            let (r, g, b): (Double, Double, Double) = t >= 0
                ? (255, 255 - 150 * t, 255 - 170 * t) : (255 + 180 * t, 255 + 120 * t, 255)
            return String(format: "#%02X%02X%02X", Int(r.rounded()), Int(g.rounded()), Int(b.rounded()))
        }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(fmt(width))\" height=\"\(fmt(height))\" "
            + "viewBox=\"0 0 \(fmt(width)) \(fmt(height))\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"11\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
            + "<text x=\"\(fmt(width / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">\(escape(title))</text>\n"
        for (b, name) in items.enumerated() {
            let cx = labelWidth + cell * (Double(b) + 0.5)
            svg += "<text x=\"\(fmt(cx))\" y=\"\(fmt(top - 6))\" text-anchor=\"start\" transform=\"rotate(-45 \(fmt(cx)) \(fmt(top - 6)))\">\(escape(name))</text>\n"
        }
        for (a, name) in items.enumerated() {
            let y = top + cell * Double(a)
            svg += "<text x=\"\(fmt(labelWidth - 6))\" y=\"\(fmt(y + cell / 2 + 4))\" text-anchor=\"end\">\(escape(name))</text>\n"
            for b in 0..<count {
                let x = labelWidth + cell * Double(b)
                if a == b {
                    svg += "<rect x=\"\(fmt(x))\" y=\"\(fmt(y))\" width=\"\(fmt(cell))\" height=\"\(fmt(cell))\" fill=\"#eeeeee\" stroke=\"white\"/>\n"
                    continue
                }
                let p = scores[a, b]
                svg += "<rect x=\"\(fmt(x))\" y=\"\(fmt(y))\" width=\"\(fmt(cell))\" height=\"\(fmt(cell))\" fill=\"\(color(p))\" stroke=\"white\"/>\n"
                svg += "<text x=\"\(fmt(x + cell / 2))\" y=\"\(fmt(y + cell / 2 + 4))\" text-anchor=\"middle\">\(String(format: "%.2f", p))</text>\n"
            }
        }
        return svg + "</svg>\n"
    }
}
