import NumericCore

/// A minibatch of preference pairs in the layout every pairwise model consumes: the chosen and
/// the rejected responses stacked into one matrix, so a model embeds all `2n` responses with a
/// single forward pass (one `gemm` per layer instead of two).
///
/// Row `i` of ``responses`` (for `i < n`) is the chosen response of pair `i`; row `n + i` is its
/// rejected response. The optional arrays have one entry per pair.
///
/// ```swift
/// let batch = PairBatch(chosen: xc, rejected: xr)          // [2n, d] stacked
/// let (loss, gradients) = head.lossAndGradients(on: batch)
/// ```
public struct PairBatch<Scalar: BLASScalar>: Sendable {
    /// `[2n, d]`: the n chosen responses, then the n rejected responses.
    public var responses: Tensor<Scalar>
    /// `mᵢ`, the margin each pair's reward difference should exceed, if any.
    public var margins: [Scalar]?
    /// `ωᵢ ≥ 0`, per-pair weights of the loss (EM responsibilities, importance weights), if any.
    public var weights: [Scalar]?
    /// The user (annotator) index of each pair, if any.
    public var users: [Int]?
    /// `[n, p]` prompt features, if any.
    public var prompts: Tensor<Scalar>?
    /// The position of each pair in the data set it was drawn from (for models with per-pair state).
    public var indices: [Int]

    /// The number of pairs n.
    @inlinable public var count: Int { responses.rowCount / 2 }
    /// The feature dimension d.
    @inlinable public var dimension: Int { responses.columnCount }

    /// A batch from an already stacked `[2n, d]` matrix.
    public init(responses: Tensor<Scalar>, margins: [Scalar]? = nil, weights: [Scalar]? = nil, users: [Int]? = nil,
                prompts: Tensor<Scalar>? = nil, indices: [Int]? = nil) {
        precondition(responses.rank == 2 && responses.rowCount % 2 == 0,
                     "PairBatch responses must be a [2n, d] matrix, got shape \(responses.shape)")
        let n = responses.rowCount / 2
        precondition(margins == nil || margins!.count == n, "PairBatch: \(margins!.count) margins for \(n) pairs")
        precondition(weights == nil || weights!.count == n, "PairBatch: \(weights!.count) weights for \(n) pairs")
        precondition(users == nil || users!.count == n, "PairBatch: \(users!.count) users for \(n) pairs")
        precondition(prompts == nil || prompts!.rowCount == n, "PairBatch: prompts \(prompts!.shape) for \(n) pairs")
        precondition(indices == nil || indices!.count == n, "PairBatch: \(indices!.count) indices for \(n) pairs")
        self.responses = responses
        self.margins = margins
        self.weights = weights
        self.users = users
        self.prompts = prompts
        self.indices = indices ?? Array(0..<n)
    }

    /// A batch from separate `[n, d]` chosen and rejected matrices (copied into the stacked layout).
    public init(chosen: Tensor<Scalar>, rejected: Tensor<Scalar>, margins: [Scalar]? = nil, weights: [Scalar]? = nil,
                users: [Int]? = nil, prompts: Tensor<Scalar>? = nil, indices: [Int]? = nil) {
        precondition(chosen.rank == 2 && chosen.shape == rejected.shape,
                     "PairBatch: chosen \(chosen.shape) and rejected \(rejected.shape) must be matrices of equal shape")
        self.init(responses: Tensor.concatenate([chosen, rejected], axis: 0), margins: margins, weights: weights,
                  users: users, prompts: prompts, indices: indices)
    }

    /// The pairs at `indices` of `pairs`, stacked.
    public init(_ pairs: FeaturePairsView<Scalar>, indices: [Int]) {
        var batch = PairBatch(responses: Tensor.zeros(shape: [2 * indices.count, pairs.chosen.columnCount]))
        batch.fill(from: pairs, indices: indices[...])
        self = batch
    }

    /// Overwrites this batch with the pairs at `indices` of `pairs`, reusing the storage of
    /// ``responses`` when it already has room for `indices.count` pairs (the trainer's hot path:
    /// no allocation per step).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func fill(from pairs: FeaturePairsView<Scalar>, indices: ArraySlice<Int>) {
        let n = indices.count
        let d = pairs.chosen.columnCount
        if responses.shape != [2 * n, d] { responses = Tensor.zeros(shape: [2 * n, d]) }
        let list = Array(indices)
        gatherPairRows(chosen: pairs.chosen, rejected: pairs.rejected, indices: list, into: &responses)
        margins = pairs.margins.map { m in list.map { m[$0] } }
        weights = pairs.weights.map { w in list.map { w[$0] } }
        users = pairs.users.map { u in list.map { u[$0] } }
        prompts = pairs.prompts.map { $0.gatherRows(list) }
        self.indices = list
    }
}

/// The columns of a set of preference pairs that ``PairBatch`` draws from, independent of where
/// they came from (``FeaturePairs`` or in-memory tensors).
public struct FeaturePairsView<Scalar: BLASScalar>: Sendable {
    /// `[n, d]` chosen responses.
    public var chosen: Tensor<Scalar>
    /// `[n, d]` rejected responses.
    public var rejected: Tensor<Scalar>
    /// Per-pair margins.
    public var margins: [Scalar]?
    /// Per-pair loss weights.
    public var weights: [Scalar]?
    /// Per-pair user indices.
    public var users: [Int]?
    /// `[n, p]` prompt features.
    public var prompts: Tensor<Scalar>?

    /// The number of pairs n.
    public var count: Int { chosen.rowCount }

    /// A batch of n pairs: chosen and rejected `[n, d]` features with optional margins, weights, user ids and `[n, p]` prompt features.
    public init(chosen: Tensor<Scalar>, rejected: Tensor<Scalar>, margins: [Scalar]? = nil, weights: [Scalar]? = nil,
                users: [Int]? = nil, prompts: Tensor<Scalar>? = nil) {
        precondition(chosen.rank == 2 && chosen.shape == rejected.shape,
                     "FeaturePairsView: chosen \(chosen.shape) and rejected \(rejected.shape) must be matrices of equal shape")
        let n = chosen.rowCount
        precondition(margins == nil || margins!.count == n, "FeaturePairsView: \(margins!.count) margins for \(n) pairs")
        precondition(weights == nil || weights!.count == n, "FeaturePairsView: \(weights!.count) weights for \(n) pairs")
        precondition(users == nil || users!.count == n, "FeaturePairsView: \(users!.count) users for \(n) pairs")
        precondition(prompts == nil || prompts!.rowCount == n, "FeaturePairsView: prompts \(prompts!.shape) for \(n) pairs")
        self.chosen = chosen
        self.rejected = rejected
        self.margins = margins
        self.weights = weights
        self.users = users
        self.prompts = prompts
    }

    /// The columns of validated ``FeaturePairs`` (no copy: tensors share storage).
    public init(_ pairs: FeaturePairs<Scalar>, weights: [Scalar]? = nil) {
        self.init(chosen: pairs.chosen, rejected: pairs.rejected, margins: pairs.margins, weights: weights,
                  users: pairs.userIDs, prompts: pairs.prompts)
    }

    /// The whole set as one batch.
    public var batch: PairBatch<Scalar> { PairBatch(self, indices: Array(0..<count)) }
}

/// Copies rows `indices` of `chosen` into rows `0..<n` of `out` and of `rejected` into rows `n..<2n`.
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
func gatherPairRows<Scalar: BLASScalar>(chosen: Tensor<Scalar>, rejected: Tensor<Scalar>, indices: [Int],
                                        into out: inout Tensor<Scalar>) {
    let n = indices.count, d = chosen.columnCount, m = chosen.rowCount
    precondition(out.shape == [2 * n, d], "gatherPairRows: output \(out.shape) for \(n) pairs of dimension \(d)")
    if n == 0 || d == 0 { return }
    out.scalars.withUnsafeMutableBufferPointer { dst in
        chosen.scalars.withUnsafeBufferPointer { c in
            rejected.scalars.withUnsafeBufferPointer { r in
                for (k, i) in indices.enumerated() {
                    precondition(i >= 0 && i < m, "pair index \(i) out of range for \(m) pairs")
                    (dst.baseAddress! + k * d).update(from: c.baseAddress! + i * d, count: d)
                    (dst.baseAddress! + (n + k) * d).update(from: r.baseAddress! + i * d, count: d)
                }
            }
        }
    }
}
