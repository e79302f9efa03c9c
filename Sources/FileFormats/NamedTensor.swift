import NumericCore

/// A tensor with its name in a model or safetensors file.
public struct NamedTensor: Sendable, Equatable {
    public var name: String
    public var value: StoredTensor

    public init(name: String, value: StoredTensor) {
        self.name = name
        self.value = value
    }

    public init<S: BLASScalar>(name: String, _ tensor: Tensor<S>) {
        self.init(name: name, value: StoredTensor(tensor))
    }
}
