import Foundation
import TestSupport
import Testing
@testable import FileFormats
@testable import ItemModels
@testable import NumericCore
@testable import PreferenceData
@testable import Reports
@testable import RewardKitInternals

/// Planted arena: 10 models, the first three with long answers (style mean 1.5 vs 0).
func plantedArena(count: Int, gamma: Double, seed: UInt64, nu: Double? = nil) -> (SyntheticArena.Sample, [Double]) {
    var rng = SeededGenerator(seed: seed)
    let theta = (0..<10).map { -1 + 2 * Double($0) / 9 }
    let means = (0..<10).map { $0 < 3 ? 1.5 : 0.0 }
    let sample = SyntheticArena.styleBattles(strengths: theta, styleMeans: means, styleCoefficient: gamma, count: count,
                                             davidsonNu: nu, using: &rng)
    let mean = theta.reduce(0, +) / 10
    return (sample, theta.map { $0 - mean })
}

@Test func styleControlRecoversPlantedParametersAndPlainFitDoesNot() throws {
    let (sample, truth) = plantedArena(count: 20_000, gamma: 0.8, seed: 11)
    let styled = try BradleyTerry().fit(sample.battles)
    let errors = try styled.hessianIntervals()
    let se = try #require(errors.coefficientStandardErrors[0])
    #expect(abs(styled.coefficients[0] - 0.8) <= 2 * se, "γ̂ = \(styled.coefficients[0]) ± \(se)")
    #expect(styled.report.converged)
    for i in 0..<10 {
        #expect(abs(styled.strengths[i] - truth[i]) <= 3 * errors.standardErrors[i]! + 1e-9,
                "θ[\(i)] = \(styled.strengths[i]) vs \(truth[i])")
    }
    let plain = try BradleyTerry().fit(ArenaBattles(sample.battles.comparisons))
    let plainError = (0..<10).map { abs(plain.strengths[$0] - truth[$0]) }.max()!
    #expect(plainError > 0.5, "plain fit error \(plainError)")
    // The verbose models are inflated by the plain fit.
    for i in 0..<3 { #expect(plain.strengths[i] - truth[i] > 0.4) }
}

@Test func davidsonStyleFitRecoversTieParameter() throws {
    let (sample, truth) = plantedArena(count: 20_000, gamma: 0.6, seed: 5, nu: 0.5)
    let model = try BradleyTerry(.init(ties: .davidson)).fit(sample.battles)
    let errors = try model.hessianIntervals()
    #expect(abs(model.coefficients[0] - 0.6) <= 2 * errors.coefficientStandardErrors[0]!)
    #expect(abs(model.logTieParameter! - log(0.5)) <= 3 * errors.tieStandardError!)
    for i in 0..<10 { #expect(abs(model.strengths[i] - truth[i]) <= 3 * errors.standardErrors[i]!) }
}

@Test func zeroCovariatesGiveThePlainBradleyTerryFit() throws {
    var rng = SeededGenerator(seed: 3)
    let theta = SyntheticComparisons.strengths(count: 12, using: &rng)
    let set = SyntheticComparisons.comparisons(strengths: theta, count: 3000, outcomes: .davidson(nu: 0.4), using: &rng)
    let zero = Tensor<Double>.zeros(shape: [set.count, 2])
    let battles = try ArenaBattles(set, covariateNames: ["a", "b"], values: zero)
    for ties in [BradleyTerry.TieModel.halfWins, .davidson] {
        let arena = try BradleyTerry(.init(l2Penalty: 0.01, ties: ties)).fit(battles)
        let reference = try BradleyTerry(.init(l2Penalty: 0.01, ties: ties, solver: .newtonCholesky)).fit(set)
        #expect(Tolerance.maxAbsDifference(arena.strengths, reference.strengths) < 1e-8)
        #expect(arena.coefficients == [0, 0])
        let arenaErrors = try arena.hessianIntervals()
        #expect(arenaErrors.coefficientStandardErrors == [nil, nil])
        #expect(Tolerance.isClose(arena.report.logLikelihood, reference.report.logLikelihood, rtol: 1e-12))
        if ties == .davidson { #expect(abs(arena.logTieParameter! - reference.logTieParameter!) < 1e-8) }
        let referenceSE = try reference.hessianIntervals().standardErrors
        #expect(Tolerance.maxAbsDifference(arenaErrors.standardErrors.map { $0! }, referenceSE.map { $0! }) < 1e-8)
    }
}

func randomContestData(seed: UInt64, ties: Bool) -> AggregatedComparisons {
    var rng = SeededGenerator(seed: seed)
    let n = 5, k = 2, rows = 14
    var f: [Int32] = [], s: [Int32] = [], c: [Double] = [], a: [Double] = [], b: [Double] = [], t: [Double] = []
    for u in 0..<rows {
        let i = u % n, j = (u / n + i + 1) % n
        f.append(Int32(min(i, j))); s.append(Int32(max(i, j)))
        c += [rng.nextNormal(), rng.nextNormal()]
        a.append(Double(Int.random(in: 0...5, using: &rng))); b.append(Double(Int.random(in: 0...5, using: &rng)))
        t.append(ties ? Double(Int.random(in: 0...3, using: &rng)) : 0)
    }
    return AggregatedComparisons(itemCount: n, first: f, second: s, firstWins: a, secondWins: b, ties: t,
                                 covariateCount: k, covariates: c)
}

func checkDerivatives<L: PairLikelihood>(_ objective: PairedComparisonObjective<L>, at x: [Double]) {
    let gradientError = FiniteDifference.check({ objective.value($0) }, gradient: { objective.evaluate($0).gradient }, at: x)
    #expect(gradientError < 1e-7, "gradient error \(gradientError)")
    let evaluation = objective.evaluate(x)
    let hessian = objective.denseHessian(evaluation)
    let dim = objective.dimension
    // The Hessian-vector product and the diagonal agree with the dense Hessian.
    let v = (0..<dim).map { Double($0 % 3) - 0.7 }
    let product = objective.hessianVectorProduct(evaluation, v)
    for r in 0..<dim {
        var dense = 0.0
        for q in 0..<dim { dense += hessian.scalars[r * dim + q] * v[q] }
        #expect(abs(product[r] - dense) <= 1e-10 * max(1, abs(dense)), "Hv row \(r): \(product[r]) vs \(dense)")
        #expect(abs(evaluation.hessianDiagonal[r] - hessian.scalars[r * dim + r]) <= 1e-10 * max(1, abs(hessian.scalars[r * dim + r])))
    }
    for q in 0..<dim {
        let column = FiniteDifference.gradient(of: { objective.evaluate($0).gradient[q] }, at: x)
        let analytic = (0..<dim).map { hessian.scalars[$0 * dim + q] }
        let error = FiniteDifference.relativeError(analytic: analytic, numeric: column)
        #expect(error < 1e-6, "Hessian column \(q) error \(error)")
    }
}

@Test func covariateObjectiveGradientAndHessianMatchFiniteDifferences() {
    for seed: UInt64 in [1, 2] {
        var rng = SeededGenerator(seed: seed + 100)
        let logistic = PairedComparisonObjective<LogisticPairLikelihood>(data: randomContestData(seed: seed, ties: false),
                                                                          l2Penalty: 0.3, covariatePenalty: 0.2)
        for scale in [0.5, 3.0] {
            checkDerivatives(logistic, at: (0..<logistic.dimension).map { _ in scale * rng.nextNormal() })
        }
        let davidson = PairedComparisonObjective<DavidsonPairLikelihood>(data: randomContestData(seed: seed, ties: true),
                                                                          l2Penalty: 0.1)
        var x = (0..<davidson.dimension).map { _ in rng.nextNormal() }
        x[davidson.dimension - 1] = -0.4
        checkDerivatives(davidson, at: x)
        let raoKupper = PairedComparisonObjective<RaoKupperPairLikelihood>(data: randomContestData(seed: seed, ties: true),
                                                                            l2Penalty: 0)
        x[raoKupper.dimension - 1] = 0.7
        checkDerivatives(raoKupper, at: x)
    }
}

@Test func bootstrapCoverageIsNearNominal() throws {
    var covered = 0, total = 0
    for dataset: UInt64 in 0..<12 {
        var rng = SeededGenerator(seed: 1000 + dataset)
        let theta = SyntheticComparisons.strengths(count: 8, using: &rng)
        let mean = theta.reduce(0, +) / 8
        let set = SyntheticComparisons.comparisons(strengths: theta, count: 1500, using: &rng)
        let estimator = BradleyTerry()
        let model = try estimator.fit(ArenaBattles(set))
        let result = try estimator.bootstrapIntervals(set, model: model, samples: 200, level: 0.9, seed: dataset)
        #expect(result.method == .bootstrap(samples: 200, failed: 0, interval: .percentile))
        for i in 0..<8 {
            #expect(result.replicates?[i].used == 200)
            if let range = result.interval(i) {
                total += 1
                if range.contains(theta[i] - mean) { covered += 1 }
            }
        }
    }
    let coverage = Double(covered) / Double(total)
    #expect(total == 96)
    #expect(coverage >= 0.80 && coverage <= 0.98, "90% interval coverage \(coverage)")
}

@Test func degenerateReplicatesAreMarkedNotExtreme() throws {
    // Item "rare" plays 12 battles and wins only one: many replicates see it never win.
    var builder = ComparisonSet.Builder()
    var rng = SeededGenerator(seed: 9)
    let names = ["a", "b", "c", "d"]
    for _ in 0..<400 {
        let i = Int.random(in: 0..<4, using: &rng)
        var j = Int.random(in: 0..<3, using: &rng); if j >= i { j += 1 }
        try builder.append(winner: names[i], loser: names[j])
    }
    try builder.append(winner: "rare", loser: "a")
    for k in 0..<11 { try builder.append(winner: names[k % 4], loser: "rare") }
    let set = builder.build()
    let model = try BradleyTerry().fit(set)
    let result = try BradleyTerry().bootstrapIntervals(set, model: model, samples: 300, seed: 4)
    let rare = set.index(of: "rare")!
    let entry = try #require(result.replicates?[rare])
    #expect(entry.neverWon > 50, "never-won replicates \(entry.neverWon)")
    #expect(entry.used + entry.neverWon + entry.absent + entry.unbeaten == 300)
    let range = try #require(result.interval(rare))
    #expect(range.lowerBound > -8 && range.upperBound < 8, "interval \(range)")
    for i in 0..<4 { #expect(result.replicates?[i].used == 300) }

    // An item that never wins: λ = 0 is refused, λ > 0 fits and every replicate marks it.
    try builder.append(winner: "a", loser: "loser")
    try builder.append(winner: "b", loser: "loser")
    let withLoser = builder.build()
    #expect(throws: BradleyTerryError.self) { try BradleyTerry().fit(withLoser) }
    let penalizedEstimator = BradleyTerry(.init(l2Penalty: 0.1))
    let penalized = try penalizedEstimator.fit(withLoser)
    let marked = try penalizedEstimator.bootstrapIntervals(withLoser, model: penalized, samples: 50, seed: 1)
    let loser = withLoser.index(of: "loser")!
    let loserUse = try #require(marked.replicates?[loser])
    #expect(loserUse.used == 0)
    #expect(marked.interval(loser) == nil && marked.standardErrors[loser] == nil)
    #expect(loserUse.neverWon + loserUse.absent == 50)
}

@Test func bootstrapIsReproducibleAcrossThreadCounts() throws {
    let (sample, _) = plantedArena(count: 3000, gamma: 0.5, seed: 2, nu: 0.5)
    let estimator = BradleyTerry(.init(ties: .davidson))
    let model = try estimator.fit(sample.battles)
    let one = try estimator.bootstrapIntervals(sample.battles, model: model, samples: 40, seed: 7, threads: 1)
    let two = try estimator.bootstrapIntervals(sample.battles, model: model, samples: 40, seed: 7, threads: 2)
    #expect(one == two)
    let gamma = try #require(one.coefficientIntervals[0])
    #expect(gamma.contains(model.coefficients[0]))
    #expect(one.tieInterval != nil && one.tieStandardError != nil)
    let basicRun = try estimator.bootstrapIntervals(sample.battles, model: model, samples: 40, seed: 7, interval: .basic)
    let basic = try #require(basicRun.interval(0)), percentile = try #require(one.interval(0))
    #expect(abs((basic.lowerBound + percentile.upperBound) / 2 - model.strengths[0]) < 1e-12)
    #expect(basicRun.standardErrors == one.standardErrors)
}

@Test func binomialSamplerMomentsAndMultinomialTotal() {
    var rng = SeededGenerator(seed: 21)
    for (n, p) in [(1_000_000.0, 0.3), (50.0, 0.05), (5000.0, 0.9), (200.0, 0.5)] {
        let draws = (0..<4000).map { _ in binomialSample(trials: n, probability: p, using: &rng) }
        let mean = draws.reduce(0, +) / 4000
        let variance = draws.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 3999
        let sd = (n * p * (1 - p)).squareRoot()
        #expect(abs(mean - n * p) < 5 * sd / 4000.0.squareRoot(), "n \(n) p \(p) mean \(mean)")
        #expect(abs(variance / (sd * sd) - 1) < 0.12, "n \(n) p \(p) variance \(variance)")
        #expect(draws.allSatisfy { $0 >= 0 && $0 <= n && $0 == $0.rounded() })
    }
}

@Test func eloConversionAndAnchoringIdentities() {
    let factor = RatingScale.eloPointsPerLogit
    #expect(abs(factor - 173.71779276130073) < 1e-10)
    let elo = RatingConversion(scale: .elo(base: 1000))
    #expect(elo.rating(0) == 1000)
    #expect(abs(elo.rating(log(10.0)) - 1400) < 1e-9)
    let (ti, tj) = (0.7, -0.4)
    let p = elo.winProbability(rating: elo.rating(ti), over: elo.rating(tj))
    #expect(abs(p - Double.sigmoid(ti - tj)) < 1e-14)
    let chess = 1 / (1 + pow(10, (elo.rating(tj) - elo.rating(ti)) / 400))
    #expect(abs(p - chess) < 1e-14)
    let anchored = RatingConversion(scale: .elo(base: 1500), anchorStrength: tj, anchorRating: 1114)
    #expect(abs(anchored.rating(tj) - 1114) < 1e-12)
    #expect(abs((anchored.rating(ti) - anchored.rating(tj)) - factor * (ti - tj)) < 1e-9)
    #expect(abs(anchored.strength(anchored.rating(ti)) - ti) < 1e-14)
    let logit = RatingConversion(scale: .logit, anchorStrength: 0.3, anchorRating: 2)
    #expect(abs(logit.rating(0.3) - 2) < 1e-15 && abs(logit.rating(1.3) - 3) < 1e-15)
}

@Test func leaderboardCSVAndAnchor() throws {
    let (sample, _) = plantedArena(count: 2000, gamma: 0.5, seed: 8)
    let model = try BradleyTerry().fit(sample.battles)
    let anchor = model.index(of: "model05")!
    let conversion = RatingConversion(scale: .elo(base: 1000), anchorStrength: model.strengths[anchor], anchorRating: 1114)
    let board = Leaderboard(model: model, comparisons: sample.battles.comparisons, intervals: try model.hessianIntervals(),
                            conversion: conversion)
    #expect(board.intervalMethod == "hessian")
    let lines = board.ratingsCSV().split(separator: "\n")
    #expect(lines[0] == "rank,item,rating,lower,upper,battles")
    #expect(lines.count == 11)
    let row = try #require(board.entries.first { $0.item == "model05" })
    #expect(abs(row.rating - 1114) < 1e-9)
    let range = try #require(row.ratingInterval(conversion))
    #expect(range.lowerBound < row.rating && row.rating < range.upperBound)
    #expect(board.entries.map(\.battles).reduce(0, +) == 4000)
    let svg = LeaderboardChart.svg(board)
    #expect(svg.contains("<svg") && svg.contains("model05") && svg.hasSuffix("</svg>\n"))
    let heat = LeaderboardChart.heatmapSVG(items: ["model01", "model02"], scores: model.expectedScores([0, 1]))
    #expect(heat.contains("0.") && heat.hasSuffix("</svg>\n"))
    let scores = model.expectedScores(Array(0..<10))
    for a in 0..<10 { for b in 0..<10 where a != b { #expect(abs(scores[a, b] + scores[b, a] - 1) < 1e-12) } }
}

func writeTemporary(_ text: String, name: String) -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("arena-\(UUID().uuidString)-\(name)").path
    try! text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

@Test func csvCovariatesParseAndOrientFromTheWinner() throws {
    let path = writeTemporary("""
    winner,loser,tie,len_a,len_b,first
    x,y,0,300,100,1
    y,x,0,50,250,-1

    y,z,1,"10",30,1
    z,x,0,0,0,-1
    """, name: "ok.csv")
    let specs = try #require(CovariateSpecification.parseList("len_a:len_b,first"))
    #expect(specs == [.perAnswer(winnerColumn: "len_a", loserColumn: "len_b"), .battle(column: "first")])
    let battles = try ArenaBattles(csvFile: URL(fileURLWithPath: path), covariates: specs)
    #expect(battles.covariateNames == ["len_a:len_b", "first"])
    #expect(battles.covariates.scalars == [200, 1, -200, -1, -20, 1, 0, -1])
    let arena = try ArenaBattles(csvFile: URL(fileURLWithPath: path), covariates: specs, normalization: .arena)
    let relative = [200.0 / 401, -200.0 / 301, -20.0 / 41, 0]
    let rms = (relative.map { $0 * $0 }.reduce(0, +) / 4).squareRoot()
    for r in 0..<4 { #expect(abs(arena.covariates[r, 0] - relative[r] / rms) < 1e-12) }
    #expect(abs(arena.covariateScales[0] - rms) < 1e-12)
    #expect(abs(arena.covariates[0, 1] - 1) < 1e-12)
    // Rows are oriented to the smaller item index: "x beat y, x 200 longer" and "y beat x, x 200
    // longer" share one row (pattern (200, 1) for x) with two cells.
    let table = battles.outcomeTable
    #expect(table.rowCount == 3 && table.cellCount == 4)
    #expect(table.firstWins[0] == 1 && table.secondWins[0] == 1 && table.covariates[0] == 200 && table.covariates[1] == 1)
}

@Test func csvCovariateErrorsNameFileAndLine() throws {
    let path = writeTemporary("winner,loser,len_a,len_b\nx,y,1,2\ny,x,abc,2\n", name: "bad.csv")
    #expect(throws: DataError(file: path, line: 1, reason: .missingColumn("len_c"))) {
        try ArenaBattles(csvFile: URL(fileURLWithPath: path), covariates: [.perAnswer(winnerColumn: "len_a", loserColumn: "len_c")])
    }
    do {
        _ = try ArenaBattles(csvFile: URL(fileURLWithPath: path), covariates: [.perAnswer(winnerColumn: "len_a", loserColumn: "len_b")])
        Issue.record("a non-numeric value was accepted")
    } catch {
        #expect(error.file == path && error.line == 3)
        guard case .invalidValue(let detail) = error.reason else { Issue.record("reason \(error.reason)"); return }
        #expect(detail.contains("len_a") && detail.contains("abc"))
    }
    let infinite = writeTemporary("winner,loser,s\nx,y,inf\n", name: "inf.csv")
    #expect(throws: DataError.self) { try ArenaBattles(csvFile: URL(fileURLWithPath: infinite), covariates: [.battle(column: "s")]) }
    let negative = writeTemporary("winner,loser,a,b\nx,y,-3,1\n", name: "neg.csv")
    #expect(throws: DataError.self) {
        try ArenaBattles(csvFile: URL(fileURLWithPath: negative), covariates: [.perAnswer(winnerColumn: "a", loserColumn: "b")], normalization: .arena)
    }
    #expect(CovariateSpecification.parseList("a:") == nil)
    #expect(CovariateSpecification.parseList("a:b:c") == nil)
    #expect(CovariateSpecification.parseList("a,,b") == nil)
}

@Test func covariateFitsAgreeAcrossSolversAndLinks() throws {
    let (sample, _) = plantedArena(count: 4000, gamma: 0.6, seed: 12, nu: 0.4)
    for ties in [BradleyTerry.TieModel.halfWins, .davidson] {
        let cholesky = try BradleyTerry(.init(l2Penalty: 0.01, ties: ties, solver: .newtonCholesky)).fit(sample.battles)
        let truncated = try BradleyTerry(.init(l2Penalty: 0.01, ties: ties, solver: .truncatedNewton)).fit(sample.battles)
        #expect(cholesky.report.converged && truncated.report.converged)
        #expect(Tolerance.maxAbsDifference(cholesky.parameters, truncated.parameters) < 1e-7)
    }
    // The Thurstone link takes covariates too; its γ is on the probit scale (≈ γ_logit / 1.7).
    let probit = try BradleyTerry(.init(link: .thurstone)).fit(sample.battles)
    let logit = try BradleyTerry().fit(sample.battles)
    #expect(probit.report.converged)
    #expect(abs(probit.coefficients[0] * 1.7 - logit.coefficients[0]) < 0.1, "\(probit.coefficients) vs \(logit.coefficients)")
    // MM has no covariate step.
    #expect(throws: BradleyTerryError.self) { try BradleyTerry(.init(solver: .minorizationMaximization)).fit(sample.battles) }
}

@Test func covariateModelFilesRoundTrip() throws {
    let (sample, _) = plantedArena(count: 1500, gamma: 0.5, seed: 13, nu: 0.5)
    let battles = try ArenaBattles(sample.battles.comparisons, covariateNames: ["style"], values: sample.battles.covariates,
                                   normalization: .scaled)
    let model = try BradleyTerry(.init(ties: .davidson, covariatePenalty: 0.5)).fit(battles)
    let loaded = try BradleyTerryModel(modelFile: model.modelFile())
    #expect(loaded.parameters == model.parameters)
    #expect(loaded.covariateNames == ["style"] && loaded.covariateScales == model.covariateScales)
    #expect(loaded.normalization == .scaled && loaded.configuration == model.configuration)
    #expect(try loaded.hessianIntervals() == model.hessianIntervals())
}

@Test func extremeWeightsAndCovariatesGiveResultsOrTypedErrors() throws {
    // Weights beyond Int and near the top of Double: no trap in the fit, the table or the CSV.
    for weight in [1e19, 1e300] {
        var builder = ComparisonSet.Builder()
        try builder.append(winner: "a", loser: "b", weight: weight)
        try builder.append(winner: "b", loser: "a", weight: 1)
        try builder.append(winner: "b", loser: "c", weight: 1)
        try builder.append(winner: "c", loser: "a", weight: 1)
        let set = builder.build()
        let model = try BradleyTerry().fit(set)
        #expect(model.strengths.allSatisfy { $0.isFinite })
        let board = Leaderboard(model: model, comparisons: set, intervals: try? model.hessianIntervals())
        let table = board.formattedTable()
        #expect(table.contains("e+") && !table.contains("nan") && table.split(separator: "\n").allSatisfy { $0.count < 120 })
        #expect(board.ratingsCSV().split(separator: "\n").count == 4)
    }
    // A covariate of 1e200 overflows the Hessian: a typed error that says how to fix it; scaled, it fits.
    var rng = SeededGenerator(seed: 5)
    let set = SyntheticComparisons.comparisons(strengths: [0.5, 0, -0.5, 0.2], count: 200, using: &rng)
    var values = (0..<set.count).map { _ in rng.nextNormal() }
    values[0] = 1e200
    let raw = try ArenaBattles(set, covariateNames: ["s"], values: Tensor(shape: [set.count, 1], scalars: values))
    do {
        _ = try BradleyTerry().fit(raw)
        Issue.record("a 1e200 covariate was fitted")
    } catch {
        guard case .numericalFailure(let detail) = error else { Issue.record("error \(error)"); return }
        #expect(detail.contains("rescale"))
    }
    let scaled = try ArenaBattles(set, covariateNames: ["s"], values: Tensor(shape: [set.count, 1], scalars: values),
                                  normalization: .scaled)
    let scaledModel = try BradleyTerry().fit(scaled)
    #expect(scaledModel.parameters.allSatisfy { $0.isFinite })
}
