import Foundation
import TestSupport
import Testing
@testable import FileFormats
@testable import PreferenceData
@testable import ValueTools

@Suite("SVO slider measure")
struct SVOMeasureTests {
    /// The published primary items (Murphy, Ackermann & Handgraaf 2011), as transcribed in two
    /// independent public implementations of the measure (a jsPsych slider plugin and an oTree
    /// app's `svo_choices.csv`), which agree: (self payoffs, other payoffs) per item.
    static let published: [([Double], [Double])] = [
        ([85, 85, 85, 85, 85, 85, 85, 85, 85], [85, 76, 68, 59, 50, 41, 33, 24, 15]),
        ([85, 87, 89, 91, 93, 94, 96, 98, 100], [15, 19, 24, 28, 33, 37, 41, 46, 50]),
        ([50, 54, 59, 63, 68, 72, 76, 81, 85], [100, 98, 96, 94, 93, 91, 89, 87, 85]),
        ([50, 54, 59, 63, 68, 72, 76, 81, 85], [100, 89, 79, 68, 58, 47, 36, 26, 15]),
        ([100, 94, 88, 81, 75, 69, 63, 56, 50], [50, 56, 63, 69, 75, 81, 88, 94, 100]),
        ([100, 98, 96, 94, 93, 91, 89, 87, 85], [50, 54, 59, 63, 68, 72, 76, 81, 85]),
    ]

    @Test func roundingHalfUpReproducesThePublishedSheet() {
        let items = SVOSliderMeasure.primary.items
        #expect(items.count == 6)
        for (i, item) in items.enumerated() {
            #expect(item.options.map(\.selfPayoff) == Self.published[i].0, "item \(i + 1) self payoffs")
            #expect(item.options.map(\.otherPayoff) == Self.published[i].1, "item \(i + 1) other payoffs")
        }
    }

    @Test func otherRoundingRulesDoNotReproduceTheSheet() {
        // Round-half-to-even and rounding toward the start endpoint both differ somewhere, so the
        // sheet pins down the half-up rule.
        func sheet(_ round: (Double, Double, Double) -> Double) -> [([Double], [Double])] {
            SVOSliderMeasure.primary.items.map { item in
                let s = (0..<9).map { k in round(item.first.selfPayoff + Double(k) / 8 * (item.last.selfPayoff - item.first.selfPayoff), item.first.selfPayoff, item.last.selfPayoff) }
                let o = (0..<9).map { k in round(item.first.otherPayoff + Double(k) / 8 * (item.last.otherPayoff - item.first.otherPayoff), item.first.otherPayoff, item.last.otherPayoff) }
                return (s, o)
            }
        }
        let even = sheet { x, _, _ in x.rounded(.toNearestOrEven) }
        let towardStart = sheet { x, a, b in
            let f = x.rounded(.down)
            guard x - f == 0.5 else { return x.rounded() }
            return a < b ? f : f + 1
        }
        let differs: ([([Double], [Double])]) -> Bool = { s in
            zip(s, Self.published).contains { $0.0.0 != $0.1.0 || $0.0.1 != $0.1.1 }
        }
        #expect(differs(even))
        #expect(differs(towardStart))
        #expect(!differs(sheet { x, _, _ in SVOSliderItem.roundHalfUp(x) }))
    }

    @Test func allLeftAndAllRightAngles() throws {
        let svo = SVOSliderMeasure.primary
        // All left: mean self 470/6, mean other 400/6.
        let left = try svo.angle(options: [1, 1, 1, 1, 1, 1])
        #expect(Tolerance.isClose(left, atan((400.0 / 6 - 50) / (470.0 / 6 - 50)) * 180 / .pi))
        #expect(abs(left - 30.4655) < 1e-4)
        #expect(try svo.category(options: [1, 1, 1, 1, 1, 1]) == .prosocial)
        // All right: mean self 490/6, mean other 350/6.
        let right = try svo.angle(options: [9, 9, 9, 9, 9, 9])
        #expect(abs(right - 14.7436) < 1e-4)
        #expect(try svo.category(options: [9, 9, 9, 9, 9, 9]) == .individualistic)
    }

    /// Ideal-type answer patterns. The angles 61.39° (altruist), −7.82° (individualist) and
    /// −16.26° (competitor) are the values Murphy et al. (2011) quote for these patterns; they are
    /// recomputed here from the item payoffs (mean self/other 70/86.67, 92.5/44.17, 90/38.33).
    @Test func idealTypeAngles() throws {
        let svo = SVOSliderMeasure.primary
        let altruist = [1, 9, 1, 1, 9, 9]
        let individualist = [9, 9, 9, 9, 1, 1]
        let competitor = [9, 1, 9, 9, 1, 1]
        #expect(abs(try svo.angle(options: altruist) - 61.39) < 0.005)
        #expect(abs(try svo.angle(options: individualist) - -7.82) < 0.005)
        #expect(abs(try svo.angle(options: competitor) - -16.26) < 0.005)
        #expect(try svo.category(options: altruist) == .altruistic)
        #expect(try svo.category(options: individualist) == .individualistic)
        #expect(try svo.category(options: competitor) == .competitive)
        // A 90° utility maximizer gives exactly the altruist pattern; a −45° one the competitor's.
        #expect(svo.maximizingOptions(angleDegrees: 90) == altruist)
        #expect(svo.maximizingOptions(angleDegrees: -45) == competitor)
    }

    @Test func categoryBoundaries() {
        #expect(SVOCategory(angleDegrees: 57.16) == .altruistic)
        #expect(SVOCategory(angleDegrees: 57.15) == .prosocial)
        #expect(SVOCategory(angleDegrees: 22.46) == .prosocial)
        #expect(SVOCategory(angleDegrees: 22.45) == .individualistic)
        #expect(SVOCategory(angleDegrees: -12.03) == .individualistic)
        #expect(SVOCategory(angleDegrees: -12.04) == .competitive)
        #expect(SVOCategory(angleDegrees: -40) == .competitive)
    }

    @Test func angleUsesAtan2Consistently() {
        // With mean self > 50, atan2 equals the published atan; it also covers mean self < 50.
        let a = SVOSliderMeasure.angle(of: [SVOAllocation(80, 70)])
        #expect(Tolerance.isClose(a, atan(20.0 / 30) * 180 / .pi))
        let b = SVOSliderMeasure.angle(of: [SVOAllocation(40, 90)])
        #expect(Tolerance.isClose(b, 180 - atan(40.0 / 10) * 180 / .pi))
    }

    @Test func responseFileValidation() throws {
        let good = """
        respondent,item,option
        ann,1,1
        ann,2,9
        ann,3,1
        ann,4,1
        ann,5,9
        ann,6,9
        bob,1,5
        bob,2,5
        bob,3,5
        bob,4,5
        bob,5,5
        bob,6,5
        """
        let set = try SVOResponseSet(csv: good, source: "good.csv")
        #expect(set.respondents.map(\.name) == ["ann", "bob"])
        #expect(set.respondents[0].trials == [[1, 9, 1, 1, 9, 9]])
        #expect(abs(set.angles(of: set.respondents[0])[0] - 61.39) < 0.005)

        func failure(_ text: String) -> SVOError? {
            do {
                _ = try SVOResponseSet(csv: text, source: "bad.csv")
                return nil
            } catch {
                return error
            }
        }
        #expect(failure("respondent,item,option\nann,1,10\n")
                == .atLine(file: "bad.csv", line: 2, .optionOutOfRange(respondent: "ann", item: 1, option: 10, optionCount: 9)))
        #expect(failure("respondent,item,option\nann,1,0\n")
                == .atLine(file: "bad.csv", line: 2, .optionOutOfRange(respondent: "ann", item: 1, option: 0, optionCount: 9)))
        #expect(failure("respondent,item,option\nann,7,3\n")
                == .atLine(file: "bad.csv", line: 2, .unknownItem(respondent: "ann", item: 7, itemCount: 6)))
        #expect(failure("respondent,item,option\nann,1,3\nann,1,4\n")
                == .atLine(file: "bad.csv", line: 3, .duplicateAnswer(respondent: "ann", trial: 1, item: 1)))
        #expect(failure("respondent,item,option\nann,1,3\nann,2,4\n")
                == .atLine(file: "bad.csv", line: 2, .incompleteAnswers(respondent: "ann", expected: 6, found: 2)))
        #expect(failure("respondent,item,option\nann,one,3\n")
                == .data(DataError(file: "bad.csv", line: 2, reason: .invalidValue("item 'one' is not an integer"))))
        #expect(failure("respondent,item\nann,1\n") == .data(DataError(file: "bad.csv", line: 1, reason: .missingColumn("option"))))
        #expect(throws: SVOError.self) { try SVOSliderMeasure.primary.angle(options: [1, 2, 3]) }
        #expect(throws: SVOError.optionOutOfRange(respondent: nil, item: 2, option: 12, optionCount: 9)) {
            try SVOSliderMeasure.primary.angle(options: [1, 12, 3, 4, 5, 6])
        }
    }

    @Test func trialsAreGroupedAndPooled() throws {
        var text = "respondent,trial,item,option\n"
        for trial in 1...2 {
            for item in 1...6 { text += "r,\(trial),\(item),\(trial == 1 ? 1 : 9)\n" }
        }
        let set = try SVOResponseSet(csv: text)
        #expect(set.respondents[0].trials == [[1, 1, 1, 1, 1, 1], [9, 9, 9, 9, 9, 9]])
        let angles = set.angles(of: set.respondents[0])
        #expect(abs(angles[0] - 30.4655) < 1e-4 && abs(angles[1] - 14.7436) < 1e-4)
        // Pooled: mean self (470 + 490)/12 = 80, mean other (400 + 350)/12 = 62.5.
        #expect(Tolerance.isClose(set.pooledAngle(of: set.respondents[0]), atan(12.5 / 30) * 180 / .pi))
        #expect(set.choices(of: set.respondents[0]).count == 12)
    }
}
