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
    ///
    /// Checked: every user name is a distinct string, every trace entry a finite number, the
    /// components share one input size and output one reward, and the mixing weights and
    /// responsibilities are finite and non-negative. Lists are never cleaned: one bad entry
    /// rejects the file.
    public init(modelFile file: ModelFile, source: String = "model") throws(ModelFileError) {
        try file.requireKind(Self.kind, source: source)
        func fail(_ detail: String) -> ModelFileError { ModelFileError(file: source, reason: .invalidMetadata(detail)) }
        guard let K = try file.metadataValue("components", source: source).intValue, K >= 1,
              let userValues = try file.metadataValue("users", source: source).arrayValue,
              let assignment = try file.metadataValue("assignment", source: source).stringValue
                .flatMap(BradleyTerryMixture<Scalar>.Assignment.init(rawValue:)) else {
            throw fail("components, users and assignment are required")
        }
        var names = [String]()
        for (k, value) in userValues.enumerated() {
            guard let name = value.stringValue else { throw fail("users entry \(k), \(value.serialized().prefix(40)), is not a string") }
            names.append(name)
        }
        guard Set(names).count == names.count else { throw fail("'users' lists a name twice") }
        var components = [MLP<Scalar>]()
        for k in 0..<K { components.append(try MixtureNetworkCoding.decode(prefix: "component.\(k)", from: file, source: source)) }
        guard let inputSize = components.first?.inputSize,
              components.allSatisfy({ $0.inputSize == inputSize && $0.outputSize == 1 }) else {
            throw fail("the components' widths \(components.map(\.widths)) do not share one input size and one output")
        }
        var trace = [Scalar]()
        if let traceValue = file.metadata["log_likelihood_trace"] {
            guard let entries = traceValue.arrayValue else { throw fail("'log_likelihood_trace' is not a list") }
            for (k, entry) in entries.enumerated() {
                guard let x = entry.doubleValue, x.isFinite else {
                    throw fail("log_likelihood_trace entry \(k), \(entry.serialized().prefix(40)), is not a finite number")
                }
                trace.append(Scalar(x))
            }
        }
        let mixingWeights: Tensor<Scalar> = try file.tensor("mixing_weights", shape: [K], source: source)
        let responsibilities: Tensor<Scalar> = try file.tensor("responsibilities", shape: [names.count, K], source: source)
        guard mixingWeights.scalars.allSatisfy({ $0.isFinite && $0 >= 0 }),
              responsibilities.scalars.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw ModelFileError(file: source, reason: .corrupt("mixing_weights and responsibilities must be finite and ≥ 0"))
        }
        self.init(components: components, mixingWeights: mixingWeights.scalars, responsibilities: responsibilities,
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
              prototypes.columnCount == projector.inputSize, prototypes.rowCount > 0, logits.rowCount > 0 else {
            throw ModelFileError(file: source, reason: .corrupt("PAL-A prototypes \(prototypes.shape), logits \(logits.shape)"))
        }
        guard prototypes.isFinite, logits.isFinite else {
            throw ModelFileError(file: source, reason: .corrupt("PAL-A prototypes or logits hold a non-finite value"))
        }
        let lossName = file.metadata["loss"]?.stringValue ?? "logistic"
        guard lossName == "logistic" || lossName == "hinge" else {
            throw ModelFileError(file: source, reason: .invalidMetadata("'loss' must be logistic or hinge, found '\(lossName)'"))
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
        guard logits.rank == 2, logits.rowCount > 0, logits.columnCount > 0 else {
            throw ModelFileError(file: source, reason: .corrupt("PAL-B logits \(logits.shape)"))
        }
        guard logits.isFinite else { throw ModelFileError(file: source, reason: .corrupt("PAL-B logits hold a non-finite value")) }
        let K = logits.columnCount
        self.init(inputSize: projector.inputSize, projector: .linear(outputSize: projector.outputSize),
                  prototypeCount: K, userCount: logits.rowCount, using: &generator)
        self.projector = projector
        if file.metadata["uses_prompts"]?.boolValue == true {
            var maps = [MLP<Scalar>]()
            for k in 0..<K { maps.append(try MixtureNetworkCoding.decode(prefix: "prompt_map.\(k)", from: file, source: source)) }
            guard let promptSize = maps.first?.inputSize,
                  maps.allSatisfy({ $0.inputSize == promptSize && $0.outputSize == projector.outputSize }) else {
                throw ModelFileError(file: source, reason: .corrupt(
                    "PAL-B prompt maps \(maps.map(\.widths)) must share one input size and output \(projector.outputSize) features"))
            }
            self.promptMaps = maps
            self.prototypeVectors = Tensor.zeros(shape: [0, projector.outputSize])
        } else {
            self.prototypeVectors = try file.tensor("prototype_vectors", shape: [K, projector.outputSize], source: source)
        }
        self.logits = logits
        let logScale = try file.tensor("log_scale", as: Scalar.self, shape: [1], source: source).scalars[0]
        guard logScale.isFinite else { throw ModelFileError(file: source, reason: .corrupt("PAL-B log_scale is not finite")) }
        self.logScale = logScale
    }
}
