/// The one-process group: rank 0 of 1, every collective is the identity.
///
/// Data-parallel code written against ``Communicator`` runs unchanged in a single process with it,
/// and gives the in-memory result.
public final class SingleProcessCommunicator: Communicator {
    /// Creates the one-process group.
    public init() {}
    /// Always 0.
    public var rank: Int { 0 }
    /// Always 1.
    public var size: Int { 1 }
    /// Leaves `values` unchanged (the sum over one rank).
    public func allReduceSum(_ values: inout [Double]) {}
    /// Leaves `bytes` unchanged (`root` must be 0).
    public func broadcast(_ bytes: inout [UInt8], root: Int) {
        precondition(root == 0, "SingleProcessCommunicator.broadcast: root \(root) of a one-process group")
    }
    /// Exits the process with `code`.
    public func abort(code: Int32) -> Never { exitProcess(code) }
    /// Always 0.
    public var communicationSeconds: Double { 0 }
    /// Always 0.
    public var communicatedBytes: Int { 0 }
}
