import NumericCore

/// How the eigenvalues `λ_l` of the skew-symmetric operator are obtained.
public enum GPMEigenvalues: String, Sendable, Equatable, Codable, CaseIterable {
    /// `λ_l = 1` for every plane.
    case fixed
    /// `λ_l = exp(ρ_l)` with a learned `ρ ∈ R^k`; always positive. It starts at `λ = τ`
    /// (``GPMConfiguration/initialLogEigenvalues(_:)``), so the logits `s/τ` start at unit scale and the
    /// model sharpens itself as `λ` grows.
    case learned
    /// `λ(x) = k·softmax(x·W + b)` from prompt features `x` (see ``EigenvalueGate``): positive, with
    /// mean 1 over the planes, so a uniform gate is the ``fixed`` model. Feature-level models only.
    case promptGated
}

/// The hyperparameters of a general preference model, shared by the item-level and feature-level forms.
///
///     P(a ≻ b) = σ((s(a ≻ b) − m)/τ),   s(a ≻ b) = v_aᵀ·R·v_b   (``SkewSymmetricOperator``)
///
/// Convention (used identically in training and in every query): `v = u/‖u‖` when
/// ``normalizesEmbeddings`` (the default), where `u` is the raw embedding; eigenvalues as in
/// ``GPMEigenvalues``. With normalized embeddings and the default `λ = 1`, `|s| ≤ 1`, so `τ` sets the
/// sharpest probability the model can express: `σ(1/τ)` (0.99995 at `τ = 0.1`).
public struct GPMConfiguration: Sendable, Equatable, Codable {
    /// The embedding dimension `2k` (even, ≥ 2).
    public var dimension: Int
    /// The temperature `τ > 0` dividing the score inside the logistic function.
    public var temperature: Double
    /// The margin `m` subtracted from the score of every training pair (0 by default); it shifts the loss
    /// only: probabilities and accuracies use `m = 0` (the model's preference), as with margins in BT heads.
    public var margin: Double
    /// Whether embeddings are L2-normalized before the operator (training and inference alike).
    public var normalizesEmbeddings: Bool
    /// How eigenvalues are obtained.
    public var eigenvalues: GPMEigenvalues

    /// The number of planes `k = dimension/2`.
    public var planeCount: Int { dimension / 2 }

    /// The starting `ρ = log τ` of the ``GPMEigenvalues/learned`` mode (`λ = τ`, logits `s/τ = s`).
    ///
    /// Why not `λ = 1`: with `τ = 0.1` the logits then start ten times sharper, the loss is nearly a
    /// hinge from the first step, and minibatch training from a random head can settle in a poor
    /// optimum (on W4 a 64→128→4 head with `λ = 1` fixed stalls at ≈ 0.75 test accuracy, while
    /// learned eigenvalues from `λ = τ` grow to ≈ 1 — the data's true scale — and reach 0.90).
    public func initialLogEigenvalues<Scalar: BLASScalar>(_ type: Scalar.Type = Scalar.self) -> Tensor<Scalar> {
        Tensor(shape: [planeCount], repeating: Scalar(Double.log(temperature)))
    }

    /// Creates a configuration; defaults are `2k = 4`, `τ = 0.1`, no margin, normalized embeddings, `λ = 1`.
    public init(dimension: Int = 4, temperature: Double = 0.1, margin: Double = 0,
                normalizesEmbeddings: Bool = true, eigenvalues: GPMEigenvalues = .fixed) {
        precondition(dimension >= 2 && dimension % 2 == 0, "GPM dimension 2k must be even and ≥ 2, got \(dimension)")
        precondition(temperature > 0 && temperature.isFinite, "GPM temperature τ must be positive and finite, got \(temperature)")
        precondition(margin.isFinite, "GPM margin must be finite, got \(margin)")
        self.dimension = dimension
        self.temperature = temperature
        self.margin = margin
        self.normalizesEmbeddings = normalizesEmbeddings
        self.eigenvalues = eigenvalues
    }
}

/// The pairwise logistic loss of the GPM on a score: `ℓ(s) = −log σ((s − m)/τ) = softplus(−(s − m)/τ)`,
/// with `dℓ/ds = −σ(−(s − m)/τ)/τ`. Both are finite for any finite score.
public enum GPMLoss {
    /// `ℓ(s)` and `dℓ/ds` for one score.
    @inlinable
    public static func valueAndDerivative<Scalar: BLASScalar>(
        score: Scalar, margin: Scalar, temperature: Scalar
    ) -> (value: Scalar, derivative: Scalar) {
        let z = (score - margin) / temperature
        return (Scalar.softplus(-z), -Scalar.sigmoid(-z) / temperature)
    }
}
