extension Duration {
    /// The duration in seconds, as a Double (the unit every fit report and benchmark uses).
    @inlinable
    public var inSeconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }
}
