/// The names used for each input of a ``FeaturePairs`` in error messages (file paths when the data
/// was loaded from files).
public struct FeaturePairSources: Sendable, Equatable {
    public var chosen: String
    public var rejected: String
    public var prompts: String
    public var margins: String
    public var users: String

    public init(chosen: String = "chosen", rejected: String = "rejected", prompts: String = "prompts",
                margins: String = "margins", users: String = "users") {
        self.chosen = chosen
        self.rejected = rejected
        self.prompts = prompts
        self.margins = margins
        self.users = users
    }
}
