import NumericCore

/// A model that gives every response a scalar reward and is trained with a Bradley–Terry
/// objective (the linear and MLP reward heads, and ``RewardHead`` over both): its pair
/// probabilities follow from the two.
public protocol ScalarRewardModel<Scalar> {
    /// The scalar type of the model's parameters and rewards.
    associatedtype Scalar: BLASScalar
    /// The objective the model was (or will be) trained with; its temperature scales the logits.
    var objective: BradleyTerryObjective { get }
    /// `r(x)` for each row of `features` (`[m, d]`).
    func rewards(_ features: Tensor<Scalar>) -> [Scalar]
}

extension ScalarRewardModel {
    /// `σ((r(x_c) − r(x_r))/τ)` for each pair. (Inlinable, so callers get a specialized copy.)
    @inlinable
    public func probabilities(chosen: Tensor<Scalar>, rejected: Tensor<Scalar>) -> [Scalar] {
        let rc = rewards(chosen), rr = rewards(rejected)
        let inverseTau = Scalar(1 / objective.temperature)
        return zip(rc, rr).map { Scalar.sigmoid(($0 - $1) * inverseTau) }
    }
}
