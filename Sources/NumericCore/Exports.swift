// The stable functions (`sigmoid`, `logSigmoid`, `softplus`, `logNormalCDF`, …) are extensions of
// swift-numerics' `Real`; re-exporting RealModule lets every client call them without a second import.
@_exported import RealModule
