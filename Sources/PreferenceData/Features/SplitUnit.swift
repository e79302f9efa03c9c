/// What a train/test split keeps together.
public enum SplitUnit: Sendable, Equatable {
    /// Pairs are assigned independently.
    case pair
    /// All pairs of a user go to the same side, so the test set holds unseen users.
    case user
}
