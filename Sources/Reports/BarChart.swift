import Foundation
import FileFormats
import PreferenceData

/// A bar chart with optional error bars and reference lines (leaderboards, per-group accuracy)
/// as a standalone SVG.
///
/// ```swift
/// let chart = BarChart(title: "Accuracy by group", yLabel: "accuracy",
///                      bars: [.init(label: "group 0", value: 0.87, lower: 0.86, upper: 0.88)],
///                      yRange: 0.5...1, referenceLines: [("oracle", 0.879)])
/// ```
public struct BarChart: Sendable {
    /// One bar; `lower`/`upper` (both or neither) draw an error bar from `lower` to `upper`.
    public struct Bar: Sendable {
        /// The bar's label under the axis.
        public var label: String
        /// The bar's height.
        public var value: Double
        /// The lower end of the error bar, if any.
        public var lower: Double?
        /// The upper end of the error bar, if any.
        public var upper: Double?
        /// Palette index of the colour (nil: the first colour).
        public var colorIndex: Int?

        /// A bar with an optional error bar and palette color.
        public init(label: String, value: Double, lower: Double? = nil, upper: Double? = nil, colorIndex: Int? = nil) {
            self.label = label
            self.value = value
            self.lower = lower
            self.upper = upper
            self.colorIndex = colorIndex
        }
    }

    /// The chart's title.
    public var title: String
    /// The y axis label.
    public var yLabel: String
    /// The bars, left to right.
    public var bars: [Bar]
    /// Fixed y range (nil: from 0, or the data minimum when negative, to the data maximum).
    public var yRange: ClosedRange<Double>?
    /// Labelled horizontal lines (e.g. the oracle accuracy).
    public var referenceLines: [(label: String, value: Double)]
    /// Print each bar's value above it.
    public var showsValues: Bool
    /// The SVG width in pixels.
    public var width: Double
    /// The SVG height in pixels.
    public var height: Double

    /// A bar chart; the y range defaults to the data's.
    public init(title: String, yLabel: String, bars: [Bar], yRange: ClosedRange<Double>? = nil,
                referenceLines: [(label: String, value: Double)] = [], showsValues: Bool = true,
                width: Double? = nil, height: Double = 440) {
        self.title = title
        self.yLabel = yLabel
        self.bars = bars
        self.yRange = yRange
        self.referenceLines = referenceLines
        self.showsValues = showsValues
        self.width = width ?? Swift.max(480, 120 + Double(bars.count) * 56)
        self.height = height
    }

    /// The SVG document.
    public func svg() -> String {
        var svg = SVGBuilder(width: width, height: height)
        let longestLabel = bars.map { $0.label.count }.max() ?? 0
        let slotWidth = (width - 96) / Double(Swift.max(bars.count, 1))
        let rotateLabels = Double(longestLabel) * 6.5 > slotWidth - 4
        let labelSpace = rotateLabels ? Swift.min(Double(longestLabel) * 5.2 + 20, 160) : 30
        let left = 72.0, right = width - 24, top = 52.0, bottom = height - 30 - labelSpace
        var values = bars.map(\.value) + bars.compactMap(\.lower) + bars.compactMap(\.upper) + referenceLines.map(\.value)
        if values.isEmpty { values = [0, 1] }
        let yScale = AxisScale(values: values, pixelStart: bottom, pixelEnd: top, fixed: yRange, includeZero: yRange == nil)
        ChartFrame.draw(&svg, title: title, xLabel: "", yLabel: yLabel, xScale: nil, yScale: yScale,
                        left: left, right: right, top: top, bottom: bottom)
        let slot = (right - left) / Double(Swift.max(bars.count, 1))
        let base = yScale.position(Swift.min(Swift.max(0, yScale.lower), yScale.upper))
        func clampY(_ v: Double) -> Double { Swift.min(Swift.max(yScale.position(v), top), bottom) }
        for (k, bar) in bars.enumerated() {
            let center = left + (Double(k) + 0.5) * slot
            let barWidth = Swift.min(slot * 0.62, 64)
            let y = clampY(bar.value)
            svg.rect(x: center - barWidth / 2, y: Swift.min(y, base), width: barWidth, height: abs(base - y),
                     fill: SVGBuilder.color(bar.colorIndex ?? 0), opacity: 0.9)
            // Value labels sit beyond the bar's end: above positive bars, below negative ones.
            let below = y > base
            var valueY = below ? Swift.max(y, base) + 14 : Swift.min(y, base) - 5
            if let lower = bar.lower, let upper = bar.upper {
                let yl = clampY(lower), yu = clampY(upper)
                svg.line(x1: center, y1: yl, x2: center, y2: yu, stroke: "#222222", width: 1.5)
                svg.line(x1: center - 7, y1: yl, x2: center + 7, y2: yl, stroke: "#222222", width: 1.5)
                svg.line(x1: center - 7, y1: yu, x2: center + 7, y2: yu, stroke: "#222222", width: 1.5)
                valueY = below ? Swift.max(valueY, Swift.max(yl, yu) + 14) : Swift.min(valueY, Swift.min(yl, yu) - 5)
            }
            if showsValues {
                svg.text(String(format: "%.\(Swift.min(yScale.decimals + 2, 4))f", bar.value), x: center, y: valueY,
                         size: 11, anchor: .middle, fill: "#222222")
            }
            if rotateLabels {
                svg.text(bar.label, x: center + 4, y: bottom + 14, size: 11, anchor: .end, rotate: -40)
            } else {
                svg.text(bar.label, x: center, y: bottom + 18, size: 12, anchor: .middle)
            }
        }
        for (k, line) in referenceLines.enumerated() {
            let y = yScale.position(line.value)
            guard y >= top && y <= bottom else { continue }
            let color = SVGBuilder.color(3 + k)
            svg.line(x1: left, y1: y, x2: right, y2: y, stroke: color, width: 1.5, dash: "6 4")
            svg.text("\(line.label) \(String(format: "%.3f", line.value))", x: right - 6, y: y - 5, size: 11, anchor: .end, fill: color)
        }
        return svg.document(title: title)
    }

    /// Writes the SVG to `url` atomically.
    public func write(to url: URL) throws(FileWriteError) {
        try AtomicFileWriter.write(svg(), to: url)
    }
}
