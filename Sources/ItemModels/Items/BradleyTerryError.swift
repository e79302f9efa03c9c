/// Why an item-level paired-comparison fit could not be made.
public enum BradleyTerryError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The data has no comparisons (after dropping ties, when ties are dropped).
    case emptyData
    /// Fewer than two items.
    case tooFewItems(Int)
    /// λ = 0 and the directed comparison graph (an edge i → j when i beat j; ties count both
    /// ways) is not strongly connected, so the maximum-likelihood strengths do not exist.
    /// `components` lists the strongly connected components, strongest first (no item of a later
    /// component beat any item of an earlier one along the condensation order);
    /// `neverLost`/`neverWon` are items without a loss / without a win.
    case notStronglyConnected(components: [[String]], neverLost: [String], neverWon: [String])
    /// A tie model was asked for but the data has no ties, or only ties: the tie parameter's
    /// maximum-likelihood estimate would be 0 or ∞.
    case tieParameterUndefined(ties: Double, decisive: Double)
    /// The configuration combines options that do not go together.
    case unsupportedConfiguration(String)
    /// A numerical failure the solver could not recover from.
    case numericalFailure(String)

    /// The error in words, for messages.
    public var description: String {
        switch self {
        case .emptyData:
            return "no comparisons to fit"
        case .tooFewItems(let n):
            return "need at least 2 items, found \(n)"
        case .notStronglyConnected(let components, let neverLost, let neverWon):
            func list(_ names: [String], limit: Int = 10) -> String {
                let shown = names.prefix(limit).map { "'\($0)'" }.joined(separator: ", ")
                return names.count > limit ? shown + ", … (\(names.count) in all)" : shown
            }
            var text = "the comparison graph is not strongly connected (\(components.count) components), "
                + "so the maximum-likelihood strengths do not exist (some diverge to ±∞)."
            if !neverLost.isEmpty { text += " Items that never lost: \(list(neverLost))." }
            if !neverWon.isEmpty { text += " Items that never won: \(list(neverWon))." }
            let shownComponents = components.prefix(8).map { "{" + list($0, limit: 6) + "}" }
            text += " Components, strongest first (no item of a later group beat one of an earlier group): "
                + shownComponents.joined(separator: " > ")
                + (components.count > 8 ? " > … (\(components.count) components)" : "") + "."
            text += " Use an L2 penalty λ > 0 (e.g. l2Penalty: 0.01, or --l2 0.01) to get finite strengths."
            return text
        case .tieParameterUndefined(let ties, let decisive):
            return "the tie model needs both ties and decisive comparisons (found tie weight \(ties), "
                + "decisive weight \(decisive)); use --ties none for data without ties"
        case .unsupportedConfiguration(let detail):
            return "unsupported configuration: \(detail)"
        case .numericalFailure(let detail):
            return "numerical failure: \(detail)"
        }
    }
}
