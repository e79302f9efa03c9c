import Foundation

/// A model read from a RewardKit model file (`.rkmodel`) or a safetensors export, whatever its
/// family: the file's kind picks the reader.
///
/// | case | model-file kind |
/// |---|---|
/// | ``rewardHead(_:)`` | `linear-reward-head`, `mlp-reward-head` |
/// | ``featureGPM(_:)`` | `gpm-features` |
/// | ``itemGPM(_:)`` | `gpm-items` |
/// | ``maxMinEM(_:)`` | `maxmin-em-mixture` |
/// | ``palA(_:)`` | `pal-a` |
/// | ``palB(_:)`` | `pal-b` |
/// | ``itemBradleyTerry(_:)`` | `bradley-terry-items` |
/// | ``thurstonian(_:)`` | `thurstonian-items` |
///
/// Either precision on file is converted to `Scalar` (the item models are always `Double`).
///
/// ```swift
/// switch try LoadedModel<Float>.load(from: URL(fileURLWithPath: "head.rkmodel")) {
/// case .rewardHead(let head): print(head.rewards(features))
/// default: break
/// }
/// ```
public enum LoadedModel<Scalar: BLASScalar>: Sendable {
    /// A linear or MLP Bradley–Terry reward head.
    case rewardHead(RewardHead<Scalar>)
    /// A feature-level general preference model.
    case featureGPM(FeatureGPM<Scalar>)
    /// An item-level general preference model.
    case itemGPM(ItemGPMModel)
    /// A MaxMin-EM mixture of Bradley–Terry heads.
    case maxMinEM(BradleyTerryMixtureModel<Scalar>)
    /// A PAL-A (ideal-point) mixture.
    case palA(PALIdealPointModel<Scalar>)
    /// A PAL-B (cosine) mixture.
    case palB(PALCosineMixtureModel<Scalar>)
    /// An item-level Bradley–Terry (or Thurstone Case V) model, with or without covariates.
    case itemBradleyTerry(BradleyTerryModel)
    /// Thurstonian utilities of named items.
    case thurstonian(ThurstonianModel)

    /// The model-file kind of the family.
    public var kind: String {
        switch self {
        case .rewardHead(let head):
            switch head {
            case .linear: return RewardHead<Scalar>.linearKind
            case .mlp: return RewardHead<Scalar>.mlpKind
            }
        case .featureGPM: return FeatureGPM<Scalar>.modelKind
        case .itemGPM: return ItemGPMModel.modelKind
        case .maxMinEM: return BradleyTerryMixtureModel<Scalar>.kind
        case .palA: return PALIdealPointModel<Scalar>.kind
        case .palB: return PALCosineMixtureModel<Scalar>.kind
        case .itemBradleyTerry: return BradleyTerryModel.modelKind
        case .thurstonian: return ThurstonianModel.modelKind
        }
    }

    /// The model in `file`, read by its family's reader; an unknown kind is
    /// `ModelFileError.Reason.wrongKind(expected:found:)`.
    public init(modelFile file: ModelFile, source: String = "model") throws(ModelFileError) {
        switch file.kind {
        case RewardHead<Scalar>.linearKind, RewardHead<Scalar>.mlpKind:
            self = .rewardHead(try RewardHead(modelFile: file, source: source))
        case FeatureGPM<Scalar>.modelKind: self = .featureGPM(try FeatureGPM(modelFile: file, source: source))
        case ItemGPMModel.modelKind: self = .itemGPM(try ItemGPMModel(modelFile: file, source: source))
        case BradleyTerryMixtureModel<Scalar>.kind: self = .maxMinEM(try BradleyTerryMixtureModel(modelFile: file, source: source))
        case PALIdealPointModel<Scalar>.kind: self = .palA(try PALIdealPointModel(modelFile: file, source: source))
        case PALCosineMixtureModel<Scalar>.kind: self = .palB(try PALCosineMixtureModel(modelFile: file, source: source))
        case BradleyTerryModel.modelKind: self = .itemBradleyTerry(try BradleyTerryModel(modelFile: file, source: source))
        case ThurstonianModel.modelKind: self = .thurstonian(try ThurstonianModel(modelFile: file, source: source))
        default:
            let known = [RewardHead<Scalar>.linearKind, RewardHead<Scalar>.mlpKind, FeatureGPM<Scalar>.modelKind,
                         ItemGPMModel.modelKind, BradleyTerryMixtureModel<Scalar>.kind, PALIdealPointModel<Scalar>.kind,
                         PALCosineMixtureModel<Scalar>.kind, BradleyTerryModel.modelKind, ThurstonianModel.modelKind]
            throw ModelFileError(file: source, reason: .wrongKind(expected: "one of \(known.joined(separator: ", "))", found: file.kind))
        }
    }

    /// Reads `url`: a safetensors export when its extension is `.safetensors`, a model file otherwise.
    public static func load(from url: URL) throws(ModelFileError) -> LoadedModel {
        let file: ModelFile
        if url.pathExtension.lowercased() == "safetensors" {
            file = try ModelFile(safeTensorsExport: SafeTensorsFile.read(from: url), source: url.path)
        } else {
            file = try ModelFile.read(from: url)
        }
        return try LoadedModel(modelFile: file, source: url.path)
    }
}
