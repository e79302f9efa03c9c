import RealModule
import NumericCore

/// A differentiable training objective for a linear reward w from labelled segment pairs:
/// the mean cross-entropy with soft labels y_n ∈ [0, 1] plus an L2 anchor,
///
///     L(w) = (1/N) Σ_n [ y_n·softplus(−z_n) + (1 − y_n)·softplus(z_n) ] + (λ/2)‖w‖²,
///
/// where z_n = logit P_w(σ_{n,1} ≻ σ_{n,2}); softplus(−z) = −log σ(z) is evaluated stably, so the
/// loss stays finite and its gradient dL/dz_n = (σ(z_n) − y_n)/N never vanishes by clamping.
public protocol SegmentPreferenceObjective: Sendable {
    /// d, the number of weights.
    var featureCount: Int { get }
    /// The logits z_n(w).
    func logits(weights: [Double]) -> [Double]
    /// L(w), writing ∇L(w) into `gradient` (d entries).
    func value(weights: [Double], gradient: inout [Double]) -> Double
}

extension SegmentPreferenceObjective {
    /// L(w) without its gradient.
    public func value(weights: [Double]) -> Double {
        var g = [Double](repeating: 0, count: featureCount)
        return value(weights: weights, gradient: &g)
    }
}

/// The soft-label cross-entropy of logits z against labels y, and r_n = dL/dz_n (mean over N).
func crossEntropy(logits z: [Double], labels y: [Double]) -> (loss: Double, dLogits: [Double]) {
    let n = Double(Swift.max(z.count, 1))
    var loss = 0.0
    var r = [Double](repeating: 0, count: z.count)
    for i in z.indices {
        loss += y[i] * Double.softplus(-z[i]) + (1 - y[i]) * Double.softplus(z[i])
        r[i] = (Double.sigmoid(z[i]) - y[i]) / n
    }
    return (loss / n, r)
}

/// The partial-return preference model: P(σ1 ≻ σ2) = σ(w·(Φ(σ1) − Φ(σ2))) with Φ = Σ_t φ_t.
///
/// z = D·w with D the N×d matrix of feature differences; ∇L = Dᵀ r + λw (two `gemv`s).
public struct PartialReturnObjective: SegmentPreferenceObjective {
    /// D, N×d.
    public let differences: Tensor<Double>
    /// y, the probability that the first segment is preferred.
    public let labels: [Double]
    /// λ.
    public let l2Penalty: Double

    /// The objective on `data` with L2 penalty λ on the weights.
    public init(data: SegmentPreferenceSet, l2Penalty: Double = 1e-6) {
        let d = data.segments.first?.featureCount ?? 0
        var diff = Tensor<Double>.zeros(shape: [data.count, d])
        for n in 0..<data.count {
            let a = data.segments[2 * n].partialReturnFeatures, b = data.segments[2 * n + 1].partialReturnFeatures
            for j in 0..<d { diff.scalars[n * d + j] = a[j] - b[j] }
        }
        self.differences = diff
        self.labels = data.labels
        self.l2Penalty = l2Penalty
    }

    /// d, the number of reward features.
    public var featureCount: Int { differences.shape[1] }

    /// The logit of each pair at `weights`.
    public func logits(weights: [Double]) -> [Double] {
        precondition(weights.count == featureCount, "PartialReturnObjective: \(weights.count) weights for d = \(featureCount)")
        if labels.isEmpty { return [] }
        return differences.matvec(Tensor(weights)).scalars
    }

    /// The mean negative log-likelihood plus the penalty at `weights`; writes its gradient into `gradient`.
    public func value(weights: [Double], gradient: inout [Double]) -> Double {
        let (loss, r) = crossEntropy(logits: logits(weights: weights), labels: labels)
        var g = labels.isEmpty ? Tensor<Double>.zeros(shape: [featureCount])
                               : differences.matvec(Tensor(r), transposed: true)
        g.axpy(l2Penalty, Tensor(weights))
        gradient = g.scalars
        return loss + 0.5 * l2Penalty * weights.reduce(0) { $0 + $1 * $1 }
    }
}

/// The regret preference model: P(σ1 ≻ σ2) = σ(regret_w(σ2) − regret_w(σ1)), with V*_w replaced by
/// the successor-feature soft maximum Ṽ_w of a ``SuccessorFeatureLibrary``.
///
/// Each segment's regret is c_σ·Ṽ_w − w·f_σ (see `FiniteMDP.regretDesign(of:)`), so over the U
/// states the data touch, z = C·Ṽ_w − F·w with C = c_2 − c_1 (N×U) and F = f_2 − f_1 (N×d), and
///
///     ∇L = Gᵀ(Cᵀ r) − Fᵀ r + λw,   G[u] = ∇_w Ṽ_w(u) = Σ_k p_k(u) ψ^{π_k}(u).
///
/// Cost per evaluation: O(U·K·d) for the soft maximum plus O(N·U) for the C products.
public struct RegretObjective: SegmentPreferenceObjective {
    /// C, N×U value coefficients.
    public let valueCoefficients: Tensor<Double>
    /// F, N×d discounted-feature differences.
    public let featureDifferences: Tensor<Double>
    /// The U states the data touch (the columns of C).
    public let states: [Int]
    /// y.
    public let labels: [Double]
    /// τ of the soft maximum.
    public let temperature: Double
    /// λ.
    public let l2Penalty: Double
    /// K.
    public let policyCount: Int
    let stacked: Tensor<Double>

    /// The objective on `data` in `mdp` with the successor-feature `library`, soft-maximum temperature and L2 penalty.
    public init(
        mdp: FiniteMDP, data: SegmentPreferenceSet, library: SuccessorFeatureLibrary,
        temperature: Double = 1e-3, l2Penalty: Double = 1e-6
    ) {
        precondition(temperature > 0, "RegretObjective: temperature must be positive, got \(temperature)")
        precondition(library.count > 0 && library.successorFeatures[0].shape == [mdp.stateCount, mdp.featureCount],
                     "RegretObjective: library of \(library.count) policies does not match the MDP (\(mdp.stateCount)×\(mdp.featureCount))")
        let d = mdp.featureCount
        var rows = [[Int: Double]]()
        var f = Tensor<Double>.zeros(shape: [data.count, d])
        var touched = Set<Int>()
        for n in 0..<data.count {
            let (c1, f1) = mdp.regretDesign(of: data.segments[2 * n])
            let (c2, f2) = mdp.regretDesign(of: data.segments[2 * n + 1])
            var c = c2
            for (s, v) in c1 { c[s, default: 0] -= v }
            rows.append(c)
            touched.formUnion(c.keys)
            for j in 0..<d { f.scalars[n * d + j] = f2[j] - f1[j] }
        }
        let states = touched.sorted()
        var column = [Int: Int]()
        for (i, s) in states.enumerated() { column[s] = i }
        var cMatrix = Tensor<Double>.zeros(shape: [data.count, states.count])
        for (n, row) in rows.enumerated() {
            for (s, v) in row { cMatrix.scalars[n * states.count + column[s]!] += v }
        }
        self.valueCoefficients = cMatrix
        self.featureDifferences = f
        self.states = states
        self.labels = data.labels
        self.temperature = temperature
        self.l2Penalty = l2Penalty
        self.policyCount = library.count
        self.stacked = library.stackedFeatures(states: states)
    }

    /// d, the number of reward features.
    public var featureCount: Int { featureDifferences.shape[1] }

    /// The logit of each pair at `weights`.
    public func logits(weights: [Double]) -> [Double] {
        logitsAndValueGradients(weights: weights).logits
    }

    func logitsAndValueGradients(weights: [Double]) -> (logits: [Double], gradients: Tensor<Double>) {
        precondition(weights.count == featureCount, "RegretObjective: \(weights.count) weights for d = \(featureCount)")
        if labels.isEmpty { return ([], Tensor.zeros(shape: [0, featureCount])) }
        var z = featureDifferences.matvec(Tensor(weights))
        z.scale(by: -1)
        guard !states.isEmpty else { return (z.scalars, Tensor.zeros(shape: [0, featureCount])) }
        let (values, gradients) = SuccessorFeatureLibrary.softMaximum(
            stacked: stacked, policyCount: policyCount, weights: weights, temperature: temperature)
        z += valueCoefficients.matvec(values)
        return (z.scalars, gradients)
    }

    /// The mean negative log-likelihood plus the penalty at `weights`; writes its gradient into `gradient`.
    public func value(weights: [Double], gradient: inout [Double]) -> Double {
        let (z, gradients) = logitsAndValueGradients(weights: weights)
        let (loss, r) = crossEntropy(logits: z, labels: labels)
        var g = Tensor<Double>(weights)
        g.scale(by: l2Penalty)
        if !labels.isEmpty {
            let rt = Tensor(r)
            g.axpy(-1, featureDifferences.matvec(rt, transposed: true))
            if !states.isEmpty {
                let q = valueCoefficients.matvec(rt, transposed: true)
                g += gradients.matvec(q, transposed: true)
            }
        }
        gradient = g.scalars
        return loss + 0.5 * l2Penalty * weights.reduce(0) { $0 + $1 * $1 }
    }
}
