import Foundation
import NumericCore
import FileFormats
import PreferenceData
import Testing
import TestSupport

/// Issue 15 through the tool: extreme inputs end with exit status 1 and a message naming the file,
/// never a signal.
@Suite("rewardkit on extreme inputs (run as a process)", .serialized)
struct ExtremeInputCLITests {
    /// 120 training pairs of 4 float64 features with users, written to `folder`; `chosen[2, 3] = value`.
    static func writePairs(to folder: URL, value: Double? = nil) throws {
        let data = SyntheticFeaturePairs.userGroups(Double.self, trainCount: 120, testCount: 20, dimension: 4, userCount: 6,
                                                    groupFractions: [0.5, 0.5], seed: 5)
        var train = data.train
        if let value {
            var chosen = train.chosen
            chosen[2, 3] = value
            train = try FeaturePairs(chosen: chosen, rejected: train.rejected, userIDs: train.userIDs, users: train.users)
        }
        try train.write(to: folder)
        try data.test.write(to: folder, prefix: "test_")
    }

    @Test("a float64 feature of 1e300 in `fit mixture --method maxmin-em` and `fit reward-head --solver newton` is an error naming the file, row and column")
    func hugeFeatureIsAnError() throws {
        try TestFiles.withTemporaryFolder { folder in
            try Self.writePairs(to: folder, value: 1e300)
            func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
            let (status, _, err) = try runTool(["fit", "mixture", "--method", "maxmin-em", "--components", "2", "--chosen", path("chosen.npy"),
                                                "--rejected", path("rejected.npy"), "--users", path("users.csv")])
            #expect(status == 1, "stderr: \(err)")
            #expect(err.contains("\(path("chosen.npy")), line 2: column 3: the magnitude of 1e+300 exceeds"), "stderr: \(err)")
            for arguments in [["--solver", "newton", "--double"], ["--solver", "lbfgs", "--double"], ["--solver", "newton"]] {
                let (headStatus, _, headErr) = try runTool(["fit", "reward-head", "--chosen", path("chosen.npy"),
                                                            "--rejected", path("rejected.npy")] + arguments)
                #expect(headStatus == 1, "\(arguments) stderr: \(headErr)")
                #expect(headErr.contains(path("chosen.npy")) && headErr.contains("column 3"), "\(arguments) stderr: \(headErr)")
            }
        }
    }

    @Test("a .npy header of 30,000 nested parentheses is an error, not a stack overflow")
    func deeplyNestedHeaderIsAnError() throws {
        try TestFiles.withTemporaryFolder { folder in
            let shape = String(repeating: "(", count: 30_000) + String(repeating: ")", count: 30_000)
            let header = Array("{'descr': '<f8', 'fortran_order': False, 'shape': \(shape), }\n".utf8)
            let bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count & 0xFF), UInt8(header.count >> 8)] + header
            let url = folder.appendingPathComponent("deep.npy")
            try Data(bytes).write(to: url)
            let (status, _, err) = try runTool(["fit", "reward-head", "--chosen", url.path, "--rejected", url.path])
            #expect(status == 1, "stderr: \(err)")
            #expect(err.contains("\(url.path): malformed .npy header: tuples and lists nested more than 32 deep"), "stderr: \(err)")
        }
    }
}
