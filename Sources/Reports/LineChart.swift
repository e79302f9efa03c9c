import Foundation
import FileFormats
import PreferenceData

/// A line chart of several series (learning curves: loss or accuracy per epoch) as a standalone
/// SVG with title, axes, ticks, grid and legend.
///
/// ```swift
/// var chart = LineChart(title: "Learning curves", xLabel: "epoch", yLabel: "loss")
/// chart.add(LineChart.Series(name: "train", points: [(1, 0.6), (2, 0.5), (3, 0.45)]))
/// try chart.write(to: URL(fileURLWithPath: "loss.svg"))
/// ```
public struct LineChart: Sendable {
    /// One named line. Points with a non-finite y break the line.
    public struct Series: Sendable {
        /// The series' name in the legend.
        public var name: String
        /// The points, in drawing order.
        public var points: [(x: Double, y: Double)]
        /// Draw the line dashed (e.g. validation against training).
        public var dashed: Bool
        /// Palette index of the colour (nil: the series' position).
        public var colorIndex: Int?

        /// A series, solid or dashed, with an optional palette color.
        public init(name: String, points: [(x: Double, y: Double)], dashed: Bool = false, colorIndex: Int? = nil) {
            self.name = name
            self.points = points
            self.dashed = dashed
            self.colorIndex = colorIndex
        }
    }

    /// The chart's title.
    public var title: String
    /// The x axis label.
    public var xLabel: String
    /// The y axis label.
    public var yLabel: String
    /// The series drawn.
    public var series: [Series]
    /// A logarithmic y axis (non-positive values are skipped).
    public var logarithmicY: Bool
    /// Fixed y range (nil: fitted to the data).
    public var yRange: ClosedRange<Double>?
    /// The SVG width in pixels.
    public var width: Double
    /// The SVG height in pixels.
    public var height: Double

    /// A line chart, with a logarithmic y axis when asked.
    public init(title: String, xLabel: String, yLabel: String, series: [Series] = [], logarithmicY: Bool = false,
                yRange: ClosedRange<Double>? = nil, width: Double = 720, height: Double = 440) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.logarithmicY = logarithmicY
        self.yRange = yRange
        self.width = width
        self.height = height
    }

    /// Appends a series.
    public mutating func add(_ s: Series) { series.append(s) }

    /// The SVG document.
    public func svg() -> String {
        var svg = SVGBuilder(width: width, height: height)
        let left = 72.0, right = width - 24, top = 52.0, bottom = height - 58
        let xs = series.flatMap { $0.points.map(\.x) }
        let ys = series.flatMap { $0.points.map(\.y) }
        let xScale = AxisScale(values: xs, pixelStart: left, pixelEnd: right)
        let yScale = AxisScale(values: ys, pixelStart: bottom, pixelEnd: top, logarithmic: logarithmicY, fixed: yRange)
        ChartFrame.draw(&svg, title: title, xLabel: xLabel, yLabel: yLabel, xScale: xScale, yScale: yScale,
                        left: left, right: right, top: top, bottom: bottom)
        for (k, s) in series.enumerated() {
            let color = SVGBuilder.color(s.colorIndex ?? k)
            var segment = [(Double, Double)]()
            var visible = [(Double, Double)]()
            func flush() {
                svg.polyline(segment, stroke: color, width: 2.2, dash: s.dashed ? "6 4" : nil)
                segment = []
            }
            for p in s.points {
                guard p.x.isFinite, p.y.isFinite, !logarithmicY || p.y > 0 else { flush(); continue }
                let point = (xScale.position(p.x), yScale.position(Swift.min(Swift.max(p.y, yScale.valueAt(bottom)), yScale.valueAt(top))))
                segment.append(point)
                visible.append(point)
            }
            flush()
            if visible.count <= 40 {
                for (x, y) in visible { svg.circle(cx: x, cy: y, r: 3, fill: color) }
            }
        }
        ChartFrame.legend(&svg, entries: series.enumerated().map { ($1.name, SVGBuilder.color($1.colorIndex ?? $0), $1.dashed) },
                          right: right, top: top)
        return svg.document(title: title)
    }

    /// Writes the SVG to `url` atomically.
    public func write(to url: URL) throws(FileWriteError) {
        try AtomicFileWriter.write(svg(), to: url)
    }
}
