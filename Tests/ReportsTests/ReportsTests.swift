import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import NumericCore
import PreferenceData
import Testing
import TestSupport
@testable import Reports
@testable import Training

/// Parses an SVG as XML and collects element names and text.
final class SVGInspector: NSObject, XMLParserDelegate {
    var elements = [String]()
    var texts = [String]()
    var rootAttributes = [String: String]()
    private var current = ""

    static func inspect(_ svg: String) -> SVGInspector? {
        let inspector = SVGInspector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = inspector
        return parser.parse() ? inspector : nil
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if elements.isEmpty { rootAttributes = attributes }
        elements.append(name)
        current = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { current += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" || name == "title" { texts.append(current) }
        current = ""
    }
}

@Suite struct ReportsTests {
    static func learningCurves() -> LineChart {
        var chart = LineChart(title: "Learning curves <linear & MLP>", xLabel: "epoch", yLabel: "loss")
        func curve(_ scale: Double, _ decay: Double, _ floor: Double) -> [(x: Double, y: Double)] {
            (1...12).map { (epoch: Int) -> (x: Double, y: Double) in
                let x = Double(epoch)
                return (x, scale * Foundation.exp(-x / decay) + floor)
            }
        }
        chart.add(LineChart.Series(name: "train", points: curve(0.7, 4, 0.3)))
        chart.add(LineChart.Series(name: "validation", points: curve(0.72, 5, 0.33), dashed: true))
        chart.add(LineChart.Series(name: "with a gap", points: [(1, 0.9), (2, 0.8), (3, .nan), (4, 0.6), (5, 0.55)]))
        return chart
    }

    @Test func lineChartIsWellFormedSVG() throws {
        let svg = Self.learningCurves().svg()
        let inspector = try #require(SVGInspector.inspect(svg))
        #expect(inspector.elements.first == "svg")
        #expect(inspector.rootAttributes["xmlns"] == "http://www.w3.org/2000/svg")
        #expect(inspector.texts.contains("Learning curves <linear & MLP>"))
        #expect(inspector.texts.contains("validation") && inspector.texts.contains("epoch"))
        #expect(svg.contains("&lt;linear &amp; MLP&gt;"))
        // Three series, one split by the NaN: four polylines, dashed validation.
        #expect(inspector.elements.filter { $0 == "polyline" }.count == 4)
        #expect(svg.contains("stroke-dasharray=\"6 4\""))
        var log = Self.learningCurves()
        log.logarithmicY = true
        #expect(SVGInspector.inspect(log.svg()) != nil)
    }

    @Test func axisTicksAreNice() {
        let scale = AxisScale(values: [0.013, 0.87], pixelStart: 0, pixelEnd: 100)
        #expect(scale.ticks.count == 6)
        #expect(zip(scale.ticks, [0, 0.2, 0.4, 0.6, 0.8, 1]).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(scale.lower == 0 && scale.upper == 1)
        #expect(scale.label(0.4) == "0.4")
        #expect(AxisScale.niceStep(0.17) == 0.2 && AxisScale.niceStep(3.2) == 5 && AxisScale.niceStep(700) == 1000)
        let logScale = AxisScale(values: [0.002, 0.9], pixelStart: 100, pixelEnd: 0, logarithmic: true)
        #expect(logScale.ticks.contains(0.001) && logScale.ticks.contains(1))
        #expect(abs(logScale.position(0.001) - 100) < 1e-9 && abs(logScale.position(1)) < 1e-9)
    }

    @Test func reliabilityDiagramShowsDiagonalCountsAndECE() throws {
        var generator = SeededGenerator(seed: 2)
        let p = (0..<2_000).map { _ in 0.5 + 0.5 * generator.nextOpenUnit() }.map { q in generator.nextOpenUnit() < q ? q : 1 - q }
        let curve = ReliabilityCurve(pairwiseProbabilities: p)
        let diagram = ReliabilityDiagram(title: "Calibration", curves: [("linear head", curve)])
        let svg = diagram.svg()
        let inspector = try #require(SVGInspector.inspect(svg))
        #expect(inspector.texts.contains("perfect calibration"))
        #expect(inspector.texts.contains { $0.hasPrefix("linear head (ECE 0.0") })
        #expect(inspector.texts.contains(String(curve.bins[9].count)))
        let two = ReliabilityDiagram(title: "Two models", curves: [("a", curve), ("b", ReliabilityCurve(pairwiseProbabilities: p.map { 0.5 + ($0 - 0.5) * 0.5 }))])
        #expect(SVGInspector.inspect(two.svg()) != nil)
    }

    @Test func barChartDrawsErrorBarsAndReferenceLines() throws {
        let chart = BarChart(title: "Accuracy by group", yLabel: "test accuracy",
                             bars: [.init(label: "group 0", value: 0.879, lower: 0.872, upper: 0.886),
                                    .init(label: "group 1", value: 0.861, lower: 0.851, upper: 0.871, colorIndex: 1),
                                    .init(label: "group 2", value: 0.72, lower: 0.70, upper: 0.74, colorIndex: 2)],
                             yRange: 0.5...1, referenceLines: [("oracle", 0.8786)])
        let inspector = try #require(SVGInspector.inspect(chart.svg()))
        #expect(inspector.texts.contains("oracle 0.879"))
        #expect(inspector.texts.contains("group 2"))
        #expect(inspector.elements.filter { $0 == "rect" }.count >= 5)  // background, 3 bars, frame
        let many = BarChart(title: "Leaderboard", yLabel: "strength",
                            bars: (0..<25).map { .init(label: "a-rather-long-model-name-\($0)", value: Double($0) - 10) })
        #expect(SVGInspector.inspect(many.svg()) != nil)
    }

    @Test func chartsWriteAtomically() throws {
        try TestFiles.withTemporaryFolder { folder in
            try Self.learningCurves().write(to: folder.appendingPathComponent("curves.svg"))
            try ReliabilityDiagram(title: "c", curves: [("m", ReliabilityCurve(pairwiseProbabilities: [0.7, 0.2]))])
                .write(to: folder.appendingPathComponent("reliability.svg"))
            try BarChart(title: "b", yLabel: "y", bars: [.init(label: "x", value: 1)]).write(to: folder.appendingPathComponent("bars.svg"))
            #expect(try TestFiles.contents(of: folder) == ["bars.svg", "curves.svg", "reliability.svg"])
            let text = try String(contentsOf: folder.appendingPathComponent("curves.svg"), encoding: .utf8)
            #expect(text.hasPrefix("<?xml"))
        }
    }
}
