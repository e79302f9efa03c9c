import NumericCore
import PreferenceData

/// Data-parallel minibatch training: the training pairs are split over processes in contiguous
/// blocks of rows, every process runs ``PairwiseTrainer`` with the same seed (so the same
/// permutation and the same global batches), computes the loss and gradients on the pairs of each
/// batch it holds, and `reduce` sums them over the processes (an MPI all-reduce).
///
/// With `b_r` of a batch's `B` pairs on process `r`, the step uses
/// `L = Σ_r (b_r/B)·L_r` and `∇L = Σ_r (b_r/B)·∇L_r` — the single-process batch mean (the weights
/// sum to 1, so a penalty the model adds once per batch stays once) — and every process applies the
/// same optimizer update. A process holding none of a batch's pairs contributes zeros.
public struct BatchSharding: Sendable {
    /// The number of training pairs over all processes.
    public var globalCount: Int
    /// The global indices of the pairs this process holds (its view's rows `0..<rows.count`).
    public var rows: Range<Int>
    /// Replaces a buffer by its elementwise sum over the processes.
    public var reduce: @Sendable (inout [Double]) -> Void

    /// A sharding of `globalCount` pairs of which this process holds `rows`.
    public init(globalCount: Int, rows: Range<Int>, reduce: @escaping @Sendable (inout [Double]) -> Void) {
        precondition(rows.lowerBound >= 0 && rows.upperBound <= globalCount, "BatchSharding: rows \(rows) of \(globalCount)")
        self.globalCount = globalCount
        self.rows = rows
        self.reduce = reduce
    }

    /// The local row indices of the global batch's pairs held here.
    func localIndices(_ batch: ArraySlice<Int>) -> [Int] {
        batch.compactMap { rows.contains($0) ? $0 - rows.lowerBound : nil }
    }

    /// The batch-mean loss and gradients over all processes (see the type's discussion).
    func combinedStep<Model: MinibatchTrainable>(
        _ model: Model, local batch: Model.Batch?, localCount: Int, globalCount: Int
    ) -> (loss: Double, gradients: [Tensor<Model.Scalar>]) {
        typealias S = Model.Scalar
        let shapes = model.parameters.map(\.shape)
        let total = shapes.reduce(0) { $0 + $1.reduce(1, *) }
        var buffer = [Double](repeating: 0, count: 1 + total)
        if let batch, localCount > 0 {
            let share = Double(localCount) / Double(globalCount)
            let (loss, gradients) = model.lossAndGradients(on: batch)
            buffer[0] = share * loss
            var k = 1
            for g in gradients { for x in g.scalars { buffer[k] = share * Double(x); k += 1 } }
        }
        reduce(&buffer)
        var k = 1
        let gradients = shapes.map { shape -> Tensor<S> in
            let count = shape.reduce(1, *)
            defer { k += count }
            return Tensor(shape: shape, scalars: buffer[k..<(k + count)].map { S($0) })
        }
        return (buffer[0], gradients)
    }
}
