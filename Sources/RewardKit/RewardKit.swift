// The umbrella module: `import RewardKit` brings in every layer of the library.
@_exported import NumericCore
@_exported import Layers
@_exported import Optimizers
@_exported import PreferenceData
@_exported import RewardModels
@_exported import RewardTraining
