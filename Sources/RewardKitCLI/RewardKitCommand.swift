import ArgumentParser
import Foundation
import RewardKit

/// The `rewardkit` command-line tool.
@main
struct RewardKitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rewardkit",
        abstract: "Learn reward and preference models from pairwise comparisons.",
        discussion: "Options mean the same in every subcommand; Docs/CLI.md has the subcommand × option table and a report example per command.",
        version: "0.1.0",
        subcommands: [
            Fit.self,
            Info.self,
            Experiment.self,
            SVO.self,
            LeaderboardCommand.self,
            Evaluate.self,
            Train.self,
            // subcommands: add new top-level commands above this line
        ]
    )

    /// Runs the command; every failure ends as one line `error: FILE, line N: reason` (or
    /// `error: reason`) on standard error and a non-zero exit, never a stack trace. Usage errors
    /// exit with 64 and the usage text, as swift-argument-parser does.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
            DistributedJob.finish()
        } catch let code as ExitCode {
            Foundation.exit(code.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            if code == .failure {
                // The program's own errors (DataError, ModelFileError, a family's fit error, CLIError).
                // Under --distributed: `error: rank R: …` and MPI_Abort, so no rank hangs.
                DistributedJob.abortIfDistributed(message: message(of: error))
                printError("error: \(message(of: error))")
                Foundation.exit(1)
            }
            var text = fullMessage(for: error)
            if text.hasPrefix("Error: ") { text = "error: " + text.dropFirst("Error: ".count) }
            printError(text)
            Foundation.exit(code.rawValue)
        }
    }

    /// The error's description without Swift's type decoration.
    static func message(of error: Error) -> String {
        String(describing: error)
    }
}

/// `rewardkit info`: the BLAS runtime this build uses.
struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the BLAS core, thread count and build configuration.")

    func run() throws {
        print("BLAS core:     \(BLASRuntime.coreName)")
        print("BLAS threads:  \(BLASRuntime.threadCount)")
        print("BLAS config:   \(BLASRuntime.configuration)")
    }
}
