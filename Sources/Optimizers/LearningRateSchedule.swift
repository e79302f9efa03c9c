import NumericCore

/// A learning-rate multiplier as a function of the step `t` (the number of updates already taken,
/// so the first update uses `t = 0`), with the conventions of Hugging Face `transformers`'
/// `get_*_schedule_with_warmup`.
///
/// With warmup `W` and total `T` steps, during warmup (`t < W`) the factor is `t/W`. After it, with
/// progress `p = (t − W)/max(1, T − W)`:
/// - `constant`: 1 (no warmup);
/// - `cosine`: `max(0, ½·(1 + cos(π·p)))`, from 1 down to 0 at `t = T`;
/// - `linear`: `max(0, (T − t)/max(1, T − W))`, from 1 down to 0 at `t = T`.
///
/// Past `T` both decays stay at 0.
public enum LearningRateSchedule: Sendable, Equatable {
    /// Factor 1 at every step.
    case constant
    /// Linear warmup, then a cosine decay to 0 at `totalSteps`.
    case cosine(warmupSteps: Int, totalSteps: Int)
    /// Linear warmup, then a linear decay to 0 at `totalSteps`.
    case linear(warmupSteps: Int, totalSteps: Int)

    /// The multiplier at step `t` (see the type's documentation).
    public func factor(atStep t: Int) -> Double {
        precondition(t >= 0, "learning-rate schedule step must be ≥ 0, got \(t)")
        switch self {
        case .constant:
            return 1
        case .cosine(let warmup, let total), .linear(let warmup, let total):
            precondition(warmup >= 0 && total >= warmup, "schedule needs 0 ≤ warmupSteps (\(warmup)) ≤ totalSteps (\(total))")
            if t < warmup { return Double(t) / Double(max(1, warmup)) }
            let span = Double(max(1, total - warmup))
            if case .cosine = self {
                let progress = min(1, Double(t - warmup) / span)
                return max(0, 0.5 * (1 + Double.cos(Double.pi * progress)))
            }
            return max(0, Double(total - t) / span)
        }
    }

    /// `base · factor(t)`.
    public func learningRate<Scalar: BLASScalar>(base: Scalar, atStep t: Int) -> Scalar {
        base * Scalar(factor(atStep: t))
    }
}
