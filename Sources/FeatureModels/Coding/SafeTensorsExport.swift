import FileFormats
import NumericCore

/// Safetensors exports of every family: ``ModelFile/safeTensors()`` (the model file's tensors under
/// the same names — MLPs in PyTorch's `layers.{2l}.weight` `[out, in]` coding — with `format: pt`,
/// `producer`, `kind` and each metadata entry as text), plus `rkmodel_metadata`, the model file's
/// metadata as JSON, so that an export reads back into the model it came from
/// (``ModelFile/init(safeTensorsExport:source:)``).
extension ModelFile {
    /// The `__metadata__` key holding the model file's metadata as JSON.
    package static var exportMetadataKey: String { "rkmodel_metadata" }

    /// ``safeTensors()`` with the metadata as JSON; `extra` adds (or replaces) `__metadata__` strings.
    package func safeTensorsExport(extra: [String: String] = [:]) -> SafeTensorsFile {
        var export = safeTensors()
        export.metadata[Self.exportMetadataKey] = JSONValue.object(metadata).serialized()
        for (key, value) in extra { export.metadata[key] = value }
        return export
    }

    /// The model file a ``safeTensorsExport(extra:)`` came from.
    package init(safeTensorsExport export: SafeTensorsFile, source: String = "safetensors") throws(ModelFileError) {
        guard let kind = export.metadata["kind"] else {
            throw ModelFileError(file: source, reason: .invalidMetadata("the safetensors metadata has no 'kind'"))
        }
        guard let text = export.metadata[Self.exportMetadataKey] else {
            throw ModelFileError(file: source, reason: .invalidMetadata("the safetensors metadata has no '\(Self.exportMetadataKey)'"))
        }
        let parsed: JSONValue
        do { parsed = try JSONValue(parsing: text) } catch {
            throw ModelFileError(file: source, reason: .invalidMetadata("'\(Self.exportMetadataKey)' is not JSON: \(error)"))
        }
        guard let metadata = parsed.objectValue else {
            throw ModelFileError(file: source, reason: .invalidMetadata("'\(Self.exportMetadataKey)' is not a JSON object"))
        }
        self.init(kind: kind, metadata: metadata, tensors: export.tensors)
    }
}

extension FeatureGPM {
    /// The model's tensors as safetensors (the embedding in PyTorch names and layout), readable back
    /// by `LoadedModel.load(from:)`.
    public func safeTensors() -> SafeTensorsFile { modelFile().safeTensorsExport() }
}

extension ItemGPMModel {
    /// The model's tensors as safetensors, readable back by `LoadedModel.load(from:)`.
    public func safeTensors() -> SafeTensorsFile { modelFile().safeTensorsExport() }
}

extension BradleyTerryMixtureModel {
    /// The model's tensors as safetensors (components in PyTorch names and layout), readable back
    /// by `LoadedModel.load(from:)`.
    public func safeTensors() -> SafeTensorsFile { modelFile.safeTensorsExport() }
}

extension PALIdealPointModel {
    /// The model's tensors as safetensors (the projector in PyTorch names and layout), readable back
    /// by `LoadedModel.load(from:)`.
    public func safeTensors() -> SafeTensorsFile { modelFile.safeTensorsExport() }
}

extension PALCosineMixtureModel {
    /// The model's tensors as safetensors (the networks in PyTorch names and layout), readable back
    /// by `LoadedModel.load(from:)`.
    public func safeTensors() -> SafeTensorsFile { modelFile.safeTensorsExport() }
}
