// The umbrella module: `import RewardKit` brings in every public module of the library.
@_exported import NumericCore
@_exported import Layers
@_exported import Optimizers
@_exported import FileFormats
@_exported import PreferenceData
@_exported import Training
@_exported import ItemModels
@_exported import FeatureModels
@_exported import RegretModels
@_exported import ValueTools
@_exported import Reports
