import NumericCore
import Testing
@testable import FeatureModels

@Test func pytorchStartDrawsEveryWeightAndBiasFromUniformOverRootFanIn() {
    var rng = SeededGenerator(seed: 3)
    let head = MLPRewardHead<Double>.pytorchInitialized(inputSize: 300, hiddenSizes: [200], using: &rng)
    let fanIns = [300, 300, 200]   // W1 [300, 200], b1 [200] (fanIn of W1), W2 [200, 1]
    #expect(head.parameters.map(\.shape) == [[300, 200], [200], [200, 1]])
    for (p, fanIn) in zip(head.parameters, fanIns) {
        let bound = 1 / Double(fanIn).squareRoot()
        #expect(p.scalars.allSatisfy { abs($0) < bound })
        let variance = p.scalars.reduce(0) { $0 + $1 * $1 } / Double(p.count)
        // U(−b, b) has variance b²/3; the tolerance is 5 standard errors of the sample variance.
        let se = bound * bound * (4.0 / 45).squareRoot() / Double(p.count).squareRoot()
        #expect(abs(variance - bound * bound / 3) < 5 * se, "fanIn \(fanIn): variance \(variance) vs \(bound * bound / 3)")
    }
    var again = SeededGenerator(seed: 3)
    #expect(MLPRewardHead<Double>.pytorchInitialized(inputSize: 300, hiddenSizes: [200], using: &again).parameters == head.parameters)
}
