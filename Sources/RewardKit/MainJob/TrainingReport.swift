import Foundation
import RewardKitInternals

/// The comparison table and the report folder of `rewardkit train`.
public enum TrainingReport {
    /// The comparison table printed by `train`.
    public static func table(_ outcomes: [TrainingOutcome], oracle: Double?) -> String {
        func pad(_ s: String, _ n: Int) -> String { s.padded(to: n) }
        func left(_ s: String, _ n: Int) -> String { s.padded(to: n, alignment: .right) }
        let hasGroups = outcomes.contains { $0.evaluation?.byGroup != nil }
        var lines = [pad("model", 14) + left("test acc", 10) + left("log-loss", 10) + left("ECE", 8) + left("Brier", 8)
                     + (hasGroups ? left("worst group", 20) : "") + left("fit s", 9)]
        lines.append(String(repeating: "-", count: lines[0].count))
        for o in outcomes {
            guard let e = o.evaluation else { continue }
            var line = pad(o.name, 14) + left(String(format: "%.4f", e.accuracy), 10) + left(String(format: "%.4f", e.logLoss), 10)
                + left(String(format: "%.4f", e.expectedCalibrationError), 8) + left(String(format: "%.4f", e.brierScore), 8)
            if hasGroups {
                let worst = e.byGroup?.worst.map { "\($0.name) " + String(format: "%.3f", $0.accuracy) } ?? "–"
                line += left(worst, 20)
            }
            line += left(String(format: "%.3f", o.fitSeconds), 9)
            lines.append(line)
        }
        if let oracle { lines.append(pad("(oracle)", 14) + left(String(format: "%.4f", oracle), 10)) }
        return lines.joined(separator: "\n")
    }

    /// Writes summary.json and the SVG plots (learning curves, reliability, accuracy by group) into `folder`.
    public static func write(_ outcomes: [TrainingOutcome], context: TrainingContext, to folder: URL) throws {
        var models = [JSONValue]()
        for o in outcomes {
            var entry: [String: JSONValue] = ["name": .string(o.name), "summary": .string(o.summary), "fit_seconds": .number(o.fitSeconds),
                                              "files": .array(o.files.map { .string($0) })]
            if let e = o.evaluation { entry["test"] = e.jsonValue }
            if let report = o.fitReport {
                entry["learning_curve"] = HeadTraining.learningCurve(report)
                entry["stop_reason"] = .string(report.stopReason.rawValue)
            }
            for (key, value) in o.details { entry[key] = value }
            // Enum values as lowercase snake_case, as in every report (`gradient_tolerance_reached`, `early_stopping`).
            if let reason = entry["stop_reason"]?.stringValue { entry["stop_reason"] = .string(snakeCase(reason)) }
            entry["evaluated_on"] = "test"
            models.append(.object(entry))
        }
        var data: [String: JSONValue] = [
            "folder": .string(context.dataFolder.path),
            "train_pairs": .number(Double(context.fit.count)), "validation_pairs": .number(Double(context.validation.count)),
            "test_pairs": .number(Double(context.test.count)), "dimension": .number(Double(context.fit.dimension)),
        ]
        if let oracle = context.oracleTestAccuracy { data["oracle_test_accuracy"] = .number(oracle) }
        let summary: JSONValue = .object(["data": .object(data), "seed": .number(Double(context.seed)), "models": .array(models),
                                          "blas": .string("\(BLASRuntime.coreName), \(BLASRuntime.threadCount) threads")])
        try AtomicFileWriter.write(summary.serialized(pretty: true) + "\n", to: folder.appendingPathComponent("summary.json"))

        var curves = LineChart(title: "Learning curves (minibatch models)", xLabel: "epoch", yLabel: "loss (mean −log σ)")
        for (k, o) in outcomes.enumerated() {
            guard let report = o.fitReport, !report.epochs.isEmpty else { continue }
            curves.add(.init(name: "\(o.name) train", points: report.epochs.map { (Double($0.epoch), $0.trainLoss) }, colorIndex: k))
            let validation = report.epochs.compactMap { r in r.validationLoss.map { (Double(r.epoch), $0) } }
            if !validation.isEmpty { curves.add(.init(name: "\(o.name) validation", points: validation, dashed: true, colorIndex: k)) }
        }
        if !curves.series.isEmpty { try curves.write(to: folder.appendingPathComponent("learning-curves.svg")) }

        let evaluated = outcomes.compactMap { o in o.evaluation.map { (name: o.name, curve: $0.reliability) } }
        if !evaluated.isEmpty {
            try ReliabilityDiagram(title: "Calibration on the test pairs", curves: evaluated)
                .write(to: folder.appendingPathComponent("reliability.svg"))
        }
        var bars = [BarChart.Bar]()
        for (k, o) in outcomes.enumerated() {
            guard let e = o.evaluation else { continue }
            bars.append(.init(label: o.name, value: e.accuracy, colorIndex: k))
            for g in e.byGroup?.groups ?? [] { bars.append(.init(label: "\(o.name) \(g.name)", value: g.accuracy, colorIndex: k)) }
        }
        if !bars.isEmpty {
            let reference = context.oracleTestAccuracy.map { [(label: "oracle", value: $0)] } ?? []
            try BarChart(title: "Test accuracy (overall and by group)", yLabel: "accuracy", bars: bars, yRange: 0...1,
                         referenceLines: reference).write(to: folder.appendingPathComponent("accuracy.svg"))
        }
    }
}

/// `gradientToleranceReached` → `gradient_tolerance_reached`, `early-stopping` → `early_stopping`
/// (already lowercase text is unchanged): the one spelling rule of report keys and enum values.
package func snakeCase(_ text: String) -> String {
    var out = ""
    for (i, c) in text.enumerated() {
        if c.isUppercase {
            if i > 0 { out += "_" }
            out += c.lowercased()
        } else if c == "-" || c == " " {
            out += "_"
        } else {
            out.append(c)
        }
    }
    return out
}
