import ArgumentParser

/// `rewardkit fit …`: fit one model family to a data set.
struct Fit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit a preference or reward model.",
        subcommands: [
            FitBradleyTerry.self,
            ThurstoneFit.self,
            GPMFit.self,
            MixtureFit.self,
            FitRewardHead.self,
            FitNoisyBradleyTerry.self,
            FitPlackettLuce.self,
            // fit-subcommands: add new `rewardkit fit X` commands above this line
        ]
    )
}
