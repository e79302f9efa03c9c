import Dispatch

// Small wrappers that let `DispatchQueue.concurrentPerform` workers share memory under Swift 6's
// strict concurrency checking. Each is `@unchecked Sendable`: the caller promises what the comment
// on each type says (workers write disjoint elements, or only read), and reads the results after
// `concurrentPerform` has returned.

/// A pointer handed to workers that only read through it.
struct UnsafeSendablePointer<T>: @unchecked Sendable {
    let pointer: UnsafePointer<T>
    init(_ pointer: UnsafePointer<T>) { self.pointer = pointer }
}

/// A pointer handed to workers that write disjoint elements.
struct UnsafeSendableMutablePointer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}

/// A mutable buffer pointer handed to workers that write disjoint elements.
struct UnsafeSendable<Element>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Element>
    init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.buffer = buffer }
}

/// A zero-initialized scratch buffer of Doubles shared by the workers of one parallel loop, each
/// writing its own slice; the owner calls `deallocate()` when done.
final class SharedBuffer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Double>
    let count: Int

    init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    func deallocate() { pointer.deallocate() }
}

/// Fixed slots written by parallel workers, each slot by exactly one worker.
final class ResultSlots<Value: Sendable>: @unchecked Sendable {
    private let buffer: UnsafeMutableBufferPointer<Value?>

    init(count: Int) {
        buffer = .allocate(capacity: count)
        buffer.initialize(repeating: nil)
    }

    deinit {
        buffer.deinitialize()
        buffer.deallocate()
    }

    /// Stores the value of slot `i` (each slot is written by one worker only).
    func store(_ value: Value, at i: Int) { buffer[i] = value }

    /// All slots, after the workers have finished.
    func values() -> [Value?] { Array(buffer) }
}
