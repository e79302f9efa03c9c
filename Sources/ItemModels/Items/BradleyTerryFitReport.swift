/// How an item-level fit ended: a ``BradleyTerry`` fit, or a ``ThurstonianFitter`` fit (whose Case V
/// fits are Bradley–Terry fits with the Thurstone link, and whose per-item-variance fits run a
/// truncated Newton method on their own objective).
public struct BradleyTerryFitReport: Sendable, Equatable, Codable {
    /// Why the solver stopped.
    public enum StopReason: String, Sendable, Equatable, Codable, CaseIterable {
        /// max |∇F| reached the tolerance.
        case gradientTolerance
        /// The iteration limit was reached first.
        case maximumIterations
        /// No step along the search direction decreased F (the limit of floating-point precision).
        case noFurtherProgress
        /// L-BFGS only: the decrease of F in one step fell below its relative tolerance (a
        /// convergence criterion: ``BradleyTerryFitReport/converged`` is true).
        case relativeFunctionChange
        /// L-BFGS only: the limit on objective evaluations (line-search trials included) was reached.
        case maximumFunctionEvaluations
    }

    /// The optimizer that ran.
    public enum Solver: String, Sendable, Equatable, Codable, CaseIterable {
        /// Damped Newton with a dense Cholesky solve (``BradleyTerry/Solver/newtonCholesky``).
        case newtonCholesky
        /// Hunter's MM (``BradleyTerry/Solver/minorizationMaximization``).
        case minorizationMaximization
        /// Truncated Newton (``BradleyTerry/Solver/truncatedNewton``, and ``ThurstonianFitter`` with
        /// per-item variances).
        case truncatedNewton
        /// L-BFGS with a strong Wolfe line search (``NoisyBradleyTerry``).
        case lbfgs

        /// The report's name of a resolved ``BradleyTerry/Solver`` (`.automatic` never runs itself).
        public init(_ solver: BradleyTerry.Solver) {
            switch solver {
            case .newtonCholesky, .automatic: self = .newtonCholesky
            case .minorizationMaximization: self = .minorizationMaximization
            case .truncatedNewton: self = .truncatedNewton
            }
        }
    }

    /// The solver that ran.
    public var solver: Solver
    /// Outer iterations (Newton steps, MM sweeps or L-BFGS steps).
    public var iterations: Int
    /// Conjugate-gradient iterations summed over all Newton steps (0 for the other solvers).
    public var innerIterations: Int
    /// F at the solution: −log-likelihood + (λ/2)‖θ‖² (for a per-item Thurstonian fit, with
    /// θ = μ/√2, plus the log-scale penalty; see ``ThurstonianFitter``).
    public var objective: Double
    /// The log-likelihood Σ w·log P(record) at the solution (for `halfWins`, a tie contributes
    /// ½·log P(i ≻ j) + ½·log P(j ≻ i); for soft labels y, y·log P + (1 − y)·log(1 − P)).
    public var logLikelihood: Double
    /// max |∂F/∂x| over all parameters at the solution (per-item Thurstonian fits: in (μ, log σ) on
    /// the gauge subspace).
    public var maxAbsGradient: Double
    /// Why the solver stopped.
    public var stopReason: StopReason
    /// Whether max |∇F| ≤ the configured tolerance (for L-BFGS: or the relative change of F fell
    /// below its tolerance, ``StopReason/relativeFunctionChange``).
    public var converged: Bool
    /// Wall-clock seconds of the fit (aggregation included).
    public var seconds: Double
}
