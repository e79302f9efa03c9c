import NumericCore

/// Adam (Kingma & Ba 2015) with PyTorch's `torch.optim.Adam` / `torch.optim.AdamW` update.
/// For each parameter `θ` with gradient `g`, at step `t` (starting at 1):
///
///     θ ← θ·(1 − γ·λ)                                  (decoupled weight decay, AdamW)
///     g ← g + λ·θ                                      (L2 weight decay, Adam)
///     m ← β₁·m + (1 − β₁)·g
///     v ← β₂·v + (1 − β₂)·g²
///     θ ← θ − (γ / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
///
/// which is `θ ← θ − γ·m̂/(√v̂ + ε)` with the bias-corrected moments `m̂ = m/(1 − β₁ᵗ)`,
/// `v̂ = v/(1 − β₂ᵗ)`; `ε` is added after the square root, as in PyTorch.
public struct Adam<Scalar: BLASScalar>: Optimizer {
    /// How weight decay `λ` enters the update.
    public enum WeightDecay: Sendable, Equatable {
        /// No weight decay.
        case none
        /// `g ← g + λ·θ` before the moments (PyTorch `Adam(weight_decay=λ)`).
        case l2(Scalar)
        /// `θ ← θ·(1 − γ·λ)` before the Adam step (PyTorch `AdamW(weight_decay=λ)`, Loshchilov & Hutter 2019).
        case decoupled(Scalar)
    }

    /// The step size (the schedule's base rate).
    public var learningRate: Scalar
    /// `β₁`, the first-moment decay.
    public var beta1: Scalar
    /// `β₂`, the second-moment decay.
    public var beta2: Scalar
    /// `ε`, added to `√v̂`.
    public var epsilon: Scalar
    /// The weight-decay variant.
    public var weightDecay: WeightDecay
    /// The number of updates taken since creation or `reset()`.
    public private(set) var stepCount = 0
    private var firstMoments: [[Scalar]] = []
    private var secondMoments: [[Scalar]] = []

    /// Adam with PyTorch's defaults `γ = 1e-3, β₁ = 0.9, β₂ = 0.999, ε = 1e-8`, no weight decay.
    public init(learningRate: Scalar = 1e-3, beta1: Scalar = 0.9, beta2: Scalar = 0.999, epsilon: Scalar = 1e-8,
                weightDecay: WeightDecay = .none) {
        precondition(learningRate >= 0, "Adam learning rate must be ≥ 0, got \(learningRate)")
        precondition(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, "Adam betas must lie in [0, 1), got \(beta1), \(beta2)")
        precondition(epsilon >= 0, "Adam epsilon must be ≥ 0, got \(epsilon)")
        switch weightDecay {
        case .none: break
        case .l2(let l), .decoupled(let l): precondition(l >= 0, "Adam weight decay must be ≥ 0, got \(l)")
        }
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    /// AdamW with PyTorch's defaults (`λ = 0.01` decoupled weight decay).
    public static func adamW(learningRate: Scalar = 1e-3, beta1: Scalar = 0.9, beta2: Scalar = 0.999,
                             epsilon: Scalar = 1e-8, weightDecay: Scalar = 1e-2) -> Adam {
        Adam(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: .decoupled(weightDecay))
    }

    /// Forgets the optimizer state (moments, step count), keeping the settings.
    public mutating func reset() {
        stepCount = 0
        firstMoments = []
        secondMoments = []
    }

    /// Takes one step: updates `parameters` in place from `gradients` (same shapes, same order).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func update(_ parameters: inout [Tensor<Scalar>], gradients: [Tensor<Scalar>]) {
        checkShapes(parameters, gradients, "Adam")
        if stepCount == 0 {
            firstMoments = parameters.map { [Scalar](repeating: 0, count: $0.count) }
            secondMoments = firstMoments
        }
        checkState(parameters, firstMoments, "Adam")
        stepCount += 1
        let t = Scalar(stepCount)
        let b1 = beta1, b2 = beta2, eps = epsilon, lr = learningRate
        let stepSize = lr / (1 - Scalar.pow(b1, t))
        let inverseCorrection2 = 1 / (1 - Scalar.pow(b2, t)).squareRoot()
        var l2: Scalar = 0
        var shrink: Scalar = 1
        switch weightDecay {
        case .none: break
        case .l2(let lambda): l2 = lambda
        case .decoupled(let lambda): shrink = 1 - lr * lambda
        }
        for k in parameters.indices {
            let n = parameters[k].count
            gradients[k].scalars.withUnsafeBufferPointer { g in
                parameters[k].withMutableScalars { storage in
                    storage.withUnsafeMutableBufferPointer { p in
                        firstMoments[k].withUnsafeMutableBufferPointer { m in
                            secondMoments[k].withUnsafeMutableBufferPointer { v in
                                // Eight lanes at a time (the scalar loop does not vectorize: the four
                                // buffers may alias as far as the compiler knows), then the tail.
                                typealias V = SIMD8<Scalar>
                                let pp = p.baseAddress!, gp = g.baseAddress!, mp = m.baseAddress!, vp = v.baseAddress!
                                let stride = MemoryLayout<Scalar>.stride
                                var i = 0
                                while i + 8 <= n {
                                    let offset = i * stride
                                    let theta = UnsafeRawPointer(pp).loadUnaligned(fromByteOffset: offset, as: V.self) * shrink
                                    let gi = UnsafeRawPointer(gp).loadUnaligned(fromByteOffset: offset, as: V.self) + l2 * theta
                                    let mi = b1 * UnsafeRawPointer(mp).loadUnaligned(fromByteOffset: offset, as: V.self) + (1 - b1) * gi
                                    let vi = b2 * UnsafeRawPointer(vp).loadUnaligned(fromByteOffset: offset, as: V.self) + (1 - b2) * gi * gi
                                    UnsafeMutableRawPointer(mp).storeBytes(of: mi, toByteOffset: offset, as: V.self)
                                    UnsafeMutableRawPointer(vp).storeBytes(of: vi, toByteOffset: offset, as: V.self)
                                    let update = theta - stepSize * mi / (vi.squareRoot() * inverseCorrection2 + eps)
                                    UnsafeMutableRawPointer(pp).storeBytes(of: update, toByteOffset: offset, as: V.self)
                                    i += 8
                                }
                                while i < n {
                                    let theta = p[i] * shrink
                                    let gi = g[i] + l2 * theta
                                    let mi = b1 * m[i] + (1 - b1) * gi
                                    let vi = b2 * v[i] + (1 - b2) * gi * gi
                                    m[i] = mi
                                    v[i] = vi
                                    p[i] = theta - stepSize * mi / (vi.squareRoot() * inverseCorrection2 + eps)
                                    i += 1
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
