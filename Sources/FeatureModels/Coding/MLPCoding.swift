import FileFormats
import Layers
import NumericCore

/// The one model-file coding of an ``MLP``, shared by every family (reward heads, GPM, mixtures).
///
/// The tensors carry PyTorch's `nn.Sequential` `state_dict` names and layouts, so a safetensors
/// export of them loads into `nn.Sequential(Linear, act, Linear, …)` with `load_state_dict`:
///
/// | tensor | shape | |
/// |---|---|---|
/// | `PREFIXlayers.{2l}.weight` | `[out, in]` | layer `l` (the activations sit at the odd indices) |
/// | `PREFIXlayers.{2l}.bias` | `[out]` | when the layer has a bias |
///
/// `PREFIX` is empty for a reward head and `embedding.`, `component.{k}.`, `projector.` or
/// `prompt_map.{k}.` elsewhere. Layers stores a weight as `[in, out]`; it is transposed on save
/// and back on load (exact). The architecture (widths, activation, output bias, output
/// normalization) lives in the family's metadata.
enum MLPCoding {
    /// The name of layer `l`'s weight (`part == "weight"`) or bias.
    static func name(prefix: String, layer l: Int, _ part: String) -> String { "\(prefix)layers.\(2 * l).\(part)" }

    /// Appends the network's tensors in PyTorch names and layout.
    static func append<S: BLASScalar>(_ net: MLP<S>, prefix: String, to tensors: inout [NamedTensor]) {
        for (l, layer) in net.layers.enumerated() {
            tensors.append(NamedTensor(name: name(prefix: prefix, layer: l, "weight"), layer.weight.transposed()))
            if let bias = layer.bias { tensors.append(NamedTensor(name: name(prefix: prefix, layer: l, "bias"), bias)) }
        }
    }

    /// Appends the network's tensors to a model file.
    static func encode<S: BLASScalar>(_ net: MLP<S>, prefix: String, into file: inout ModelFile) {
        var tensors = [NamedTensor]()
        append(net, prefix: prefix, to: &tensors)
        for tensor in tensors { file.append(tensor) }
    }

    /// The architecture as a metadata object: `widths`, `activation`, `output_bias`, `normalized`.
    static func architecture<S: BLASScalar>(_ net: MLP<S>) -> JSONValue {
        .object([
            "widths": .array(net.widths.map { .number(Double($0)) }),
            "activation": .string(net.activation.rawValue),
            "output_bias": .bool(net.layers.last!.bias != nil),
            "normalized": .bool(net.normalization != nil),
        ])
    }

    /// How a file names and lays out the layers' tensors.
    enum Layout {
        /// `PREFIXlayers.{2l}.weight` `[out, in]` (the current coding).
        case pytorch(prefix: String)
        /// Format version 1 of GPM and mixture files: `weight(l)`/`bias(l)` names, weights `[in, out]`.
        case legacy(weight: (Int) -> String, bias: (Int) -> String)
    }

    /// Reads a network of the given architecture (either precision is converted to `S`; non-finite
    /// values are an error).
    static func decode<S: BLASScalar>(
        widths: [Int], activation: Activation, outputBias: Bool, normalized: Bool = false, layout: Layout,
        from file: ModelFile, source: String
    ) throws(ModelFileError) -> MLP<S> {
        guard widths.count >= 2, widths.allSatisfy({ $0 > 0 }) else {
            throw ModelFileError(file: source, reason: .invalidMetadata("network widths \(widths) must list at least two positive sizes"))
        }
        func read(_ name: String, shape: [Int]) throws(ModelFileError) -> Tensor<S> {
            let t: Tensor<S> = try file.tensor(name, shape: shape, source: source)
            guard t.isFinite else { throw ModelFileError(file: source, reason: .corrupt("tensor \(name) holds a non-finite value")) }
            return t
        }
        var layers = [Linear<S>]()
        for l in 0..<(widths.count - 1) {
            let (input, output) = (widths[l], widths[l + 1])
            let hasBias = l < widths.count - 2 || outputBias
            let weight: Tensor<S>, bias: Tensor<S>?
            switch layout {
            case .pytorch(let prefix):
                weight = try read(name(prefix: prefix, layer: l, "weight"), shape: [output, input]).transposed()
                bias = hasBias ? try read(name(prefix: prefix, layer: l, "bias"), shape: [output]) : nil
            case .legacy(let weightName, let biasName):
                weight = try read(weightName(l), shape: [input, output])
                bias = hasBias ? try read(biasName(l), shape: [output]) : nil
            }
            layers.append(Linear(weight: weight, bias: bias))
        }
        return MLP(layers: layers, activation: activation, normalization: normalized ? L2Normalization() : nil)
    }

    /// The `widths` metadata value: a list of at least two positive integers. Every entry must be
    /// one — a list holding strings, nulls, fractions or non-positive numbers is rejected, never
    /// cleaned, since dropping entries would silently read a different architecture.
    static func widths(_ value: JSONValue?, name: String, source: String) throws(ModelFileError) -> [Int] {
        func fail(_ detail: String) -> ModelFileError {
            ModelFileError(file: source, reason: .invalidMetadata("\(name) widths \(detail)"))
        }
        guard let value else { throw fail("are missing") }
        guard let entries = value.arrayValue else { throw fail("\(value.serialized().prefix(60)) is not a list") }
        var widths = [Int]()
        for (k, entry) in entries.enumerated() {
            guard let w = entry.intValue, w > 0 else {
                throw fail("entry \(k), \(entry.serialized().prefix(40)), is not a positive integer")
            }
            widths.append(w)
        }
        guard widths.count >= 2 else { throw fail("\(widths) must list at least two sizes") }
        return widths
    }

    /// Reads a network whose architecture is the metadata object `architecture` (see ``architecture(_:)``).
    static func decode<S: BLASScalar>(
        architecture meta: JSONValue, name: String, layout: Layout, from file: ModelFile, source: String
    ) throws(ModelFileError) -> MLP<S> {
        let widths = try widths(meta["widths"], name: "network '\(name)'", source: source)
        guard let activation = meta["activation"]?.stringValue.flatMap(Activation.init(rawValue:)),
              let outputBias = meta["output_bias"]?.boolValue else {
            throw ModelFileError(file: source, reason: .invalidMetadata("network '\(name)' needs widths, activation, output_bias"))
        }
        return try decode(widths: widths, activation: activation, outputBias: outputBias,
                          normalized: meta["normalized"]?.boolValue ?? false, layout: layout, from: file, source: source)
    }
}

/// The `family` and `format_version` entries every feature/item model file carries.
enum ModelFileVersion {
    /// The version written by this code: 2 (MLPs in ``MLPCoding``); files without the entry are version 1.
    static let current = 2

    /// `family` and `format_version` metadata for `family`.
    static func stamp(_ family: String, into metadata: inout [String: JSONValue]) {
        metadata["family"] = .string(family)
        metadata["format_version"] = .number(Double(current))
    }

    /// The file's format version (1 when absent); a version newer than ``current`` is an error.
    static func read(_ file: ModelFile, source: String) throws(ModelFileError) -> Int {
        guard let value = file.metadata["format_version"] else { return 1 }
        guard let version = value.intValue else {
            throw ModelFileError(file: source, reason: .invalidMetadata("format_version is not an integer"))
        }
        guard (1...current).contains(version) else {
            throw ModelFileError(file: source, reason: .unsupportedVersion(found: version, supported: current))
        }
        return version
    }
}
