import Foundation
import RewardKit

// Ranking files (`RankingSet`, `rewardkit fit plackett-luce --rankings`): loaded, then fitted by
// Plackett–Luce with and without Davidson–Luce ties, with Hessian intervals.
extension FuzzTargets {
    static let rankingCSV = """
    ranking,item,rank,unranked,weight,ranker
    1,a,1,0,1,u1
    1,b,2,0,1,u1
    1,c,2,0,1,u1
    1,d,4,0,1,u1
    2,d,1,0,2,u2
    2,a,2,0,2,u2
    2,b,,1,2,u2
    3,c,1,0,1,u1
    3,b,2,0,1,u1
    3,a,3,0,1,u1
    4,b,1,0,0.5,u3
    4,d,2,0,0.5,u3

    """

    static let rankingJSONL = """
    {"ranking": ["a", ["b", "c"], "d"], "ranker": "u1", "weight": 1}
    {"ranking": ["d", "a"], "unranked": ["b"], "weight": 2}
    {"ranking": ["c", "b", "a"]}
    {"ranking": ["b", "d"], "ranker": "u3", "weight": 0.5}

    """

    static func rankings(_ url: URL) -> FuzzTarget.Outcome {
        do {
            let set = try RankingSet.load(contentsOf: url)
            let summary = "\(set.items) \(set.placeItems) \(set.placeBounds) \(set.rankingBounds) \(set.unrankedItems) \(set.weights)"
            for ties in PlackettLuce.TieModel.allCases {
                do {
                    let model = try PlackettLuce(.init(l2Penalty: 0.01, ties: ties)).fit(set)
                    let intervals = try? model.hessianIntervals()
                    if !finite(model.strengths + model.logTieParameters) || !model.report.logLikelihood.isFinite
                        || !(intervals?.standardErrors.allSatisfy { $0?.isFinite ?? true } ?? true) {
                        return .accepted("NOT FINITE: \(model.strengths) \(model.report.logLikelihood)")
                    }
                } catch {
                    continue   // a typed fit error (e.g. Davidson–Luce on data without ties) is fine
                }
            }
            return .accepted(summary)
        } catch {
            return .rejected("\(error)")
        }
    }
}
