/// One bin of a reliability curve: predictions p with `lowerBound ≤ p < upperBound` (the last bin
/// includes 1).
public struct ReliabilityBin: Sendable, Equatable, Codable {
    /// The lower end of the bin's predicted-probability range.
    public var lowerBound: Double
    /// The upper end of the bin's predicted-probability range.
    public var upperBound: Double
    /// How many predictions fell in the bin.
    public var count: Int
    /// Their mean predicted probability (nil for an empty bin).
    public var meanPrediction: Double?
    /// The share of them whose event happened (nil for an empty bin).
    public var observedFrequency: Double?

    /// A bin of `count` predictions in [`lowerBound`, `upperBound`) with their mean and observed frequency.
    public init(lowerBound: Double, upperBound: Double, count: Int, meanPrediction: Double?, observedFrequency: Double?) {
        self.lowerBound = lowerBound
        self.upperBound = upperBound
        self.count = count
        self.meanPrediction = meanPrediction
        self.observedFrequency = observedFrequency
    }

    /// |mean prediction − observed frequency| (0 for an empty bin).
    public var gap: Double {
        guard let p = meanPrediction, let f = observedFrequency else { return 0 }
        return abs(p - f)
    }
}
