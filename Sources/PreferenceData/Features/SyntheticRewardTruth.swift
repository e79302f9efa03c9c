import Foundation
import NumericCore

/// The true preference model behind a synthetic feature-pair data set.
///
/// Each case defines the logit s(a, b) of P(a ≻ b) = σ(s(a, b)) for feature vectors a, b (and the
/// user of the pair where it matters). Labels were drawn from that probability.
public enum SyntheticRewardTruth: Sendable, Equatable {
    /// r(x) = w·x; s(a, b) = r(a) − r(b).
    case linear(weights: Tensor<Double>)
    /// r(x) = c · vᵀ tanh(W₁x/√d + b₁) with W₁ h×d, b₁ and v of length h; s(a, b) = r(a) − r(b).
    case mlp(inputWeights: Tensor<Double>, inputBias: Tensor<Double>, outputWeights: Tensor<Double>, scale: Double)
    /// Group g has reward r_g(x) = w_g·x (rows of `groupWeights`, G×d); user u belongs to group
    /// `groupOfUser[u]` and labels with s(a, b) = r_{g(u)}(a) − r_{g(u)}(b). `activity[u]` is the
    /// user's relative share of pairs.
    case userGroups(groupWeights: Tensor<Double>, groupOfUser: [Int], activity: [Double])
    /// A skew-symmetric (intransitive) form: v(x) = A x / ‖A x‖ with A of shape 2k×d and
    /// s(a, b) = strength · Σ_l (v_a[2l]·v_b[2l+1] − v_a[2l+1]·v_b[2l]), so s(a, b) = −s(b, a)
    /// and no reward function reproduces it.
    case cyclic(projection: Tensor<Double>, strength: Double)

    /// The feature dimension d the truth expects.
    public var dimension: Int {
        switch self {
        case .linear(let w): w.count
        case .mlp(let w1, _, _, _): w1.columnCount
        case .userGroups(let w, _, _): w.columnCount
        case .cyclic(let a, _): a.columnCount
        }
    }

    /// The true reward of each row of `x` (m×d) — for user `users[i]` in the group case — or nil
    /// for the cyclic truth, which has no reward.
    public func rewards(_ x: Tensor<Double>, users: [Int]? = nil) -> [Double]? {
        precondition(x.rank == 2 && x.columnCount == dimension, "rewards: features of shape \(x.shape), truth dimension \(dimension)")
        switch self {
        case .linear(let w):
            return x.matvec(w).scalars
        case .mlp(let w1, let b1, let v, let c):
            let h = w1.rowCount
            var pre = x.matmul(w1, transposeOther: true)   // m×h
            let invSqrtD = 1 / Double(dimension).squareRoot()
            pre.scalars.withUnsafeMutableBufferPointer { z in
                for i in 0..<x.rowCount {
                    for j in 0..<h { z[i * h + j] = Foundation.tanh(z[i * h + j] * invSqrtD + b1.scalars[j]) }
                }
            }
            return pre.matvec(v).scalars.map { c * $0 }
        case .userGroups(let w, let groupOfUser, _):
            guard let users else { preconditionFailure("rewards: the user-group truth needs the user of each row") }
            precondition(users.count == x.rowCount, "rewards: \(users.count) users for \(x.rowCount) rows")
            let all = x.matmul(w, transposeOther: true)  // m×G
            let g = w.rowCount
            return users.enumerated().map { i, u in all.scalars[i * g + groupOfUser[u]] }
        case .cyclic:
            return nil
        }
    }

    /// The logit s(aᵢ, bᵢ) of P(aᵢ ≻ bᵢ) for each row pair of `a` and `b` (m×d each).
    public func logits(_ a: Tensor<Double>, _ b: Tensor<Double>, users: [Int]? = nil) -> [Double] {
        precondition(a.shape == b.shape, "logits: shapes \(a.shape) and \(b.shape) differ")
        if case .cyclic(let projection, let strength) = self {
            let va = SyntheticRewardTruth.embed(a, projection)
            let vb = SyntheticRewardTruth.embed(b, projection)
            let k2 = projection.rowCount
            return (0..<a.rowCount).map { i in
                var s = 0.0
                for l in stride(from: 0, to: k2 - 1, by: 2) {
                    s += va.scalars[i * k2 + l] * vb.scalars[i * k2 + l + 1] - va.scalars[i * k2 + l + 1] * vb.scalars[i * k2 + l]
                }
                return strength * s
            }
        }
        let ra = rewards(a, users: users)!, rb = rewards(b, users: users)!
        return zip(ra, rb).map { $0 - $1 }
    }

    /// Rows of x Aᵀ normalized to unit length.
    static func embed(_ x: Tensor<Double>, _ projection: Tensor<Double>) -> Tensor<Double> {
        var v = x.matmul(projection, transposeOther: true)
        let k = projection.rowCount
        v.scalars.withUnsafeMutableBufferPointer { p in
            for i in 0..<x.rowCount {
                var norm = 0.0
                for j in 0..<k { norm += p[i * k + j] * p[i * k + j] }
                let inverse = norm > 0 ? 1 / norm.squareRoot() : 0
                for j in 0..<k { p[i * k + j] *= inverse }
            }
        }
        return v
    }
}
