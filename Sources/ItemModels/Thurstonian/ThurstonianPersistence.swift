import FileFormats
import Foundation
import NumericCore

extension ThurstonianModel {
    /// The model-file kind of a Thurstonian model with per-item variances.
    public static var modelKind: String { "thurstonian-items" }
    /// The `family` value in the metadata.
    public static var modelFamily: String { "thurstonian" }
    /// The `version` value in the metadata (the layout of this family's metadata and tensors).
    public static var modelFormatVersion: Int { 1 }

    /// The model as a `ModelFile`: metadata `family`, `version` and `items`; F64 tensors `means`
    /// and `standard_deviations` (`[n]` each).
    public func modelFile(extraMetadata: [String: JSONValue] = [:]) -> ModelFile {
        var metadata: [String: JSONValue] = [
            "family": .string(Self.modelFamily), "version": .number(Double(Self.modelFormatVersion)),
            "items": .array(items.map { .string($0) }),
        ]
        for (key, value) in extraMetadata where metadata[key] == nil { metadata[key] = value }
        var file = ModelFile(kind: Self.modelKind, metadata: metadata)
        file.append("means", Tensor(means))
        file.append("standard_deviations", Tensor(standardDeviations))
        return file
    }

    /// Reads a model written by ``modelFile(extraMetadata:)``.
    public init(modelFile file: ModelFile, source: String = "model") throws(ModelFileError) {
        try file.requireKind(Self.modelKind, source: source)
        try requireFamily(file.metadata, family: Self.modelFamily, version: Self.modelFormatVersion, source: source)
        let items = try itemNames(file.metadata, source: source)
        let means = try file.tensor("means", as: Double.self, shape: [items.count], source: source).scalars
        let deviations = try file.tensor("standard_deviations", as: Double.self, shape: [items.count], source: source).scalars
        guard deviations.allSatisfy({ $0 > 0 && $0.isFinite }), means.allSatisfy(\.isFinite) else {
            throw ModelFileError(file: source, reason: .corrupt("means must be finite and standard deviations finite and > 0"))
        }
        self.init(items: items, means: means, standardDeviations: deviations)
    }

    /// Writes the model file atomically (see ``modelFile(extraMetadata:)``).
    public func write(to url: URL) throws(ModelFileError) { try modelFile().write(to: url) }

    /// Reads a model file written by ``write(to:)``.
    public init(contentsOf url: URL) throws(ModelFileError) {
        try self.init(modelFile: ModelFile.read(from: url), source: url.path)
    }
}
