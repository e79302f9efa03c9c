import Layers
import NumericCore
import PreferenceData

/// The item-level GPM objective on a flat parameter vector, with its exact gradient.
///
/// Parameters `x = [vec(U), ρ]`: raw embeddings `U ∈ R^{n×2k}` (row-major) and, in the learned mode,
/// `ρ ∈ R^k` with `λ = exp(ρ)`. With `v_i = u_i/‖u_i‖` (normalized mode) or `v_i = u_i`, pairs
/// aggregated as `(i, j, w_ij, w_ji)` (ties count half a win for each side) and `W = Σ (w_ij + w_ji)`:
///
///     f(x) = (1/W)·Σ_pairs [w_ij·ℓ(s_ij) + w_ji·ℓ(−s_ij)] + (c/2)·(‖ρ‖² + [not normalized]·‖U‖²)
///     ℓ(s) = softplus(−(s − m)/τ),   s_ij = v_iᵀ·R(λ)·v_j
///
/// Gradient: `g_p = (w_ij·ℓ′(s_ij) − w_ji·ℓ′(−s_ij))/W` is `∂f/∂s_ij`; it is pushed through the
/// operator (``SkewSymmetricOperator``), accumulated per item, then through the normalization
/// Jacobian `(I − v_i v_iᵀ)/‖u_i‖`; `∂f/∂ρ = λ ⊙ ∂f/∂λ + c·ρ`. The penalty on `U` applies only without
/// normalization, where the loss is not scale invariant and separable data would push `‖U‖ → ∞`;
/// with normalization a penalty on `U` would drive `‖u‖ → 0` and blow up the Jacobian.
public struct ItemGPMObjective: Sendable {
    /// The hyperparameters.
    public let configuration: GPMConfiguration
    /// The number of items `n`.
    public let itemCount: Int
    /// The penalty weight `c`.
    public let l2Penalty: Double
    let first: [Int]
    let second: [Int]
    let firstWins: [Double]
    let secondWins: [Double]
    let totalWeight: Double

    /// The objective of a comparison set (ties count half a win for each side).
    public init(_ set: ComparisonSet, configuration: GPMConfiguration, l2Penalty: Double = 0) {
        let aggregated = AggregatedComparisons(set, ties: .halfWins)
        self.init(itemCount: set.itemCount, first: aggregated.first.map(Int.init), second: aggregated.second.map(Int.init),
                  firstWins: aggregated.firstWins, secondWins: aggregated.secondWins,
                  configuration: configuration, l2Penalty: l2Penalty)
    }

    /// The objective of aggregated pairs: `firstWins[p]` is the weight of `first[p] ≻ second[p]`.
    public init(itemCount: Int, first: [Int], second: [Int], firstWins: [Double], secondWins: [Double],
                configuration: GPMConfiguration, l2Penalty: Double = 0) {
        precondition(first.count == second.count && first.count == firstWins.count && first.count == secondWins.count,
                     "ItemGPMObjective: pair arrays of lengths \(first.count), \(second.count), \(firstWins.count), \(secondWins.count)")
        precondition(configuration.eigenvalues != .promptGated, "ItemGPMObjective: items have no prompt; use fixed or learned eigenvalues")
        precondition(l2Penalty >= 0, "ItemGPMObjective: l2Penalty must be ≥ 0, got \(l2Penalty)")
        self.itemCount = itemCount
        self.first = first
        self.second = second
        self.firstWins = firstWins
        self.secondWins = secondWins
        self.configuration = configuration
        self.l2Penalty = l2Penalty
        let total = zip(firstWins, secondWins).reduce(0) { $0 + $1.0 + $1.1 }
        self.totalWeight = total > 0 ? total : 1
    }

    /// The number of parameters: `n·2k`, plus `k` in the learned mode.
    public var parameterCount: Int {
        itemCount * configuration.dimension + (configuration.eigenvalues == .learned ? configuration.planeCount : 0)
    }

    /// The embeddings `V` (`[n, 2k]`) and eigenvalues `λ` (`[k]`) at `x`.
    public func embeddingsAndEigenvalues(_ x: [Double]) -> (v: Tensor<Double>, eigenvalues: Tensor<Double>) {
        let (u, rho) = split(x)
        let v = configuration.normalizesEmbeddings ? L2Normalization<Double>()(u) : u
        return (v, rho.map { $0.map { Double.exp($0) } } ?? .ones(shape: [configuration.planeCount]))
    }

    private func split(_ x: [Double]) -> (u: Tensor<Double>, rho: Tensor<Double>?) {
        precondition(x.count == parameterCount, "ItemGPMObjective: \(x.count) parameters, expected \(parameterCount)")
        let width = configuration.dimension
        let u = Tensor(shape: [itemCount, width], scalars: Array(x[0 ..< itemCount * width]))
        let rho = configuration.eigenvalues == .learned ? Tensor(Array(x[(itemCount * width)...])) : nil
        return (u, rho)
    }

    /// `f(x)` and `∇f(x)`.
    public func valueAndGradient(_ x: [Double]) -> (value: Double, gradient: [Double]) {
        let (u, rho) = split(x)
        let normalization = L2Normalization<Double>()
        var v = u
        var cache: L2Normalization<Double>.Cache?
        if configuration.normalizesEmbeddings {
            let (y, c) = normalization.forward(u)
            v = y
            cache = c
        }
        let k = configuration.planeCount
        let width = configuration.dimension
        let lambda = rho.map { $0.map { Double.exp($0) } } ?? .ones(shape: [k])
        let tau = configuration.temperature, margin = configuration.margin
        var value = 0.0
        var dv = [Double](repeating: 0, count: itemCount * width)
        var dLambda = [Double](repeating: 0, count: k)
        v.scalars.withUnsafeBufferPointer { vp in
            lambda.scalars.withUnsafeBufferPointer { lp in
                dv.withUnsafeMutableBufferPointer { dvp in
                    for p in first.indices {
                        let (i, j) = (first[p] * width, second[p] * width)
                        let s = SkewSymmetricOperator.pairScore(vp.baseAddress! + i, vp.baseAddress! + j,
                                                                eigenvalues: lp.baseAddress!, planes: k)
                        let forward = GPMLoss.valueAndDerivative(score: s, margin: margin, temperature: tau)
                        let backward = GPMLoss.valueAndDerivative(score: -s, margin: margin, temperature: tau)
                        value += firstWins[p] * forward.value + secondWins[p] * backward.value
                        let g = (firstWins[p] * forward.derivative - secondWins[p] * backward.derivative) / totalWeight
                        if g == 0 { continue }
                        for l in 0..<k {
                            let (a0, a1) = (vp[i + 2 * l], vp[i + 2 * l + 1])
                            let (b0, b1) = (vp[j + 2 * l], vp[j + 2 * l + 1])
                            let gl = g * lp[l]
                            dvp[i + 2 * l] += gl * b1
                            dvp[i + 2 * l + 1] -= gl * b0
                            dvp[j + 2 * l] -= gl * a1
                            dvp[j + 2 * l + 1] += gl * a0
                            dLambda[l] += g * (a0 * b1 - a1 * b0)
                        }
                    }
                }
            }
        }
        value /= totalWeight
        var du = Tensor(shape: [itemCount, width], scalars: dv)
        if let cache { du = normalization.backward(du, cache: cache).inputGradient }
        var gradient = du.scalars
        if !configuration.normalizesEmbeddings && l2Penalty > 0 {
            value += 0.5 * l2Penalty * u.dot(u)
            for index in gradient.indices { gradient[index] += l2Penalty * u.scalars[index] }
        }
        if let rho {
            value += 0.5 * l2Penalty * rho.dot(rho)
            for l in 0..<k { gradient.append(lambda.scalars[l] * dLambda[l] + l2Penalty * rho.scalars[l]) }
        }
        return (value, gradient)
    }

    /// The unpenalized mean loss and the weighted training accuracy (strict `s > 0` for the winner;
    /// a tie's half-wins score half when the score is nonzero) at `x`.
    public func lossAndAccuracy(_ x: [Double]) -> (loss: Double, accuracy: Double) {
        let (v, lambda) = embeddingsAndEigenvalues(x)
        let width = configuration.dimension, k = configuration.planeCount
        var loss = 0.0, correct = 0.0
        let scores = v.scalars.withUnsafeBufferPointer { vp in
            lambda.scalars.withUnsafeBufferPointer { lp in
                first.indices.map { p in
                    SkewSymmetricOperator.pairScore(vp.baseAddress! + first[p] * width, vp.baseAddress! + second[p] * width,
                                                    eigenvalues: lp.baseAddress!, planes: k)
                }
            }
        }
        for p in first.indices {
            let s = scores[p]
            loss += firstWins[p] * GPMLoss.valueAndDerivative(score: s, margin: configuration.margin, temperature: configuration.temperature).value
                + secondWins[p] * GPMLoss.valueAndDerivative(score: -s, margin: configuration.margin, temperature: configuration.temperature).value
            if s > 0 { correct += firstWins[p] } else if s < 0 { correct += secondWins[p] }
        }
        return (loss / totalWeight, correct / totalWeight)
    }
}
