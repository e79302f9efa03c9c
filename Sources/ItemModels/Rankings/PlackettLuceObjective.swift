import NumericCore
import PreferenceData

/// F(θ) = L(θ) + (λ/2)‖θ‖², L the Plackett–Luce negative log-likelihood of the choice events
/// (``PlackettLuceChoices``; with Davidson–Luce ties, x = (θ, η₂, …, η_D) and the tie kernel), in
/// the form the item Newton solvers use.
struct PlackettLuceObjective: NewtonItemObjective {
    let choices: PlackettLuceChoices
    let l2Penalty: Double
    /// The Davidson–Luce kernel, when ties are modeled.
    let ties: PlackettLuceTieKernel?
    let parallel: Bool

    init(choices: PlackettLuceChoices, l2Penalty: Double, ties: PlackettLuceTieKernel? = nil, parallel: Bool = true) {
        self.choices = choices
        self.l2Penalty = l2Penalty
        self.ties = ties
        self.parallel = parallel
    }

    var itemCount: Int { choices.dimension }
    var dimension: Int { itemCount + (ties?.tieParameterCount ?? 0) }

    struct Evaluation: NewtonItemEvaluation {
        var value: Double
        var negativeLogLikelihood: Double
        var gradient: [Double]
        var hasValue: Bool { true }
        var plain: PlackettLuceChoices.Evaluation?
        var tie: PlackettLuceTieKernel.Evaluation?
    }

    func evaluate(_ x: [Double], value: Bool = true) -> Evaluation {
        precondition(x.count == dimension, "objective of dimension \(dimension) evaluated at a vector of length \(x.count)")
        let n = itemCount
        var evaluation: Evaluation
        if let ties {
            let e = ties.evaluate(x)
            evaluation = Evaluation(value: e.negativeLogLikelihood, negativeLogLikelihood: e.negativeLogLikelihood,
                                    gradient: e.gradient, plain: nil, tie: e)
        } else {
            let e = choices.evaluate(x, parallel: parallel)
            evaluation = Evaluation(value: e.negativeLogLikelihood, negativeLogLikelihood: e.negativeLogLikelihood,
                                    gradient: e.gradient, plain: e, tie: nil)
        }
        if l2Penalty > 0 {
            var squares = 0.0
            for i in 0..<n {
                squares += x[i] * x[i]
                evaluation.gradient[i] += l2Penalty * x[i]
            }
            evaluation.value += 0.5 * l2Penalty * squares
        }
        return evaluation
    }

    /// F alone.
    func value(_ x: [Double]) -> Double { evaluate(x).value }

    func hessianDiagonal(_ evaluation: Evaluation) -> [Double] {
        var diagonal: [Double]
        if let ties, let tie = evaluation.tie {
            diagonal = ties.hessianDiagonal(tie)
        } else if let plain = evaluation.plain {
            diagonal = choices.hessianDiagonal(plain)
        } else {
            preconditionFailure("evaluation without kernel caches")
        }
        for i in 0..<itemCount { diagonal[i] += l2Penalty }
        return diagonal
    }

    func hessianVectorProduct(_ evaluation: Evaluation, _ v: [Double]) -> [Double] {
        var product: [Double]
        if let ties, let tie = evaluation.tie {
            product = ties.hessianVectorProduct(tie, v)
        } else if let plain = evaluation.plain {
            product = choices.hessianVectorProduct(plain, v, parallel: parallel)
        } else {
            preconditionFailure("evaluation without kernel caches")
        }
        for i in 0..<itemCount { product[i] += l2Penalty * v[i] }
        return product
    }

    /// The mean θ-diagonal of ∇²F over n (at least 1e-12/n), as for Bradley–Terry.
    func centeringShift(_ evaluation: Evaluation) -> Double {
        let n = itemCount
        let diagonal = hessianDiagonal(evaluation)
        var mean = 0.0
        for i in 0..<n { mean += diagonal[i] }
        return max(mean / Double(n), 1e-12) / Double(n)
    }

    func denseHessian(_ evaluation: Evaluation, shift: Double = 0) -> Tensor<Double> {
        let n = itemCount, d = dimension
        var scalars: [Double]
        if let ties, let tie = evaluation.tie {
            scalars = ties.denseHessian(tie)
        } else if let plain = evaluation.plain {
            scalars = choices.denseHessian(plain)
        } else {
            preconditionFailure("evaluation without kernel caches")
        }
        for i in 0..<n {
            scalars[i * d + i] += l2Penalty
            for j in 0..<n { scalars[i * d + j] += shift }
        }
        return Tensor(shape: [d, d], scalars: scalars)
    }
}
