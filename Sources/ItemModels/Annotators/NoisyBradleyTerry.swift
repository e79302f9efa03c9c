import Foundation
import NumericCore
import Optimizers
import PreferenceData
import RewardKitInternals

/// The noisy (Crowd-BT) Bradley–Terry model: item strengths θ fitted jointly with each annotator's
/// reliability η_a (the probability of reporting the true preference) and, when the data record which
/// item was shown first, a position bias β_a:
///
///   P(a reports i ≻ j) = η_a·σ(θ_i − θ_j + β_a·s) + (1 − η_a)·σ(−(θ_i − θ_j + β_a·s)),
///
/// s = +1 when i was shown first, −1 when j was. The fit is the maximum a posteriori estimate of
/// ``NoisyBradleyTerryObjective`` by L-BFGS (diagonally preconditioned) from the Bradley–Terry
/// strengths. Priors (Docs/Annotators.md): u_a = logit η_a has a logistic-Beta prior, so η_a stays
/// inside (0, 1); by default its mode is the population's reliability η̄ with ``Configuration/priorStrength``
/// pseudo-labels (an annotator with few labels shrinks to the population), η̄ and the population
/// bias β̄ coming from a first fit in which all annotators share one η and one β; β_a ~ N(β̄, τ²).
///
/// ```swift
/// let data = try ComparisonSet(csvFile: URL(fileURLWithPath: "labels.csv"))   // with an annotator column
/// let model = try NoisyBradleyTerry().fit(data)
/// for annotator in model.annotators where annotator.flag != .ok { print(annotator.name, annotator.flag) }
/// ```
public struct NoisyBradleyTerry: Sendable {
    /// How the annotators' reliabilities enter.
    public enum Reliability: Sendable, Equatable {
        /// Fitted, with a logistic-Beta prior whose mode is the population's reliability η̄ (fitted
        /// first with one shared η) and whose weight is `strength` pseudo-labels: (a, b) = (κη̄, κ(1 − η̄)).
        case population(strength: Double)
        /// Fitted, with a fixed logistic-Beta(a, b) prior (mode η = a/(a + b)); the bias prior is N(0, τ²).
        case beta(a: Double, b: Double)
        /// Not fitted: every η_a = 1 (the plain Bradley–Terry likelihood, plus position biases when
        /// the data record the item shown first).
        case perfect
    }

    /// The hyperparameters of a fit.
    public struct Configuration: Sendable, Equatable {
        /// λ in (λ/2)‖θ‖².
        public var l2Penalty: Double
        /// How reliabilities are fitted and their prior.
        public var reliability: Reliability
        /// τ, the standard deviation of the Gaussian prior on each position bias β_a.
        public var biasPriorScale: Double
        /// Annotators with fewer labels than this are flagged ``AnnotatorReliability/Flag/tooFew``.
        public var minimumLabels: Int
        /// |ι| below this flags a spammer, ι ≤ −this an adversary (ι = (2η − 1)·4σ(β)σ(−β),
        /// see ``AnnotatorReliability/informativeness``).
        public var flagThreshold: Double
        /// Stop when max |∂F/∂x| ≤ this.
        public var gradientTolerance: Double
        /// The L-BFGS iteration limit of each stage.
        public var maximumIterations: Int
        /// Whether the objective may use two threads.
        public var parallel: Bool

        /// A configuration; the defaults are λ = 0, a population prior of 10 pseudo-labels, τ = 1.5,
        /// 20 labels for a flag, flag threshold 0.2.
        public init(l2Penalty: Double = 0, reliability: Reliability = .population(strength: 10), biasPriorScale: Double = 1.5,
                    minimumLabels: Int = 20, flagThreshold: Double = 0.2, gradientTolerance: Double = 1e-7,
                    maximumIterations: Int = 5000, parallel: Bool = true) {
            self.l2Penalty = l2Penalty
            self.reliability = reliability
            self.biasPriorScale = biasPriorScale
            self.minimumLabels = minimumLabels
            self.flagThreshold = flagThreshold
            self.gradientTolerance = gradientTolerance
            self.maximumIterations = maximumIterations
            self.parallel = parallel
        }

        func validate() throws(BradleyTerryError) {
            if !(l2Penalty.isFinite && l2Penalty >= 0) {
                throw .unsupportedConfiguration("l2Penalty must be finite and ≥ 0, got \(l2Penalty)")
            }
            if !(biasPriorScale.isFinite && biasPriorScale > 0) {
                throw .unsupportedConfiguration("biasPriorScale must be finite and > 0, got \(biasPriorScale)")
            }
            switch reliability {
            case .population(let strength) where !(strength.isFinite && strength > 0):
                throw .unsupportedConfiguration("the population prior strength must be finite and > 0, got \(strength)")
            case .beta(let a, let b) where !(a.isFinite && b.isFinite && a > 0 && b > 0):
                throw .unsupportedConfiguration("the reliability prior needs finite a, b > 0, got (\(a), \(b))")
            default: break
            }
            if minimumLabels < 0 { throw .unsupportedConfiguration("minimumLabels must be ≥ 0, got \(minimumLabels)") }
            if !(flagThreshold >= 0 && flagThreshold < 1) {
                throw .unsupportedConfiguration("flagThreshold must be in [0, 1), got \(flagThreshold)")
            }
            if !(gradientTolerance > 0) { throw .unsupportedConfiguration("gradientTolerance must be > 0, got \(gradientTolerance)") }
            if maximumIterations < 1 { throw .unsupportedConfiguration("maximumIterations must be ≥ 1, got \(maximumIterations)") }
        }
    }

    /// The hyperparameters.
    public var configuration: Configuration

    /// An estimator with `configuration`.
    public init(_ configuration: Configuration = Configuration()) { self.configuration = configuration }

    /// The records of `comparisons` in the objective's layout: a tie becomes two half-weight records
    /// (the `halfWins` convention of ``BradleyTerry``), zero-weight records are left out.
    static func records(_ comparisons: ComparisonSet, annotators: [Int])
        -> (winners: [Int32], losers: [Int32], annotators: [Int32], sides: [Int8], weights: [Double], source: [Int]) {
        var w = [Int32](), l = [Int32](), a = [Int32](), s = [Int8](), weight = [Double](), source = [Int]()
        let m = comparisons.count
        w.reserveCapacity(m); l.reserveCapacity(m); a.reserveCapacity(m); s.reserveCapacity(m)
        weight.reserveCapacity(m); source.reserveCapacity(m)
        for k in 0..<m where comparisons.weights[k] > 0 {
            let side = comparisons.shownFirst?[k] ?? 0
            let half = comparisons.ties[k]
            w.append(Int32(comparisons.winners[k])); l.append(Int32(comparisons.losers[k]))
            a.append(Int32(annotators[k])); s.append(side)
            weight.append(half ? comparisons.weights[k] / 2 : comparisons.weights[k]); source.append(k)
            if half {
                w.append(Int32(comparisons.losers[k])); l.append(Int32(comparisons.winners[k]))
                a.append(Int32(annotators[k])); s.append(-side)
                weight.append(comparisons.weights[k] / 2); source.append(k)
            }
        }
        return (w, l, a, s, weight, source)
    }

    /// Fits the model to `comparisons`, which must name annotators.
    ///
    /// - Throws: ``BradleyTerryError``: no annotator ids (`unsupportedConfiguration`), an empty data
    ///   set, fewer than two items, a bad configuration, or — when λ = 0 — a comparison graph that
    ///   is not strongly connected (as ``BradleyTerry`` does). Non-convergence is reported in
    ///   ``NoisyBradleyTerryModel/report``.
    public func fit(_ comparisons: ComparisonSet) throws(BradleyTerryError) -> NoisyBradleyTerryModel {
        let clock = ContinuousClock()
        let start = clock.now
        try configuration.validate()
        guard let annotatorIDs = comparisons.annotators else {
            throw .unsupportedConfiguration("the noisy Bradley–Terry model needs annotator ids (an `annotator` column)")
        }
        let n = comparisons.itemCount
        if n < 2 { throw .tooFewItems(n) }
        let lambda = configuration.l2Penalty
        // The Bradley–Terry fit: the start, and the same existence check (strong connectivity at λ = 0).
        let plain = try BradleyTerry(.init(l2Penalty: lambda, ties: .halfWins, parallel: configuration.parallel)).fit(comparisons)
        let r = Self.records(comparisons, annotators: annotatorIDs)
        if r.winners.isEmpty { throw .emptyData }
        let annotatorCount = comparisons.annotatorNames.count
        let fitsBias = r.sides.contains { $0 != 0 }
        let tau = configuration.biasPriorScale
        var iterations = 0
        var populationReliability = 1.0, populationBias = 0.0
        let x: [Double], result: Stage, objective: NoisyBradleyTerryObjective

        switch configuration.reliability {
        case .perfect:
            objective = NoisyBradleyTerryObjective(
                itemCount: n, annotatorCount: annotatorCount, winners: r.winners, losers: r.losers, annotators: r.annotators,
                sides: r.sides, weights: r.weights, l2Penalty: lambda, fitsReliability: false, fitsBias: fitsBias,
                biasPriorScale: tau, parallel: configuration.parallel)
            result = minimize(objective, from: plain.strengths + [Double](repeating: 0, count: fitsBias ? annotatorCount : 0))
        case .beta(let a, let b):
            objective = NoisyBradleyTerryObjective(
                itemCount: n, annotatorCount: annotatorCount, winners: r.winners, losers: r.losers, annotators: r.annotators,
                sides: r.sides, weights: r.weights, l2Penalty: lambda, fitsReliability: true, fitsBias: fitsBias,
                reliabilityPrior: (a, b), biasPriorScale: tau, parallel: configuration.parallel)
            populationReliability = a / (a + b)
            result = minimize(objective, from: plain.strengths + [Double](repeating: log(a / b), count: annotatorCount)
                              + [Double](repeating: 0, count: fitsBias ? annotatorCount : 0))
        case .population(let strength):
            // Stage 1: one shared η and β (uniform prior on η, N(0, τ²) on β).
            let pooled = NoisyBradleyTerryObjective(
                itemCount: n, annotatorCount: 1, winners: r.winners, losers: r.losers,
                annotators: [Int32](repeating: 0, count: r.winners.count), sides: r.sides, weights: r.weights,
                l2Penalty: lambda, fitsReliability: true, fitsBias: fitsBias, reliabilityPrior: (1, 1),
                biasPriorScale: tau, parallel: configuration.parallel)
            let first = minimize(pooled, from: plain.strengths + [log(9.0)] + (fitsBias ? [0] : []))
            iterations += first.iterations
            let u = first.x[n]
            populationReliability = Double.sigmoid(u)
            populationBias = fitsBias ? first.x[n + 1] : 0
            // Stage 2: per annotator, prior mode at the population.
            let a = max(strength * populationReliability, 1e-12), b = max(strength * (1 - populationReliability), 1e-12)
            objective = NoisyBradleyTerryObjective(
                itemCount: n, annotatorCount: annotatorCount, winners: r.winners, losers: r.losers, annotators: r.annotators,
                sides: r.sides, weights: r.weights, l2Penalty: lambda, fitsReliability: true, fitsBias: fitsBias,
                reliabilityPrior: (a, b), biasPriorMean: populationBias, biasPriorScale: tau, parallel: configuration.parallel)
            result = minimize(objective, from: Array(first.x[0..<n]) + [Double](repeating: u, count: annotatorCount)
                              + [Double](repeating: populationBias, count: fitsBias ? annotatorCount : 0))
        }
        iterations += result.iterations
        x = result.x
        if !result.value.isFinite { throw .numericalFailure("the noisy Bradley–Terry objective is not finite") }
        var gradient = [Double]()
        let value = objective.evaluate(x, gradient: &gradient)
        let nll = objective.negativeLogLikelihood(x)
        let gmax = maxAbs(gradient)
        var strengths = Array(x[0..<n])
        let mean = strengths.reduce(0, +) / Double(n)
        for i in 0..<n { strengths[i] -= mean }
        let converged = gmax <= configuration.gradientTolerance || result.stop == .relativeFunctionChange
        let report = BradleyTerryFitReport(
            solver: .lbfgs, iterations: iterations, innerIterations: 0, objective: value, logLikelihood: -nll,
            maxAbsGradient: gmax, stopReason: result.stop, converged: converged, seconds: (clock.now - start).inSeconds)
        var labels = [Int](repeating: 0, count: annotatorCount)
        for k in 0..<comparisons.count where comparisons.weights[k] > 0 { labels[annotatorIDs[k]] += 1 }
        let eta = objective.reliabilities(x), beta = objective.biases(x)
        let people = (0..<annotatorCount).map { a in
            AnnotatorReliability(name: comparisons.annotatorNames[a], reliability: eta[a], bias: fitsBias ? beta[a] : nil,
                                 labels: labels[a], minimumLabels: configuration.minimumLabels,
                                 threshold: configuration.flagThreshold)
        }
        return NoisyBradleyTerryModel(
            items: comparisons.items, strengths: strengths, annotators: people, populationReliability: populationReliability,
            populationBias: fitsBias ? populationBias : nil, configuration: configuration, report: report,
            comparisonCount: comparisons.count, plainStrengths: plain.strengths)
    }

    struct Stage {
        var x: [Double]
        var value: Double
        var iterations: Int
        var stop: BradleyTerryFitReport.StopReason
    }

    /// L-BFGS on z = D·x, D the objective's diagonal scales (a Jacobi preconditioner).
    func minimize(_ objective: NoisyBradleyTerryObjective, from start: [Double]) -> Stage {
        let scale = objective.coordinateScales()
        let largest = scale.max() ?? 1
        let solver = LBFGS<Double>(memory: 20, gradientTolerance: configuration.gradientTolerance / largest,
                                   maximumIterations: configuration.maximumIterations,
                                   maximumFunctionEvaluations: 4 * configuration.maximumIterations)
        let z0 = zip(start, scale).map { $0 * $1 }
        var gx = [Double]()
        let result = solver.minimize(from: z0) { z, gz in
            var x = z
            for q in 0..<x.count { x[q] /= scale[q] }
            let value = objective.evaluate(x, gradient: &gx)
            for q in 0..<x.count { gz[q] = gx[q] / scale[q] }
            return value
        }
        var x = result.parameters
        for q in 0..<x.count { x[q] /= scale[q] }
        let stop: BradleyTerryFitReport.StopReason = switch result.stopReason {
        case .gradientToleranceReached: .gradientTolerance
        case .relativeFunctionChange: .relativeFunctionChange
        case .maximumIterations: .maximumIterations
        case .maximumFunctionEvaluations: .maximumFunctionEvaluations
        case .lineSearchFailed, .nonFiniteValue: .noFurtherProgress
        }
        return Stage(x: x, value: result.value, iterations: result.iterations, stop: stop)
    }
}
