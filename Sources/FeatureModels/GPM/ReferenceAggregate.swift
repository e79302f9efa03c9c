import NumericCore

/// How a response's preference against a reference set `{y_1, …, y_m}` is summarized.
///
/// General Preference Optimization (Zhang et al. 2024) rewards a response `y` by how much it is
/// preferred to the policy's other samples. RewardKit offers both summaries:
///
/// - ``meanScore``: `s̄(y) = (1/m)·Σ_j s(y ≻ y_j) = v_yᵀ·R·v̄` with `v̄ = (1/m)·Σ_j v_j`. The score is
///   bilinear, so this costs one pass over the reference set plus `O(k)` per response — linear, not `n·m`.
///   It is skew-symmetric between sets and 0 for a response against a set made only of itself.
/// - ``meanProbability``: `P̄(y) = (1/m)·Σ_j σ(s(y ≻ y_j)/τ)`, the estimate of `P(y ≻ π)` used by
///   SPPO/GPO-style self-play; it needs the `n×m` score block (one `gemm`).
public enum ReferenceAggregate: String, Sendable, Equatable, Codable, CaseIterable {
    /// The mean score `(1/m)·Σ_j s(y ≻ y_j)`.
    case meanScore
    /// The mean probability `(1/m)·Σ_j σ(s(y ≻ y_j)/τ)`.
    case meanProbability

    /// Evaluates the aggregate for embeddings `v` (`[n, 2k]`) against reference embeddings (`[m, 2k]`).
    static func evaluate<Scalar: BLASScalar>(
        _ aggregate: ReferenceAggregate, _ v: Tensor<Scalar>, _ reference: Tensor<Scalar>,
        eigenvalues: Tensor<Scalar>, temperature: Scalar
    ) -> [Scalar] {
        precondition(reference.rank == 2 && reference.shape[0] > 0 && reference.shape[1] == v.shape[1],
                     "preference score: reference set \(reference.shape) must be a non-empty [m, \(v.shape[1])] matrix")
        let vr = SkewSymmetricOperator.applyOperator(v, eigenvalues: eigenvalues)
        switch aggregate {
        case .meanScore:
            let mean = reference.mean(alongAxis: 0)
            return vr.matvec(mean).scalars
        case .meanProbability:
            let block = vr.matmul(reference, transposeOther: true)
            let m = reference.shape[0]
            return (0..<v.shape[0]).map { i in
                var total: Scalar = 0
                for j in 0..<m { total += Scalar.sigmoid(block.scalars[i * m + j] / temperature) }
                return total / Scalar(m)
            }
        }
    }
}
