import Testing
@testable import Reports

/// Issue 15: chart numbers and axes are total — a whole number of 1e19 trapped in
/// `Int(_:)`, and a span beyond Double's range or a tiny span at 1e300 could loop forever.
@Suite struct ExtremeValueChartTests {
    @Test func svgNumbersBeyondIntAreFormattedNotTrapped() {
        #expect(SVGBuilder.number(1e19) == "10000000000000000000.00")
        #expect(SVGBuilder.number(-3e300).hasPrefix("-3"))
        #expect(SVGBuilder.number(12) == "12")
    }

    @Test func axesOverExtremeValuesHaveFewFiniteTicks() {
        for values in [[-1.7e308, 1.7e308], [1e300, 1.0000000000000002e300], [1e19, 2e19]] {
            let scale = AxisScale(values: values, pixelStart: 0, pixelEnd: 100)
            #expect(!scale.ticks.isEmpty && scale.ticks.count <= 28, "\(values): \(scale.ticks.count) ticks")
            #expect(scale.ticks.allSatisfy { $0.isFinite } && scale.position(values[0]).isFinite, "\(values)")
        }
        var chart = LineChart(title: "huge", xLabel: "epoch", yLabel: "loss")
        chart.add(LineChart.Series(name: "train", points: [(1, 5e37), (2, 1e19), (3, 1.7e308)]))
        #expect(chart.svg().hasPrefix("<svg") || chart.svg().hasPrefix("<?xml"))
    }
}
