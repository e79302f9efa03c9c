import NumericCore

/// Stochastic gradient descent with optional momentum (classical or Nesterov) and L2 weight decay,
/// with PyTorch's `torch.optim.SGD` update. For each parameter `θ` with gradient `g`, at step `t`:
///
///     g ← g + λ·θ                                    (weight decay λ, if non-zero)
///     b ← g                         if t = 1
///     b ← μ·b + (1 − τ)·g           if t > 1         (momentum μ, dampening τ)
///     d ← g + μ·b   (Nesterov)   or   d ← b   (classical)   or   d ← g   (no momentum)
///     θ ← θ − γ·d
public struct SGD<Scalar: BLASScalar>: Optimizer {
    /// The momentum variant.
    public enum Momentum: Sendable, Equatable {
        /// Plain gradient descent, `d = g`.
        case none
        /// Heavy-ball momentum `μ` with dampening `τ` (PyTorch's default τ = 0).
        case classical(Scalar, dampening: Scalar = 0)
        /// Nesterov momentum `μ` (dampening 0, as PyTorch requires).
        case nesterov(Scalar)
    }

    /// The step size (the schedule's base rate).
    public var learningRate: Scalar
    /// The momentum variant.
    public var momentum: Momentum
    /// The L2 penalty coefficient `λ` added to the gradient.
    public var weightDecay: Scalar
    /// The number of updates taken since creation or `reset()`.
    public private(set) var stepCount = 0
    private var buffers: [[Scalar]] = []

    /// SGD with step size γ = `learningRate`, a momentum variant and the L2 weight decay λ added to the gradient.
    public init(learningRate: Scalar, momentum: Momentum = .none, weightDecay: Scalar = 0) {
        precondition(learningRate >= 0, "SGD learning rate must be ≥ 0, got \(learningRate)")
        precondition(weightDecay >= 0, "SGD weight decay must be ≥ 0, got \(weightDecay)")
        switch momentum {
        case .none: break
        case .classical(let mu, let tau):
            precondition(mu >= 0 && tau >= 0 && tau <= 1, "SGD momentum \(mu) must be ≥ 0 and dampening \(tau) in [0, 1]")
        case .nesterov(let mu):
            precondition(mu > 0, "SGD Nesterov momentum must be > 0, got \(mu)")
        }
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
    }

    /// Forgets the optimizer state (moments, step count), keeping the settings.
    public mutating func reset() {
        stepCount = 0
        buffers = []
    }

    /// Takes one step: updates `parameters` in place from `gradients` (same shapes, same order).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func update(_ parameters: inout [Tensor<Scalar>], gradients: [Tensor<Scalar>]) {
        checkShapes(parameters, gradients, "SGD")
        let first = stepCount == 0
        stepCount += 1
        let (mu, tau, nesterov): (Scalar, Scalar, Bool)
        switch momentum {
        case .none: (mu, tau, nesterov) = (0, 0, false)
        case .classical(let m, let d): (mu, tau, nesterov) = (m, d, false)
        case .nesterov(let m): (mu, tau, nesterov) = (m, 0, true)
        }
        let usesBuffer = mu != 0
        if usesBuffer {
            if first { buffers = parameters.map { [Scalar](repeating: 0, count: $0.count) } }
            checkState(parameters, buffers, "SGD")
        }
        let lr = learningRate, lambda = weightDecay
        for k in parameters.indices {
            let n = parameters[k].count
            gradients[k].scalars.withUnsafeBufferPointer { g in
                parameters[k].withMutableScalars { storage in
                    storage.withUnsafeMutableBufferPointer { p in
                        if !usesBuffer {
                            for i in 0..<n { p[i] -= lr * (g[i] + lambda * p[i]) }
                            return
                        }
                        buffers[k].withUnsafeMutableBufferPointer { b in
                            for i in 0..<n {
                                let gi = g[i] + lambda * p[i]
                                let bi = first ? gi : mu * b[i] + (1 - tau) * gi
                                b[i] = bi
                                p[i] -= lr * (nesterov ? gi + mu * bi : bi)
                            }
                        }
                    }
                }
            }
        }
    }
}
