/// Why a Plackett–Luce fit could not be made.
public enum PlackettLuceError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The data has no ranking with a choice to learn from (every ranking has weight 0).
    case emptyData
    /// Fewer than two items.
    case tooFewItems(Int)
    /// λ = 0 without pseudo-rankings and the directed "beats" graph (an edge i → j when i is
    /// placed above j in some ranking; tied items beat each other) is not strongly connected, so
    /// the maximum-likelihood strengths do not exist. `components` lists the strongly connected
    /// components, strongest first; `neverBeaten` are items no other item was placed above,
    /// `neverBeating` items placed above no other item.
    case noMaximumLikelihood(components: [[String]], neverBeaten: [String], neverBeating: [String])
    /// The Davidson–Luce tie model was asked for but the data has no ties.
    case tieParameterUndefined
    /// The configuration combines options that do not go together.
    case unsupportedConfiguration(String)
    /// A numerical failure the solver could not recover from.
    case numericalFailure(String)

    /// The error in words, for messages.
    public var description: String {
        switch self {
        case .emptyData:
            return "no rankings to fit"
        case .tooFewItems(let n):
            return "need at least 2 items, found \(n)"
        case .noMaximumLikelihood(let components, let neverBeaten, let neverBeating):
            func list(_ names: [String], limit: Int = 10) -> String {
                let shown = names.prefix(limit).map { "'\($0)'" }.joined(separator: ", ")
                return names.count > limit ? shown + ", … (\(names.count) in all)" : shown
            }
            var text = "the maximum-likelihood strengths do not exist: the \"beats\" graph of the rankings is not "
                + "strongly connected (\(components.count) components), so some strengths diverge to ±∞."
            if !neverBeaten.isEmpty { text += " Items never ranked below another item: \(list(neverBeaten))." }
            if !neverBeating.isEmpty { text += " Items never ranked above another item: \(list(neverBeating))." }
            let shown = components.prefix(8).map { "{" + list($0, limit: 6) + "}" }
            text += " Components, strongest first (no item of a later group was ranked above one of an earlier group): "
                + shown.joined(separator: " > ") + (components.count > 8 ? " > … (\(components.count) components)" : "") + "."
            text += " Use an L2 penalty (--l2 0.01) or pseudo-rankings (--pseudo-rankings 1) to get finite strengths."
            return text
        case .tieParameterUndefined:
            return "the Davidson–Luce tie model needs rankings with ties; use --ties none for data without ties"
        case .unsupportedConfiguration(let detail):
            return "unsupported configuration: \(detail)"
        case .numericalFailure(let detail):
            return "numerical failure: \(detail)"
        }
    }
}
