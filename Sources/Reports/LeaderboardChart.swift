import Foundation
import FileFormats
import ItemModels
import NumericCore

/// SVG pictures of a `Leaderboard`: one row per item with a dot at its rating (or strength) and a
/// whisker for its interval, and the pairwise expected-score heatmap of the top items.
public enum LeaderboardChart {
    /// The leaderboard chart of the first `maximumItems` rows.
    public static func svg(_ board: Leaderboard, title: String = "Leaderboard", maximumItems: Int = 60) -> String {
        let rows = Array(board.entries.prefix(max(1, maximumItems)))
        let conversion = board.conversion
        let labelWidth = 16.0 + 7.0 * Double(min(40, (rows.map(\.item.count).max() ?? 4) + 4))
        let rowHeight = 20.0, top = 58.0
        let left = labelWidth, right = labelWidth + 560
        let bottom = top + rowHeight * Double(rows.count)
        var svg = SVGBuilder(width: right + 30, height: bottom + 42)
        var values: [Double] = []
        for e in rows {
            values.append(e.rating)
            if let range = e.ratingInterval(conversion) { values += [range.lowerBound, range.upperBound] }
        }
        let scale = AxisScale(values: values, pixelStart: left, pixelEnd: right, includeZero: !board.showsRatings)
        svg.text(title, x: (left + right) / 2, y: 24, size: 16, anchor: .middle, weight: "600", fill: "#222222")
        let quantity = board.showsRatings ? "rating" : "strength (centered)"
        let subtitle = board.intervalMethod == "none" ? quantity
            : "\(quantity), whiskers: \(Int(((board.level ?? 0.95) * 100).rounded()))% \(board.intervalMethod) intervals"
        svg.text(subtitle, x: (left + right) / 2, y: 42, size: 12, anchor: .middle, fill: "#555555")
        for t in scale.ticks {
            let x = scale.position(t)
            guard x >= left - 0.5 && x <= right + 0.5 else { continue }
            svg.line(x1: x, y1: top - 4, x2: x, y2: bottom, stroke: "#DDDDDD")
            svg.text(scale.label(t), x: x, y: bottom + 16, size: 11, anchor: .middle, fill: "#333333")
        }
        if !board.showsRatings {
            let zero = scale.position(0)
            svg.line(x1: zero, y1: top - 4, x2: zero, y2: bottom, stroke: "#888888")
        }
        for (k, e) in rows.enumerated() {
            let center = top + rowHeight * (Double(k) + 0.5)
            if k % 2 == 0 {
                svg.rect(x: left, y: center - rowHeight / 2, width: right - left, height: rowHeight, fill: "#F6F6F6")
            }
            svg.text("\(e.rank). \(e.item)", x: left - 8, y: center + 4, size: 12, anchor: .end)
            if let range = e.ratingInterval(conversion) {
                let a = scale.position(range.lowerBound), b = scale.position(range.upperBound)
                svg.line(x1: a, y1: center, x2: b, y2: center, stroke: SVGBuilder.color(0), width: 2)
                for end in [a, b] { svg.line(x1: end, y1: center - 5, x2: end, y2: center + 5, stroke: SVGBuilder.color(0), width: 2) }
            }
            svg.circle(cx: scale.position(e.rating), cy: center, r: 3.5, fill: SVGBuilder.color(3))
        }
        return svg.document(title: title)
    }

    /// A heatmap of `scores[a, b]` = expected score of `items[a]` against `items[b]` (blue below ½,
    /// white at ½, red above), with the value printed in each cell.
    public static func heatmapSVG(items: [String], scores: Tensor<Double>, title: String = "P(row beats column)") -> String {
        let count = items.count
        precondition(scores.shape == [count, count], "heatmap scores of shape \(scores.shape) for \(count) items")
        let cell = 44.0, labelWidth = 16.0 + 7.0 * Double(min(40, items.map(\.count).max() ?? 4))
        let top = 50.0 + labelWidth * 0.75
        var svg = SVGBuilder(width: labelWidth + cell * Double(count) + 20, height: top + cell * Double(count) + 20)
        func color(_ p: Double) -> String {
            let t = min(max((p - 0.5) * 2, -1), 1)
            let (r, g, b): (Double, Double, Double) = t >= 0
                ? (255, 255 - 150 * t, 255 - 170 * t) : (255 + 180 * t, 255 + 120 * t, 255)
            return String(format: "#%02X%02X%02X", Int(r.rounded()), Int(g.rounded()), Int(b.rounded()))
        }
        svg.text(title, x: svg.width / 2, y: 22, size: 15, anchor: .middle, weight: "600", fill: "#222222")
        for (b, name) in items.enumerated() {
            let cx = labelWidth + cell * (Double(b) + 0.5)
            svg.text(name, x: cx, y: top - 6, size: 11, rotate: -45)
        }
        for (a, name) in items.enumerated() {
            let y = top + cell * Double(a)
            svg.text(name, x: labelWidth - 6, y: y + cell / 2 + 4, size: 11, anchor: .end)
            for b in 0..<count {
                let x = labelWidth + cell * Double(b)
                if a == b {
                    svg.rect(x: x, y: y, width: cell, height: cell, fill: "#EEEEEE", stroke: "white")
                    continue
                }
                let p = scores[a, b]
                svg.rect(x: x, y: y, width: cell, height: cell, fill: color(p), stroke: "white")
                svg.text(String(format: "%.2f", p), x: x + cell / 2, y: y + cell / 2 + 4, size: 11, anchor: .middle)
            }
        }
        return svg.document(title: title)
    }

    /// Writes ``svg(_:title:maximumItems:)`` to `url` atomically.
    public static func write(_ board: Leaderboard, title: String = "Leaderboard", to url: URL) throws(FileWriteError) {
        try AtomicFileWriter.write(svg(board, title: title), to: url)
    }
}
