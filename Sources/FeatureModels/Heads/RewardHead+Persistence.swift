import Foundation
import FileFormats
import Layers
import NumericCore
import PreferenceData

/// Model files and safetensors export of reward heads.
///
/// Both formats use PyTorch's names and layouts, so the tensors of a model file and of its
/// safetensors export are the same (details and a loading snippet in `Docs/RewardHeads.md`):
///
/// | head | tensor | shape | PyTorch module |
/// |---|---|---|---|
/// | linear | `linear.weight` | `[1, d]` | `self.linear = nn.Linear(d, 1, bias=False)` |
/// | MLP | `layers.{2l}.weight` | `[out, in]` | `self.layers = nn.Sequential(Linear, act, Linear, …)` |
/// | MLP | `layers.{2l}.bias` | `[out]` | hidden layers only (the output layer has no bias) |
///
/// The MLP tensors are the one MLP coding of every family (`MLPCoding`, empty prefix). Layers
/// stores a weight as `[in, out]`; it is transposed on save and back on load (exact). The model
/// file's kind is `linear-reward-head` or `mlp-reward-head`; its metadata holds `family` (the
/// kind), `head_format_version` (currently 1: the head coding has not changed), `dtype`,
/// `dimension`, the objective, and for MLPs `widths` and `activation`.
extension RewardHead {
    /// The head-level format version written into the metadata.
    public static var headFormatVersion: Int { 1 }
    /// The model-file kind of a linear head.
    public static var linearKind: String { "linear-reward-head" }
    /// The model-file kind of an MLP head.
    public static var mlpKind: String { "mlp-reward-head" }

    /// The named tensors in PyTorch layout.
    public var namedTensors: [NamedTensor] {
        switch self {
        case .linear(let head):
            return [NamedTensor(name: "linear.weight", head.weights.reshaped([1, head.dimension]))]
        case .mlp(let head):
            var tensors = [NamedTensor]()
            MLPCoding.append(head.network, prefix: "", to: &tensors)
            return tensors
        }
    }

    /// A model file holding the head; `metadata` adds entries (e.g. a fit summary) under their keys.
    public func modelFile(metadata extra: [String: JSONValue] = [:]) -> ModelFile {
        var metadata: [String: JSONValue] = [
            "head_format_version": .number(Double(Self.headFormatVersion)),
            "dtype": .string(Scalar.self == Float.self ? "float32" : "float64"),
            "dimension": .number(Double(dimension)),
            "objective": .object([
                "temperature": .number(objective.temperature),
                "centering_coefficient": .number(objective.centeringCoefficient),
                "l2_penalty": .number(objective.l2Penalty),
            ]),
        ]
        let kind: String
        switch self {
        case .linear:
            kind = Self.linearKind
        case .mlp(let head):
            kind = Self.mlpKind
            metadata["widths"] = .array(head.widths.map { .number(Double($0)) })
            metadata["activation"] = .string(head.activation.rawValue)
        }
        metadata["family"] = .string(kind)
        for (key, value) in extra { metadata[key] = value }
        var file = ModelFile(kind: kind, metadata: metadata)
        for tensor in namedTensors { file.append(tensor) }
        return file
    }

    /// Reads a head from a model file (either precision is converted to `Scalar`).
    public init(modelFile file: ModelFile, source: String = "model") throws(ModelFileError) {
        func fail(_ reason: ModelFileError.Reason) -> ModelFileError { ModelFileError(file: source, reason: reason) }
        guard file.kind == Self.linearKind || file.kind == Self.mlpKind else {
            throw fail(.wrongKind(expected: "\(Self.linearKind) or \(Self.mlpKind)", found: file.kind))
        }
        guard let version = try file.metadataValue("head_format_version", source: source).intValue else {
            throw fail(.invalidMetadata("head_format_version is not an integer"))
        }
        guard version == Self.headFormatVersion else {
            throw fail(.unsupportedVersion(found: version, supported: Self.headFormatVersion))
        }
        guard let d = try file.metadataValue("dimension", source: source).intValue, d > 0 else {
            throw fail(.invalidMetadata("dimension is not a positive integer"))
        }
        let objectiveValue = try file.metadataValue("objective", source: source)
        guard let tau = objectiveValue["temperature"]?.doubleValue, tau > 0, tau.isFinite,
              let c = objectiveValue["centering_coefficient"]?.doubleValue, c >= 0, c.isFinite,
              let lambda = objectiveValue["l2_penalty"]?.doubleValue, lambda >= 0, lambda.isFinite else {
            throw fail(.invalidMetadata("objective needs temperature > 0, centering_coefficient ≥ 0, l2_penalty ≥ 0"))
        }
        let objective = BradleyTerryObjective(temperature: tau, centeringCoefficient: c, l2Penalty: lambda)
        func checkedTensor(_ name: String, shape: [Int]) throws(ModelFileError) -> Tensor<Scalar> {
            let t: Tensor<Scalar> = try file.tensor(name, shape: shape, source: source)
            guard t.isFinite else { throw fail(.corrupt("tensor \(name) holds a non-finite value")) }
            return t
        }
        if file.kind == Self.linearKind {
            let w = try checkedTensor("linear.weight", shape: [1, d])
            self = .linear(LinearRewardHead(weights: w.reshaped([d]), objective: objective))
            return
        }
        let widths = try MLPCoding.widths(file.metadataValue("widths", source: source), name: "the MLP head's", source: source)
        guard widths.first == d, widths.last == 1 else {
            throw fail(.invalidMetadata("widths must list positive sizes from the dimension \(d) down to 1"))
        }
        guard let name = try file.metadataValue("activation", source: source).stringValue,
              let activation = Activation(rawValue: name) else {
            throw fail(.invalidMetadata("activation must be one of \(Activation.allCases.map(\.rawValue))"))
        }
        let network: MLP<Scalar> = try MLPCoding.decode(widths: widths, activation: activation, outputBias: false,
                                                        layout: .pytorch(prefix: ""), from: file, source: source)
        let expectedCount = 2 * (widths.count - 1) - 1
        guard file.tensors.count == expectedCount else {
            throw fail(.corrupt("\(file.tensors.count) tensors for an MLP head with widths \(widths), expected \(expectedCount)"))
        }
        self = .mlp(MLPRewardHead(network: network, objective: objective))
    }

    /// Writes the head as a model file, atomically.
    public func save(to url: URL, metadata: [String: JSONValue] = [:]) throws(ModelFileError) {
        try modelFile(metadata: metadata).write(to: url)
    }

    /// Reads a head from a model file.
    public static func load(from url: URL) throws(ModelFileError) -> RewardHead {
        try RewardHead(modelFile: ModelFile.read(from: url), source: url.path)
    }

    /// The head's tensors as safetensors (PyTorch names and layouts), with the architecture in the
    /// `__metadata__` strings (`family`: `linear` or `mlp`, `widths`, `activation`, `temperature`) and
    /// the model file's kind (`kind`) and metadata (`rkmodel_metadata`, and each entry as text), so the export reads back
    /// into the same head (``init(safeTensors:source:)``).
    public func safeTensors() -> SafeTensorsFile {
        var metadata = ["family": family, "temperature": "\(objective.temperature)"]
        if case .mlp(let head) = self {
            metadata["widths"] = head.widths.map(String.init).joined(separator: ",")
            metadata["activation"] = head.activation.rawValue
        }
        return modelFile().safeTensorsExport(extra: metadata)
    }

    /// Reads a head from its ``safeTensors()`` export.
    public init(safeTensors export: SafeTensorsFile, source: String = "safetensors") throws(ModelFileError) {
        try self.init(modelFile: ModelFile(safeTensorsExport: export, source: source), source: source)
    }

    /// Writes ``safeTensors()`` to `url`, atomically.
    public func exportSafeTensors(to url: URL) throws(ModelFileError) {
        try safeTensors().write(to: url)
    }
}
