import Foundation
import Testing
import TestSupport
@testable import FileFormats
@testable import NumericCore
@testable import PreferenceData

@Suite struct FeaturePairsTests {
    static func matrix(_ rows: Int, _ columns: Int, offset: Double = 0) -> Tensor<Double> {
        Tensor(shape: [rows, columns], scalars: (0..<(rows * columns)).map { Double($0) * 0.5 + offset })
    }

    @Test func validPairsReportTheirShape() throws {
        let pairs = try FeaturePairs(chosen: Self.matrix(3, 4), rejected: Self.matrix(3, 4, offset: 1),
                                     prompts: Self.matrix(3, 2), margins: [0, 0.5, 1])
        #expect(pairs.count == 3 && pairs.dimension == 4 && pairs.promptDimension == 2)
    }

    @Test func rowCountMismatchNamesTheFile() {
        let error = caughtDataError { () throws(DataError) in
            try FeaturePairs(chosen: Self.matrix(3, 4), rejected: Self.matrix(2, 4),
                             sources: FeaturePairSources(chosen: "c.npy", rejected: "r.npy"))
        }
        #expect(error == DataError(file: "r.npy", reason: .rowCountMismatch(expected: 3, found: 2)))
    }

    @Test func dimensionMismatchNamesTheFile() {
        let error = caughtDataError { () throws(DataError) in
            try FeaturePairs(chosen: Self.matrix(3, 4), rejected: Self.matrix(3, 5), sources: FeaturePairSources(rejected: "r.npy"))
        }
        #expect(error == DataError(file: "r.npy", reason: .dimensionMismatch(expected: 4, found: 5)))
        let prompts = caughtDataError { () throws(DataError) in
            try FeaturePairs(chosen: Self.matrix(3, 4), rejected: Self.matrix(3, 4), prompts: Self.matrix(2, 2))
        }
        #expect(prompts == DataError(file: "prompts", reason: .rowCountMismatch(expected: 3, found: 2)))
        let empty = caughtDataError { () throws(DataError) in
            try FeaturePairs(chosen: Tensor<Double>(shape: [0, 4], scalars: []), rejected: Tensor<Double>(shape: [0, 4], scalars: []))
        }
        #expect(empty?.reason == .emptyDataSet)
        let vector = caughtDataError { () throws(DataError) in
            try FeaturePairs(chosen: Tensor<Double>([1, 2]), rejected: Tensor<Double>([1, 2]))
        }
        if case .unsupportedFormat = vector?.reason {} else { Issue.record("a vector must not be accepted as pairs") }
    }

    @Test func nonFiniteValuesAreReportedWithRowAndColumn() {
        var chosen = Self.matrix(3, 4)
        chosen[1, 2] = .nan
        let error = caughtDataError { () throws(DataError) in
            try FeaturePairs(chosen: chosen, rejected: Self.matrix(3, 4), sources: FeaturePairSources(chosen: "c.npy"))
        }
        #expect(error == DataError(file: "c.npy", line: 1, reason: .nonFiniteValue(column: 2)))
        #expect(error?.description == "c.npy, line 1: column 2: value is not finite")
        // Float, beyond the first scan block, infinity, and two bad values: the first is reported.
        var rejected = Tensor<Float>(shape: [60, 40], repeating: 0.25)
        rejected[37, 5] = .infinity
        rejected[50, 0] = -.infinity
        let second = caughtDataError { () throws(DataError) in
            try FeaturePairs(chosen: Tensor<Float>(shape: [60, 40], repeating: 1), rejected: rejected)
        }
        #expect(second == DataError(file: "rejected", line: 37, reason: .nonFiniteValue(column: 5)))
        let margin = caughtDataError { () throws(DataError) in
            try FeaturePairs(chosen: Self.matrix(3, 4), rejected: Self.matrix(3, 4), margins: [0, .infinity, 0])
        }
        #expect(margin == DataError(file: "margins", line: 1, reason: .nonFiniteValue(column: nil)))
    }

    @Test func largeArraysFindTheFirstNonFiniteValueAcrossChunks() throws {
        // 4.2 M values: scanned in concurrent chunks.
        var big = Tensor<Float>(shape: [5_000, 840], repeating: 1)
        big[4_321, 17] = .nan
        big[4_999, 839] = .nan
        let error = caughtDataError { () throws(DataError) in try FeaturePairs<Float>.checkFinite(big, source: "big") }
        #expect(error == DataError(file: "big", line: 4_321, reason: .nonFiniteValue(column: 17)))
        big[4_321, 17] = 2
        big[4_999, 839] = 2
        try FeaturePairs<Float>.checkFinite(big, source: "big")
    }

    @Test func userIndicesMustBeInsideTheTable() {
        let error = caughtDataError { () throws(DataError) in
            try FeaturePairs(chosen: Self.matrix(2, 2), rejected: Self.matrix(2, 2), userIDs: [0, 3], users: UserTable(names: ["a", "b"]))
        }
        #expect(error?.line == 1)
    }

    @Test func loadsNumPyFilesWithUsersAndMargins() throws {
        try TestFiles.withTemporaryFolder { folder in
            let chosen = Self.matrix(4, 3), rejected = Self.matrix(4, 3, offset: -1)
            try NumPyFile.write(chosen, to: folder.appendingPathComponent("chosen.npy"))
            try NumPyFile.write(Tensor<Float>(shape: [4, 3], scalars: rejected.scalars.map { Float($0) }),
                                to: folder.appendingPathComponent("rejected.npy"))
            try NumPyFile.write(Tensor<Double>(shape: [4, 1], scalars: [0, 1, 2, 3]), to: folder.appendingPathComponent("margin.npy"))
            try "user\nalice\nbob\r\n\"carol, jr\"\nalice\n".write(to: folder.appendingPathComponent("users.csv"), atomically: false, encoding: .utf8)
            let pairs = try FeaturePairs<Float>.load(
                chosen: folder.appendingPathComponent("chosen.npy"), rejected: folder.appendingPathComponent("rejected.npy"),
                margins: folder.appendingPathComponent("margin.npy"), users: folder.appendingPathComponent("users.csv"))
            #expect(pairs.chosen.scalars == chosen.scalars.map { Float($0) })
            #expect(pairs.rejected.scalars == rejected.scalars.map { Float($0) })
            #expect(pairs.margins == [0, 1, 2, 3])
            #expect(pairs.userIDs == [0, 1, 2, 0])
            #expect(pairs.users.names == ["alice", "bob", "carol, jr"])

            // A test set loaded with the training table keeps known indices and appends new users.
            try "user\ndave\nbob\nalice\nbob\n".write(to: folder.appendingPathComponent("test_users.csv"), atomically: false, encoding: .utf8)
            let test = try FeaturePairs<Double>.load(
                chosen: folder.appendingPathComponent("chosen.npy"), rejected: folder.appendingPathComponent("rejected.npy"),
                users: folder.appendingPathComponent("test_users.csv"), knownUsers: pairs.users)
            #expect(test.userIDs == [3, 1, 0, 1])
            #expect(test.users.names == ["alice", "bob", "carol, jr", "dave"])

            // Errors name the file.
            try "user\nalice\nbob\n".write(to: folder.appendingPathComponent("short_users.csv"), atomically: false, encoding: .utf8)
            let short = caughtDataError { () throws(DataError) in
                try FeaturePairs<Double>.load(chosen: folder.appendingPathComponent("chosen.npy"), rejected: folder.appendingPathComponent("rejected.npy"),
                                              users: folder.appendingPathComponent("short_users.csv"))
            }
            #expect(short == DataError(file: folder.appendingPathComponent("short_users.csv").path, reason: .rowCountMismatch(expected: 4, found: 2)))
            var bad = chosen
            bad[2, 1] = .infinity
            try NumPyFile.write(bad, to: folder.appendingPathComponent("bad.npy"))
            let nonFinite = caughtDataError { () throws(DataError) in
                try FeaturePairs<Double>.load(chosen: folder.appendingPathComponent("bad.npy"), rejected: folder.appendingPathComponent("rejected.npy"))
            }
            #expect(nonFinite == DataError(file: folder.appendingPathComponent("bad.npy").path, line: 2, reason: .nonFiniteValue(column: 1)))
            try NumPyFile.write(Self.matrix(4, 2), to: folder.appendingPathComponent("narrow.npy"))
            let narrow = caughtDataError { () throws(DataError) in
                try FeaturePairs<Double>.load(chosen: folder.appendingPathComponent("chosen.npy"), rejected: folder.appendingPathComponent("narrow.npy"))
            }
            #expect(narrow == DataError(file: folder.appendingPathComponent("narrow.npy").path, reason: .dimensionMismatch(expected: 3, found: 2)))
        }
    }

    @Test func writesAndReloadsAFolder() throws {
        try TestFiles.withTemporaryFolder { folder in
            let pairs = try FeaturePairs(chosen: Self.matrix(3, 2), rejected: Self.matrix(3, 2, offset: 0.25), prompts: Self.matrix(3, 5),
                                         margins: [1, 2, 3], userIDs: [1, 0, 1], users: UserTable(names: ["x", "y,z"]))
            let written = try pairs.write(to: folder)
            #expect(written.map(\.lastPathComponent) == ["chosen.npy", "rejected.npy", "prompt.npy", "margin.npy", "users.csv"])
            let back = try FeaturePairs<Double>.load(
                chosen: written[0], rejected: written[1], prompts: written[2], margins: written[3], users: written[4])
            #expect(back.chosen == pairs.chosen && back.rejected == pairs.rejected && back.prompts == pairs.prompts)
            #expect(back.margins == pairs.margins)
            #expect(back.userIDs.map { $0.map { back.users.names[$0] } } == ["y,z", "x", "y,z"])
            #expect(try TestFiles.contents(of: folder) == ["chosen.npy", "margin.npy", "prompt.npy", "rejected.npy", "users.csv"])
            let whole = try FeaturePairs<Float>.load(folder: folder)
            #expect(whole.prompts?.shape == [3, 5] && whole.margins == [1, 2, 3] && whole.users.names == ["y,z", "x"])
            // A second set under a prefix, without the optional files, with the first set's users.
            let test = try FeaturePairs(chosen: Self.matrix(2, 2), rejected: Self.matrix(2, 2, offset: 1))
            try test.write(to: folder, prefix: "test_")
            let loadedTest = try FeaturePairs<Double>.load(folder: folder, prefix: "test_", knownUsers: whole.users)
            #expect(loadedTest.chosen == test.chosen && loadedTest.prompts == nil && loadedTest.userIDs == nil)
            #expect(loadedTest.users == whole.users)
            let missing = caughtDataError { () throws(DataError) in try FeaturePairs<Double>.load(folder: folder, prefix: "dev_") }
            if case .cannotRead? = missing?.reason { #expect(missing?.file.hasSuffix("dev_chosen.npy") == true) } else {
                Issue.record("a missing file must be a cannotRead error naming it")
            }
        }
    }

    @Test func usersCSVErrorsNameFileAndLine() {
        var table = UserTable()
        let missing = caughtDataError { () throws(DataError) in try table.parseUserColumn(text: "annotator\na\n", source: "u.csv") }
        #expect(missing == DataError(file: "u.csv", line: 1, reason: .missingColumn("user")))
        let empty = caughtDataError { () throws(DataError) in try table.parseUserColumn(text: "id,user\n1,a\n2,\n", source: "u.csv") }
        #expect(empty == DataError(file: "u.csv", line: 3, reason: .malformedLine("empty user name")))
        let fields = caughtDataError { () throws(DataError) in try table.parseUserColumn(text: "id,user\n1,a,extra\n", source: "u.csv") }
        #expect(fields?.line == 2)
        let quote = caughtDataError { () throws(DataError) in try table.parseUserColumn(text: "user\n\"abc\n", source: "u.csv") }
        #expect(quote == DataError(file: "u.csv", line: 2, reason: .malformedLine("unterminated quoted field")))
        #expect(caughtDataError { () throws(DataError) in try table.parseUserColumn(text: "user\n", source: "u.csv") }?.reason == .emptyDataSet)
        #expect(caughtDataError { () throws(DataError) in try table.parseUserColumn(text: "", source: "u.csv") }?.reason == .emptyFile)
        // Extra columns are fine; blank lines are skipped; quotes and spaces handled.
        let ids = try? table.parseUserColumn(text: "pair,user\n0, 7 \n\n1,\"say \"\"hi\"\"\"\n2,7\n", source: "u.csv")
        #expect(ids == [0, 1, 0])
        #expect(table.names == ["7", "say \"hi\""])
        // Text after a closing quote is an error; a quoted name may span lines (the next record's
        // line number follows).
        var other = UserTable()
        let after = caughtDataError { () throws(DataError) in try other.parseUserColumn(text: "user\n\"a\"b\n", source: "u.csv") }
        #expect(after == DataError(file: "u.csv", line: 2, reason: .malformedLine("text after a closing quote")))
        let spanning = try? other.parseUserColumn(text: "user\n\"two\nlines\"\n,\n", source: "u.csv")
        #expect(spanning == nil)
        let error = caughtDataError { () throws(DataError) in try other.parseUserColumn(text: "user\n\"two\nlines\"\n\"\"\n", source: "u.csv") }
        #expect(error == DataError(file: "u.csv", line: 4, reason: .malformedLine("empty user name")))
    }

    @Test func groupsCSVParsesAndOrdersGroups() throws {
        let groups = try UserGroups.parse(text: "user,group\nu1,10\nu2,2\nu3,2\nu4,0\n")
        #expect(groups.groupNames == ["0", "2", "10"])
        #expect(groups.groupOfUser == ["u1": 2, "u2": 1, "u3": 1, "u4": 0])
        #expect(try groups.groupIndices(for: UserTable(names: ["u4", "u1"])) == [0, 2])
        let marked = try UserGroups.parse(text: "\u{FEFF}user,group\r\nu1,10\r\n")   // byte-order mark, CRLF
        #expect(marked.groupOfUser == ["u1": 0])
        let named = try UserGroups.parse(text: "group,user\nb,x\na,y\n")
        #expect(named.groupNames == ["a", "b"])
        let unknown = caughtDataError { () throws(DataError) in try groups.groupIndices(for: UserTable(names: ["u9"]), source: "g.csv") }
        #expect(unknown == DataError(file: "g.csv", reason: .unknownItem("u9")))
        let conflict = caughtDataError { () throws(DataError) in try UserGroups.parse(text: "user,group\na,1\na,2\n", source: "g.csv") }
        #expect(conflict?.line == 3)
        let noGroup = caughtDataError { () throws(DataError) in try UserGroups.parse(text: "user\na\n", source: "g.csv") }
        #expect(noGroup == DataError(file: "g.csv", line: 1, reason: .missingColumn("group")))
    }

    @Test func jsonLinesParseWithOptionalFields() throws {
        let text = """
        {"chosen": [1, 2.5], "rejected": [0.1, -3e-2], "user": "ann", "margin": 0.5, "prompt": [7]}

        {"rejected": [4, 5], "chosen": [6, 7], "user": 12, "margin": 1, "prompt": [8], "id": "ignored"}\r
        {"chosen": [0, 0], "rejected": [1, 1], "user": "ann", "margin": -1, "prompt": [9]}
        """
        let pairs = try FeaturePairs<Double>.parseJSONL(text, source: "p.jsonl")
        #expect(pairs.count == 3 && pairs.dimension == 2)
        #expect(pairs.chosen.scalars == [1, 2.5, 6, 7, 0, 0])
        #expect(pairs.rejected.scalars == [0.1, -0.03, 4, 5, 1, 1])
        #expect(pairs.margins == [0.5, 1, -1])
        #expect(pairs.prompts?.scalars == [7, 8, 9])
        #expect(pairs.userIDs == [0, 1, 0])
        #expect(pairs.users.names == ["ann", "12"])
        let plain = try FeaturePairs<Float>.parseJSONL("{\"chosen\":[1],\"rejected\":[2]}\n")
        #expect(plain.userIDs == nil && plain.margins == nil && plain.prompts == nil)
    }

    @Test func jsonLinesErrorsNameFileAndLine() {
        func error(_ text: String) -> DataError? {
            caughtDataError { () throws(DataError) in try FeaturePairs<Float>.parseJSONL(text, source: "p.jsonl") }
        }
        #expect(error("{\"chosen\":[1,2],\"rejected\":[1,2]}\n{\"chosen\":[1,2,3],\"rejected\":[1,2,3]}")
                == DataError(file: "p.jsonl", line: 2, reason: .dimensionMismatch(expected: 2, found: 3)))
        #expect(error("{\"chosen\":[1,2],\"rejected\":[1]}") == DataError(file: "p.jsonl", line: 1, reason: .dimensionMismatch(expected: 2, found: 1)))
        #expect(error("\n{\"chosen\":[1,2]}") == DataError(file: "p.jsonl", line: 2, reason: .missingColumn("rejected")))
        #expect(error("{\"chosen\":[1,2],\"rejected\":[1,2]}\n{\"chosen\":[1,")?.line == 2)
        #expect(error("{\"chosen\":[1,2],\"rejected\":[1,\"x\"]}") == DataError(file: "p.jsonl", line: 1, reason: .malformedLine("'rejected'[1] is not a number")))
        #expect(error("{\"chosen\":[1,1e39],\"rejected\":[1,2]}") == DataError(file: "p.jsonl", line: 1, reason: .nonFiniteValue(column: 1)))
        #expect(error("{\"chosen\":[1],\"rejected\":[1],\"user\":\"a\"}\n{\"chosen\":[1],\"rejected\":[1]}")
                == DataError(file: "p.jsonl", line: 2, reason: .missingColumn("user")))
        #expect(error("{\"chosen\":[1],\"rejected\":[1]}\n{\"chosen\":[1],\"rejected\":[1],\"margin\":2}")?.line == 2)
        #expect(error("{\"chosen\":[1],\"rejected\":[1],\"user\":[1]}")?.line == 1)
        #expect(error("[1, 2]") == DataError(file: "p.jsonl", line: 1, reason: .malformedLine("a record must be a JSON object")))
        #expect(error("")?.reason == .emptyFile)
        #expect(error("\n \n")?.reason == .emptyDataSet)
    }

    @Test func jsonLinesRoundTripExactly() throws {
        let data = SyntheticFeaturePairs.userGroups(Float.self, trainCount: 40, testCount: 5, dimension: 6, userCount: 7, seed: 3)
        let pairs = data.train
        let withExtras = try FeaturePairs(chosen: pairs.chosen, rejected: pairs.rejected, prompts: pairs.chosen,
                                          margins: (0..<40).map { Float($0) / 3 }, userIDs: pairs.userIDs, users: pairs.users)
        let back = try FeaturePairs<Float>.parseJSONL(withExtras.jsonLines())
        #expect(back.chosen == withExtras.chosen && back.rejected == withExtras.rejected && back.prompts == withExtras.prompts)
        #expect(back.margins == withExtras.margins)
        #expect(back.userIDs.map { $0.map { back.users.names[$0] } } == withExtras.userIDs.map { $0.map { withExtras.users.names[$0] } })
        let doubles = try withExtras.converted(to: Double.self)
        let backDouble = try FeaturePairs<Double>.parseJSONL(doubles.jsonLines())
        #expect(backDouble.chosen == doubles.chosen)
    }

    @Test func convertsBetweenPrecisions() throws {
        let pairs = try FeaturePairs(chosen: Self.matrix(2, 3), rejected: Self.matrix(2, 3, offset: 0.1), margins: [0.1, 0.2])
        let floats = try pairs.converted(to: Float.self)
        #expect(floats.chosen.scalars == pairs.chosen.scalars.map { Float($0) })
        #expect(floats.margins == [Float(0.1), Float(0.2)])
        let back = try floats.converted(to: Double.self)
        #expect(back.chosen == pairs.chosen)  // halves are exact in Float
        #expect(back.rejected.scalars == pairs.rejected.scalars.map { Double(Float($0)) })
        var huge = Self.matrix(2, 3)
        huge[1, 0] = 1e39
        let tooBig = try FeaturePairs(chosen: huge, rejected: Self.matrix(2, 3))
        let error = caughtDataError { () throws(DataError) in try tooBig.converted(to: Float.self, sources: FeaturePairSources(chosen: "c.npy")) }
        #expect(error == DataError(file: "c.npy", line: 1, reason: .nonFiniteValue(column: 0)))
        // Large arrays take the threaded conversion path.
        let big = Tensor<Float>(shape: [4_200_000], scalars: (0..<4_200_000).map { Float($0) * 0.25 })
        let wide = convertScalars(big.scalars, to: Double.self)
        #expect(wide.count == 4_200_000 && wide[4_199_999] == 1_049_999.75 && wide[123_457] == 30_864.25)
        #expect(convertScalars(wide, to: Float.self) == big.scalars)
    }

    @Test func splitByPairIsDisjointCoveringAndSeeded() throws {
        let data = SyntheticFeaturePairs.linear(trainCount: 101, testCount: 1, dimension: 3, seed: 5)
        let split = try data.train.split(testFraction: 0.3, seed: 11)
        #expect(split.testIndices.count == 30 && split.trainIndices.count == 71)
        #expect(Set(split.trainIndices).isDisjoint(with: split.testIndices))
        #expect(Set(split.trainIndices + split.testIndices) == Set(0..<101))
        #expect(split.trainIndices == split.trainIndices.sorted())
        for (k, i) in split.testIndices.enumerated() {
            #expect(split.test.chosen.rowArray(k) == data.train.chosen.rowArray(i))
            #expect(split.test.rejected.rowArray(k) == data.train.rejected.rowArray(i))
        }
        let again = try data.train.split(testFraction: 0.3, seed: 11)
        #expect(again.testIndices == split.testIndices)
        let other = try data.train.split(testFraction: 0.3, seed: 12)
        #expect(other.testIndices != split.testIndices)
        let tiny = try FeaturePairs(chosen: Self.matrix(2, 1), rejected: Self.matrix(2, 1))
        #expect(try tiny.split(testFraction: 0.01, seed: 1).testIndices.count == 1)
        let single = try FeaturePairs(chosen: Self.matrix(1, 1), rejected: Self.matrix(1, 1))
        #expect(caughtDataError { () throws(DataError) in try single.split(testFraction: 0.5, seed: 1) } != nil)
    }

    @Test func splitByUserKeepsUsersWhole() throws {
        let data = SyntheticFeaturePairs.userGroups(trainCount: 2_000, testCount: 10, dimension: 4, userCount: 30, seed: 9)
        let split = try data.train.split(testFraction: 0.25, by: .user, seed: 4)
        let trainUsers = Set(split.train.userIDs!), testUsers = Set(split.test.userIDs!)
        #expect(trainUsers.isDisjoint(with: testUsers))
        #expect(!trainUsers.isEmpty && !testUsers.isEmpty)
        #expect(Set(split.trainIndices + split.testIndices) == Set(0..<2_000))
        #expect(split.testIndices.count >= 500)
        // Every pair of a test user is in the test set.
        let ids = data.train.userIDs!
        #expect(split.testIndices == (0..<2_000).filter { testUsers.contains(ids[$0]) })
        #expect(split.test.users == data.train.users)
        #expect(try data.train.split(testFraction: 0.25, by: .user, seed: 4).testIndices == split.testIndices)
        #expect(try data.train.split(testFraction: 0.25, by: .user, seed: 5).testIndices != split.testIndices)
        let noUsers = try FeaturePairs(chosen: Self.matrix(4, 1), rejected: Self.matrix(4, 1))
        #expect(caughtDataError { () throws(DataError) in try noUsers.split(testFraction: 0.5, by: .user, seed: 1) }?.reason == .missingColumn("user"))
    }

    @Test func minibatchScheduleShufflesPerEpochReproducibly() {
        let schedule = MinibatchSchedule(count: 10, batchSize: 4, seed: 3)
        #expect(schedule.batchesPerEpoch == 3)
        let e0 = schedule.batches(epoch: 0)
        #expect(e0.map(\.count) == [4, 4, 2])
        #expect(e0.flatMap { $0 }.sorted() == Array(0..<10))
        #expect(schedule.order(epoch: 0) == MinibatchSchedule(count: 10, batchSize: 4, seed: 3).order(epoch: 0))
        #expect(schedule.order(epoch: 0) != schedule.order(epoch: 1))
        #expect(schedule.order(epoch: 0) != MinibatchSchedule(count: 10, batchSize: 4, seed: 4).order(epoch: 0))
        let dropping = MinibatchSchedule(count: 10, batchSize: 4, seed: 3, dropsLastPartialBatch: true)
        #expect(dropping.batches(epoch: 2).map(\.count) == [4, 4])
        let ordered = MinibatchSchedule(count: 5, batchSize: 2, seed: 0, shuffles: false)
        #expect(ordered.batches(epoch: 7).map { Array($0) } == [[0, 1], [2, 3], [4]])
    }
}
