import NumericCore

extension Tensor {
    /// Runs `body` on this tensor's scalars with the array uniquely referenced, so in-place writes
    /// never copy.
    ///
    /// `Tensor.scalars` has a `didSet` observer that reads `oldValue`, which makes every in-place
    /// mutation through the property copy the whole array first. Moving the array out, mutating it
    /// and moving it back avoids that copy. `body` must not change the number of scalars.
    @inlinable
    mutating func withUniqueScalars<R>(_ body: (inout [Scalar]) throws -> R) rethrows -> R {
        let savedShape = shape
        var storage = scalars
        self = Tensor(shape: [0], scalars: [])
        defer { self = Tensor(shape: savedShape, scalars: storage) }
        return try body(&storage)
    }
}

/// Checks that gradients and state line up with the parameters (shapes named in the message).
func checkShapes<Scalar>(_ parameters: [Tensor<Scalar>], _ gradients: [Tensor<Scalar>], _ optimizer: StaticString) {
    precondition(parameters.count == gradients.count && zip(parameters, gradients).allSatisfy { $0.shape == $1.shape },
                 "\(optimizer): parameter shapes \(parameters.map(\.shape)) and gradient shapes \(gradients.map(\.shape)) differ")
}

func checkState<Scalar>(_ parameters: [Tensor<Scalar>], _ state: [[Scalar]], _ optimizer: StaticString) {
    precondition(parameters.count == state.count && zip(parameters, state).allSatisfy { $0.count == $1.count },
                 "\(optimizer): parameters \(parameters.map(\.shape)) do not match the optimizer state (sizes \(state.map(\.count))); call reset() before optimizing a different model")
}
