import FileFormats
import Layers
import NumericCore
import PreferenceData

extension GPMConfiguration {
    /// The configuration as model-file metadata.
    var metadata: [String: JSONValue] {
        ["dimension": .number(Double(dimension)), "temperature": .number(temperature), "margin": .number(margin),
         "normalizes_embeddings": .bool(normalizesEmbeddings), "eigenvalues": .string(eigenvalues.rawValue)]
    }

    /// Reads the configuration back from model-file metadata.
    init(metadata: [String: JSONValue], source: String) throws(ModelFileError) {
        func fail(_ detail: String) -> ModelFileError { ModelFileError(file: source, reason: .invalidMetadata(detail)) }
        guard let dimension = metadata["dimension"]?.intValue, dimension >= 2, dimension % 2 == 0 else {
            throw fail("'dimension' must be an even integer ≥ 2")
        }
        guard let temperature = metadata["temperature"]?.doubleValue, temperature > 0 else { throw fail("'temperature' must be a positive number") }
        guard let margin = metadata["margin"]?.doubleValue else { throw fail("'margin' must be a number") }
        guard let normalizes = metadata["normalizes_embeddings"]?.boolValue else { throw fail("'normalizes_embeddings' must be a boolean") }
        guard let modeName = metadata["eigenvalues"]?.stringValue, let mode = GPMEigenvalues(rawValue: modeName) else {
            throw fail("'eigenvalues' must be one of \(GPMEigenvalues.allCases.map(\.rawValue))")
        }
        self.init(dimension: dimension, temperature: temperature, margin: margin, normalizesEmbeddings: normalizes, eigenvalues: mode)
    }
}

extension FeatureGPM {
    /// The model-file kind of a feature-level GPM.
    public static var modelKind: String { "gpm-features" }
    /// The prefix of the embedding's tensors.
    static var embeddingPrefix: String { "embedding." }

    /// The model as a `ModelFile`: metadata holds `family`, `format_version` (2), the configuration,
    /// the MLP widths, activation and whether the output layer has a bias; tensors are the embedding
    /// in the one MLP coding (`embedding.layers.{2l}.weight` `[out, in]`, `embedding.layers.{2l}.bias`),
    /// then `log_eigenvalues` (learned) or `gate.weight`, `gate.bias` (prompt-gated). Version 1 files
    /// (`layer{l}.weight` `[in, out]`, `layer{l}.bias`) are still read.
    public func modelFile(extraMetadata: [String: JSONValue] = [:]) -> ModelFile {
        var metadata = configuration.metadata
        metadata["widths"] = .array(embedding.widths.map { .number(Double($0)) })
        metadata["activation"] = .string(embedding.activation.rawValue)
        metadata["output_bias"] = .bool(embedding.layers.last!.bias != nil)
        metadata["prompt_features"] = .number(Double(promptFeatureCount))
        ModelFileVersion.stamp(Self.modelKind, into: &metadata)
        for (key, value) in extraMetadata where metadata[key] == nil { metadata[key] = value }
        var file = ModelFile(kind: Self.modelKind, metadata: metadata)
        MLPCoding.encode(embedding, prefix: Self.embeddingPrefix, into: &file)
        if let logEigenvalues { file.append("log_eigenvalues", logEigenvalues) }
        if let gate {
            file.append("gate.weight", gate.linear.weight)
            file.append("gate.bias", gate.linear.bias!)
        }
        return file
    }

    /// Reads a model written by ``modelFile(extraMetadata:)`` (converting the precision if needed).
    public init(modelFile file: ModelFile, source: String = "model") throws(ModelFileError) {
        try file.requireKind(Self.modelKind, source: source)
        func fail(_ detail: String) -> ModelFileError { ModelFileError(file: source, reason: .invalidMetadata(detail)) }
        let configuration = try GPMConfiguration(metadata: file.metadata, source: source)
        let widths = try MLPCoding.widths(file.metadata["widths"], name: "the embedding's", source: source)
        guard let last = widths.last, last == configuration.dimension else {
            throw fail("the last width \(widths.last ?? 0) is not the dimension \(configuration.dimension)")
        }
        guard let activationName = file.metadata["activation"]?.stringValue, let activation = Activation(rawValue: activationName) else {
            throw fail("'activation' must be one of \(Activation.allCases.map(\.rawValue))")
        }
        guard let outputBias = file.metadata["output_bias"]?.boolValue else { throw fail("'output_bias' must be a boolean") }
        let layout: MLPCoding.Layout = try ModelFileVersion.read(file, source: source) == 1
            ? .legacy(weight: { "layer\($0).weight" }, bias: { "layer\($0).bias" })
            : .pytorch(prefix: Self.embeddingPrefix)
        let embedding: MLP<Scalar> = try MLPCoding.decode(widths: widths, activation: activation, outputBias: outputBias,
                                                          layout: layout, from: file, source: source)
        let k = configuration.planeCount
        var logEigenvalues: Tensor<Scalar>?
        var gate: EigenvalueGate<Scalar>?
        switch configuration.eigenvalues {
        case .fixed: break
        case .learned: logEigenvalues = try file.tensor("log_eigenvalues", shape: [k], source: source)
        case .promptGated:
            guard let p = file.metadata["prompt_features"]?.intValue, p > 0 else { throw fail("'prompt_features' must be a positive integer") }
            let weight: Tensor<Scalar> = try file.tensor("gate.weight", shape: [p, k], source: source)
            let bias: Tensor<Scalar> = try file.tensor("gate.bias", shape: [k], source: source)
            gate = EigenvalueGate(linear: Linear(weight: weight, bias: bias))
        }
        let eigenvalueTensors = [logEigenvalues, gate?.linear.weight, gate?.linear.bias ?? nil].compactMap { $0 }
        guard eigenvalueTensors.allSatisfy(\.isFinite) else {
            throw ModelFileError(file: source, reason: .corrupt("the eigenvalue parameters hold a non-finite value"))
        }
        self.init(embedding: embedding, configuration: configuration,
                  logEigenvalues: logEigenvalues, gate: gate)
    }
}

extension ItemGPMModel {
    /// The model-file kind of an item-level GPM.
    public static var modelKind: String { "gpm-items" }

    /// The model as a `ModelFile`: the configuration and item names in the metadata, tensors
    /// `embeddings` (`[n, 2k]`, as used by the operator) and `eigenvalues` (`[k]`).
    public func modelFile(extraMetadata: [String: JSONValue] = [:]) -> ModelFile {
        var metadata = configuration.metadata
        metadata["items"] = .array(items.map { .string($0) })
        if let report {
            metadata["training_loss"] = .number(report.trainingLoss)
            metadata["training_accuracy"] = .number(report.trainingAccuracy)
        }
        ModelFileVersion.stamp(Self.modelKind, into: &metadata)
        for (key, value) in extraMetadata where metadata[key] == nil { metadata[key] = value }
        var file = ModelFile(kind: Self.modelKind, metadata: metadata)
        file.append("embeddings", embeddings)
        file.append("eigenvalues", eigenvalues)
        return file
    }

    /// Reads a model written by ``modelFile(extraMetadata:)``.
    public init(modelFile file: ModelFile, source: String = "model") throws(ModelFileError) {
        try file.requireKind(Self.modelKind, source: source)
        _ = try ModelFileVersion.read(file, source: source)
        let configuration = try GPMConfiguration(metadata: file.metadata, source: source)
        guard let names = file.metadata["items"]?.arrayValue?.compactMap(\.stringValue),
              names.count == file.metadata["items"]?.arrayValue?.count, Set(names).count == names.count else {
            throw ModelFileError(file: source, reason: .invalidMetadata("'items' must be a list of distinct names"))
        }
        let embeddings: Tensor<Double> = try file.tensor("embeddings", shape: [names.count, configuration.dimension], source: source)
        let eigenvalues: Tensor<Double> = try file.tensor("eigenvalues", shape: [configuration.planeCount], source: source)
        self.init(items: names, configuration: configuration, embeddings: embeddings, eigenvalues: eigenvalues)
    }
}
