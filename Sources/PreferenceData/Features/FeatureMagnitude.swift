import FileFormats
import Foundation
import NumericCore

extension FeaturePairs {
    /// The largest feature magnitude the feature-level fits accept: √(greatest finite `Scalar`) / 2²⁰,
    /// about 1.8·10¹³ for `Float` and 1.3·10¹⁴⁸ for `Double`.
    ///
    /// Below it, a sum of up to 2⁴⁰ squared features — a Gram matrix or Newton Hessian entry, a
    /// gradient's square in Adam's second moment — is finite, so the objective, its gradient and its
    /// Hessian stay finite at the weights a fit starts from. Larger values (a float32 feature of
    /// 3·10³⁸, a float64 feature of 10³⁰⁰) are finite numbers but make those sums overflow: a fit
    /// would stop on NaN or report a meaningless result. The rule for such data is rejection, not
    /// rescaling: a model fitted on silently rescaled features would score the raw features of
    /// later data wrongly.
    public static var magnitudeLimit: Scalar { Scalar.greatestFiniteMagnitude.squareRoot() / 1_048_576 }

    /// Throws a `DataError` for the first feature (chosen, then rejected, then prompt features)
    /// whose magnitude exceeds `limit`, naming the file from `sources`, the 0-based row and the column.
    ///
    /// `rewardkit fit reward-head`, `fit mixture`, `evaluate` and `train` call it on every feature
    /// file they load; `BradleyTerryMixture` calls it before fitting.
    public func checkMagnitude(limit: Scalar = magnitudeLimit, sources: FeaturePairSources = FeaturePairSources()) throws(DataError) {
        try Self.checkMagnitude(chosen, limit: limit, source: sources.chosen)
        try Self.checkMagnitude(rejected, limit: limit, source: sources.rejected)
        if let prompts { try Self.checkMagnitude(prompts, limit: limit, source: sources.prompts) }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func checkMagnitude(_ t: Tensor<Scalar>, limit: Scalar, source: String, firstRow: Int = 0) throws(DataError) {
        let columns = Swift.max(t.columnCount, 1)
        let bad: Int? = t.scalars.withUnsafeBufferPointer { buffer in
            // One vectorizable pass for the common case (no value too large), then the position.
            var largest: Scalar = 0
            for x in buffer { largest = Swift.max(largest, Swift.abs(x)) }
            guard !(largest <= limit) else { return nil }
            return buffer.firstIndex { !(Swift.abs($0) <= limit) }
        }
        guard let bad else { return }
        let value = t.scalars[bad]
        throw DataError(file: source, line: firstRow + bad / columns, reason: .invalidValue(
            "column \(bad % columns): the magnitude of \(value) exceeds \(Self.formatted(limit)), the largest feature value "
            + "a fit in \(Scalar.self == Float.self ? "float32" : "float64") accepts (its objective and Hessian would overflow); "
            + "rescale the features"))
    }

    static func formatted(_ x: Scalar) -> String { String(format: "%.1e", Double(x)) }
}
