import NumericCore

/// A first-order optimizer with per-parameter state (momentum buffers, moment estimates).
///
/// The state is created on the first ``update(_:gradients:)`` from the parameters' shapes and is
/// tied to that list of tensors: later calls must pass tensors of the same shapes in the same order
/// (call ``reset()`` to start over). Updates are written in place into the tensors' storage.
///
/// ```swift
/// var adam = Adam<Double>(learningRate: 1e-2)
/// for step in 0..<steps {
///     let gradients = model.gradients(...)            // same order as parameters
///     adam.learningRate = schedule.learningRate(base: 1e-2, atStep: step)
///     adam.update(&parameters, gradients: gradients)
/// }
/// ```
public protocol Optimizer<Scalar>: Sendable {
    /// The scalar type of the parameters.
    associatedtype Scalar: BLASScalar

    /// The step size `γ` used by the next update.
    var learningRate: Scalar { get set }

    /// The number of updates taken so far (`t` after the `t`-th update).
    var stepCount: Int { get }

    /// Applies one update `θ ← θ − γ·(direction from the gradients and the state)` in place.
    mutating func update(_ parameters: inout [Tensor<Scalar>], gradients: [Tensor<Scalar>])

    /// Forgets all state (step count, buffers).
    mutating func reset()
}
