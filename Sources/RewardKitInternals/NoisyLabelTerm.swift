import Foundation
import NumericCore

/// One label's term of the noisy (Crowd-BT) likelihood, shared by the noisy Bradley–Terry model of
/// items and the noisy reward heads (Docs/Annotators.md): P = η·σ(d) + (1 − η)·σ(−d) with
///
///     ∂(−log P)/∂d = −(2η − 1)·σ(d)σ(−d)/P,   ∂(−log P)/∂u = −(σ(d) − σ(−d))·η(1 − η)/P   (η = σ(u)).
///
/// `eta`, `etaBar`, `logEta`, `logEtaBar` are η, 1 − η, log η and log(1 − η) (computed once per
/// annotator). σ(±d) come from one exponential. When P > 1e-280 the result carries P and no
/// logarithm (the caller takes it, or multiplies P into a running product); below, log P is
/// computed from logs (`logProbability`) and the ratios from it, so nothing underflows.
@inlinable
package func noisyLabelTerm(difference d: Double, eta: Double, etaBar: Double, logEta: Double, logEtaBar: Double)
    -> (probability: Double, logProbability: Double?, dDifference: Double, dLogit: Double) {
    let e = Foundation.exp(-Swift.abs(d)), large = 1 / (1 + e), small = e * large
    let sig = d >= 0 ? large : small, sigBar = d >= 0 ? small : large
    let p = eta * sig + etaBar * sigBar
    if p > 1e-280 {
        let inverse = 1 / p
        return (p, nil, -(eta - etaBar) * sig * sigBar * inverse, -(sig - sigBar) * eta * etaBar * inverse)
    }
    let logSig = Double.logSigmoid(d), logSigBar = Double.logSigmoid(-d)
    let logP = logSumExp([logEta + logSig, logEtaBar + logSigBar])
    return (p, logP, -(eta - etaBar) * Foundation.exp(logSig + logSigBar - logP),
            -(sig - sigBar) * Foundation.exp(logEta + logEtaBar - logP))
}
