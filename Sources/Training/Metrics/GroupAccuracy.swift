/// The accuracy on the pairs of one user or one group.
public struct GroupAccuracy: Sendable, Equatable, Codable {
    /// The user or group name.
    public var name: String
    /// Its index in the user table or group list.
    public var index: Int
    /// Pairs it has.
    public var count: Int
    /// Pairs ranked correctly.
    public var correct: Int

    /// A group's tally: `correct` of its `count` pairs ranked correctly.
    public init(name: String, index: Int, count: Int, correct: Int) {
        self.name = name
        self.index = index
        self.count = count
        self.correct = correct
    }

    /// correct / count (0 for no pairs).
    public var accuracy: Double { count > 0 ? Double(correct) / Double(count) : 0 }
}
