import Foundation

/// A minimal SVG writer: elements are appended as text with escaped attributes, and numbers are
/// written with at most two decimals so files stay small and diff-friendly.
struct SVGBuilder {
    private(set) var body = ""
    let width: Double
    let height: Double

    static let fontFamily = "Helvetica, Arial, sans-serif"
    /// A colour-blind-friendly palette (Tableau 10).
    static let palette = ["#4E79A7", "#F28E2B", "#59A14F", "#E15759", "#76B7B2", "#EDC948", "#B07AA1", "#FF9DA7", "#9C755F", "#BAB0AC"]

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    static func color(_ index: Int) -> String { palette[index % palette.count] }

    static func number(_ x: Double) -> String {
        guard x.isFinite else { return "0" }
        let rounded = (x * 100).rounded() / 100
        if rounded == rounded.rounded() && Swift.abs(rounded) < 1e15 { return String(Int(rounded)) }
        return String(format: "%.2f", rounded)
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(c)
            }
        }
        return out
    }

    private static func attributes(_ pairs: [(String, String)]) -> String {
        pairs.map { " \($0.0)=\"\(escape($0.1))\"" }.joined()
    }

    mutating func raw(_ text: String) { body += text + "\n" }

    mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String? = nil,
                       strokeWidth: Double = 1, opacity: Double? = nil, rx: Double = 0) {
        var a: [(String, String)] = [("x", Self.number(x)), ("y", Self.number(y)), ("width", Self.number(Swift.max(width, 0))),
                                     ("height", Self.number(Swift.max(height, 0))), ("fill", fill)]
        if rx > 0 { a.append(("rx", Self.number(rx))) }
        if let stroke { a += [("stroke", stroke), ("stroke-width", Self.number(strokeWidth))] }
        if let opacity { a.append(("fill-opacity", Self.number(opacity))) }
        raw("<rect\(Self.attributes(a))/>")
    }

    mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1, dash: String? = nil) {
        var a: [(String, String)] = [("x1", Self.number(x1)), ("y1", Self.number(y1)), ("x2", Self.number(x2)), ("y2", Self.number(y2)),
                                     ("stroke", stroke), ("stroke-width", Self.number(width))]
        if let dash { a.append(("stroke-dasharray", dash)) }
        raw("<line\(Self.attributes(a))/>")
    }

    mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 2, dash: String? = nil) {
        guard points.count >= 2 else { return }
        let text = points.map { "\(Self.number($0.0)),\(Self.number($0.1))" }.joined(separator: " ")
        var a: [(String, String)] = [("points", text), ("fill", "none"), ("stroke", stroke), ("stroke-width", Self.number(width)),
                                     ("stroke-linejoin", "round"), ("stroke-linecap", "round")]
        if let dash { a.append(("stroke-dasharray", dash)) }
        raw("<polyline\(Self.attributes(a))/>")
    }

    mutating func circle(cx: Double, cy: Double, r: Double, fill: String, stroke: String = "white", strokeWidth: Double = 1) {
        raw("<circle\(Self.attributes([("cx", Self.number(cx)), ("cy", Self.number(cy)), ("r", Self.number(r)), ("fill", fill), ("stroke", stroke), ("stroke-width", Self.number(strokeWidth))]))/>")
    }

    enum Anchor: String { case start, middle, end }

    mutating func text(_ content: String, x: Double, y: Double, size: Double = 12, anchor: Anchor = .start,
                       weight: String? = nil, fill: String = "#333333", rotate: Double? = nil) {
        var a: [(String, String)] = [("x", Self.number(x)), ("y", Self.number(y)), ("font-size", Self.number(size)),
                                     ("text-anchor", anchor.rawValue), ("fill", fill)]
        if let weight { a.append(("font-weight", weight)) }
        if let rotate { a.append(("transform", "rotate(\(Self.number(rotate)) \(Self.number(x)) \(Self.number(y)))")) }
        raw("<text\(Self.attributes(a))>\(Self.escape(content))</text>")
    }

    /// The complete standalone document.
    func document(title: String) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Self.number(width))" height="\(Self.number(height))" viewBox="0 0 \(Self.number(width)) \(Self.number(height))" font-family="\(Self.fontFamily)">
        <title>\(Self.escape(title))</title>
        <rect x="0" y="0" width="\(Self.number(width))" height="\(Self.number(height))" fill="white"/>
        \(body)</svg>

        """
    }
}
