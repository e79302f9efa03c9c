import NumericCore

/// A tensor with its name in a model or safetensors file.
public struct NamedTensor: Sendable, Equatable {
    /// The tensor's name in the file.
    public var name: String
    /// The tensor, as stored (float32 or float64).
    public var value: StoredTensor

    /// A tensor named `name`.
    public init(name: String, value: StoredTensor) {
        self.name = name
        self.value = value
    }

    /// A tensor of either precision named `name`.
    public init<S: BLASScalar>(name: String, _ tensor: Tensor<S>) {
        self.init(name: name, value: StoredTensor(tensor))
    }
}
