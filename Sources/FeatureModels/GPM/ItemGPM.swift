import Dispatch
import NumericCore
import Optimizers
import PreferenceData
import RewardKitInternals
import Training

/// Why a GPM fit or query could not run.
public enum GPMError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The comparison set or pair set has no usable comparison.
    case emptyData
    /// The eigenvalue mode does not apply (prompt-gated eigenvalues need prompt features, items have none).
    case unsupportedEigenvalues(GPMEigenvalues, reason: String)
    /// Feature or prompt dimensions disagree with the model.
    case dimensionMismatch(what: String, expected: Int, found: Int)
    /// An item name that the model does not know.
    case unknownItem(String)

    /// The error in words, for messages.
    public var description: String {
        switch self {
        case .emptyData: return "no comparisons to fit"
        case .unsupportedEigenvalues(let mode, let reason): return "eigenvalue mode '\(mode.rawValue)' is not supported here: \(reason)"
        case .dimensionMismatch(let what, let expected, let found): return "\(what) has dimension \(found), expected \(expected)"
        case .unknownItem(let name): return "unknown item '\(name)'"
        }
    }
}

/// Item-level general preference model: each item gets a free embedding `u_i ∈ R^{2k}`, fit by
/// minimizing ``ItemGPMObjective`` (full batch) from several random starts, keeping the lowest loss.
///
/// Small-`k` embeddings of tournaments have local minima (an item can be stuck on the wrong side of
/// a plane), so ``restarts`` independent starts are run; each start draws `U ~ N(0, σ²)` with `σ = 1`
/// (normalized; only directions matter) or `σ = 0.1` (not normalized, so `|s|/τ` starts near 1).
///
/// ```swift
/// let set = try ComparisonSet(csvFile: URL(fileURLWithPath: "battles.csv"))
/// let model = try ItemGPM(configuration: .init(dimension: 4), restarts: 5, seed: 0).fit(set)
/// model.probability(preferring: "a", over: "b")
/// ```
public struct ItemGPM: Sendable {
    /// The optimizer of one start.
    public enum Solver: Sendable, Equatable {
        /// L-BFGS (strong Wolfe line search) until the gradient or the relative decrease is tiny.
        case lbfgs(maximumIterations: Int)
        /// Full-batch Adam with a fixed step size and step count.
        case adam(learningRate: Double, steps: Int)

        /// L-BFGS with at most 1000 iterations.
        public static let `default` = Solver.lbfgs(maximumIterations: 1000)
    }

    /// The model hyperparameters (eigenvalues must be ``GPMEigenvalues/fixed`` or ``GPMEigenvalues/learned``).
    public var configuration: GPMConfiguration
    /// The number of random starts (≥ 1).
    public var restarts: Int
    /// The optimizer.
    public var solver: Solver
    /// The penalty `c` of ``ItemGPMObjective`` (on `ρ`, and on `U` without normalization).
    public var l2Penalty: Double
    /// The seed of the random starts: fitting twice with the same seed gives the same model.
    public var seed: UInt64

    /// Creates the estimator: the GPM settings, the number of random restarts (the best objective is kept) and their seed.
    public init(configuration: GPMConfiguration = GPMConfiguration(), restarts: Int = 5,
                solver: Solver = .default, l2Penalty: Double = 1e-4, seed: UInt64 = 0) {
        precondition(restarts >= 1, "ItemGPM needs at least one start, got \(restarts)")
        precondition(l2Penalty >= 0, "ItemGPM l2Penalty must be ≥ 0, got \(l2Penalty)")
        self.configuration = configuration
        self.restarts = restarts
        self.solver = solver
        self.l2Penalty = l2Penalty
        self.seed = seed
    }

    /// Fits the model. The starting points of all restarts are drawn in turn from one
    /// `SeededGenerator(seed: seed)` before the starts run in parallel, so the result depends only
    /// on the seed, not on the number of threads.
    public func fit(_ set: ComparisonSet) throws(GPMError) -> ItemGPMModel {
        guard configuration.eigenvalues != .promptGated else {
            throw .unsupportedEigenvalues(.promptGated, reason: "items have no prompt features; use fixed or learned")
        }
        guard set.count > 0, set.itemCount >= 2, set.totalWeight > 0 else { throw .emptyData }
        let clock = ContinuousClock()
        let start = clock.now
        let objective = ItemGPMObjective(set, configuration: configuration, l2Penalty: l2Penalty)
        var generator = SeededGenerator(seed: seed)
        let starts: [[Double]] = (0..<restarts).map { _ in
            let sigma = configuration.normalizesEmbeddings ? 1.0 : 0.1
            var x = (0..<(set.itemCount * configuration.dimension)).map { _ in sigma * generator.nextNormal() }
            if configuration.eigenvalues == .learned { x += configuration.initialLogEigenvalues(Double.self).scalars }
            return x
        }
        let runs = ResultSlots<ItemGPMModel.Start>(count: restarts)
        let solver = self.solver
        BLASRuntime.withSingleThread {
            DispatchQueue.concurrentPerform(iterations: restarts) { r in
                runs.store(Self.run(objective, from: starts[r], solver: solver), at: r)
            }
        }
        let results = runs.values().map { $0! }
        let best = results.indices.min { results[$0].objective < results[$1].objective }!
        let (v, eigenvalues) = objective.embeddingsAndEigenvalues(results[best].parameters)
        let (loss, accuracy) = objective.lossAndAccuracy(results[best].parameters)
        let elapsed = clock.now - start
        let seconds = elapsed.inSeconds
        let report = ItemGPMModel.FitReport(starts: results, bestStart: best, trainingLoss: loss,
                                            trainingAccuracy: accuracy, seconds: seconds)
        return ItemGPMModel(items: set.items, configuration: configuration, embeddings: v, eigenvalues: eigenvalues,
                            report: report)
    }

    static func run(_ objective: ItemGPMObjective, from x0: [Double], solver: Solver) -> ItemGPMModel.Start {
        switch solver {
        case .lbfgs(let maximumIterations):
            let lbfgs = LBFGS<Double>(memory: 20, gradientTolerance: 1e-7, maximumIterations: maximumIterations)
            let result = lbfgs.minimize(from: x0) { x in objective.valueAndGradient(x) }
            return .init(objective: result.value, iterations: result.iterations, converged: result.converged,
                         stopReason: .lbfgs(result.stopReason), parameters: result.parameters)
        case .adam(let learningRate, let steps):
            var adam = Adam<Double>(learningRate: learningRate)
            var parameters = [Tensor(x0)]
            for _ in 0..<steps {
                let (_, g) = objective.valueAndGradient(parameters[0].scalars)
                adam.update(&parameters, gradients: [Tensor(g)])
            }
            let value = objective.valueAndGradient(parameters[0].scalars).value
            return .init(objective: value, iterations: steps, converged: false,
                         stopReason: .fixedStepCount, parameters: parameters[0].scalars)
        }
    }
}

/// A fitted item-level GPM: one embedding per item and the eigenvalues, with the queries.
public struct ItemGPMModel: Sendable {
    /// Why one start of the fit stopped.
    public enum StopReason: Sendable, Equatable, CustomStringConvertible {
        /// The L-BFGS solver's reason.
        case lbfgs(LBFGS<Double>.StopReason)
        /// Adam ran its fixed number of steps.
        case fixedStepCount

        /// L-BFGS's raw value (`gradientToleranceReached`, …) or `fixed step count`.
        public var description: String {
            switch self {
            case .lbfgs(let reason): return reason.rawValue
            case .fixedStepCount: return "fixed step count"
            }
        }
    }

    /// One random start of the fit.
    public struct Start: Sendable {
        /// The final objective (loss plus penalty).
        public var objective: Double
        /// Iterations (L-BFGS) or steps (Adam).
        public var iterations: Int
        /// Whether the solver met its convergence test.
        public var converged: Bool
        /// Why it stopped (its description is the word reports write).
        public var stopReason: StopReason
        /// The final flat parameters `[vec(U), ρ]`.
        public var parameters: [Double]
    }

    /// How the fit went.
    public struct FitReport: Sendable {
        /// Every start, in order.
        public var starts: [Start]
        /// The index of the start kept (lowest objective).
        public var bestStart: Int
        /// The mean loss of the kept start (no penalty).
        public var trainingLoss: Double
        /// Its weighted training accuracy (strict).
        public var trainingAccuracy: Double
        /// Wall time of the fit.
        public var seconds: Double
    }

    /// Item names (index order).
    public let items: [String]
    /// The hyperparameters used.
    public let configuration: GPMConfiguration
    /// `V` (`[n, 2k]`), normalized when the configuration normalizes.
    public let embeddings: Tensor<Double>
    /// `λ` (`[k]`).
    public let eigenvalues: Tensor<Double>
    /// The fit's report (`nil` for a model built from stored parameters).
    public let report: FitReport?
    private let index: [String: Int]

    /// A model from its parts.
    public init(items: [String], configuration: GPMConfiguration, embeddings: Tensor<Double>, eigenvalues: Tensor<Double>,
                report: FitReport? = nil) {
        precondition(embeddings.shape == [items.count, configuration.dimension],
                     "ItemGPMModel: embeddings \(embeddings.shape) for \(items.count) items of dimension \(configuration.dimension)")
        precondition(eigenvalues.shape == [configuration.planeCount],
                     "ItemGPMModel: eigenvalues \(eigenvalues.shape), expected [\(configuration.planeCount)]")
        self.items = items
        self.configuration = configuration
        self.embeddings = embeddings
        self.eigenvalues = eigenvalues
        self.report = report
        var index = [String: Int]()
        for (i, name) in items.enumerated() { index[name] = i }
        self.index = index
    }

    /// The number of items.
    public var itemCount: Int { items.count }

    /// `s(i ≻ j)` for item indices.
    public func score(_ i: Int, over j: Int) -> Double {
        precondition(i >= 0 && i < itemCount && j >= 0 && j < itemCount, "ItemGPMModel.score: items (\(i), \(j)) out of range for \(itemCount)")
        return SkewSymmetricOperator.scores(embeddings.gatherRows([i]), embeddings.gatherRows([j]), eigenvalues: eigenvalues)[0]
    }

    /// `P(i ≻ j) = σ(s(i ≻ j)/τ)` for item indices.
    public func probability(preferring i: Int, over j: Int) -> Double {
        Double.sigmoid(score(i, over: j) / configuration.temperature)
    }

    /// `P(a ≻ b)` for item names.
    public func probability(preferring a: String, over b: String) throws(GPMError) -> Double {
        guard let i = index[a] else { throw .unknownItem(a) }
        guard let j = index[b] else { throw .unknownItem(b) }
        return probability(preferring: i, over: j)
    }

    /// The item index of a name.
    public func index(of name: String) -> Int? { index[name] }

    /// The `n×n` score matrix `S = V·R·Vᵀ` (one `gemm`).
    public func scoreMatrix() -> Tensor<Double> {
        SkewSymmetricOperator.scoreMatrix(embeddings, eigenvalues: eigenvalues)
    }

    /// The preference score of items against a reference set of items (see ``ReferenceAggregate``).
    public func preferenceScores(of items: [Int], against reference: [Int], aggregate: ReferenceAggregate = .meanScore) -> [Double] {
        precondition(!reference.isEmpty, "ItemGPMModel.preferenceScores needs a non-empty reference set")
        return ReferenceAggregate.evaluate(aggregate, embeddings.gatherRows(items), embeddings.gatherRows(reference),
                                           eigenvalues: eigenvalues, temperature: configuration.temperature)
    }

    /// The cyclic-triple census of the model's tournament over all items.
    public func tripleCensus() -> TripleCensus { CyclicTriples.census(scoreMatrix: scoreMatrix()) }

    /// The weighted strict accuracy on a comparison set over the same items (ties skipped).
    public func accuracy(on set: ComparisonSet) -> Double {
        let s = scoreMatrix()
        var correct = 0.0, total = 0.0
        for k in 0..<set.count where !set.ties[k] {
            total += set.weights[k]
            if s[set.winners[k], set.losers[k]] > 0 { correct += set.weights[k] }
        }
        return total > 0 ? correct / total : 0
    }
}

