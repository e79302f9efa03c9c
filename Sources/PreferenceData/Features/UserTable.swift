/// The user (annotator) names of a data set and their indices 0..<count.
///
/// Indices are given in order of first appearance, and a table can be extended: loading a test set
/// with the training set's table keeps every known user's index, so per-user models fitted on the
/// training set apply to the test set directly.
public struct UserTable: Sendable, Equatable {
    /// The names; `names[i]` is user `i`.
    public private(set) var names: [String]
    private var indexByName: [String: Int]

    /// A table with the given names in order (duplicates keep their first index).
    public init(names: [String] = []) {
        self.names = []
        indexByName = [:]
        for name in names { _ = intern(name) }
    }

    /// The number of users.
    public var count: Int { names.count }

    /// The index of `name`, if known.
    public func index(of name: String) -> Int? { indexByName[name] }

    /// The index of `name`, adding it at the end when it is new.
    public mutating func intern(_ name: String) -> Int {
        if let index = indexByName[name] { return index }
        indexByName[name] = names.count
        names.append(name)
        return names.count - 1
    }
}
