import FileFormats
import NumericCore
import PreferenceData

/// Who labelled each pair, and optionally which group each user belongs to, for per-user and
/// per-group accuracy.
public struct PairGrouping: Sendable, Equatable {
    /// The user index of each pair.
    public var userIDs: [Int]
    /// User names (index → name).
    public var userNames: [String]
    /// The group index of each user (index → group), if groups are known.
    public var groupOfUser: [Int]?
    /// Group names (index → name).
    public var groupNames: [String]

    /// The grouping of pairs by user (`userIDs[k]` indexes `userNames`) and, when `groupOfUser` is
    /// given, by each user's group (an index into `groupNames`).
    public init(userIDs: [Int], userNames: [String], groupOfUser: [Int]? = nil, groupNames: [String] = []) {
        precondition(groupOfUser == nil || groupOfUser!.count == userNames.count,
                     "PairGrouping: \(groupOfUser?.count ?? 0) group entries for \(userNames.count) users")
        self.userIDs = userIDs
        self.userNames = userNames
        self.groupOfUser = groupOfUser
        self.groupNames = groupNames
    }

    /// The users of a data set, with their groups from `groups` when given (a user missing from
    /// `groups` is a `DataError`). Nil when the pairs carry no user ids.
    public init?<S: BLASScalar>(pairs: FeaturePairs<S>, groups: UserGroups? = nil, groupsSource: String = "groups.csv") throws(DataError) {
        guard let ids = pairs.userIDs else { return nil }
        var groupOfUser: [Int]?
        if let groups { groupOfUser = try groups.groupIndices(for: pairs.users, source: groupsSource) }
        self.init(userIDs: ids, userNames: pairs.users.names, groupOfUser: groupOfUser, groupNames: groups?.groupNames ?? [])
    }
}

