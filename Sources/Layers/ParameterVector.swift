import NumericCore

/// The layout of a list of tensors as one flat vector, for optimizers that work on `[Scalar]`
/// (L-BFGS, Newton) over any model's ``Layer/parameters``.
///
/// Tensor `k` occupies `flat[offsets[k] ..< offsets[k] + counts[k]]` in row-major order.
///
/// ```swift
/// let layout = ParameterVector(describing: mlp.parameters)
/// var theta = layout.flatten(mlp.parameters)
/// mlp.parameters = layout.unflatten(theta)
/// ```
public struct ParameterVector<Scalar: BLASScalar>: Sendable, Equatable {
    /// The shape of each tensor, in order.
    public let shapes: [[Int]]
    /// The first flat index of each tensor.
    public let offsets: [Int]
    /// The total number of scalars.
    public let count: Int

    /// A layout for tensors of the given shapes.
    public init(shapes: [[Int]]) {
        self.shapes = shapes
        var offsets = [Int]()
        offsets.reserveCapacity(shapes.count)
        var total = 0
        for shape in shapes {
            offsets.append(total)
            total += shape.reduce(1, *)
        }
        self.offsets = offsets
        self.count = total
    }

    /// The layout of `tensors`.
    public init(describing tensors: [Tensor<Scalar>]) {
        self.init(shapes: tensors.map(\.shape))
    }

    /// The concatenated scalars of `tensors` (which must have this layout's shapes).
    public func flatten(_ tensors: [Tensor<Scalar>]) -> [Scalar] {
        var flat = [Scalar](repeating: 0, count: count)
        flatten(tensors, into: &flat)
        return flat
    }

    /// Writes the scalars of `tensors` into `flat` (which must hold ``count`` scalars) without allocating.
    public func flatten(_ tensors: [Tensor<Scalar>], into flat: inout [Scalar]) {
        checkTensors(tensors)
        precondition(flat.count == count, "ParameterVector.flatten: buffer holds \(flat.count) scalars, layout needs \(count)")
        flat.withUnsafeMutableBufferPointer { out in
            for (k, tensor) in tensors.enumerated() where tensor.count > 0 {
                tensor.scalars.withUnsafeBufferPointer { t in
                    (out.baseAddress! + offsets[k]).update(from: t.baseAddress!, count: t.count)
                }
            }
        }
    }

    /// Tensors of this layout's shapes filled from `flat`.
    public func unflatten(_ flat: [Scalar]) -> [Tensor<Scalar>] {
        precondition(flat.count == count, "ParameterVector.unflatten: got \(flat.count) scalars, layout needs \(count)")
        return shapes.indices.map { k in
            let n = shapes[k].reduce(1, *)
            return Tensor(shape: shapes[k], scalars: Array(flat[offsets[k] ..< offsets[k] + n]))
        }
    }

    /// Overwrites `tensors` (which must have this layout's shapes) with the scalars of `flat`, in place.
    public func unflatten(_ flat: [Scalar], into tensors: inout [Tensor<Scalar>]) {
        checkTensors(tensors)
        precondition(flat.count == count, "ParameterVector.unflatten: got \(flat.count) scalars, layout needs \(count)")
        flat.withUnsafeBufferPointer { source in
            for k in tensors.indices where tensors[k].count > 0 {
                let offset = offsets[k]
                tensors[k].withMutableScalars { storage in
                    storage.withUnsafeMutableBufferPointer { t in
                        t.baseAddress!.update(from: source.baseAddress! + offset, count: t.count)
                    }
                }
            }
        }
    }

    private func checkTensors(_ tensors: [Tensor<Scalar>]) {
        precondition(tensors.count == shapes.count && zip(tensors, shapes).allSatisfy { $0.shape == $1 },
                     "ParameterVector: tensors of shapes \(tensors.map(\.shape)) do not match layout \(shapes)")
    }
}
