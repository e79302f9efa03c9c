/// The names used for each input of a ``FeaturePairs`` in error messages (file paths when the data
/// was loaded from files).
public struct FeaturePairSources: Sendable, Equatable {
    /// The name of the chosen-features source, for errors.
    public var chosen: String
    /// The name of the rejected-features source, for errors.
    public var rejected: String
    /// The name of the prompt-features source, for errors.
    public var prompts: String
    /// The name of the margins source, for errors.
    public var margins: String
    /// The name of the users source, for errors.
    public var users: String

    /// Sources with the given names (defaults: the roles' names).
    public init(chosen: String = "chosen", rejected: String = "rejected", prompts: String = "prompts",
                margins: String = "margins", users: String = "users") {
        self.chosen = chosen
        self.rejected = rejected
        self.prompts = prompts
        self.margins = margins
        self.users = users
    }
}
