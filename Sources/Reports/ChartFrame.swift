import Foundation

/// The parts every chart shares: title, plot border, grid lines, ticks, axis labels, legend.
enum ChartFrame {
    static func draw(_ svg: inout SVGBuilder, title: String, xLabel: String, yLabel: String,
                     xScale: AxisScale?, yScale: AxisScale, left: Double, right: Double, top: Double, bottom: Double) {
        svg.text(title, x: (left + right) / 2, y: 30, size: 17, anchor: .middle, weight: "600", fill: "#222222")
        for t in yScale.ticks {
            let y = yScale.position(t)
            guard y >= top - 0.5 && y <= bottom + 0.5 else { continue }
            svg.line(x1: left, y1: y, x2: right, y2: y, stroke: "#E6E6E6")
            svg.line(x1: left - 5, y1: y, x2: left, y2: y, stroke: "#555555")
            svg.text(yScale.label(t), x: left - 8, y: y + 4, size: 11, anchor: .end, fill: "#555555")
        }
        if let xScale {
            for t in xScale.ticks {
                let x = xScale.position(t)
                guard x >= left - 0.5 && x <= right + 0.5 else { continue }
                svg.line(x1: x, y1: top, x2: x, y2: bottom, stroke: "#F0F0F0")
                svg.line(x1: x, y1: bottom, x2: x, y2: bottom + 5, stroke: "#555555")
                svg.text(xScale.label(t), x: x, y: bottom + 19, size: 11, anchor: .middle, fill: "#555555")
            }
        }
        svg.rect(x: left, y: top, width: right - left, height: bottom - top, fill: "none", stroke: "#555555")
        svg.text(xLabel, x: (left + right) / 2, y: bottom + 42, size: 13, anchor: .middle)
        svg.text(yLabel, x: 20, y: (top + bottom) / 2, size: 13, anchor: .middle, rotate: -90)
    }

    enum LegendCorner {
        case topRight
        case bottomRight(bottom: Double)
    }

    /// A legend box in a corner of the plot area.
    static func legend(_ svg: inout SVGBuilder, entries: [(name: String, color: String, dashed: Bool)], right: Double, top: Double,
                       corner: LegendCorner = .topRight) {
        guard !entries.isEmpty else { return }
        let longest = entries.map { $0.name.count }.max() ?? 0
        let boxWidth = Double(longest) * 6.8 + 48
        let boxHeight = Double(entries.count) * 18 + 10
        let x0 = right - boxWidth - 10
        let y0: Double
        switch corner {
        case .topRight: y0 = top + 10
        case .bottomRight(let bottom): y0 = bottom - boxHeight - 10
        }
        svg.rect(x: x0, y: y0, width: boxWidth, height: boxHeight, fill: "white", stroke: "#CCCCCC", opacity: 0.9, rx: 4)
        for (k, e) in entries.enumerated() {
            let y = y0 + 16 + Double(k) * 18
            svg.line(x1: x0 + 10, y1: y - 4, x2: x0 + 32, y2: y - 4, stroke: e.color, width: 3, dash: e.dashed ? "5 3" : nil)
            svg.text(e.name, x: x0 + 38, y: y, size: 12)
        }
    }
}

extension AxisScale {
    /// The data value at a pixel position (inverse of ``position(_:)``).
    func valueAt(_ pixel: Double) -> Double {
        let t = (pixel - pixelStart) / (pixelEnd - pixelStart)
        let v = lower + t * (upper - lower)
        return logarithmic ? Foundation.pow(10, v) : v
    }
}
