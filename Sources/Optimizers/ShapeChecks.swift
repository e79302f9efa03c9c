import NumericCore

/// Checks that gradients and state line up with the parameters (shapes named in the message).
func checkShapes<Scalar>(_ parameters: [Tensor<Scalar>], _ gradients: [Tensor<Scalar>], _ optimizer: StaticString) {
    precondition(parameters.count == gradients.count && zip(parameters, gradients).allSatisfy { $0.shape == $1.shape },
                 "\(optimizer): parameter shapes \(parameters.map(\.shape)) and gradient shapes \(gradients.map(\.shape)) differ")
}

func checkState<Scalar>(_ parameters: [Tensor<Scalar>], _ state: [[Scalar]], _ optimizer: StaticString) {
    precondition(parameters.count == state.count && zip(parameters, state).allSatisfy { $0.count == $1.count },
                 "\(optimizer): parameters \(parameters.map(\.shape)) do not match the optimizer state (sizes \(state.map(\.count))); call reset() before optimizing a different model")
}
