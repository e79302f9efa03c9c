// swift-tools-version:6.0
import PackageDescription

// RewardKit: preference and reward models learned from pairwise comparisons.
//
// Layers (dependencies point down):
//   Examples/*, rewardkit (RewardKitCLI)        user-facing programs
//   RewardTraining                              trainer loop, metrics, reports
//   RewardModels                                Bradley–Terry, Thurstone, GPM, mixtures, regret
//   PreferenceData                              comparison sets, loaders, synthetic generators
//   Optimizers, Layers                          SGD/Adam/L-BFGS; layers with explicit gradients
//   NumericCore                                 Tensor, BLAS/LAPACK, stable functions, RNG
//   COpenBLAS                                   cblas.h + lapacke.h

let package = Package(
    name: "RewardKit",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "RewardKit", targets: ["RewardKit"]),
        .library(name: "NumericCore", targets: ["NumericCore"]),
        .executable(name: "rewardkit", targets: ["RewardKitCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev", "pkg-config"])]
        ),
        .target(
            name: "NumericCore",
            dependencies: ["COpenBLAS", .product(name: "RealModule", package: "swift-numerics")]
        ),
        .target(name: "Layers", dependencies: ["NumericCore"]),
        .target(name: "Optimizers", dependencies: ["NumericCore"]),
        .target(name: "PreferenceData", dependencies: ["NumericCore"]),
        .target(
            name: "RewardModels",
            dependencies: ["NumericCore", "Layers", "Optimizers", "PreferenceData"]
        ),
        .target(
            name: "RewardTraining",
            dependencies: ["NumericCore", "Layers", "Optimizers", "PreferenceData", "RewardModels"]
        ),
        .target(
            name: "RewardKit",
            dependencies: ["NumericCore", "Layers", "Optimizers", "PreferenceData", "RewardModels", "RewardTraining"]
        ),
        .executableTarget(
            name: "RewardKitCLI",
            dependencies: ["RewardKit", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        // Examples (each is a runnable program; the tests run them as processes).
        .executableTarget(name: "logistic-regression", dependencies: ["RewardKit"], path: "Examples/logistic-regression"),
        .executableTarget(name: "reward-head", dependencies: ["RewardKit"], path: "Examples/reward-head"),
        .executableTarget(name: "arena-leaderboard", dependencies: ["RewardKit"], path: "Examples/arena-leaderboard"),
        .executableTarget(name: "regret-vs-partial-return", dependencies: ["RewardKit"], path: "Examples/regret-vs-partial-return"),
        .executableTarget(name: "cyclic-preferences", dependencies: ["RewardKit"], path: "Examples/cyclic-preferences"),
        .executableTarget(name: "value-orientation", dependencies: ["RewardKit"], path: "Examples/value-orientation"),
        .executableTarget(name: "pluralistic-mixture", dependencies: ["RewardKit"], path: "Examples/pluralistic-mixture"),
        // examples: add new example targets above this line

        // Benchmarks (plain executables; run them in release mode, see Benchmarks/README.md).
        .executableTarget(name: "numeric-core-bench", dependencies: ["NumericCore", "COpenBLAS"], path: "Benchmarks/numeric-core-bench"),
        .executableTarget(name: "reward-head-bench", dependencies: ["RewardKit"], path: "Benchmarks/reward-head-bench", exclude: ["run.sh"]),
        .executableTarget(name: "regret-bench", dependencies: ["RewardKit"], path: "Benchmarks/regret-bench"),
        .executableTarget(name: "gpm-bench", dependencies: ["RewardKit"], path: "Benchmarks/gpm-bench", exclude: ["run.sh"]),
        .executableTarget(name: "mixture-bench", dependencies: ["RewardKit"], path: "Benchmarks/mixture-bench", exclude: ["run.sh"]),
        .executableTarget(name: "item-bt-bench", dependencies: ["RewardKit"], path: "Benchmarks/item-bt-bench", exclude: ["run.sh"]),
        .executableTarget(name: "arena-bench", dependencies: ["RewardKit"], path: "Benchmarks/arena-bench", exclude: ["run.sh", "peer_arena.py"]),
        // benchmarks: add new benchmark targets above this line

        // Tests
        .target(name: "TestSupport", dependencies: ["NumericCore"], path: "Tests/TestSupport"),
        .testTarget(name: "NumericCoreTests", dependencies: ["NumericCore", "TestSupport"]),
        .testTarget(name: "LayersTests", dependencies: ["Layers", "TestSupport"]),
        .testTarget(name: "OptimizersTests", dependencies: ["Optimizers", "Layers", "TestSupport"]),
        .testTarget(name: "FeatureDataTests", dependencies: ["PreferenceData", "RewardTraining", "RewardModels", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "RewardHeadTests", dependencies: ["RewardModels", "RewardTraining", "PreferenceData", "Layers", "Optimizers", "TestSupport"]),
        .testTarget(name: "GPMTests", dependencies: ["RewardModels", "RewardTraining", "PreferenceData", "Layers", "Optimizers", "TestSupport"]),
        .testTarget(name: "ItemModelsTests", dependencies: ["RewardModels", "PreferenceData", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "RegretTests", dependencies: ["RewardModels", "TestSupport"]),
        .testTarget(name: "ValueToolsTests", dependencies: ["RewardModels", "PreferenceData", "TestSupport"]),
        .testTarget(name: "MixtureTests", dependencies: ["RewardModels", "RewardTraining", "PreferenceData", "Layers", "Optimizers", "TestSupport"]),
        .testTarget(name: "ArenaTests", dependencies: ["RewardModels", "PreferenceData", "TestSupport"]),
        // tests: add new test targets above this line
    ]
)
