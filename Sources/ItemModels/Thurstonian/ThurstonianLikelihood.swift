import Dispatch
import Foundation
import RealModule
import NumericCore
import PreferenceData
import RewardKitInternals

/// How the Thurstonian item variances are modelled.
public enum ThurstonianVariance: String, Sendable, Hashable, Codable, CaseIterable {
    /// σ_i free per item (Utility Engineering's model), fitted by truncated Newton on ``ThurstonianLikelihood``.
    case perItem
    /// σ_i = 1 for every item: Thurstone Case V, P(a ≻ b) = Φ((μ_a − μ_b)/√2) = Φ(θ_a − θ_b) with
    /// θ = μ/√2, fitted as ``BradleyTerry`` with the ``BradleyTerry/Link/thurstone`` link.
    case shared
}

/// The penalized negative log-likelihood of hard or soft labels under a ``ThurstonianModel`` with
/// per-item variances, with its gradient, in the parameters x = (μ_1…μ_n, s_1…s_n), s_i = log σ_i.
/// (Case V, σ_i = 1, is the Bradley–Terry objective with the Thurstone link; see ``ThurstonianFitter``.)
///
/// For an aggregated pair (i, j) with total weight W and mean label ȳ of "i ≻ j":
///
///     τ = √(σ_i² + σ_j²),  z = (μ_i − μ_j)/τ
///     ℓ = −W [ȳ log Φ(z) + (1 − ȳ) log Φ(−z)]
///     ∂ℓ/∂z = −W [ȳ λ(z) − (1 − ȳ) λ(−z)],  λ(x) = φ(x)/Φ(x) (the inverse Mills ratio)
///     ∂z/∂μ_i = 1/τ,  ∂z/∂μ_j = −1/τ,  ∂z/∂s_i = −z σ_i²/τ²,  ∂z/∂s_j = −z σ_j²/τ²
///
/// and the objective is Σ ℓ + (λ/2)‖θ‖² + (λ_s/2)‖s‖² with θ = μ/√2, i.e. (λ/4)‖μ‖²: the
/// Bradley–Terry penalty on the probit-scale strengths (see ``ThurstonianFitter``). log Φ and λ
/// come from `Real.logNormalCDF` and `Real.inverseMillsRatio`, which stay finite and accurate for
/// |z| in the thousands; a term whose coefficient (ȳ or 1 − ȳ) is zero is skipped, so hard labels
/// never evaluate log Φ at the far tail they do not use.
public struct ThurstonianLikelihood: Sendable {
    /// The number of items n.
    public let itemCount: Int
    /// The smaller item of each aggregated pair.
    public let first: [Int]
    /// The larger item of each aggregated pair.
    public let second: [Int]
    /// W, the total weight of each pair.
    public let weight: [Double]
    /// ȳ, the weighted mean label of "first ≻ second".
    public let label: [Double]
    /// λ in (λ/2)‖θ‖², θ = μ/√2.
    public var l2Penalty: Double
    /// λ_s in (λ_s/2)‖log σ‖².
    public var logScalePenalty: Double

    /// The objective of `data` (aggregated per unordered pair) with the given penalties.
    public init(data: ProbabilisticComparisons, l2Penalty: Double = 0, logScalePenalty: Double = 0) {
        precondition(l2Penalty >= 0 && logScalePenalty >= 0,
                     "ThurstonianLikelihood: penalties \(l2Penalty), \(logScalePenalty) must be ≥ 0")
        let a = data.aggregated()
        itemCount = data.itemCount
        first = a.first
        second = a.second
        weight = a.weight
        label = a.label
        self.l2Penalty = l2Penalty
        self.logScalePenalty = logScalePenalty
    }

    /// The number of parameters, 2n.
    public var parameterCount: Int { 2 * itemCount }

    /// The model at parameters `x`.
    public func model(_ x: [Double], items: [String]) -> ThurstonianModel {
        let n = itemCount
        return ThurstonianModel(items: items, means: Array(x[0..<n]), standardDeviations: (0..<n).map { Double.exp(x[n + $0]) })
    }

    /// The objective at `x`, writing ∇ into `gradient`.
    public func evaluate(_ x: [Double], gradient: inout [Double]) -> Double {
        var none: Curvature? = nil
        return evaluate(x, gradient: &gradient, curvature: &none)
    }

    /// What a Hessian-vector product needs of one evaluation, per aggregated pair: ℓ′(z), ℓ″(z), z,
    /// 1/τ and the variance shares rᵢ = σᵢ²/τ², rⱼ = σⱼ²/τ².
    struct Curvature {
        var first = [Double](), second = [Double](), z = [Double](), inverseTau = [Double]()
        var shareFirst = [Double](), shareSecond = [Double]()

        init() {}

        init(count: Int) {
            let zeros = [Double](repeating: 0, count: count)
            (first, second, z, inverseTau, shareFirst, shareSecond) = (zeros, zeros, zeros, zeros, zeros, zeros)
        }

        /// Mutable views of the six arrays for workers that write disjoint pairs.
        struct Pointers: @unchecked Sendable {
            let first, second, z, inverseTau, shareFirst, shareSecond: UnsafeMutablePointer<Double>
        }

        mutating func withPointers<R>(_ body: (Pointers) -> R) -> R {
            if first.isEmpty {
                let dummy = UnsafeMutablePointer<Double>.allocate(capacity: 1)
                defer { dummy.deallocate() }
                return body(Pointers(first: dummy, second: dummy, z: dummy, inverseTau: dummy, shareFirst: dummy,
                                     shareSecond: dummy))
            }
            return first.withUnsafeMutableBufferPointer { a in
                second.withUnsafeMutableBufferPointer { b in
                    z.withUnsafeMutableBufferPointer { c in
                        inverseTau.withUnsafeMutableBufferPointer { d in
                            shareFirst.withUnsafeMutableBufferPointer { e in
                                shareSecond.withUnsafeMutableBufferPointer { f in
                                    body(Pointers(first: a.baseAddress!, second: b.baseAddress!, z: c.baseAddress!,
                                                  inverseTau: d.baseAddress!, shareFirst: e.baseAddress!,
                                                  shareSecond: f.baseAddress!))
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The objective and gradient at `x`; when `curvature` is non-nil it is filled for
    /// ``hessianVectorProduct(_:_:)`` at the same point. A pair's ℓ(z), ℓ′(z), ℓ″(z) are the
    /// probit pair terms (``ProbitPairLikelihood``) with weights W·ȳ and W·(1 − ȳ). At 100,000
    /// pairs or more (and more than one core) the pairs are split between two workers, each with
    /// its own gradient, summed in a fixed order.
    func evaluate(_ x: [Double], gradient: inout [Double], curvature: inout Curvature?) -> Double {
        let n = itemCount
        precondition(x.count == parameterCount, "ThurstonianLikelihood: \(x.count) parameters, expected \(parameterCount)")
        let pairs = first.count
        let wantCurvature = curvature != nil
        var c = wantCurvature ? Curvature(count: pairs) : Curvature()
        let workers = Self.workers(pairs)
        let partial = SharedBuffer(count: workers * (2 * n + 1))
        x.withUnsafeBufferPointer { xp in
            let xs = UnsafeSendablePointer(xp.baseAddress!)
            c.withPointers { cp in
                Self.forEachChunk(pairs, workers: workers) { w, range in
                    let x = xs.pointer
                    let g = partial.pointer + w * (2 * n + 1)
                    var value = 0.0
                    for p in range {
                        let i = first[p], j = second[p]
                        let wt = weight[p], y = label[p]
                        guard wt > 0 else { continue }
                        let vi = Double.exp(2 * x[n + i])
                        let vj = Double.exp(2 * x[n + j])
                        let tau2 = vi + vj
                        // σ² overflowing or underflowing to 0: outside the domain (+∞, so a line search backs off).
                        guard tau2.isFinite && tau2 > 0 && vi > 0 && vj > 0 else { value = .infinity; continue }
                        let tau = tau2.squareRoot()
                        let z = (x[i] - x[j]) / tau
                        let terms = ProbitPairLikelihood.terms(difference: z, tieParameter: 0, firstWins: wt * y,
                                                               secondWins: wt * (1 - y), ties: 0)
                        value += terms.value
                        let dz = terms.dD
                        g[i] += dz / tau
                        g[j] -= dz / tau
                        g[n + i] -= dz * z * vi / tau2
                        g[n + j] -= dz * z * vj / tau2
                        if wantCurvature {
                            cp.first[p] = dz
                            cp.second[p] = terms.dDD
                            cp.z[p] = z
                            cp.inverseTau[p] = 1 / tau
                            cp.shareFirst[p] = vi / tau2
                            cp.shareSecond[p] = vj / tau2
                        }
                    }
                    g[2 * n] = value
                }
            }
        }
        if gradient.count != x.count { gradient = [Double](repeating: 0, count: x.count) }
        var value = 0.0
        for k in 0..<(2 * n) { gradient[k] = partial.pointer[k] }
        value = partial.pointer[2 * n]
        for w in 1..<workers {
            let g = partial.pointer + w * (2 * n + 1)
            for k in 0..<(2 * n) { gradient[k] += g[k] }
            value += g[2 * n]
        }
        if l2Penalty > 0 {
            // (λ/2)‖μ/√2‖² = (λ/4)‖μ‖²; gradient (λ/2)μ.
            for i in 0..<n {
                value += 0.25 * l2Penalty * x[i] * x[i]
                gradient[i] += 0.5 * l2Penalty * x[i]
            }
        }
        if logScalePenalty > 0 {
            for i in 0..<n {
                value += 0.5 * logScalePenalty * x[n + i] * x[n + i]
                gradient[n + i] += logScalePenalty * x[n + i]
            }
        }
        if wantCurvature { curvature = c }
        return value
    }

    /// One worker below 100,000 pairs or on one core, two otherwise (a fixed split, so results
    /// do not depend on the number of cores beyond that).
    static func workers(_ pairs: Int) -> Int {
        pairs >= 100_000 && ProcessInfo.processInfo.activeProcessorCount > 1 ? 2 : 1
    }

    /// Runs `body(worker, range)` over `workers` equal contiguous ranges of 0..<count.
    static func forEachChunk(_ count: Int, workers: Int, _ body: @Sendable (Int, Range<Int>) -> Void) {
        let size = (count + workers - 1) / max(workers, 1)
        if workers == 1 { body(0, 0..<count); return }
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            body(w, min(count, w * size)..<min(count, (w + 1) * size))
        }
    }

    /// ∇²F·v at the point of `curvature`: per pair ℓ″·∇z(∇zᵀv) + ℓ′·∇²z·v in the coordinates
    /// (μᵢ, μⱼ, sᵢ, sⱼ), plus the penalties' diagonal (λ/2 on μ, λ_s on s). With a = 1/τ:
    ///
    ///     ∇z = (a, −a, −z rᵢ, −z rⱼ)
    ///     ∂²z/∂μᵢ∂sᵢ = −a rᵢ, ∂²z/∂μᵢ∂sⱼ = −a rⱼ, ∂²z/∂μⱼ∂sₖ = −∂²z/∂μᵢ∂sₖ, ∂²z/∂μ∂μ = 0
    ///     ∂²z/∂sᵢ² = −z(2rᵢ − 3rᵢ²), ∂²z/∂sᵢ∂sⱼ = 3z rᵢrⱼ, ∂²z/∂sⱼ² = −z(2rⱼ − 3rⱼ²)
    ///
    /// (derivation in Docs/ValueTools.md, "Per-item variances"). The objective is not convex in
    /// (μ, s), so this Hessian may be indefinite.
    func hessianVectorProduct(_ curvature: Curvature, _ v: [Double]) -> [Double] {
        let n = itemCount
        let pairs = first.count
        let workers = Self.workers(pairs)
        let partial = SharedBuffer(count: workers * 2 * n)
        v.withUnsafeBufferPointer { vp in
            let vs = UnsafeSendablePointer(vp.baseAddress!)
            Self.forEachChunk(pairs, workers: workers) { w, range in
                let v = vs.pointer
                let out = partial.pointer + w * 2 * n
                for p in range where weight[p] > 0 {
                    let i = first[p], j = second[p]
                    let d1 = curvature.first[p], d2 = curvature.second[p], z = curvature.z[p]
                    let a = curvature.inverseTau[p], ri = curvature.shareFirst[p], rj = curvature.shareSecond[p]
                    let vmi = v[i], vmj = v[j], vsi = v[n + i], vsj = v[n + j]
                    let gv = a * (vmi - vmj) - z * (ri * vsi + rj * vsj)
                    let c = d2 * gv
                    // ℓ′·∇²z·v
                    let dm = vmi - vmj
                    let hmi = -a * (ri * vsi + rj * vsj)
                    let hsi = -a * ri * dm - z * (2 * ri - 3 * ri * ri) * vsi + 3 * z * ri * rj * vsj
                    let hsj = -a * rj * dm + 3 * z * ri * rj * vsi - z * (2 * rj - 3 * rj * rj) * vsj
                    out[i] += c * a + d1 * hmi
                    out[j] += -c * a - d1 * hmi
                    out[n + i] += -c * z * ri + d1 * hsi
                    out[n + j] += -c * z * rj + d1 * hsj
                }
            }
        }
        var out = Array(UnsafeBufferPointer(start: partial.pointer, count: 2 * n))
        for w in 1..<workers {
            let part = partial.pointer + w * 2 * n
            for k in 0..<(2 * n) { out[k] += part[k] }
        }
        for i in 0..<n {
            out[i] += 0.5 * l2Penalty * v[i]
            out[n + i] += logScalePenalty * v[n + i]
        }
        return out
    }

    /// The Gauss–Newton part of the Hessian's diagonal (ℓ″ (∂z/∂xₖ)² per pair, plus the penalties):
    /// non-negative, the Jacobi preconditioner of the per-item fit.
    func gaussNewtonDiagonal(_ curvature: Curvature) -> [Double] {
        let n = itemCount
        var d = [Double](repeating: 0, count: 2 * n)
        for p in 0..<first.count where weight[p] > 0 {
            let i = first[p], j = second[p]
            let d2 = curvature.second[p], z = curvature.z[p], a = curvature.inverseTau[p]
            d[i] += d2 * a * a
            d[j] += d2 * a * a
            d[n + i] += d2 * z * z * curvature.shareFirst[p] * curvature.shareFirst[p]
            d[n + j] += d2 * z * z * curvature.shareSecond[p] * curvature.shareSecond[p]
        }
        for i in 0..<n {
            d[i] += 0.5 * l2Penalty
            d[n + i] += logScalePenalty
        }
        return d
    }

    /// The objective and its gradient as a new array.
    public func valueAndGradient(_ x: [Double]) -> (value: Double, gradient: [Double]) {
        var g = [Double]()
        let v = evaluate(x, gradient: &g)
        return (v, g)
    }
}
