import FileFormats
import Layers
import NumericCore
import PreferenceData

/// MaxMin-RLHF's expectation–maximization for a mixture of K Bradley–Terry reward models with a
/// latent class per *user* (Chakraborty et al. 2024, "MaxMin-RLHF"), in log space.
///
/// User `u` with comparisons `n ∈ u` belongs to component `k` with prior `π_k`; under component
/// `k` the margin of pair `n` is `z_nk = r_k(x_c,n) − r_k(x_r,n)`. The fitted objective is the
/// penalized marginal log-likelihood
///
///     F(θ, π) = Σ_u log Σ_k π_k exp(ℓ_uk) − (λ/2) Σ_k ‖θ_k‖²,    ℓ_uk = Σ_{n∈u} log σ(z_nk),
///
/// (soft EM) or the classification likelihood `Σ_u max_k (log π_k + ℓ_uk) − (λ/2)Σ‖θ_k‖²`
/// (hard EM). Each iteration runs an M-step — every component refitted, warm-started, on the
/// pairs weighted by its users' responsibilities `γ_uk`, and `π_k = (1/U) Σ_u γ_uk` — then an
/// E-step: `ℓ_uk` summed with log-sigmoids, `γ_u = softmax_k(log π_k + ℓ_uk)` by logsumexp (or
/// the one-hot argmax). Both objectives never decrease; the value after every E-step is kept in
/// ``BradleyTerryMixtureModel/logLikelihoodTrace``. The derivation is in `Docs/Mixtures.md`.
///
/// ```swift
/// let em = BradleyTerryMixture<Double>(componentCount: 3)
/// let model = try em.fit(pairs)                 // pairs carry user ids
/// let p = model.preferenceProbabilities(chosen: c, rejected: r, users: u)
/// ```
public struct BradleyTerryMixture<Scalar: BLASScalar>: Sendable {
    /// How users are assigned to components in the E-step.
    public enum Assignment: String, Sendable, CaseIterable, Codable {
        /// `γ_uk = 1` for `k = argmax_k (log π_k + ℓ_uk)` (the MaxMin-RLHF paper).
        case hard
        /// `γ_uk = softmax_k(log π_k + ℓ_uk)` (classical EM).
        case soft
    }

    /// The reward head of every component.
    public enum Head: Sendable, Equatable {
        /// `r_k(x) = w_k·x`; the M-step is a damped Newton method (Cholesky).
        case linear
        /// `r_k(x) = MLP_k(x)` with the given hidden widths; the M-step is L-BFGS.
        case mlp(hiddenSizes: [Int], activation: Activation = .relu)
    }

    /// K, the number of components.
    public var componentCount: Int
    /// The component reward head.
    public var head: Head
    /// Hard (paper) or soft E-step.
    public var assignment: Assignment
    /// The starting responsibilities.
    public var initialization: MixtureInitialization
    /// Independent starts (seeds `seed, seed + 1, …`); the fit with the largest final objective is kept.
    public var restarts: Int
    /// λ in the penalty `(λ/2)Σ_k‖θ_k‖²`.
    public var l2Penalty: Scalar
    /// The largest number of EM iterations.
    public var maximumIterations: Int
    /// EM stops when `|F_t − F_{t−1}| < relativeTolerance·|F_t|`.
    public var relativeTolerance: Scalar
    /// The largest number of solver iterations per component and M-step (Newton or L-BFGS).
    public var maximumMStepIterations: Int
    /// The M-step solver stops when `max|∇J| ≤` this.
    public var mStepGradientTolerance: Scalar
    /// The seed of initialization and MLP weights.
    public var seed: UInt64

    /// Creates the estimator. Defaults: linear heads, hard assignment, k-means++ start, one run,
    /// `λ = 1e-4`, 100 EM iterations, relative tolerance `1e-7`, Newton ≤ 25 (linear) or
    /// L-BFGS ≤ 50 (MLP) iterations per M-step.
    public init(
        componentCount: Int, head: Head = .linear, assignment: Assignment = .hard,
        initialization: MixtureInitialization = .kMeansPlusPlus(), restarts: Int = 1, l2Penalty: Scalar = 1e-4,
        maximumIterations: Int = 100, relativeTolerance: Scalar = 1e-7, maximumMStepIterations: Int? = nil,
        mStepGradientTolerance: Scalar = 1e-6, seed: UInt64 = 0
    ) {
        precondition(componentCount >= 1, "BradleyTerryMixture needs at least one component, got \(componentCount)")
        precondition(restarts >= 1 && maximumIterations >= 1, "restarts (\(restarts)) and maximumIterations (\(maximumIterations)) must be ≥ 1")
        precondition(l2Penalty >= 0 && relativeTolerance >= 0, "l2Penalty \(l2Penalty) and relativeTolerance \(relativeTolerance) must be ≥ 0")
        self.componentCount = componentCount
        self.head = head
        self.assignment = assignment
        self.initialization = initialization
        self.restarts = restarts
        self.l2Penalty = l2Penalty
        self.maximumIterations = maximumIterations
        self.relativeTolerance = relativeTolerance
        self.maximumMStepIterations = maximumMStepIterations ?? (head == .linear ? 25 : 50)
        self.mStepGradientTolerance = mStepGradientTolerance
        self.seed = seed
    }

    /// Fits the mixture to pairs that carry user ids (`FeaturePairs/userIDs`); a `DataError`
    /// when they do not. Users of `FeaturePairs/users` without pairs get responsibilities `π`.
    ///
    /// Feature magnitudes: a feature larger than `FeaturePairs/magnitudeLimit` (of the fit's
    /// precision) is rejected with a `DataError` naming its row and column — the rule is
    /// rejection, not rescaling. When a component's Newton Hessian does not factorize, the
    /// M-step takes a Levenberg–Marquardt step `(H + μI)⁻¹(−∇J)` and, failing that, a gradient
    /// step; the M-step never increases the objective.
    @_specialize(where Scalar == Double)
    @_specialize(where Scalar == Float)
    public func fit(_ pairs: FeaturePairs<Scalar>) throws(DataError) -> BradleyTerryMixtureModel<Scalar> {
        try fit(convertingFrom: pairs)
    }

    /// Fits to pairs stored in another precision (e.g. float32 features, a float64 fit): each
    /// `chosen − rejected` row is formed in `T` and rounded to `Scalar`, so only one `Scalar` copy
    /// of the data is made.
    // Specialized entry points: called from another module, the generic body would run every
    // scalar operation of the EM loop through protocol witnesses.
    /// ``fit(_:)`` on pairs of another precision, converted to `Scalar` first (feature magnitudes checked against `Scalar`'s limit).
    @_specialize(where Scalar == Double, T == Float)
    @_specialize(where Scalar == Double, T == Double)
    @_specialize(where Scalar == Float, T == Float)
    public func fit<T: BLASScalar>(convertingFrom pairs: FeaturePairs<T>) throws(DataError) -> BradleyTerryMixtureModel<Scalar> {
        let ids = try pairs.requireUserIDs("the EM mixture")
        try pairs.checkMagnitude(limit: Swift.min(FeaturePairs<T>.magnitudeLimit, T(FeaturePairs<Scalar>.magnitudeLimit)))
        let userCount = Swift.max(pairs.users.count, (ids.max() ?? -1) + 1)
        let sorted = UserSortedPairs<Scalar>(chosen: pairs.chosen, rejected: pairs.rejected, users: ids, userCount: userCount,
                                     keepResponses: head != .linear)
        var best: BradleyTerryMixtureModel<Scalar>?
        var finals = [Scalar]()
        for restart in 0..<restarts {
            var generator = SeededGenerator(seed: seed &+ UInt64(restart))
            let model = run(sorted, users: pairs.users, using: &generator)
            finals.append(model.logLikelihoodTrace.last ?? -Scalar.infinity)
            if best == nil || (model.logLikelihoodTrace.last ?? -Scalar.infinity) > (best!.logLikelihoodTrace.last ?? -Scalar.infinity) {
                best = model
            }
        }
        var result = best!
        result.restartObjectives = finals
        return result
    }

    /// Fits one shard of a data-parallel fit: `pairs` holds every pair of the users this process
    /// owns (user ids index the full `pairs.users` table, shared by all shards), and `reduce`
    /// replaces a buffer by its elementwise sum over the shards (an MPI all-reduce). Linear heads
    /// only.
    ///
    /// The E-step sums `ℓ_uk` per user locally (a user's pairs are all on one shard) and reduces
    /// the U×K matrix, so every shard computes the same responsibilities, mixing weights and
    /// objective as one process; each M-step Newton iteration reduces the weighted objective of
    /// every trial step (1 value), the gradient (d) and the Hessian (d²); the k-means++ start reduces
    /// the users' pair counts and normalized mean differences (U·(d + 1) values). Every shard ends
    /// with the same model, equal to ``fit(_:)`` on all pairs up to the order of summation.
    public func fit<T: BLASScalar>(shard pairs: FeaturePairs<T>, reduce: @escaping (inout [Double]) -> Void)
        throws(DataError) -> BradleyTerryMixtureModel<Scalar> {
        precondition(head == .linear, "BradleyTerryMixture.fit(shard:reduce:) fits linear heads only")
        let ids = try pairs.requireUserIDs("the EM mixture")
        try pairs.checkMagnitude(limit: Swift.min(FeaturePairs<T>.magnitudeLimit, T(FeaturePairs<Scalar>.magnitudeLimit)))
        let sorted = UserSortedPairs<Scalar>(chosen: pairs.chosen, rejected: pairs.rejected, users: ids, userCount: pairs.users.count,
                                             keepResponses: false)
        var best: BradleyTerryMixtureModel<Scalar>?
        var finals = [Scalar]()
        for restart in 0..<restarts {
            var generator = SeededGenerator(seed: seed &+ UInt64(restart))
            let model = run(sorted, users: pairs.users, using: &generator, reduce: reduce)
            finals.append(model.logLikelihoodTrace.last ?? -Scalar.infinity)
            if best == nil || (model.logLikelihoodTrace.last ?? -Scalar.infinity) > (best!.logLikelihoodTrace.last ?? -Scalar.infinity) {
                best = model
            }
        }
        var result = best!
        result.restartObjectives = finals
        return result
    }

    // MARK: EM

    /// `values` summed over the shards by `reduce` (through Double), or unchanged in one process.
    static func reduced(_ values: [Scalar], _ reduce: ((inout [Double]) -> Void)?) -> [Scalar] {
        guard let reduce else { return values }
        var buffer = values.map { Double($0) }
        reduce(&buffer)
        return buffer.map { Scalar($0) }
    }

    func run(_ data: UserSortedPairs<Scalar>, users: UserTable, using generator: inout SeededGenerator,
             reduce: ((inout [Double]) -> Void)? = nil) -> BradleyTerryMixtureModel<Scalar> {
        let K = componentCount, U = data.userCount, d = data.dimension
        var gamma = initialResponsibilities(data, using: &generator, reduce: reduce)
        var components: [MLP<Scalar>] = (0..<K).map { _ in
            switch head {
            case .linear:
                return MLP(layers: [Linear(weight: Tensor.zeros(shape: [d, 1]), bias: nil)])
            case .mlp(let hidden, let activation):
                return MLP(widths: [d] + hidden + [1], activation: activation, using: &generator)
            }
        }
        var trace = [Scalar]()
        var mStepIterations = [Int]()
        var pi = [Scalar](repeating: 1 / Scalar(K), count: K)
        var iteration = 0
        var stacked: Tensor<Scalar>?
        if case .mlp = head { stacked = Tensor.concatenate([data.chosen!, data.rejected!]) }
        while iteration < maximumIterations {
            iteration += 1
            // M-step: each component on its users' pairs, weighted by γ_uk; π_k = mean_u γ_uk.
            var stepIterations = 0
            for k in 0..<K {
                stepIterations += mStep(component: &components[k], k: k, gamma: gamma, data: data, stacked: stacked, reduce: reduce)
            }
            mStepIterations.append(stepIterations)
            for k in 0..<K {
                var s: Scalar = 0
                for u in 0..<U { s += gamma[u, k] }
                pi[k] = U > 0 ? s / Scalar(U) : 1 / Scalar(K)
            }
            // E-step.
            var ell = userLogLikelihoods(components, data: data)
            if reduce != nil { ell = Tensor(shape: ell.shape, scalars: Self.reduced(ell.scalars, reduce)) }
            let (newGamma, objective) = eStep(ell, pi: pi)
            gamma = newGamma
            var penalty: Scalar = 0
            for c in components { for p in c.parameters { penalty += p.dot(p) } }
            let value = objective - l2Penalty / 2 * penalty
            trace.append(value)
            if trace.count >= 2 {
                let previous = trace[trace.count - 2]
                if Swift.abs(value - previous) < relativeTolerance * Swift.abs(value) { break }
            }
        }
        return BradleyTerryMixtureModel(
            components: components, mixingWeights: pi, responsibilities: gamma, users: users,
            assignment: assignment, logLikelihoodTrace: trace, mStepIterations: mStepIterations,
            restartObjectives: [])
    }

    /// One component's weighted refit; returns the solver iterations.
    func mStep(component: inout MLP<Scalar>, k: Int, gamma: Tensor<Scalar>, data: UserSortedPairs<Scalar>,
               stacked: Tensor<Scalar>?, reduce: ((inout [Double]) -> Void)? = nil) -> Int {
        let K = componentCount
        let allOnes = (0..<data.userCount).allSatisfy { gamma.scalars[$0 * K + k] == 1 }
        let rows: [Int]? = allOnes ? nil : data.rows { gamma.scalars[$0 * K + k] > 0 }
        let weights: [Scalar] = rows.map { $0.map { gamma.scalars[data.userOfRow[$0] * K + k] } }
            ?? [Scalar](repeating: 1, count: data.count)
        switch head {
        case .linear:
            let D = rows.map { data.differences.gatherRows($0) } ?? data.differences
            var w = component.layers[0].weight.scalars
            let outcome = WeightedBradleyTerryFit.newton(
                differences: D, weights: weights, weight: &w, l2Penalty: l2Penalty,
                maximumIterations: maximumMStepIterations, gradientTolerance: mStepGradientTolerance,
                reduce: reduce.map { r in { (values: [Scalar]) in Self.reduced(values, r) } })
            component.parameters = [Tensor(shape: [w.count, 1], scalars: w)]
            return outcome.iterations
        case .mlp:
            let pairs: Tensor<Scalar>
            if let rows {
                pairs = Tensor.concatenate([data.chosen!.gatherRows(rows), data.rejected!.gatherRows(rows)])
            } else {
                pairs = stacked!
            }
            let outcome = WeightedBradleyTerryFit.lbfgs(
                stackedPairs: pairs, weights: weights, head: &component, l2Penalty: l2Penalty,
                maximumIterations: maximumMStepIterations, gradientTolerance: mStepGradientTolerance)
            return outcome.iterations
        }
    }

    /// `ℓ_uk = Σ_{n∈u} log σ(z_nk)` (U×K), from the margins of all pairs under every component.
    func userLogLikelihoods(_ components: [MLP<Scalar>], data: UserSortedPairs<Scalar>) -> Tensor<Scalar> {
        let margins = BradleyTerryMixtureModel.margins(components, chosen: data.chosen, rejected: data.rejected,
                                                       differences: data.differences)
        return Self.segmentLogSigmoidSums(margins, offsets: data.userOffsets)
    }

    /// Row-segment sums of `log σ(Z)`: out[u, k] = Σ_{i ∈ offsets[u]..<offsets[u+1]} log σ(Z[i, k]).
    static func segmentLogSigmoidSums(_ Z: Tensor<Scalar>, offsets: [Int]) -> Tensor<Scalar> {
        let K = Z.columnCount, U = offsets.count - 1
        var out = Tensor<Scalar>.zeros(shape: [U, K])
        Z.scalars.withUnsafeBufferPointer { z in
            out.scalars.withUnsafeMutableBufferPointer { o in
                for u in 0..<U {
                    for i in offsets[u]..<offsets[u + 1] {
                        for k in 0..<K { o[u * K + k] += Scalar.logSigmoid(z[i * K + k]) }
                    }
                }
            }
        }
        return out
    }

    /// Responsibilities and the objective (without penalty) from `ℓ` and `π`, in log space.
    func eStep(_ ell: Tensor<Scalar>, pi: [Scalar]) -> (Tensor<Scalar>, Scalar) {
        let U = ell.rowCount, K = ell.columnCount
        var gamma = Tensor<Scalar>.zeros(shape: [U, K])
        var total: Scalar = 0
        let logPi = pi.map { $0 > 0 ? Scalar.log($0) : -Scalar.infinity }
        for u in 0..<U {
            let row = (0..<K).map { logPi[$0] + ell.scalars[u * K + $0] }
            switch assignment {
            case .soft:
                let lse = logSumExp(row)
                total += lse
                for k in 0..<K { gamma.scalars[u * K + k] = Scalar.exp(row[k] - lse) }
            case .hard:
                var best = 0
                for k in 1..<Swift.max(K, 1) where row[k] > row[best] { best = k }
                total += row[best]
                gamma.scalars[u * K + best] = 1
            }
        }
        return (gamma, total)
    }

    /// γ⁰ from ``initialization``.
    func initialResponsibilities(_ data: UserSortedPairs<Scalar>, using generator: inout SeededGenerator,
                                 reduce: ((inout [Double]) -> Void)? = nil) -> Tensor<Scalar> {
        let K = componentCount, U = data.userCount, d = data.dimension
        var gamma = Tensor<Scalar>.zeros(shape: [U, K])
        func setOneHot(_ u: Int, _ k: Int) { gamma.scalars[u * K + k] = 1 }
        let localActive = (0..<U).map { data.userOffsets[$0 + 1] > data.userOffsets[$0] }
        // Sharded: a user is active when some shard holds pairs of it.
        let active = reduce == nil ? localActive
            : Self.reduced(localActive.map { $0 ? 1 : 0 }, reduce).map { $0 > 0 }
        switch initialization {
        case .roundRobin:
            for u in 0..<U { setOneHot(u, u % K) }
        case .random:
            for u in 0..<U {
                switch assignment {
                case .hard:
                    setOneHot(u, Int(generator.next() % UInt64(K)))
                case .soft:
                    let draws = (0..<K).map { _ in -Scalar(Double.log(generator.nextOpenUnit())) }
                    let total = draws.reduce(0, +)
                    for k in 0..<K { gamma.scalars[u * K + k] = draws[k] / total }
                }
            }
        case .kMeansPlusPlus(let runs):
            // Sharded: each shard fills the rows of its own users; the reduction assembles them.
            let activeUsers = (0..<U).filter { reduce == nil ? active[$0] : localActive[$0] }
            var means = Tensor<Scalar>.zeros(shape: [activeUsers.count, d])
            data.differences.scalars.withUnsafeBufferPointer { D in
                means.scalars.withUnsafeMutableBufferPointer { M in
                    for (row, u) in activeUsers.enumerated() {
                        for i in data.userOffsets[u]..<data.userOffsets[u + 1] {
                            for j in 0..<d { M[row * d + j] += D[i * d + j] }
                        }
                        var norm: Scalar = 0
                        for j in 0..<d { norm += M[row * d + j] * M[row * d + j] }
                        norm = Swift.max(norm.squareRoot(), 1e-12)
                        for j in 0..<d { M[row * d + j] /= norm }
                    }
                }
            }
            var points = means
            var pointUsers = activeUsers
            if reduce != nil {
                var all = [Scalar](repeating: 0, count: U * d)
                for (row, u) in activeUsers.enumerated() { for j in 0..<d { all[u * d + j] = means.scalars[row * d + j] } }
                all = Self.reduced(all, reduce)
                pointUsers = (0..<U).filter { active[$0] }
                points = Tensor(shape: [pointUsers.count, d], scalars: pointUsers.flatMap { all[($0 * d)..<($0 * d + d)] })
            }
            let labels = KMeans.cluster(points, k: K, runs: Swift.max(runs, 1), using: &generator)
            for (row, u) in pointUsers.enumerated() { setOneHot(u, labels[row]) }
        }
        for u in 0..<U where !active[u] {
            for k in 0..<K { gamma.scalars[u * K + k] = 1 / Scalar(K) }
        }
        return gamma
    }
}
