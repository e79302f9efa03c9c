import Foundation
import FileFormats

/// Which group each user belongs to, as read from `groups.csv` (header `user,group`).
///
/// Group names are ordered numerically when they are all integers and lexicographically
/// otherwise, so `0, 1, 2, 10` keep their natural order.
public struct UserGroups: Sendable, Equatable {
    /// The group names; `groupNames[g]` is group `g`.
    public var groupNames: [String]
    /// The group index of each user name.
    public var groupOfUser: [String: Int]

    /// Groups from a user → group-name mapping.
    public init(groupNameOfUser: [String: String]) {
        let distinct = Set(groupNameOfUser.values)
        let numeric = distinct.allSatisfy { Int($0) != nil }
        groupNames = numeric ? distinct.sorted { Int($0)! < Int($1)! } : distinct.sorted()
        let index = Dictionary(uniqueKeysWithValues: groupNames.enumerated().map { ($1, $0) })
        groupOfUser = groupNameOfUser.mapValues { index[$0]! }
    }

    /// Reads `groups.csv`: columns `user` and `group` (others ignored), one row per user.
    /// A user listed twice with different groups, an empty name, or no rows is a `DataError`.
    public static func load(_ url: URL) throws(DataError) -> UserGroups {
        try parse(CSVTable(url: url), source: url.path)
    }

    /// Parses the text of a `groups.csv` file; `source` names it in errors.
    public static func parse(text: String, source: String = "groups.csv") throws(DataError) -> UserGroups {
        try parse(CSVTable(text: text, source: source), source: source)
    }

    private static func parse(_ table: CSVTable, source: String) throws(DataError) -> UserGroups {
        let userColumn = try table.column("user")
        let groupColumn = try table.column("group")
        var mapping = [String: String]()
        for (line, fields) in table.rows {
            let user = fields[userColumn], group = fields[groupColumn]
            guard !user.isEmpty else { throw DataError(file: source, line: line, reason: .malformedLine("empty user name")) }
            guard !group.isEmpty else { throw DataError(file: source, line: line, reason: .malformedLine("empty group name")) }
            if let previous = mapping[user], previous != group {
                throw DataError(file: source, line: line, reason: .invalidValue("user '\(user)' is listed in group '\(previous)' and in group '\(group)'"))
            }
            mapping[user] = group
        }
        guard !mapping.isEmpty else { throw DataError(file: source, reason: .emptyDataSet) }
        return UserGroups(groupNameOfUser: mapping)
    }

    /// The group index of every user of `table`; a user without a group is a `DataError`
    /// naming `source`.
    public func groupIndices(for table: UserTable, source: String = "groups.csv") throws(DataError) -> [Int] {
        var out = [Int]()
        out.reserveCapacity(table.count)
        for name in table.names {
            guard let g = groupOfUser[name] else {
                throw DataError(file: source, reason: .unknownItem(name))
            }
            out.append(g)
        }
        return out
    }
}
