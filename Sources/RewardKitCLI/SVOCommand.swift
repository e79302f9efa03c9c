import ArgumentParser
import Foundation
import RewardKit
import RewardKitInternals

/// `rewardkit svo`: Social Value Orientation of each respondent from slider answers.
struct SVO: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "svo",
        abstract: "Score SVO slider answers: angle, category and the fitted SVO reward model (θ, β) per respondent.",
        discussion: """
        The responses file is CSV with a header: respondent,item,option (items 1–6 of the primary \
        SVO slider measure, options 1–9 from left to right) and an optional trial column for \
        repeated answers. The SVO angle is atan((mean other − 50)/(mean self − 50)) over each \
        trial's six answers (pooled over trials when there are several); categories: altruistic \
        > 57.15°, prosocial (22.45°, 57.15°], individualistic (−12.04°, 22.45°], competitive \
        ≤ −12.04°. θ and β are the maximum-likelihood angle and rationality of the reward model \
        u = cos θ·self + sin θ·other with softmax choices over each slider's nine options \
        (penalty λβ²/2, λ = --l2). With --target, each respondent is also evaluated as an agent \
        asked to hold that value.
        """
    )

    @Option(help: "Responses CSV (respondent,item,option[,trial]).")
    var responses: String

    @Option(help: "Target value: altruistic, prosocial, individualistic, competitive, or an angle in degrees.")
    var target: String?

    @OptionGroup(title: "Penalty (λ on β(cos θ, sin θ), default 1e-3; keeps β finite for perfectly consistent answers)")
    var penalty: PenaltyOptions

    @OptionGroup(title: "Report") var reportOptions: ReportOptions

    var l2: Double { penalty.l2 ?? 1e-3 }

    func validate() throws {
        if let target, ValueTarget(parsing: target) == nil {
            throw ValidationError("--target must be altruistic, prosocial, individualistic, competitive or an angle in degrees, got '\(target)'")
        }
    }

    struct RespondentReport: Codable {
        var respondent: String
        var trials: Int
        var angleDegrees: Double
        var trialAngles: [Double]
        var category: SVOCategory
        var theta: Double
        var thetaStandardError: Double?
        var beta: Double
        var betaStandardError: Double?
        var choicesAreSeparable: Bool
        var consistentAngles: SVOFit.AngleInterval?
        var evaluation: ValueAlignmentEvaluator.Result?
    }

    struct Report: Codable {
        var responses: String
        var target: ValueTarget?
        var l2Penalty: Double
        var respondents: [RespondentReport]
    }

    func run() throws {
        let set = try SVOResponseSet(csvFile: URL(fileURLWithPath: responses))
        let fitter = SVOFitter(l2Penalty: l2)
        let valueTarget = target.flatMap { ValueTarget(parsing: $0) }
        var reports = [RespondentReport]()
        for respondent in set.respondents {
            let trialAngles = set.angles(of: respondent)
            let angle = respondent.trials.count == 1 ? trialAngles[0] : set.pooledAngle(of: respondent)
            let fit = try fitter.fit(set.choices(of: respondent))
            let evaluation = try valueTarget.map {
                try ValueAlignmentEvaluator(target: $0, measure: set.measure, fitter: fitter).evaluate(trials: respondent.trials)
            }
            reports.append(RespondentReport(
                respondent: respondent.name, trials: respondent.trials.count, angleDegrees: angle, trialAngles: trialAngles,
                category: SVOCategory(angleDegrees: angle), theta: fit.angleDegrees,
                thetaStandardError: fit.angleStandardError.isFinite ? fit.angleStandardError : nil,
                beta: fit.rationality,
                betaStandardError: fit.rationalityStandardError.isFinite ? fit.rationalityStandardError : nil,
                choicesAreSeparable: fit.choicesAreSeparable, consistentAngles: fit.consistentAngles, evaluation: evaluation))
        }

        let width = max(10, reports.map(\.respondent.count).max() ?? 0)
        func pad(_ s: String, _ w: Int) -> String { s.padded(to: w) }
        func lpad(_ s: String, _ w: Int) -> String { s.padded(to: w, alignment: .right) }
        func se(_ x: Double?) -> String { x.map { String(format: "%.2f", $0) } ?? "—" }
        print("\(pad("respondent", width))  trials    angle  category         θ (°)    ±SE       β     ±SE")
        for r in reports {
            let betaText = String(format: "%.3f", r.beta) + (r.choicesAreSeparable ? "*" : " ")
            print("\(pad(r.respondent, width))  \(lpad(String(r.trials), 6))  \(lpad(String(format: "%.2f°", r.angleDegrees), 7))  "
                  + "\(pad(r.category.rawValue, 15))  \(lpad(String(format: "%.2f", r.theta), 6))  \(lpad(se(r.thetaStandardError), 6))  "
                  + "\(lpad(betaText, 7))  \(lpad(r.betaStandardError.map { String(format: "%.3f", $0) } ?? "—", 6))")
        }
        let separable = reports.filter(\.choicesAreSeparable)
        if !separable.isEmpty {
            print("* answers fully consistent with a range of angles: the maximum-likelihood β is infinite (the value shown is set by --l2 = \(l2)),")
            print("  and θ is only bounded to the range of angles whose utility-maximizing answers these are:")
            for r in separable {
                if let arc = r.consistentAngles {
                    print("  \(r.respondent): θ ∈ [\(String(format: "%.2f", arc.lower))°, \(String(format: "%.2f", arc.upper))°]")
                }
            }
        }
        if let valueTarget {
            print("")
            print("Evaluation against target \(valueTarget) (θ* = \(valueTarget.angleDegrees)°, category \(valueTarget.category)):")
            print("\(pad("respondent", width))  mean |angle error|  category match  β* (θ fixed)  target utility share")
            for r in reports {
                guard let e = r.evaluation else { continue }
                print("\(pad(r.respondent, width))  \(lpad(String(format: "%.2f°", e.meanAbsoluteAngleError), 18))  "
                      + "\(lpad(String(format: "%.0f%%", 100 * e.categoryMatchRate), 14))  "
                      + "\(lpad(String(format: "%.3f", e.targetRationality), 12))  \(lpad(String(format: "%.3f", e.meanTargetUtilityShare), 20))")
            }
        }
        if reportOptions.report != nil {
            let encoded = try JSONValue(encoding: Report(responses: responses, target: valueTarget, l2Penalty: l2, respondents: reports))
            // snake_case keys; the camelCase keys of earlier reports stay alongside (deprecated).
            var json = snakeCaseKeys(encoded, keepingOriginal: true).objectValue ?? [:]
            json["command"] = "svo"
            // The target as plain values (its Codable form nests the enum's payload).
            let target: JSONValue = valueTarget.map {
                ["description": .string("\($0)"), "angle_degrees": .number($0.angleDegrees), "category": .string($0.category.rawValue)]
            } ?? .null
            json["target"] = target
            if var respondents = json["respondents"]?.arrayValue {
                for k in respondents.indices {
                    guard var entry = respondents[k].objectValue, var evaluation = entry["evaluation"]?.objectValue else { continue }
                    evaluation["target"] = target
                    entry["evaluation"] = .object(evaluation)
                    respondents[k] = .object(entry)
                }
                json["respondents"] = .array(respondents)
            }
            try reportOptions.write(.object(json))
        }
    }
}
