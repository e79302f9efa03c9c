import RealModule
import NumericCore
import Optimizers

/// The two learners of a linear reward from segment preferences.
public enum LinearRewardLearner: String, Sendable, Codable, CaseIterable {
    /// Fits ``PartialReturnObjective``.
    case partialReturn = "partial-return"
    /// Fits ``RegretObjective``.
    case regret
}

/// Settings of ``SegmentPreferenceObjective/fit(options:)``.
public struct LinearRewardFitOptions: Sendable, Equatable {
    /// Random starts w₀ ~ N(0, restartScale²·I) tried after the neutral start w₀ = 0.
    public var randomRestarts: Int = 3
    /// Standard deviation of a random start.
    public var restartScale: Double = 1
    /// L-BFGS iteration cap per start.
    public var maximumIterations: Int = 300
    /// L-BFGS stops when max |∂L/∂w_j| ≤ this.
    public var gradientTolerance: Double = 1e-8
    /// L-BFGS stops when a step lowers L by at most this times max(|L|, 1). On separable
    /// (deterministic) labels the loss keeps creeping towards 0 as ‖w‖ grows; this stops that
    /// creep once it no longer matters for the direction of w.
    public var relativeFunctionTolerance: Double = 1e-10
    /// Seed of the random starts.
    public var seed: UInt64 = 0

    /// Fit settings; the defaults are those of `rewardkit experiment regret`.
    public init(randomRestarts: Int = 3, restartScale: Double = 1, maximumIterations: Int = 300,
                gradientTolerance: Double = 1e-8, relativeFunctionTolerance: Double = 1e-10, seed: UInt64 = 0) {
        self.seed = seed
        self.randomRestarts = randomRestarts
        self.restartScale = restartScale
        self.maximumIterations = maximumIterations
        self.gradientTolerance = gradientTolerance
        self.relativeFunctionTolerance = relativeFunctionTolerance
    }
}

/// The result of fitting a linear reward: the start with the lowest training loss wins.
public struct LinearRewardFit: Sendable {
    /// The learned w.
    public let weights: Tensor<Double>
    /// L(w) (the penalized training loss).
    public let loss: Double
    /// The final loss of every start (neutral first).
    public let startLosses: [Double]
    /// L-BFGS iterations of the winning start.
    public let iterations: Int
    /// Why L-BFGS stopped on the winning start.
    public let stopReason: LBFGS<Double>.StopReason
    /// Whether the winning start met a convergence criterion.
    public let converged: Bool
}

extension SegmentPreferenceObjective {
    /// Minimizes the objective by full-batch L-BFGS (`Optimizers/LBFGS`, strong-Wolfe line search)
    /// from the neutral start w = 0 and `options.randomRestarts` random starts; returns the start
    /// with the lowest final loss. The random starts are drawn from `options.seed`.
    public func fit(options: LinearRewardFitOptions = LinearRewardFitOptions()) -> LinearRewardFit {
        var generator = SeededGenerator(seed: options.seed)
        let d = featureCount
        var starts = [[Double](repeating: 0, count: d)]
        for _ in 0..<Swift.max(0, options.randomRestarts) {
            starts.append((0..<d).map { _ in options.restartScale * generator.nextNormal() })
        }
        let solver = LBFGS<Double>(gradientTolerance: options.gradientTolerance,
                                   relativeFunctionTolerance: options.relativeFunctionTolerance,
                                   maximumIterations: options.maximumIterations)
        var best: LBFGS<Double>.Result?
        var losses = [Double]()
        for start in starts {
            let result = solver.minimize(from: start) { w, g in self.value(weights: w, gradient: &g) }
            losses.append(result.value)
            if result.value.isFinite && (best == nil || result.value < best!.value) { best = result }
        }
        guard let winner = best else {
            return LinearRewardFit(weights: Tensor(starts[0]), loss: .infinity, startLosses: losses, iterations: 0,
                                   stopReason: .nonFiniteValue, converged: false)
        }
        return LinearRewardFit(weights: Tensor(winner.parameters), loss: winner.value, startLosses: losses,
                               iterations: winner.iterations, stopReason: winner.stopReason,
                               converged: winner.converged)
    }
}
