import Foundation

/// Fixture files committed next to the tests, and scratch folders.
public enum TestFiles {
    /// A file in the `Fixtures` folder beside the calling test file.
    public static func fixture(_ name: String, filePath: String = #filePath) -> URL {
        URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").appendingPathComponent(name)
    }

    /// Runs `body` with a new empty folder, removed afterwards.
    public static func withTemporaryFolder<R>(_ body: (URL) throws -> R) throws -> R {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        return try body(folder)
    }

    /// The names in a folder, sorted (hidden files included).
    public static func contents(of folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }
}

/// A new empty folder under the system's temporary directory (the caller removes it).
public func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("rewardkit-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
