// Column padding for the plain-text tables the library and the command-line tool print.

extension String {
    /// The string padded with spaces to `width` characters, on the right (`.left` alignment) or
    /// on the left (`.right`); a longer string is returned unchanged.
    package func padded(to width: Int, alignment: TextAlignment = .left) -> String {
        let missing = width - count
        guard missing > 0 else { return self }
        let fill = String(repeating: " ", count: missing)
        return alignment == .left ? self + fill : fill + self
    }
}

/// Where a cell's text sits in its column.
package enum TextAlignment: Sendable {
    case left, right
}
