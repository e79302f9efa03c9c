import RealModule
import NumericCore

/// The successor features ψ^{π_k} (each S×d) of a library of K policies, used to make V*_w a
/// differentiable function of the reward weights w (Knox et al.):
///
///     V*_w(s) ≈ Ṽ_w(s) = τ · log( (1/K) Σ_k exp(w·ψ^{π_k}(s) / τ) )
///
/// a soft maximum over the library's values w·ψ^{π_k}(s) = V^{π_k}_w(s). It lies within τ·log K of
/// max_k V^{π_k}_w(s) (from below), equals it when all values agree, and has the gradient
/// ∇_w Ṽ_w(s) = Σ_k p_k(s) ψ^{π_k}(s) with p(s) = softmax_k(w·ψ^{π_k}(s) / τ).
public struct SuccessorFeatureLibrary: Sendable {
    /// ψ^{π_k}, each S×d.
    public let successorFeatures: [Tensor<Double>]
    /// The deterministic policies π_k.
    public let policies: [MDPPolicy]
    /// The reward vectors the policies are optimal for (empty when built from policies).
    public let rewardVectors: [Tensor<Double>]

    /// The default per-component choices of a random library reward vector.
    public static let defaultRewardChoices: [Double] = [-50, -10, -5, -2, -1, 0, 1, 2, 5, 10, 50]

    /// Number of policies K.
    public var count: Int { successorFeatures.count }

    /// A library from given policies.
    public init(mdp: FiniteMDP, policies: [MDPPolicy]) throws(MDPError) {
        guard !policies.isEmpty else { throw .invalidConfiguration("a successor-feature library needs at least one policy") }
        var psi = [Tensor<Double>]()
        for p in policies { psi.append(try mdp.successorFeatures(of: p)) }
        self.successorFeatures = psi
        self.policies = policies
        self.rewardVectors = []
    }

    /// The policies optimal for `randomRewardCount` random reward vectors (each component drawn
    /// uniformly from `rewardChoices`), duplicates removed. The true reward's optimal policy is
    /// not added; it is in the library only if some random vector happens to induce it.
    public init<G: RandomNumberGenerator>(
        mdp: FiniteMDP, randomRewardCount: Int,
        rewardChoices: [Double] = SuccessorFeatureLibrary.defaultRewardChoices, using generator: inout G
    ) throws(MDPError) {
        guard randomRewardCount > 0 else { throw .invalidSize(what: "randomRewardCount", value: randomRewardCount) }
        guard !rewardChoices.isEmpty, rewardChoices.allSatisfy({ $0.isFinite }) else {
            throw .invalidConfiguration("library reward choices must be finite and non-empty")
        }
        var seen = Set<[Int]>()
        var psi = [Tensor<Double>]()
        var policies = [MDPPolicy]()
        var vectors = [Tensor<Double>]()
        for _ in 0..<randomRewardCount {
            let w = Tensor((0..<mdp.featureCount).map { _ in rewardChoices.randomElement(using: &generator)! })
            let solution = try mdp.solve(weights: w)
            let policy = solution.greedyPolicy
            guard seen.insert(policy.actions!).inserted else { continue }
            psi.append(try mdp.successorFeatures(of: policy))
            policies.append(policy)
            vectors.append(w)
        }
        self.successorFeatures = psi
        self.policies = policies
        self.rewardVectors = vectors
    }

    /// The soft maximum Ṽ_w(s) and its gradient ∇_w Ṽ_w(s) at the listed states.
    ///
    /// - Returns: values (length |states|) and gradients (|states|×d).
    public func softMaximum(
        weights: Tensor<Double>, temperature: Double, states: [Int]
    ) -> (values: Tensor<Double>, gradients: Tensor<Double>) {
        let stacked = stackedFeatures(states: states)
        return Self.softMaximum(stacked: stacked, policyCount: count, weights: weights.scalars, temperature: temperature)
    }

    /// Rows u·K + k hold ψ^{π_k}(states[u]): a (|states|·K)×d matrix.
    func stackedFeatures(states: [Int]) -> Tensor<Double> {
        let k = count
        let d = successorFeatures[0].shape[1]
        var out = Tensor<Double>.zeros(shape: [states.count * k, d])
        for (u, s) in states.enumerated() {
            for (j, psi) in successorFeatures.enumerated() {
                for f in 0..<d { out.scalars[(u * k + j) * d + f] = psi.scalars[s * d + f] }
            }
        }
        return out
    }

    /// Soft maximum over blocks of K rows of `stacked`: values = Ψ·w (one `gemv`), a
    /// log-mean-exp per block, and the block gradients Ψ_uᵀ p_u (a `gemv` per block).
    static func softMaximum(
        stacked: Tensor<Double>, policyCount k: Int, weights: [Double], temperature tau: Double
    ) -> (values: Tensor<Double>, gradients: Tensor<Double>) {
        let d = stacked.shape[1]
        let u = stacked.shape[0] / k
        let v = stacked.matvec(Tensor(weights))
        var values = Tensor<Double>.zeros(shape: [u])
        var gradients = Tensor<Double>.zeros(shape: [u, d])
        var p = [Double](repeating: 0, count: k)
        let logK = Double.log(Double(k))
        v.scalars.withUnsafeBufferPointer { vp in
            stacked.scalars.withUnsafeBufferPointer { sp in
                gradients.scalars.withUnsafeMutableBufferPointer { gp in
                    p.withUnsafeMutableBufferPointer { pp in
                        for i in 0..<u {
                            var m = -Double.infinity
                            for j in 0..<k { m = Swift.max(m, vp[i * k + j]) }
                            var z = 0.0
                            for j in 0..<k {
                                let e = Double.exp((vp[i * k + j] - m) / tau)
                                pp[j] = e
                                z += e
                            }
                            values.scalars[i] = m + tau * (Double.log(z) - logK)
                            let inv = 1 / z
                            for j in 0..<k { pp[j] *= inv }
                            Double.gemv(transpose: true, m: k, n: d, alpha: 1, a: sp.baseAddress! + i * k * d, lda: d,
                                        x: pp.baseAddress!, incx: 1, beta: 0, y: gp.baseAddress! + i * d, incy: 1)
                        }
                    }
                }
            }
        }
        return (values, gradients)
    }
}
