import Dispatch

// Small wrappers that let `DispatchQueue.concurrentPerform` workers share memory under Swift 6's
// strict concurrency checking. Each is `@unchecked Sendable`: the caller promises what the comment
// on each type says (workers write disjoint elements, or only read), and reads the results after
// `concurrentPerform` has returned.

/// A pointer handed to workers that only read through it.
package struct UnsafeSendablePointer<T>: @unchecked Sendable {
    package let pointer: UnsafePointer<T>
    package init(_ pointer: UnsafePointer<T>) { self.pointer = pointer }
}

/// A pointer handed to workers that write disjoint elements.
package struct UnsafeSendableMutablePointer<T>: @unchecked Sendable {
    package let pointer: UnsafeMutablePointer<T>
    package init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}

/// A mutable buffer pointer handed to workers that write disjoint elements.
package struct UnsafeSendable<Element>: @unchecked Sendable {
    package let buffer: UnsafeMutableBufferPointer<Element>
    package init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.buffer = buffer }
}

/// A scratch buffer shared by the workers of one parallel loop, each writing its own slice; freed
/// when the last reference goes. `SharedBuffer(count:)` is a zeroed buffer of Doubles.
package final class SharedBuffer<Element>: @unchecked Sendable {
    package let pointer: UnsafeMutablePointer<Element>
    package let count: Int

    package init(count: Int, repeating value: Element) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: value, count: max(count, 1))
    }

    deinit {
        pointer.deinitialize(count: max(count, 1))
        pointer.deallocate()
    }
}

extension SharedBuffer where Element == Double {
    package convenience init(count: Int) { self.init(count: count, repeating: 0) }
}

/// Fixed slots written by parallel workers, each slot by exactly one worker.
package final class ResultSlots<Value: Sendable>: @unchecked Sendable {
    private let buffer: UnsafeMutableBufferPointer<Value?>

    package init(count: Int) {
        buffer = .allocate(capacity: count)
        buffer.initialize(repeating: nil)
    }

    deinit {
        buffer.deinitialize()
        buffer.deallocate()
    }

    /// Stores the value of slot `i` (each slot is written by one worker only).
    package func store(_ value: Value, at i: Int) { buffer[i] = value }

    /// All slots, after the workers have finished.
    package func values() -> [Value?] { Array(buffer) }
}

/// Splits 0..<count into contiguous ranges processed concurrently (one range below 4 M elements).
package enum ParallelChunks {
    package static func run(count: Int, _ body: @Sendable (Int, Int) -> Void) {
        let chunks = count >= 1 << 22 ? 8 : 1
        let size = (count + chunks - 1) / chunks
        if chunks == 1 { body(0, count); return }
        DispatchQueue.concurrentPerform(iterations: chunks) { k in
            let lo = k * size, hi = Swift.min(count, lo + size)
            if lo < hi { body(lo, hi) }
        }
    }
}
