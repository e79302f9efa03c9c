import NumericCore

/// How a weight matrix of shape `[fanIn, fanOut]` is drawn. Every case takes an explicit generator,
/// so the same seed gives the same weights.
///
/// | case | distribution |
/// |---|---|
/// | `zeros` | all zero |
/// | `normal(standardDeviation: s)` | `N(0, s²)` |
/// | `rewardHead` | `N(0, 1/(fanIn + 1))`, i.e. std `1/√(fanIn + 1)` (the reward-head init of OpenAI's `lm-human-preferences`) |
/// | `xavierUniform` | `U(−a, a)`, `a = √(6/(fanIn + fanOut))` (Glorot & Bengio 2010) |
/// | `xavierNormal` | `N(0, 2/(fanIn + fanOut))` |
/// | `kaimingUniform` | `U(−a, a)`, `a = √(6/fanIn)` (He et al. 2015, gain √2 for ReLU) |
/// | `kaimingNormal` | `N(0, 2/fanIn)` |
public enum Initializer: Sendable, Equatable {
    /// All zero.
    case zeros
    /// `N(0, s²)`.
    case normal(standardDeviation: Double)
    /// `N(0, 1/(fanIn + 1))`.
    case rewardHead
    /// Glorot uniform.
    case xavierUniform
    /// Glorot normal.
    case xavierNormal
    /// He uniform (gain √2).
    case kaimingUniform
    /// He normal (gain √2).
    case kaimingNormal

    /// A `[inputSize, outputSize]` weight matrix drawn from this distribution.
    public func weight<Scalar: BLASScalar, G: RandomNumberGenerator>(
        inputSize fanIn: Int, outputSize fanOut: Int, using generator: inout G
    ) -> Tensor<Scalar> {
        let shape = [fanIn, fanOut]
        func normal(_ std: Double) -> Tensor<Scalar> {
            Tensor.randomNormal(shape: shape, standardDeviation: Scalar(std), using: &generator)
        }
        func uniform(_ bound: Double) -> Tensor<Scalar> {
            let count = fanIn * fanOut
            var values = [Scalar](repeating: 0, count: count)
            for i in 0..<count { values[i] = Scalar(bound * (2 * generator.nextOpenUnit() - 1)) }
            return Tensor(shape: shape, scalars: values)
        }
        let fanInD = Double(fanIn), fanOutD = Double(fanOut)
        switch self {
        case .zeros: return Tensor.zeros(shape: shape)
        case .normal(let std):
            precondition(std >= 0 && std.isFinite, "Initializer.normal needs a finite standard deviation ≥ 0, got \(std)")
            return normal(std)
        case .rewardHead: return normal(1 / (fanInD + 1).squareRoot())
        case .xavierUniform: return uniform((6 / (fanInD + fanOutD)).squareRoot())
        case .xavierNormal: return normal((2 / (fanInD + fanOutD)).squareRoot())
        case .kaimingUniform: return uniform((6 / fanInD).squareRoot())
        case .kaimingNormal: return normal((2 / fanInD).squareRoot())
        }
    }
}
