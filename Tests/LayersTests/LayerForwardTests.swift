import TestSupport
import Testing
import Layers
import NumericCore

@Suite("Layer forward passes, initializers and parameter vectors")
struct LayerForwardTests {
    @Test("Linear computes x·W + b, its bias gradient is the column sums")
    func linearForward() {
        let w = Tensor<Double>(rows: [[1, 2], [3, 4], [5, 6]])
        let b = Tensor<Double>([0.5, -1])
        let layer = Linear(weight: w, bias: b)
        let x = Tensor<Double>(rows: [[1, 0, -1], [2, 1, 0]])
        let y = layer(x)
        #expect(y == Tensor(rows: [[-3.5, -5], [5.5, 7]]))
        let g = Tensor<Double>(rows: [[1, 2], [3, 4]])
        let (dx, grads) = layer.backward(g, cache: x)
        #expect(grads[1] == Tensor([4, 6]))
        #expect(grads[0] == x.matmul(g, transposeSelf: true))
        #expect(dx == g.matmul(w, transposeOther: true))
        #expect(Linear(weight: w)(x) == x.matmul(w))
    }

    @Test("GELU is exact x·Φ(x)")
    func geluValues() {
        let y = GELU<Double>()(Tensor(rows: [[1, -1, 2, 0]]))
        let expected = [0.8413447460685429, -0.15865525393145707, 1.9544997361036416, 0]
        for i in 0..<4 { #expect(Tolerance.isClose(y.scalars[i], expected[i], rtol: 1e-14, atol: 1e-15)) }
    }

    @Test("L2 normalization: unit rows; a zero row stays zero with gradient g/ε")
    func l2Values() {
        let layer = L2Normalization<Double>()
        let x = Tensor<Double>(rows: [[3, 4], [0, 0], [1e-300, 0]])
        let (y, cache) = layer.forward(x)
        #expect(Tolerance.isClose(y[0, 0], 0.6, rtol: 1e-15) && Tolerance.isClose(y[0, 1], 0.8, rtol: 1e-15))
        #expect(y.rowArray(1) == [0, 0])
        #expect(y.isFinite)
        let g = Tensor<Double>(rows: [[1, 1], [2, -2], [1, 1]])
        let dx = layer.backward(g, cache: cache).inputGradient
        #expect(dx.rowArray(1) == [2e12, -2e12])
        // Row 0: (g − y(y·g))/‖x‖ = ([1,1] − [0.6,0.8]·1.4)/5.
        #expect(Tolerance.isClose(dx[0, 0], (1 - 0.84) / 5) && Tolerance.isClose(dx[0, 1], (1 - 1.12) / 5))
    }

    @Test("Float forward agrees with Double forward", arguments: Activation.allCases)
    func floatMatchesDouble(activation: Activation) {
        var rng = SeededGenerator(seed: 21)
        let mlp = MLP<Double>(widths: [8, 16, 16, 4], activation: activation, normalizesOutput: activation == .gelu, using: &rng)
        let x = Tensor<Double>.randomNormal(shape: [10, 8], using: &rng)
        var mlpFloat = MLP<Float>(widths: [8, 16, 16, 4], activation: activation, normalizesOutput: activation == .gelu, using: &rng)
        mlpFloat.parameters = mlp.parameters.map(toFloat)
        let yDouble = mlp(x)
        let yFloat = mlpFloat(toFloat(x))
        let worst = Tolerance.maxAbsDifference(yFloat.scalars.map(Double.init), yDouble.scalars)
        let scale = yDouble.scalars.map(abs).max()!
        #expect(worst <= 1e-5 * max(scale, 1), "worst \(worst), output scale \(scale)")
        let (yCached, _) = mlp.forward(x)
        #expect(yCached == yDouble)
    }

    @Test("MLP shapes and parameter order [W₁, b₁, W₂, b₂, …]")
    func mlpStructure() {
        var rng = SeededGenerator(seed: 22)
        let mlp = MLP<Double>(widths: [5, 3, 2, 1], activation: .relu, outputBias: false, using: &rng)
        #expect(mlp.widths == [5, 3, 2, 1])
        #expect(mlp.parameters.map(\.shape) == [[5, 3], [3], [3, 2], [2], [2, 1]])
        #expect(mlp.parameterCount == 15 + 3 + 6 + 2 + 2)
        let head = MLP<Double>(widths: [4, 1], outputBias: false, outputInitializer: .rewardHead, using: &rng)
        let x = Tensor<Double>.randomNormal(shape: [3, 4], using: &rng)
        #expect(head(x) == x.matmul(head.layers[0].weight))
    }

    @Test("Initializers: seeded, with the stated spread")
    func initializers() {
        let (fanIn, fanOut) = (200, 300)
        func draw(_ initializer: Initializer, seed: UInt64 = 5) -> Tensor<Double> {
            var rng = SeededGenerator(seed: seed)
            return initializer.weight(inputSize: fanIn, outputSize: fanOut, using: &rng)
        }
        func std(_ t: Tensor<Double>) -> Double { (t.dot(t) / Double(t.count)).squareRoot() }
        // 60 000 draws: the sample std is within 1 % of the truth with overwhelming probability.
        let cases: [(Initializer, Double)] = [
            (.rewardHead, 1 / (Double(fanIn) + 1).squareRoot()),
            (.normal(standardDeviation: 0.02), 0.02),
            (.xavierUniform, (2 / Double(fanIn + fanOut)).squareRoot()),
            (.xavierNormal, (2 / Double(fanIn + fanOut)).squareRoot()),
            (.kaimingUniform, (2 / Double(fanIn)).squareRoot()),
            (.kaimingNormal, (2 / Double(fanIn)).squareRoot()),
        ]
        for (initializer, expected) in cases {
            let w = draw(initializer)
            #expect(w.shape == [fanIn, fanOut])
            #expect(abs(std(w) / expected - 1) < 0.01, "\(initializer): std \(std(w)), expected \(expected)")
            #expect(draw(initializer) == w)
            #expect(draw(initializer, seed: 6) != w)
        }
        let bound = (6 / Double(fanIn + fanOut)).squareRoot()
        #expect(draw(.xavierUniform).scalars.allSatisfy { abs($0) <= bound })
        #expect(draw(.zeros) == Tensor.zeros(shape: [fanIn, fanOut]))
    }

    @Test("ParameterVector flattens and restores tensors")
    func parameterVector() {
        var rng = SeededGenerator(seed: 23)
        let mlp = MLP<Double>(widths: [3, 4, 2], using: &rng)
        let layout = ParameterVector<Double>(describing: mlp.parameters)
        #expect(layout.count == mlp.parameterCount)
        #expect(layout.offsets == [0, 12, 16, 24])
        let flat = layout.flatten(mlp.parameters)
        #expect(flat == mlp.parameters.flatMap(\.scalars))
        #expect(layout.unflatten(flat) == mlp.parameters)
        var tensors = mlp.parameters
        let copy = tensors
        let shifted = flat.map { $0 + 1 }
        layout.unflatten(shifted, into: &tensors)
        #expect(layout.flatten(tensors) == shifted)
        #expect(copy == mlp.parameters, "a copy taken before the in-place write is unchanged")
        var buffer = [Double](repeating: 0, count: layout.count)
        layout.flatten(copy, into: &buffer)
        #expect(buffer == flat)
    }
}
