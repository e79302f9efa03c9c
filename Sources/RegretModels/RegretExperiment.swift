import Dispatch
import RealModule
import NumericCore
import RewardKitInternals

/// Settings of the regret-versus-partial-return experiment (Knox et al., random delivery MDPs).
public struct RegretExperimentConfiguration: Sendable {
    /// Number of random delivery MDPs.
    public var mdpCount: Int = 30
    /// Data-set sizes (numbers of labelled pairs); smaller sets are prefixes of the largest.
    public var preferenceCounts: [Int] = [300, 1000, 3000]
    /// The model that generates the labels.
    public var labels: SegmentPreferenceModel = .regret
    /// Deterministic (ties = 0.5) or stochastic labels.
    public var noise: SegmentPreferenceNoise = .deterministic(tieTolerance: 1e-6)
    /// The seed of everything (boards, libraries, data, restarts).
    public var seed: UInt64 = 0
    /// Transitions per segment.
    public var segmentLength: Int = 3
    /// Random reward vectors drawn for the successor-feature library (duplicate policies removed).
    public var libraryRewardCount: Int = 1000
    /// τ of the soft maximum.
    public var softMaximumTemperature: Double = 1e-3
    /// λ of both objectives.
    public var l2Penalty: Double = 1e-6
    /// Restarts and L-BFGS settings.
    public var fitOptions = LinearRewardFitOptions()
    /// The learners to run.
    public var learners: [LinearRewardLearner] = LinearRewardLearner.allCases
    /// The random-board distribution.
    public var boards = DeliveryGridworldGenerator()
    /// Run MDPs in parallel (DispatchQueue.concurrentPerform).
    public var concurrent: Bool = true

    /// The defaults (30 MDPs, 300/1000/3000 preferences, regret labels, seed 0).
    public init() {}
}

/// One row of the results table: a learner at a data size, over all MDPs.
public struct RegretExperimentResult: Sendable, Codable, Equatable {
    /// The data-set size (labelled pairs).
    public var preferences: Int
    /// The learner (a ``LinearRewardLearner`` raw value).
    public var learner: String
    /// Fraction of MDPs whose learned reward has scaled return ≥ 0.9.
    public var nearOptimalFraction: Double
    /// Mean scaled return over the MDPs.
    public var meanScaledReturn: Double
    /// Median scaled return over the MDPs.
    public var medianScaledReturn: Double
    /// Total fitting time (all restarts) summed over the MDPs.
    public var fitSeconds: Double
    /// `fitSeconds` per MDP.
    public var meanFitSeconds: Double
    /// The number of MDPs.
    public var mdpCount: Int

    enum CodingKeys: String, CodingKey {
        case preferences, learner
        case nearOptimalFraction = "near_optimal_fraction"
        case meanScaledReturn = "mean_scaled_return"
        case medianScaledReturn = "median_scaled_return"
        case fitSeconds = "fit_seconds"
        case meanFitSeconds = "mean_fit_seconds"
        case mdpCount = "mdp_count"
    }
}

/// What happened on one MDP.
public struct RegretExperimentMDPRecord: Sendable, Codable, Equatable {
    /// The MDP's index in the run.
    public var index: Int
    /// Board height.
    public var height: Int
    /// Board width.
    public var width: Int
    /// Number of states.
    public var states: Int
    /// Distinct policies in the successor-feature library.
    public var librarySize: Int
    /// The board's true reward weights.
    public var trueWeights: [Double]
    /// Tie fraction of the largest data set.
    public var tieFraction: Double
    /// Board, library and data generation time.
    public var setupSeconds: Double
    /// Per (size, learner): the scaled return and fit time, in the order sizes × learners.
    public var runs: [Run]

    /// One learner at one data size on this MDP.
    public struct Run: Sendable, Codable, Equatable {
        /// The data-set size.
        public var preferences: Int
        /// The learner (a ``LinearRewardLearner`` raw value).
        public var learner: String
        /// The scaled return of the learned reward's greedy policy.
        public var scaledReturn: Double
        /// Fitting time, all restarts.
        public var fitSeconds: Double
        /// The final objective value.
        public var loss: Double
        /// The learned reward weights.
        public var weights: [Double]

        enum CodingKeys: String, CodingKey {
            case preferences, learner, loss, weights
            case scaledReturn = "scaled_return"
            case fitSeconds = "fit_seconds"
        }
    }

    enum CodingKeys: String, CodingKey {
        case index, height, width, states, runs
        case librarySize = "library_size"
        case trueWeights = "true_weights"
        case tieFraction = "tie_fraction"
        case setupSeconds = "setup_seconds"
    }
}

/// The experiment's full report (JSON keys in snake case).
public struct RegretExperimentReport: Sendable, Codable, Equatable {
    /// The label model (``SegmentPreferenceModel`` as text).
    public var labels: String
    /// The label noise, as text.
    public var noise: String
    /// The run's seed.
    public var seed: UInt64
    /// The number of MDPs.
    public var mdpCount: Int
    /// The data-set sizes.
    public var preferenceCounts: [Int]
    /// Random reward vectors drawn for each successor-feature library.
    public var libraryRewardCount: Int
    /// τ of the soft maximum.
    public var softMaximumTemperature: Double
    /// One row per (data size, learner).
    public var results: [RegretExperimentResult]
    /// One record per MDP.
    public var mdps: [RegretExperimentMDPRecord]
    /// Wall time of the whole run.
    public var wallSeconds: Double
    /// Sum over MDPs of setup time (boards, libraries, data).
    public var setupSeconds: Double
    /// Sum of all fitting time.
    public var fitSeconds: Double

    enum CodingKeys: String, CodingKey {
        case labels, noise, seed, results, mdps
        case mdpCount = "mdp_count"
        case preferenceCounts = "preference_counts"
        case libraryRewardCount = "library_reward_count"
        case softMaximumTemperature = "soft_maximum_temperature"
        case wallSeconds = "wall_seconds"
        case setupSeconds = "setup_seconds"
        case fitSeconds = "fit_seconds"
    }

    /// The result for a learner at a size.
    public func result(preferences: Int, learner: LinearRewardLearner) -> RegretExperimentResult? {
        results.first { $0.preferences == preferences && $0.learner == learner.rawValue }
    }
}

/// Runs the experiment: on each random delivery MDP, draw one data set of the largest size, fit
/// every learner on every prefix size, and score each learned reward by its scaled return.
public enum RegretExperiment {
    /// Runs the experiment; `progress` (called from worker threads) receives one line per MDP.
    public static func run(
        _ configuration: RegretExperimentConfiguration, progress: (@Sendable (String) -> Void)? = nil
    ) throws(MDPError) -> RegretExperimentReport {
        guard configuration.mdpCount > 0 else { throw .invalidSize(what: "mdpCount", value: configuration.mdpCount) }
        guard !configuration.preferenceCounts.isEmpty, configuration.preferenceCounts.allSatisfy({ $0 > 0 }) else {
            throw .invalidConfiguration("preference counts must be positive and non-empty, got \(configuration.preferenceCounts)")
        }
        guard !configuration.learners.isEmpty else { throw .invalidConfiguration("no learner selected") }
        let clock = ContinuousClock()
        let started = clock.now
        var root = SeededGenerator(seed: configuration.seed)
        let seeds = (0..<configuration.mdpCount).map { _ in root.next() }
        let slots = ResultSlots<Result<RegretExperimentMDPRecord, MDPError>>(count: configuration.mdpCount)
        let body: @Sendable (Int) -> Void = { i in
            let outcome = Result<RegretExperimentMDPRecord, MDPError> { () throws(MDPError) in
                try runOne(index: i, seed: seeds[i], configuration: configuration)
            }
            slots.store(outcome, at: i)
            if let progress {
                switch outcome {
                case .success(let r):
                    let scores = r.runs.map { "\($0.learner)@\($0.preferences)=\(format($0.scaledReturn))" }
                    progress("MDP \(i + 1)/\(configuration.mdpCount): \(r.height)×\(r.width), \(r.states) states, library \(r.librarySize), setup \(format(r.setupSeconds)) s; " + scores.joined(separator: " "))
                case .failure(let e):
                    progress("MDP \(i + 1)/\(configuration.mdpCount): failed: \(e)")
                }
            }
        }
        if configuration.concurrent {
            BLASRuntime.withSingleThread { DispatchQueue.concurrentPerform(iterations: configuration.mdpCount, execute: body) }
        } else {
            for i in 0..<configuration.mdpCount { body(i) }
        }
        var records = [RegretExperimentMDPRecord]()
        for outcome in slots.values() {
            switch outcome {
            case .success(let r): records.append(r)
            case .failure(let e): throw e
            case nil: throw .invalidConfiguration("an MDP produced no result")
            }
        }
        var results = [RegretExperimentResult]()
        for n in configuration.preferenceCounts {
            for learner in configuration.learners {
                let runs = records.compactMap { r in r.runs.first { $0.preferences == n && $0.learner == learner.rawValue } }
                let scores = runs.map(\.scaledReturn).sorted()
                let fit = runs.reduce(0) { $0 + $1.fitSeconds }
                let median = scores.count % 2 == 1 ? scores[scores.count / 2]
                    : 0.5 * (scores[scores.count / 2 - 1] + scores[scores.count / 2])
                results.append(RegretExperimentResult(
                    preferences: n, learner: learner.rawValue,
                    nearOptimalFraction: Double(scores.filter { $0 >= ScaledReturnEvaluator.nearOptimalThreshold }.count) / Double(scores.count),
                    meanScaledReturn: scores.reduce(0, +) / Double(scores.count),
                    medianScaledReturn: median, fitSeconds: fit, meanFitSeconds: fit / Double(runs.count),
                    mdpCount: runs.count))
            }
        }
        let noise: String
        switch configuration.noise {
        case .deterministic(let tol): noise = "deterministic(tie tolerance \(tol))"
        case .stochastic(let t): noise = "stochastic(temperature \(t))"
        }
        return RegretExperimentReport(
            labels: configuration.labels.rawValue, noise: noise, seed: configuration.seed,
            mdpCount: configuration.mdpCount, preferenceCounts: configuration.preferenceCounts,
            libraryRewardCount: configuration.libraryRewardCount,
            softMaximumTemperature: configuration.softMaximumTemperature, results: results, mdps: records,
            wallSeconds: (clock.now - started).inSeconds,
            setupSeconds: records.reduce(0) { $0 + $1.setupSeconds },
            fitSeconds: results.reduce(0) { $0 + $1.fitSeconds })
    }

    /// One MDP: board, true solution, library, data, then every (size, learner) fit and score.
    static func runOne(
        index: Int, seed: UInt64, configuration c: RegretExperimentConfiguration
    ) throws(MDPError) -> RegretExperimentMDPRecord {
        let clock = ContinuousClock()
        let t0 = clock.now
        var rng = SeededGenerator(seed: seed)
        let world = try c.boards.generate(using: &rng)
        let mdp = world.mdp
        let evaluator = try ScaledReturnEvaluator(mdp: mdp, trueWeights: world.trueWeights)
        var libraryRNG = rng.split()
        let library = try SuccessorFeatureLibrary(mdp: mdp, randomRewardCount: c.libraryRewardCount, using: &libraryRNG)
        var dataRNG = rng.split()
        let data = try mdp.samplePreferences(
            count: c.preferenceCounts.max()!, segmentLength: c.segmentLength, model: c.labels, noise: c.noise,
            trueWeights: world.trueWeights, optimal: evaluator.optimal, using: &dataRNG)
        let setup = (clock.now - t0).inSeconds
        var runs = [RegretExperimentMDPRecord.Run]()
        for n in c.preferenceCounts {
            let subset = data.prefix(n)
            for learner in c.learners {
                var options = c.fitOptions
                options.seed = rng.next()   // the stream rng.split() would give, as before
                let t1 = clock.now
                let fit: LinearRewardFit
                switch learner {
                case .partialReturn:
                    fit = PartialReturnObjective(data: subset, l2Penalty: c.l2Penalty).fit(options: options)
                case .regret:
                    fit = RegretObjective(mdp: mdp, data: subset, library: library, temperature: c.softMaximumTemperature,
                                          l2Penalty: c.l2Penalty).fit(options: options)
                }
                let fitTime = (clock.now - t1).inSeconds
                let score = try evaluator.scaledReturn(learnedWeights: fit.weights)
                runs.append(.init(preferences: n, learner: learner.rawValue, scaledReturn: score, fitSeconds: fitTime,
                                  loss: fit.loss, weights: fit.weights.scalars))
            }
        }
        return RegretExperimentMDPRecord(
            index: index, height: world.height, width: world.width, states: mdp.stateCount,
            librarySize: library.count, trueWeights: world.trueWeights.scalars, tieFraction: data.tieFraction,
            setupSeconds: setup, runs: runs)
    }

    static func format(_ x: Double) -> String {
        let scaled = (x * 1000).rounded() / 1000
        return "\(scaled)"
    }
}
