import TestSupport
import Layers
import NumericCore

/// Finite-difference checks of a layer's backward pass under the loss `L = Σ R ⊙ layer(X)` for a
/// fixed random "upstream gradient" `R`, so `∂L/∂y = R`.
struct LayerGradientErrors {
    /// Worst relative error (FiniteDifference.relativeError) of the input gradient.
    var input: Double
    /// Worst relative error of the parameter gradients (0 when there are none).
    var parameters: Double
    /// max |analytic − numeric| / max |numeric| over inputs and parameters: a scale-free error that
    /// stays meaningful when every gradient is tiny.
    var normalized: Double
}

func gradientErrors<L: Layer>(
    of layer: L, at input: Tensor<Double>, upstreamSeed: UInt64 = 99, step: Double = 1e-6
) -> LayerGradientErrors where L.Scalar == Double {
    var rng = SeededGenerator(seed: upstreamSeed)
    let (output, cache) = layer.forward(input)
    let upstream = Tensor<Double>.randomNormal(shape: output.shape, using: &rng)
    let (inputGradient, parameterGradients) = layer.backward(upstream, cache: cache)

    func loss(_ l: L, _ x: Tensor<Double>) -> Double { (l(x) * upstream).sum() }

    let numericInput = FiniteDifference.gradient(of: { flat in
        loss(layer, Tensor(shape: input.shape, scalars: flat))
    }, at: input.scalars, step: step)
    let inputError = FiniteDifference.relativeError(analytic: inputGradient.scalars, numeric: numericInput)

    var analytic = inputGradient.scalars
    var numeric = numericInput
    var parameterError = 0.0
    if !layer.parameters.isEmpty {
        let layout = ParameterVector<Double>(describing: layer.parameters)
        let theta = layout.flatten(layer.parameters)
        let numericParameters = FiniteDifference.gradient(of: { flat in
            var probe = layer
            probe.parameters = layout.unflatten(flat)
            return loss(probe, input)
        }, at: theta, step: step)
        let analyticParameters = layout.flatten(parameterGradients)
        parameterError = FiniteDifference.relativeError(analytic: analyticParameters, numeric: numericParameters)
        analytic += analyticParameters
        numeric += numericParameters
    }
    let scale = numeric.map(abs).max() ?? 0
    let normalized = scale > 0 ? Tolerance.maxAbsDifference(analytic, numeric) / scale : Tolerance.maxAbsDifference(analytic, numeric)
    return LayerGradientErrors(input: inputError, parameters: parameterError, normalized: normalized)
}

/// A tensor's scalars converted to Float.
func toFloat(_ t: Tensor<Double>) -> Tensor<Float> {
    Tensor(shape: t.shape, scalars: t.scalars.map { Float($0) })
}
