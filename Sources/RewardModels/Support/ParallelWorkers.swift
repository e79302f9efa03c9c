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

/// A scratch buffer shared by the workers of one parallel loop, each writing its own slice; the
/// owner calls `deallocate()` when done. `SharedBuffer(count:)` is a zeroed buffer of Doubles.
final class SharedBuffer<Element>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Element>
    let count: Int

    init(count: Int, repeating value: Element) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: value, count: max(count, 1))
    }

    func deallocate() { pointer.deallocate() }
}

extension SharedBuffer where Element == Double {
    convenience init(count: Int) { self.init(count: count, repeating: 0) }
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
