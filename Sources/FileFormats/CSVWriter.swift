/// The one CSV writer of RewardKit: records joined by `,`, each ended by LF. A field is quoted
/// exactly when reading it back through ``CSVReader`` (or another CSV reader) would need it: it
/// contains a comma, a quote, CR or LF, starts with a combining mark, starts or ends with a space
/// or tab, or is the only field of its record and empty (which would read as a blank line).
/// Quotes inside a quoted field are doubled.
package struct CSVWriter: Sendable {
    /// The CSV text written so far.
    package private(set) var text = ""

    /// A writer whose first record is `header`.
    package init(header: [String]) { appendRecord(header) }

    /// Appends one record.
    package mutating func appendRecord(_ fields: [String]) {
        if fields.count == 1 && fields[0].isEmpty {
            text += "\"\"\n"
            return
        }
        var first = true
        for field in fields {
            if !first { text += "," }
            first = false
            text += Self.field(field)
        }
        text += "\n"
    }

    /// `text` as a CSV field: quoted (with doubled quotes) when it needs it, as is otherwise.
    package static func field(_ text: String) -> String {
        guard needsQuotes(text) else { return text }
        // Doubled scalar by scalar: a quote followed by a combining mark is one Character, which a
        // Character-level replacement would miss.
        var quoted = String.UnicodeScalarView()
        quoted.append("\"")
        for scalar in text.unicodeScalars {
            quoted.append(scalar)
            if scalar == "\"" { quoted.append("\"") }
        }
        quoted.append("\"")
        return String(quoted)
    }

    /// True when `text` must be quoted to read back unchanged.
    package static func needsQuotes(_ text: String) -> Bool {
        let scalars = text.unicodeScalars
        guard let first = scalars.first, let last = scalars.last else { return false }
        if first == " " || first == "\t" || last == " " || last == "\t" { return true }
        switch first.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: break
        }
        return scalars.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
    }
}
