import ArgumentParser
import RewardKit

/// The `rewardkit` command-line tool.
@main
struct RewardKitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rewardkit",
        abstract: "Learn reward and preference models from pairwise comparisons.",
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
