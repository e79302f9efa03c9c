import Dispatch
import RewardKitInternals

/// Float ↔ Double conversion of large arrays at memory speed: concrete loops the compiler
/// vectorizes, huge-page advice for the destination, and several chunks on concurrent threads
/// above 4 M elements.
package enum ScalarConversion {
    package static func widen(_ values: [Float]) -> [Double] {
        let n = values.count
        return [Double](unsafeUninitializedCapacity: n) { out, initialized in
            values.withUnsafeBufferPointer { src in
                guard n > 0 else { return }
                RawFile.adviseHugePages(UnsafeMutableRawPointer(out.baseAddress!), count: n * 8)
                let source = Int(bitPattern: src.baseAddress!), destination = Int(bitPattern: out.baseAddress!)
                ParallelChunks.run(count: n) { lo, hi in
                    let s = UnsafePointer<Float>(bitPattern: source)!, d = UnsafeMutablePointer<Double>(bitPattern: destination)!
                    for i in lo..<hi { d[i] = Double(s[i]) }
                }
            }
            initialized = n
        }
    }

    package static func narrow(_ values: [Double]) -> [Float] {
        let n = values.count
        return [Float](unsafeUninitializedCapacity: n) { out, initialized in
            values.withUnsafeBufferPointer { src in
                guard n > 0 else { return }
                RawFile.adviseHugePages(UnsafeMutableRawPointer(out.baseAddress!), count: n * 4)
                let source = Int(bitPattern: src.baseAddress!), destination = Int(bitPattern: out.baseAddress!)
                ParallelChunks.run(count: n) { lo, hi in
                    let s = UnsafePointer<Double>(bitPattern: source)!, d = UnsafeMutablePointer<Float>(bitPattern: destination)!
                    for i in lo..<hi { d[i] = Float(s[i]) }
                }
            }
            initialized = n
        }
    }
}
