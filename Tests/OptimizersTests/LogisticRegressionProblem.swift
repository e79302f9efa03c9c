import NumericCore

/// L2-penalized logistic regression with labels yᵢ ∈ {−1, +1}:
/// f(w) = Σᵢ softplus(−yᵢ·xᵢᵀw) + (λ/2)‖w‖², ∇f = −Xᵀ(y ⊙ σ(−y ⊙ Xw)) + λw,
/// ∇²f = Xᵀ diag(σ(xᵢᵀw)(1 − σ(xᵢᵀw))) X + λI.
struct LogisticRegressionProblem {
    let features: Tensor<Double>   // [n, d]
    let labels: [Double]
    let penalty: Double
    let trueWeights: [Double]

    init(samples n: Int, dimension d: Int, penalty: Double, seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        features = Tensor.randomNormal(shape: [n, d], using: &rng)
        trueWeights = (0..<d).map { _ in rng.nextNormal() }
        let margins = features.matvec(Tensor(trueWeights))
        labels = margins.scalars.map { rng.nextOpenUnit() < Double.sigmoid($0) ? 1 : -1 }
        self.penalty = penalty
    }

    func value(_ w: [Double], rows: [Int]? = nil) -> Double {
        let x = rows.map { features.gatherRows($0) } ?? features
        let y = rows.map { $0.map { labels[$0] } } ?? labels
        let margins = x.matvec(Tensor(w))
        var total = 0.0
        for i in 0..<y.count { total += Double.softplus(-y[i] * margins.scalars[i]) }
        return total + penalty / 2 * Tensor(w).dot(Tensor(w))
    }

    /// The gradient over `rows` (all by default); the penalty is scaled by the batch fraction.
    func gradient(_ w: [Double], rows: [Int]? = nil) -> [Double] {
        let x = rows.map { features.gatherRows($0) } ?? features
        let y = rows.map { $0.map { labels[$0] } } ?? labels
        let margins = x.matvec(Tensor(w))
        let residual = Tensor((0..<y.count).map { -y[$0] * Double.sigmoid(-y[$0] * margins.scalars[$0]) })
        var g = x.matvec(residual, transposed: true)
        g.axpy(penalty * Double(y.count) / Double(labels.count), Tensor(w))
        return g.scalars
    }

    /// Newton's method with a Cholesky solve of the Hessian, to machine precision.
    func newtonSolution() throws -> [Double] {
        let (n, d) = (features.shape[0], features.shape[1])
        var w = [Double](repeating: 0, count: d)
        for _ in 0..<50 {
            let g = gradient(w)
            if g.map(abs).max()! < 1e-13 { break }
            let margins = features.matvec(Tensor(w))
            var weighted = features
            for i in 0..<n {
                let p = Double.sigmoid(margins.scalars[i])
                let s = (p * (1 - p)).squareRoot()
                for j in 0..<d { weighted[i, j] *= s }
            }
            var hessian = weighted.gram()
            for j in 0..<d { hessian[j, j] += penalty }
            let step = try hessian.cholesky().solve(Tensor(g))
            for j in 0..<d { w[j] -= step.scalars[j] }
        }
        return w
    }
}
