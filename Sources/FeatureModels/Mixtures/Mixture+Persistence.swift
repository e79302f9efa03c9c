import FileFormats
import Layers
import NumericCore
import PreferenceData

/// Model files (``ModelFile``) of the mixtures. Every network is an ``MLP`` in the one MLP coding
/// (``MLPCoding``): `PREFIX.layers.{2l}.weight` (`[out, in]`) and `PREFIX.layers.{2l}.bias`, with its
/// widths, activation, output-bias and normalization flags in the metadata under `PREFIX`. Kinds:
/// `maxmin-em-mixture`, `pal-a`, `pal-b`; metadata `family` (the kind) and `format_version` (2).
/// Version 1 files (`PREFIX.{l}.weight` `[in, out]`) are still read. Files round-trip exactly.
enum MixtureNetworkCoding {
    static func encode<S: BLASScalar>(_ net: MLP<S>, prefix: String, into file: inout ModelFile) {
        MLPCoding.encode(net, prefix: "\(prefix).", into: &file)
        file.metadata[prefix] = MLPCoding.architecture(net)
    }

    static func decode<S: BLASScalar>(prefix: String, from file: ModelFile, source: String) throws(ModelFileError) -> MLP<S> {
        let layout: MLPCoding.Layout = try ModelFileVersion.read(file, source: source) == 1
            ? .legacy(weight: { "\(prefix).\($0).weight" }, bias: { "\(prefix).\($0).bias" })
            : .pytorch(prefix: "\(prefix).")
        return try MLPCoding.decode(architecture: file.metadataValue(prefix, source: source), name: prefix, layout: layout,
                                    from: file, source: source)
    }

    /// A model file of `kind` with its `family` and `format_version`.
    static func file(kind: String) -> ModelFile {
        var metadata = [String: JSONValue]()
        ModelFileVersion.stamp(kind, into: &metadata)
        return ModelFile(kind: kind, metadata: metadata)
    }
}

extension BradleyTerryMixtureModel {
    /// The model-file kind.
    public static var kind: String { "maxmin-em-mixture" }

    /// Components `component.k`, `mixing_weights` (K), `responsibilities` (U×K), and in the
    /// metadata the user names, the assignment and the log-likelihood trace.
    public var modelFile: ModelFile {
        var file = MixtureNetworkCoding.file(kind: Self.kind)
        for (k, c) in components.enumerated() { MixtureNetworkCoding.encode(c, prefix: "component.\(k)", into: &file) }
        file.append("mixing_weights", Tensor(mixingWeights))
        file.append("responsibilities", responsibilities)
        file.metadata["components"] = .number(Double(componentCount))
        file.metadata["users"] = .array(users.names.map { .string($0) })
        file.metadata["assignment"] = .string(assignment.rawValue)
        file.metadata["log_likelihood_trace"] = .array(logLikelihoodTrace.map { .number(Double($0)) })
        return file
    }

    /// Reads a model written from ``modelFile``.
    public init(modelFile file: ModelFile, source: String = "model") throws(ModelFileError) {
        try file.requireKind(Self.kind, source: source)
        guard let K = try file.metadataValue("components", source: source).intValue, K >= 1,
              let names = try file.metadataValue("users", source: source).arrayValue?.compactMap(\.stringValue),
              let assignment = try file.metadataValue("assignment", source: source).stringValue
                .flatMap(BradleyTerryMixture<Scalar>.Assignment.init(rawValue:)) else {
            throw ModelFileError(file: source, reason: .invalidMetadata("components, users and assignment are required"))
        }
        var components = [MLP<Scalar>]()
        for k in 0..<K { components.append(try MixtureNetworkCoding.decode(prefix: "component.\(k)", from: file, source: source)) }
        let trace = (file.metadata["log_likelihood_trace"]?.arrayValue ?? []).compactMap(\.doubleValue).map { Scalar($0) }
        self.init(components: components,
                  mixingWeights: try file.tensor("mixing_weights", shape: [K], source: source).scalars,
                  responsibilities: try file.tensor("responsibilities", shape: [names.count, K], source: source),
                  users: UserTable(names: names), assignment: assignment, logLikelihoodTrace: trace,
                  mStepIterations: [], restartObjectives: [])
    }
}

extension PALIdealPointModel {
    /// The model-file kind.
    public static var kind: String { "pal-a" }

    /// `projector.*`, `prototypes` (K×d), `logits` (U×K) and the loss in the metadata.
    public var modelFile: ModelFile {
        var file = MixtureNetworkCoding.file(kind: Self.kind)
        MixtureNetworkCoding.encode(projector, prefix: "projector", into: &file)
        file.append("prototypes", prototypes)
        file.append("logits", logits)
        switch loss {
        case .logistic: file.metadata["loss"] = .string("logistic")
        case .hinge(let margin):
            file.metadata["loss"] = .string("hinge")
            file.metadata["margin"] = .number(Double(margin))
        }
        return file
    }

    /// Reads a model written from ``modelFile``.
    public init(modelFile file: ModelFile, source: String = "model") throws(ModelFileError) {
        try file.requireKind(Self.kind, source: source)
        var generator = SeededGenerator(seed: 0)
        let projector: MLP<Scalar> = try MixtureNetworkCoding.decode(prefix: "projector", from: file, source: source)
        let prototypes: Tensor<Scalar> = try file.tensor("prototypes", source: source)
        let logits: Tensor<Scalar> = try file.tensor("logits", source: source)
        guard prototypes.rank == 2, logits.rank == 2, logits.columnCount == prototypes.rowCount,
              prototypes.columnCount == projector.inputSize else {
            throw ModelFileError(file: source, reason: .corrupt("PAL-A prototypes \(prototypes.shape), logits \(logits.shape)"))
        }
        self.init(inputSize: projector.inputSize, projector: .linear(outputSize: projector.outputSize),
                  prototypeCount: prototypes.rowCount, userCount: logits.rowCount, using: &generator)
        self.projector = projector
        self.prototypes = prototypes
        self.logits = logits
        if file.metadata["loss"]?.stringValue == "hinge" {
            self.loss = .hinge(margin: Scalar(file.metadata["margin"]?.doubleValue ?? 1))
        }
    }
}

extension PALCosineMixtureModel {
    /// The model-file kind.
    public static var kind: String { "pal-b" }

    /// `projector.*`, `prompt_map.k.*` or `prototype_vectors`, `logits`, `log_scale`.
    public var modelFile: ModelFile {
        var file = MixtureNetworkCoding.file(kind: Self.kind)
        MixtureNetworkCoding.encode(projector, prefix: "projector", into: &file)
        if usesPrompts {
            for (k, g) in promptMaps.enumerated() { MixtureNetworkCoding.encode(g, prefix: "prompt_map.\(k)", into: &file) }
        } else {
            file.append("prototype_vectors", prototypeVectors)
        }
        file.append("logits", logits)
        file.append("log_scale", Tensor([logScale]))
        file.metadata["uses_prompts"] = .bool(usesPrompts)
        return file
    }

    /// Reads a model written from ``modelFile``.
    public init(modelFile file: ModelFile, source: String = "model") throws(ModelFileError) {
        try file.requireKind(Self.kind, source: source)
        var generator = SeededGenerator(seed: 0)
        let projector: MLP<Scalar> = try MixtureNetworkCoding.decode(prefix: "projector", from: file, source: source)
        let logits: Tensor<Scalar> = try file.tensor("logits", source: source)
        guard logits.rank == 2 else { throw ModelFileError(file: source, reason: .corrupt("PAL-B logits \(logits.shape)")) }
        let K = logits.columnCount
        self.init(inputSize: projector.inputSize, projector: .linear(outputSize: projector.outputSize),
                  prototypeCount: K, userCount: logits.rowCount, using: &generator)
        self.projector = projector
        if file.metadata["uses_prompts"]?.boolValue == true {
            var maps = [MLP<Scalar>]()
            for k in 0..<K { maps.append(try MixtureNetworkCoding.decode(prefix: "prompt_map.\(k)", from: file, source: source)) }
            self.promptMaps = maps
            self.prototypeVectors = Tensor.zeros(shape: [0, projector.outputSize])
        } else {
            self.prototypeVectors = try file.tensor("prototype_vectors", shape: [K, projector.outputSize], source: source)
        }
        self.logits = logits
        self.logScale = try file.tensor("log_scale", shape: [1], source: source).scalars[0]
    }
}
