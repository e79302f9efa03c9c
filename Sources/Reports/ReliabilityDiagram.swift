import Foundation
import FileFormats
import PreferenceData
import Training

/// A reliability diagram as a standalone SVG: observed frequency against mean predicted
/// probability per bin for one or more models, the diagonal of perfect calibration, each model's
/// ECE in the legend, and a panel below with the number of predictions in each bin.
///
/// ```swift
/// let diagram = ReliabilityDiagram(title: "Calibration (test)", curves: [("linear head", evaluation.reliability)])
/// try diagram.write(to: URL(fileURLWithPath: "reliability.svg"))
/// ```
public struct ReliabilityDiagram: Sendable {
    /// The diagram's title.
    public var title: String
    /// Named curves, drawn in order.
    public var curves: [(name: String, curve: ReliabilityCurve)]
    /// The SVG width in pixels.
    public var width: Double
    /// The SVG height in pixels.
    public var height: Double

    /// A reliability diagram of one or more named curves.
    public init(title: String, curves: [(name: String, curve: ReliabilityCurve)], width: Double = 600, height: Double = 680) {
        precondition(!curves.isEmpty, "ReliabilityDiagram needs at least one curve")
        self.title = title
        self.curves = curves
        self.width = width
        self.height = height
    }

    /// The SVG document.
    public func svg() -> String {
        var svg = SVGBuilder(width: width, height: height)
        let left = 72.0, right = width - 24, top = 52.0
        let histogramHeight = 120.0
        let bottom = height - histogramHeight - 100
        let xScale = AxisScale(values: [], pixelStart: left, pixelEnd: right, fixed: 0...1, targetTicks: 6)
        let yScale = AxisScale(values: [], pixelStart: bottom, pixelEnd: top, fixed: 0...1, targetTicks: 6)
        ChartFrame.draw(&svg, title: title, xLabel: "", yLabel: "observed frequency", xScale: xScale, yScale: yScale,
                        left: left, right: right, top: top, bottom: bottom)
        svg.line(x1: xScale.position(0), y1: yScale.position(0), x2: xScale.position(1), y2: yScale.position(1),
                 stroke: "#888888", width: 1.5, dash: "6 4")
        svg.text("perfect calibration", x: xScale.position(0.04) - 4, y: yScale.position(0.04) - 6, size: 11, fill: "#888888",
                 rotate: -Foundation.atan2(bottom - top, right - left) * 180 / Double.pi)
        let single = curves.count == 1
        for (k, entry) in curves.enumerated() {
            let color = SVGBuilder.color(k)
            var points = [(Double, Double)]()
            for bin in entry.curve.bins {
                guard let p = bin.meanPrediction, let f = bin.observedFrequency else { continue }
                let x = xScale.position(p), y = yScale.position(f)
                if single {
                    svg.line(x1: x, y1: yScale.position(p), x2: x, y2: y, stroke: "#E15759", width: 2)
                }
                points.append((x, y))
            }
            svg.polyline(points, stroke: color, width: 2.2)
            for (x, y) in points { svg.circle(cx: x, cy: y, r: 4, fill: color) }
        }

        // Histogram of bin counts.
        let hTop = bottom + 40, hBottom = hTop + histogramHeight
        let maxCount = Double(curves.flatMap { $0.curve.bins.map(\.count) }.max() ?? 1)
        let countScale = AxisScale(values: [0, Swift.max(maxCount, 1)], pixelStart: hBottom, pixelEnd: hTop, targetTicks: 3)
        for t in countScale.ticks {
            let y = countScale.position(t)
            svg.line(x1: left, y1: y, x2: right, y2: y, stroke: "#E6E6E6")
            svg.text(countScale.label(t), x: left - 8, y: y + 4, size: 10, anchor: .end, fill: "#555555")
        }
        let binCount = curves[0].curve.bins.count
        for (k, entry) in curves.enumerated() {
            for (b, bin) in entry.curve.bins.enumerated() {
                let x0 = xScale.position(bin.lowerBound), x1 = xScale.position(bin.upperBound)
                let slot = (x1 - x0 - 4) / Double(curves.count)
                let x = x0 + 2 + Double(k) * slot
                let y = countScale.position(Double(bin.count))
                svg.rect(x: x, y: y, width: slot - 1, height: hBottom - y, fill: SVGBuilder.color(k), opacity: 0.85)
                if single && binCount <= 20 && bin.count > 0 {
                    svg.text(String(bin.count), x: x + (slot - 1) / 2, y: y - 3, size: 9, anchor: .middle, fill: "#444444")
                }
            }
        }
        svg.rect(x: left, y: hTop, width: right - left, height: hBottom - hTop, fill: "none", stroke: "#555555")
        for t in xScale.ticks {
            let x = xScale.position(t)
            svg.line(x1: x, y1: hBottom, x2: x, y2: hBottom + 5, stroke: "#555555")
            svg.text(xScale.label(t), x: x, y: hBottom + 19, size: 11, anchor: .middle, fill: "#555555")
        }
        svg.text("predicted P(chosen ≻ rejected)", x: (left + right) / 2, y: hBottom + 42, size: 13, anchor: .middle)
        svg.text("predictions", x: 20, y: (hTop + hBottom) / 2, size: 12, anchor: .middle, rotate: -90)
        ChartFrame.legend(&svg, entries: curves.enumerated().map { k, e in
            ("\(e.name) (ECE \(String(format: "%.3f", e.curve.expectedCalibrationError)))", SVGBuilder.color(k), false)
        }, right: right, top: top, corner: .bottomRight(bottom: bottom))
        return svg.document(title: title)
    }

    /// Writes the SVG to `url` atomically.
    public func write(to url: URL) throws(FileWriteError) {
        try AtomicFileWriter.write(svg(), to: url)
    }
}
