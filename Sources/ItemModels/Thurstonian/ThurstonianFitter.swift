import RealModule
import NumericCore
import Optimizers
import PreferenceData

/// Fits a ``ThurstonianModel`` to hard or soft labels by L-BFGS (strong Wolfe line search) on
/// the exact penalized likelihood of ``ThurstonianLikelihood``.
///
/// **Identifiability.** P(a ≻ b) is unchanged by μ → μ + c and by (μ, σ) → (kμ, kσ). The fit
/// fixes the gauge exactly: μ is centred (mean μ = 0) and, for per-item variances, the log
/// standard deviations are centred (mean log σ = 0, i.e. the geometric mean of σ is 1). The
/// optimizer works on unconstrained x′ mapped by the centring projection P = I − 11ᵀ/n applied to
/// each block, x = P x′; the gradient in x′ is P∇f(x), so iterates started at 0 never leave the
/// constraint set. With shared variances σ_i = 1 (Case V), and only the mean is fixed.
///
/// The penalties λ_μ‖μ‖²/2 and λ_s‖log σ‖²/2 (Gaussian priors) keep the estimate finite when
/// the comparisons are separable (an item that never loses) and are negligible otherwise.
public struct ThurstonianFitter: Sendable {
    /// Per-item or shared variances.
    public var variance: ThurstonianVariance
    /// λ_μ.
    public var meanPenalty: Double
    /// λ_s.
    public var logScalePenalty: Double
    /// The optimizer.
    public var optimizer: LBFGS<Double>

    public init(variance: ThurstonianVariance = .perItem, meanPenalty: Double = 1e-2, logScalePenalty: Double = 1e-1,
                optimizer: LBFGS<Double> = LBFGS(gradientTolerance: 1e-7, maximumIterations: 2000)) {
        precondition(meanPenalty >= 0 && logScalePenalty >= 0,
                     "ThurstonianFitter: penalties \(meanPenalty), \(logScalePenalty) must be ≥ 0")
        self.variance = variance
        self.meanPenalty = meanPenalty
        self.logScalePenalty = logScalePenalty
        self.optimizer = optimizer
    }

    /// Fits the model; `start` (a previous fit over the same items) warm-starts the optimizer.
    public func fit(_ data: ProbabilisticComparisons, start: ThurstonianModel? = nil) -> ThurstonianFit {
        let n = data.itemCount
        let likelihood = ThurstonianLikelihood(data: data, variance: variance,
                                               meanPenalty: meanPenalty, logScalePenalty: logScalePenalty)
        let blocks = variance == .shared ? 1 : 2
        func project(_ v: inout [Double]) {
            for b in 0..<blocks {
                var mean = 0.0
                for i in 0..<n { mean += v[b * n + i] }
                mean /= Double(max(n, 1))
                for i in 0..<n { v[b * n + i] -= mean }
            }
        }
        var x0 = [Double](repeating: 0, count: likelihood.parameterCount)
        if let start, start.itemCount == n {
            for i in 0..<n { x0[i] = start.means[i] }
            if variance == .perItem {
                for i in 0..<n { x0[n + i] = Double.log(start.standardDeviations[i]) }
            }
            project(&x0)
        }
        guard n >= 2, data.count > 0 else {
            return ThurstonianFit(model: likelihood.model(x0, items: data.items), objective: 0, logLikelihood: 0,
                                  iterations: 0, converged: true, stopReason: .noComparisons)
        }
        let result = optimizer.minimize(from: x0) { xPrime, gradient in
            var x = xPrime
            project(&x)
            let value = likelihood.evaluate(x, gradient: &gradient)
            project(&gradient)
            return value
        }
        var x = result.parameters
        project(&x)
        let model = likelihood.model(x, items: data.items)
        let unpenalized = ThurstonianLikelihood(data: data, variance: variance)
        var scratch = [Double]()
        let nll = unpenalized.evaluate(x, gradient: &scratch)
        return ThurstonianFit(model: model, objective: result.value, logLikelihood: -nll,
                              iterations: result.iterations, converged: result.converged,
                              stopReason: .optimizer(result.stopReason))
    }
}

/// A fitted ``ThurstonianModel`` and how the optimization ended.
public struct ThurstonianFit: Sendable, Hashable, Codable {
    /// The model (mean μ = 0; mean log σ = 0 for per-item variances).
    public var model: ThurstonianModel
    /// The penalized objective at the optimum.
    public var objective: Double
    /// The weighted log-likelihood Σ w[y log P + (1 − y) log(1 − P)] at the optimum.
    public var logLikelihood: Double
    /// L-BFGS iterations.
    public var iterations: Int
    /// Whether L-BFGS met a convergence criterion.
    public var converged: Bool
    /// Why the fit stopped.
    public var stopReason: StopReason

    /// Why a Thurstonian fit stopped: L-BFGS's reason, or no data to fit. Reports write
    /// ``rawValue`` (lowerCamelCase, as ``BradleyTerryFitReport/StopReason``).
    public enum StopReason: Sendable, Hashable, Codable, RawRepresentable, CustomStringConvertible {
        /// The optimizer stopped for this reason.
        case optimizer(LBFGS<Double>.StopReason)
        /// Fewer than two items or no records: nothing was fitted.
        case noComparisons

        /// L-BFGS's raw value, or `noComparisons`.
        public var rawValue: String {
            switch self {
            case .optimizer(let reason): return reason.rawValue
            case .noComparisons: return "noComparisons"
            }
        }

        public init?(rawValue: String) {
            if rawValue == "noComparisons" {
                self = .noComparisons
            } else if let reason = LBFGS<Double>.StopReason(rawValue: rawValue) {
                self = .optimizer(reason)
            } else {
                return nil
            }
        }

        public init(from decoder: any Decoder) throws {
            let raw = try decoder.singleValueContainer().decode(String.self)
            guard let value = StopReason(rawValue: raw) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                        debugDescription: "unknown stop reason '\(raw)'"))
            }
            self = value
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }

        public var description: String { rawValue }
    }
}
