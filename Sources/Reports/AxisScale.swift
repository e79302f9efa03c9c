import Foundation

/// A linear or logarithmic mapping from data values to one pixel axis, with "nice" tick values
/// (1, 2 or 5 times a power of ten; powers of ten on a log axis).
struct AxisScale {
    var lower: Double
    var upper: Double
    var pixelStart: Double
    var pixelEnd: Double
    var logarithmic: Bool
    var ticks: [Double]
    /// Decimals used by tick labels.
    var decimals: Int

    /// A scale covering `values` (padded to nice bounds unless `fixed` is given).
    init(values: [Double], pixelStart: Double, pixelEnd: Double, logarithmic: Bool = false,
         fixed: ClosedRange<Double>? = nil, includeZero: Bool = false, targetTicks: Int = 6) {
        self.pixelStart = pixelStart
        self.pixelEnd = pixelEnd
        let finite = values.filter { $0.isFinite && (!logarithmic || $0 > 0) }
        var lo = fixed?.lowerBound ?? finite.min() ?? 0
        var hi = fixed?.upperBound ?? finite.max() ?? 1
        if includeZero && !logarithmic { lo = Swift.min(lo, 0); hi = Swift.max(hi, 0) }
        self.logarithmic = logarithmic && lo > 0
        if self.logarithmic {
            var a = Foundation.floor(Foundation.log10(lo)), b = Foundation.ceil(Foundation.log10(hi))
            if fixed != nil { a = Foundation.log10(lo); b = Foundation.log10(hi) }
            if a == b { a -= 1; b += 1 }
            lower = a
            upper = b
            let first = Int(Foundation.ceil(a - 1e-9)), last = Int(Foundation.floor(b + 1e-9))
            var t = [Double]()
            let decades = last - first
            for e in first...Swift.max(first, last) {
                t.append(Foundation.pow(10, Double(e)))
                if decades <= 2 {
                    for m in [2.0, 5.0] where Double(e) + Foundation.log10(m) < b + 1e-9 && e < last { t.append(m * Foundation.pow(10, Double(e))) }
                }
            }
            ticks = t.sorted()
            decimals = 0
            return
        }
        if hi <= lo { let pad = lo == 0 ? 1 : abs(lo) * 0.1; lo -= pad; hi += pad }
        // A span beyond Double's range (values near ±1.8e308) would make every step infinite.
        if !(hi - lo).isFinite { lo = Swift.max(lo, -Double.greatestFiniteMagnitude / 4); hi = Swift.min(hi, Double.greatestFiniteMagnitude / 4) }
        let step = AxisScale.niceStep((hi - lo) / Double(Swift.max(targetTicks - 1, 1)))
        if fixed == nil {
            lo = Foundation.floor(lo / step + 1e-9) * step
            hi = Foundation.ceil(hi / step - 1e-9) * step
        }
        lower = lo
        upper = hi
        var t = [Double]()
        var k = Foundation.ceil(lo / step - 1e-9)
        // Bounded: when |lo/step| exceeds 2⁵³ (a span tiny against the values), k + 1 == k.
        while k * step <= hi + step * 1e-9 && t.count < 4 * Swift.max(targetTicks, 1) + 4 {
            t.append(abs(k * step) < step * 1e-9 ? 0 : k * step)
            k += 1
        }
        ticks = t
        decimals = Swift.max(0, Int(-Foundation.floor(Foundation.log10(step) + 1e-9)))
    }

    /// 1, 2 or 5 × 10^k closest above `rough`.
    static func niceStep(_ rough: Double) -> Double {
        guard rough > 0 && rough.isFinite else { return 1 }
        let power = Foundation.pow(10, Foundation.floor(Foundation.log10(rough)))
        let fraction = rough / power
        let nice: Double = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        return nice * power
    }

    /// The pixel position of `value`.
    func position(_ value: Double) -> Double {
        let v = logarithmic ? Foundation.log10(Swift.max(value, 1e-300)) : value
        let t = upper > lower ? (v - lower) / (upper - lower) : 0.5
        return pixelStart + t * (pixelEnd - pixelStart)
    }

    /// The label of a tick value.
    func label(_ value: Double) -> String {
        if logarithmic {
            let e = Foundation.log10(value)
            if abs(e - e.rounded()) < 1e-9 && (e < -3 || e > 4) { return "1e\(Int(e.rounded()))" }
            let d = Swift.max(0, Int(-Foundation.floor(e + 1e-9)))
            return String(format: "%.\(d)f", value)
        }
        return String(format: "%.\(decimals)f", value)
    }
}
