/// How an item-level fit ended.
public struct BradleyTerryFitReport: Sendable, Equatable, Codable {
    /// Why the solver stopped.
    public enum StopReason: String, Sendable, Equatable, Codable, CaseIterable {
        /// max |∇F| reached the tolerance.
        case gradientTolerance
        /// The iteration limit was reached first.
        case maximumIterations
        /// No step along the search direction decreased F (the limit of floating-point precision).
        case noFurtherProgress
    }

    /// The solver that ran (never `.automatic`).
    public var solver: BradleyTerry.Solver
    /// Outer iterations (Newton steps or MM sweeps).
    public var iterations: Int
    /// Conjugate-gradient iterations summed over all Newton steps (0 for the other solvers).
    public var innerIterations: Int
    /// F at the solution: −log-likelihood + (λ/2)‖θ‖².
    public var objective: Double
    /// The log-likelihood Σ w·log P(record) at the solution (for `halfWins`, a tie contributes
    /// ½·log P(i ≻ j) + ½·log P(j ≻ i)).
    public var logLikelihood: Double
    /// max |∂F/∂x| over all parameters at the solution.
    public var maxAbsGradient: Double
    /// Why the solver stopped.
    public var stopReason: StopReason
    /// Whether max |∇F| ≤ the configured tolerance.
    public var converged: Bool
    /// Wall-clock seconds of the fit (aggregation included).
    public var seconds: Double
}
