import Foundation
import RewardKit

/// One kind of input file: its seeds (well-formed files), the well-formed rewritings that must
/// load with the same content, and what the program does with such a file (load, then fit).
struct FuzzTarget: Sendable {
    /// What `run` concluded: the file loaded (with a summary of what it holds, used to compare a
    /// well-formed variant with its seed) or was rejected with a typed error naming the file.
    enum Outcome: Equatable {
        case accepted(String)
        case rejected(String)
    }

    var name: String
    /// The file name the mutants are written under (the extension matters to some loaders).
    var fileName: String
    var seeds: [[UInt8]]
    var variants: @Sendable ([UInt8]) -> [(name: String, bytes: [UInt8])]
    /// Loads (and fits) the file; records an issue itself when a result is not finite.
    var run: @Sendable (URL) -> Outcome
    /// Whether every seed must load (false for fixture collections that hold other formats too).
    var seedsLoad = true
}

func csvVariants(_ bytes: [UInt8]) -> [(name: String, bytes: [UInt8])] {
    CSVVariants.of(String(decoding: bytes, as: UTF8.self)).map { ($0.name, Array($0.text.utf8)) }
}

func jsonlVariants(_ bytes: [UInt8]) -> [(name: String, bytes: [UInt8])] {
    let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
    return [
        ("CRLF", Array((lines.joined(separator: "\r\n") + "\r\n").utf8)),
        ("spaces around separators", Array((lines.map { $0.replacingOccurrences(of: ":", with: " : ").replacingOccurrences(of: ",", with: " , ") }
            .joined(separator: "\n") + "\n").utf8)),
        ("no final newline", Array(lines.joined(separator: "\n").utf8)),
        ("blank lines between records", Array((lines.joined(separator: "\n\n") + "\n").utf8)),
        ("names as \\u escapes", Array((lines.map { $0.replacingOccurrences(of: "\"a\"", with: "\"\\u0061\"") }.joined(separator: "\n") + "\n").utf8)),
    ]
}

func finite(_ values: [Double]) -> Bool { values.allSatisfy(\.isFinite) }

enum FuzzTargets {
    static let comparisonCSV = """
    winner,loser,tie,weight,annotator
    a,b,0,1,u1
    b,c,0,2,u2
    c,a,0,1,u1
    a,c,1,1,u3
    b,a,0,1.5,u2
    c,b,0,1,u1
    a,b,0,1,u2
    d,a,0,1,u3
    b,d,0,1,u1
    d,c,1,0.5,u2

    """

    static let comparisonJSONL = """
    {"winner": "a", "loser": "b", "tie": 0, "weight": 1, "annotator": "u1"}
    {"winner": "b", "loser": "c", "tie": 0, "weight": 2}
    {"winner": "c", "loser": "a"}
    {"winner": "a", "loser": "c", "tie": 1}
    {"winner": "b", "loser": "a", "weight": 1.5}
    {"winner": "c", "loser": "b"}

    """

    /// Fits the comparisons the way `fit bradley-terry` and `leaderboard` do and checks the result.
    static func fitItems(_ set: ComparisonSet) -> String {
        let estimator = BradleyTerry(.init(l2Penalty: 0.01))
        do {
            let model = try estimator.fit(set)
            if !finite(model.strengths) || !model.report.logLikelihood.isFinite {
                return "NOT FINITE: \(model.strengths) \(model.report.logLikelihood)"
            }
            let board = Leaderboard(model: model, comparisons: set, intervals: try? model.hessianIntervals())
            _ = board.formattedTable() + board.ratingsCSV() + board.strengthsCSV()
            return "fit \(model.report.converged)"
        } catch {
            return "fit error"
        }
    }

    static func comparisons(_ url: URL) -> FuzzTarget.Outcome {
        do {
            let set = try ComparisonSet.load(contentsOf: url)
            let summary = "\(set.items) \(set.winners) \(set.losers) \(set.ties) \(set.weights)"
            let fit = fitItems(set)
            return .accepted(fit.hasPrefix("NOT FINITE") ? fit : summary)
        } catch {
            return .rejected("\(error)")
        }
    }

    static let annotatedCSV = """
    winner,loser,annotator,first
    a,b,u1,a
    b,c,u2,c
    c,a,u1,c
    a,c,u3,
    b,a,u2,b
    c,b,u1,b
    a,b,u2,a
    d,a,u3,a
    b,d,u1,d
    d,c,u2,d

    """

    /// Loads annotated comparisons (with `first`) and fits the noisy Bradley–Terry model and the
    /// cross-fitted label-noise scores, the way `fit noisy-bradley-terry` and `--noise-scores` do.
    static func annotated(_ url: URL) -> FuzzTarget.Outcome {
        do {
            let set = try ComparisonSet.load(contentsOf: url)
            let summary = "\(set.items) \(set.winners) \(set.losers) \(set.annotators ?? []) \(set.shownFirst ?? [])"
            var fit = "no annotators"
            if set.annotators != nil {
                do {
                    let model = try NoisyBradleyTerry(.init(l2Penalty: 0.01, maximumIterations: 300)).fit(set)
                    if !finite(model.strengths) || !model.report.logLikelihood.isFinite
                        || !model.annotators.allSatisfy({ $0.reliability > 0 && $0.reliability < 1 && ($0.bias?.isFinite ?? true) }) {
                        return .accepted("NOT FINITE: \(model.strengths) \(model.annotators)")
                    }
                    fit = "noisy fit \(model.report.converged)"
                } catch {
                    fit = "noisy fit error"
                }
            }
            if let scores = try? BradleyTerry(.init(l2Penalty: 0.01)).labelNoiseScores(set, folds: 2, seed: 1),
               !scores.flipProbabilities.allSatisfy({ $0 >= 0 && $0 <= 1 }) {
                return .accepted("NOT FINITE: flip probabilities \(scores.flipProbabilities)")
            }
            return .accepted(summary + " " + fit)
        } catch {
            return .rejected("\(error)")
        }
    }

    static let battles = """
    winner,loser,tie,len_a,len_b
    a,b,0,120,80
    b,c,0,300,20
    c,a,0,45,60
    a,c,1,10,10
    b,a,0,200,100
    c,b,0,50,70
    a,b,0,90,150

    """

    static func arena(_ url: URL) -> FuzzTarget.Outcome {
        do {
            let battles = try ArenaBattles(csvFile: url, covariates: [.perAnswer(winnerColumn: "len_a", loserColumn: "len_b")],
                                           normalization: .arena)
            let summary = "\(battles.comparisons.items) \(battles.comparisons.winners) \(battles.covariates.scalars)"
            if let model = try? BradleyTerry(.init(l2Penalty: 0.01)).fit(battles), !finite(model.parameters) {
                return .accepted("NOT FINITE \(model.parameters)")
            }
            return .accepted(summary)
        } catch {
            return .rejected("\(error)")
        }
    }

    static let softLabels = """
    winner,loser,probability,weight
    a,b,0.8,1
    b,c,0.6,2
    c,a,0.3,1
    a,c,0.5,1
    b,d,0.9,1
    d,a,0.2,0.5

    """

    static func soft(_ url: URL) -> FuzzTarget.Outcome {
        do {
            let data = try ProbabilisticComparisons(softLabelCSVFile: url)
            let summary = "\(data.items) \(data.first) \(data.second) \(data.labels) \(data.weights)"
            for variance in [ThurstonianVariance.shared, .perItem] {
                if let fit = try? ThurstonianFitter(variance: variance).fit(data) {
                    if !finite(fit.model.means) || !finite(fit.model.standardDeviations) || !fit.report.logLikelihood.isFinite {
                        return .accepted("NOT FINITE \(fit.model)")
                    }
                    _ = ThurstonianDiagnostics(model: fit.model, data: data)
                }
            }
            return .accepted(summary)
        } catch {
            return .rejected("\(error)")
        }
    }

    static let svoAnswers = """
    respondent,item,option
    r1,1,3
    r1,2,4
    r1,3,5
    r1,4,2
    r1,5,7
    r1,6,3
    r2,1,9
    r2,2,1
    r2,3,5
    r2,4,5
    r2,5,5
    r2,6,5

    """

    static func svo(_ url: URL) -> FuzzTarget.Outcome {
        do {
            let responses = try SVOResponseSet(csvFile: url)
            for r in responses.respondents {
                if let fit = try? SVOFitter().fit(responses.choices(of: r)), !fit.model.angleDegrees.isFinite {
                    return .accepted("NOT FINITE angle for \(r.name)")
                }
            }
            return .accepted("\(responses.respondents.map(\.name)) \(responses.respondents.map(\.trials))")
        } catch {
            return .rejected("\(error)")
        }
    }

    static func users(_ url: URL) -> FuzzTarget.Outcome {
        var table = UserTable()
        do {
            let ids = try table.readUserColumn(url)
            return .accepted("\(ids) \(table.names)")
        } catch {
            return .rejected("\(error)")
        }
    }

    static func groups(_ url: URL) -> FuzzTarget.Outcome {
        do {
            let groups = try UserGroups.load(url)
            return .accepted("\(groups.groupNames) \(groups.groupOfUser.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })")
        } catch {
            return .rejected("\(error)")
        }
    }

    /// A float32 [6, 3] array and a float64 [5] array, as numpy writes them.
    static func npySeeds() -> [[UInt8]] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-npy-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let a = folder.appendingPathComponent("a.npy"), b = folder.appendingPathComponent("b.npy")
        try! NumPyFile.write(Tensor<Float>(shape: [6, 3], scalars: (0..<18).map { Float($0) / 7 - 1 }), to: a)
        try! NumPyFile.write(Tensor<Double>((0..<5).map { Double($0) * 0.25 }), to: b)
        return [Array(try! Data(contentsOf: a)), Array(try! Data(contentsOf: b))]
    }

    static func npyVariants(_ bytes: [UInt8]) -> [(name: String, bytes: [UInt8])] {
        // The same array under a version 2.0 header (4-byte header length), as numpy writes large headers.
        guard bytes.count > 10, bytes[6] == 1 else { return [] }
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        let header = Array(bytes[10..<(10 + headerLength)])
        var padded = header.dropLast().filter { $0 != 0x20 } + []
        while (12 + padded.count + 1) % 64 != 0 { padded.append(0x20) }
        padded.append(0x0A)
        let length = padded.count
        let v2 = Array(bytes[0..<6]) + [2, 0, UInt8(length & 255), UInt8(length >> 8 & 255), 0, 0] + padded + Array(bytes[(10 + headerLength)...])
        return [("version 2.0 header", v2)]
    }

    static func npy(_ url: URL) -> FuzzTarget.Outcome {
        do {
            let array = try NumPyFile.read(url)
            let tensor: Tensor<Double> = try NumPyFile.readTensor(url)
            let summary = "\(array.shape) \(tensor.scalars)"
            if tensor.rank == 2, tensor.shape[0] >= 2, tensor.shape[1] >= 1, finite(tensor.scalars) {
                // As features of a reward head: chosen = the array, rejected = its rows reversed.
                let rows = tensor.shape[0], d = tensor.shape[1]
                let rejected = Tensor<Double>(shape: [rows, d], scalars: (0..<rows).flatMap { r in tensor.scalars[((rows - 1 - r) * d)..<((rows - r) * d)] })
                if let pairs = try? FeaturePairs<Double>(chosen: tensor, rejected: rejected),
                   let fit = try? LinearRewardHead<Double>.fit(FeaturePairsView(pairs), objective: BradleyTerryObjective(l2Penalty: 0.1)),
                   !finite(fit.weights) {
                    return .accepted("NOT FINITE head \(fit.weights)")
                }
            }
            return .accepted(summary)
        } catch {
            return .rejected("\(error)")
        }
    }

    static let featureJSONL = """
    {"chosen": [1, 0.5, -1], "rejected": [0, 1, 0.25], "user": "u1", "margin": 1}
    {"chosen": [0.1, 0.2, 0.3], "rejected": [1, -1, 0], "user": "u2", "margin": 0.5}
    {"chosen": [2, 0, 0], "rejected": [0, 0, 2], "user": "u1", "margin": 2}
    {"chosen": [0, 0, 1], "rejected": [0, 1, 0], "user": 7, "margin": 0}

    """

    static func featurePairs(_ url: URL) -> FuzzTarget.Outcome {
        do {
            let pairs = try FeaturePairs<Float>.loadJSONL(url)
            let summary = "\(pairs.chosen.scalars) \(pairs.rejected.scalars) \(pairs.userIDs ?? []) \(pairs.margins ?? [])"
            if let fit = try? LinearRewardHead<Float>.fit(FeaturePairsView(pairs), objective: BradleyTerryObjective(l2Penalty: 0.1)),
               !finite(fit.weights) {
                return .accepted("NOT FINITE head \(fit.weights)")
            }
            return .accepted(summary)
        } catch {
            return .rejected("\(error)")
        }
    }

    /// Every committed model-file fixture of every family, and the safetensors fixtures.
    static func modelSeeds(extension wanted: String) -> [[UInt8]] {
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        var seeds: [[UInt8]] = []
        for folder in ["FeatureModelsTests/Fixtures", "ItemModelsTests/Fixtures", "FileFormatsTests/Fixtures"] {
            let url = tests.appendingPathComponent(folder)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: url.path))?.sorted() ?? [] where name.hasSuffix(wanted) && !name.hasPrefix("predictions") {
                seeds.append(Array(try! Data(contentsOf: url.appendingPathComponent(name))))
            }
        }
        return seeds
    }

    /// Safetensors exports of every model-file fixture that has one (the safetensors fixtures of
    /// FileFormats hold raw tensors, which `LoadedModel` rightly rejects).
    static func safeTensorsSeeds() -> [[UInt8]] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-st-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var seeds: [[UInt8]] = []
        for (k, bytes) in modelSeeds(extension: ".rkmodel").enumerated() {
            let source = folder.appendingPathComponent("m\(k).rkmodel"), export = folder.appendingPathComponent("m\(k).safetensors")
            try! Data(bytes).write(to: source)
            guard let file = try? ModelFile.read(from: source), let loaded = try? LoadedModel<Float>(modelFile: file) else { continue }
            let tensors: SafeTensorsFile
            switch loaded {
            case .rewardHead(let head): tensors = head.safeTensors()
            case .featureGPM(let gpm): tensors = gpm.safeTensors()
            case .maxMinEM(let mixture): tensors = mixture.safeTensors()
            case .palA(let pal): tensors = pal.safeTensors()
            case .palB(let pal): tensors = pal.safeTensors()
            default: continue
            }
            guard (try? tensors.write(to: export)) != nil else { continue }
            seeds.append(Array(try! Data(contentsOf: export)))
        }
        return seeds + modelSeeds(extension: ".safetensors")
    }

    static func model(_ url: URL) -> FuzzTarget.Outcome {
        do {
            let loaded = try LoadedModel<Float>.load(from: url)
            switch loaded {
            case .rewardHead(let head):
                let d = head.dimension
                let rewards = head.rewards(Tensor<Float>(shape: [2, d], scalars: (0..<(2 * d)).map { Float($0 % 5) / 5 }))
                if !rewards.allSatisfy(\.isFinite) { return .accepted("NOT FINITE rewards \(rewards)") }
            case .itemBradleyTerry(let model):
                if !finite(model.parameters) { return .accepted("NOT FINITE \(model.parameters)") }
                _ = try? model.hessianIntervals()
            case .thurstonian(let model):
                if !finite(model.means) || !finite(model.standardDeviations) { return .accepted("NOT FINITE \(model)") }
            default: break
            }
            return .accepted(loaded.kind)
        } catch {
            return .rejected("\(error)")
        }
    }

    static let all: [FuzzTarget] = [
        FuzzTarget(name: "comparisons CSV", fileName: "comparisons.csv", seeds: [Array(comparisonCSV.utf8)],
                   variants: csvVariants, run: comparisons),
        FuzzTarget(name: "comparisons JSONL", fileName: "comparisons.jsonl", seeds: [Array(comparisonJSONL.utf8)],
                   variants: jsonlVariants, run: comparisons),
        FuzzTarget(name: "annotated comparisons", fileName: "annotated.csv", seeds: [Array(annotatedCSV.utf8)],
                   variants: csvVariants, run: annotated),
        FuzzTarget(name: "battles with covariates", fileName: "battles.csv", seeds: [Array(battles.utf8)],
                   variants: csvVariants, run: arena),
        FuzzTarget(name: "soft labels", fileName: "soft.csv", seeds: [Array(softLabels.utf8)], variants: csvVariants, run: soft),
        FuzzTarget(name: "SVO answers", fileName: "answers.csv", seeds: [Array(svoAnswers.utf8)], variants: csvVariants, run: svo),
        FuzzTarget(name: "users", fileName: "users.csv", seeds: [Array("user\nalice\nbob\n7\nalice\n".utf8)],
                   variants: csvVariants, run: users),
        FuzzTarget(name: "groups", fileName: "groups.csv", seeds: [Array("user,group\nalice,g1\nbob,g2\n7,g1\n".utf8)],
                   variants: csvVariants, run: groups),
        FuzzTarget(name: ".npy arrays", fileName: "features.npy", seeds: npySeeds(), variants: npyVariants, run: npy),
        FuzzTarget(name: "feature pairs JSONL", fileName: "pairs.jsonl", seeds: [Array(featureJSONL.utf8)],
                   variants: { _ in [] }, run: featurePairs),
        FuzzTarget(name: "model files", fileName: "model.rkmodel", seeds: modelSeeds(extension: ".rkmodel"),
                   variants: { _ in [] }, run: model),   // predictions.rkmodel is another kind's fixture
        FuzzTarget(name: "safetensors", fileName: "model.safetensors", seeds: safeTensorsSeeds(),
                   variants: { _ in [] }, run: model, seedsLoad: false),
        FuzzTarget(name: "rankings CSV", fileName: "rankings.csv", seeds: [Array(rankingCSV.utf8)], variants: csvVariants, run: rankings),
        FuzzTarget(name: "rankings JSONL", fileName: "rankings.jsonl", seeds: [Array(rankingJSONL.utf8)],
                   variants: jsonlVariants, run: rankings),
    ]
}
