// swift-tools-version:6.0
import PackageDescription

// RewardKit: preference and reward models learned from pairwise comparisons.
//
// Layers (dependencies point down; Docs/Architecture.md has one paragraph per module):
//   Examples/*, rewardkit (RewardKitCLI)        user-facing programs
//   RewardKit                                   umbrella (`import RewardKit`), main job, model loading
//   Reports                                     every SVG chart
//   ValueTools                                  SVO, active learning, reward transforms (uses ItemModels)
//   FeatureModels · ItemModels · RegretModels   the model families (FeatureModels uses Training)
//   Training                                    minibatch trainer, metrics
//   PreferenceData                              comparison sets, feature pairs, batches, generators
//   FileFormats                                 CSV, JSON, .npy, model files, safetensors, atomic writes
//   Layers · Optimizers                         layers with explicit gradients; SGD/Adam/L-BFGS
//   RewardKitInternals                          hidden: parallel workers, statistics, text tables
//   NumericCore                                 Tensor, BLAS/LAPACK, stable functions, RNG
//   COpenBLAS                                   cblas.h + lapacke.h
//   RewardKitMPI → COpenMPI                     data-parallel fits over Open MPI (libmpi loaded at run time by dlopen,
//                                               so the package builds and runs without MPI installed)

let internals: Target.Dependency = "RewardKitInternals"

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
        // `swift package generate-documentation --target RewardKit` (DocC catalogs in Sources/*/Documentation.docc).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev", "pkg-config"])]
        ),
        // Open MPI through dlopen: no header or library is needed at build time.
        .target(name: "COpenMPI", linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]),
        .target(name: "RewardKitMPI", dependencies: ["COpenMPI", "NumericCore", "FileFormats", "PreferenceData", "FeatureModels", "ItemModels"]),
        .target(name: "RewardKitInternals", dependencies: ["NumericCore", .product(name: "RealModule", package: "swift-numerics")]),
        .target(
            name: "NumericCore",
            dependencies: ["COpenBLAS", .product(name: "RealModule", package: "swift-numerics")]
        ),
        .target(name: "Layers", dependencies: ["NumericCore", internals]),
        .target(name: "Optimizers", dependencies: ["NumericCore", internals]),
        .target(name: "FileFormats", dependencies: ["NumericCore", internals]),
        .target(name: "PreferenceData", dependencies: ["NumericCore", "FileFormats", internals]),
        .target(
            name: "Training",
            dependencies: ["NumericCore", "Layers", "Optimizers", "FileFormats", "PreferenceData", internals]
        ),
        .target(
            name: "ItemModels",
            dependencies: ["NumericCore", "Optimizers", "FileFormats", "PreferenceData", internals]
        ),
        .target(
            name: "FeatureModels",
            dependencies: ["NumericCore", "Layers", "Optimizers", "FileFormats", "PreferenceData", "Training", internals]
        ),
        .target(name: "RegretModels", dependencies: ["NumericCore", "Optimizers", "FileFormats", internals]),
        .target(
            name: "ValueTools",
            dependencies: ["NumericCore", "Optimizers", "FileFormats", "PreferenceData", "ItemModels", internals]
        ),
        .target(
            name: "Reports",
            dependencies: ["NumericCore", "FileFormats", "PreferenceData", "Training", "ItemModels", internals]
        ),
        .target(
            name: "RewardKit",
            dependencies: [
                "NumericCore", "Layers", "Optimizers", "FileFormats", "PreferenceData", "Training", "ItemModels",
                "FeatureModels", "RegretModels", "ValueTools", "Reports", internals,
            ]
        ),
        .executableTarget(
            name: "RewardKitCLI",
            dependencies: ["RewardKit", "RewardKitMPI", internals, .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        // Examples (each is a runnable program; ExamplesTests runs each as a process on the shipped data).
        .executableTarget(name: "logistic-regression", dependencies: ["RewardKit"], path: "Examples/logistic-regression"),
        .executableTarget(name: "reward-head", dependencies: ["RewardKit"], path: "Examples/reward-head"),
        .executableTarget(name: "arena-leaderboard", dependencies: ["RewardKit"], path: "Examples/arena-leaderboard"),
        .executableTarget(name: "regret-vs-partial-return", dependencies: ["RewardKit"], path: "Examples/regret-vs-partial-return"),
        .executableTarget(name: "cyclic-preferences", dependencies: ["RewardKit"], path: "Examples/cyclic-preferences"),
        .executableTarget(name: "value-orientation", dependencies: ["RewardKit"], path: "Examples/value-orientation"),
        .executableTarget(name: "pluralistic-mixture", dependencies: ["RewardKit"], path: "Examples/pluralistic-mixture"),
        .executableTarget(name: "annotator-quality", dependencies: ["RewardKit"], path: "Examples/annotator-quality"),
        .executableTarget(name: "rankings", dependencies: ["RewardKit"], path: "Examples/rankings"),
        // examples: add new example targets above this line

        // Benchmarks (plain executables; run them in release mode, see Benchmarks/README.md).
        .executableTarget(name: "numeric-core-bench", dependencies: ["NumericCore", "COpenBLAS"], path: "Benchmarks/numeric-core-bench"),
        .executableTarget(name: "reward-head-bench", dependencies: ["RewardKit"], path: "Benchmarks/reward-head-bench", exclude: ["run.sh"]),
        .executableTarget(name: "regret-bench", dependencies: ["RewardKit"], path: "Benchmarks/regret-bench"),
        .executableTarget(name: "gpm-bench", dependencies: ["RewardKit"], path: "Benchmarks/gpm-bench", exclude: ["run.sh"]),
        .executableTarget(name: "mixture-bench", dependencies: ["RewardKit"], path: "Benchmarks/mixture-bench", exclude: ["run.sh"]),
        .executableTarget(name: "item-bt-bench", dependencies: ["RewardKit"], path: "Benchmarks/item-bt-bench", exclude: ["run.sh"]),
        .executableTarget(name: "arena-bench", dependencies: ["RewardKit"], path: "Benchmarks/arena-bench", exclude: ["run.sh", "peer_arena.py"]),
        .executableTarget(name: "item-scale-bench", dependencies: ["RewardKit"], path: "Benchmarks/item-scale-bench"),
        .executableTarget(name: "dist-bench", dependencies: ["RewardKit"], path: "Benchmarks/dist-bench", exclude: ["run.sh"]),
        .executableTarget(name: "pl-bench", dependencies: ["RewardKit"], path: "Benchmarks/pl-bench", exclude: ["run.sh", "gen_rankings.py", "peer_pl.py"]),
        // benchmarks: add new benchmark targets above this line

        // Tests: one target per module, named after it.
        .target(name: "TestSupport", dependencies: ["NumericCore", "FileFormats"], path: "Tests/TestSupport"),
        .testTarget(name: "RewardKitInternalsTests", dependencies: [internals, "NumericCore", "TestSupport"]),
        .testTarget(name: "NumericCoreTests", dependencies: ["NumericCore", "TestSupport"]),
        .testTarget(name: "LayersTests", dependencies: ["Layers", "TestSupport"]),
        .testTarget(name: "OptimizersTests", dependencies: ["Optimizers", "Layers", "TestSupport"]),
        .testTarget(name: "FileFormatsTests", dependencies: ["FileFormats", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "PreferenceDataTests", dependencies: ["PreferenceData", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "FeatureModels", "PreferenceData", "TestSupport"]),
        .testTarget(name: "ItemModelsTests", dependencies: ["ItemModels", "Reports", "PreferenceData", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(
            name: "FeatureModelsTests",
            dependencies: ["FeatureModels", "ItemModels", "Training", "PreferenceData", "Layers", "Optimizers", "TestSupport"],
            exclude: ["Fixtures"]
        ),
        .testTarget(name: "RegretModelsTests", dependencies: ["RegretModels", "TestSupport"]),
        .testTarget(name: "ValueToolsTests", dependencies: ["ValueTools", "ItemModels", "PreferenceData", "TestSupport"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "Training", "ItemModels", "PreferenceData", "TestSupport"]),
        .testTarget(name: "RewardKitTests", dependencies: ["RewardKit", "TestSupport"]),
        .testTarget(name: "RewardKitCLITests", dependencies: ["RewardKit", "TestSupport"]),
        .testTarget(name: "FuzzTests", dependencies: ["RewardKit", "TestSupport"]),
        .testTarget(name: "ExamplesTests"),
        .testTarget(name: "ReadmeTests", dependencies: ["RewardKit"]),
        .testTarget(name: "RewardKitMPITests", dependencies: ["RewardKitMPI", "RewardKit", "TestSupport"]),
        // tests: add new test targets above this line
    ]
)
