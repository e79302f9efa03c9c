// Cyclic preferences: Bradley–Terry versus the general preference model (GPM).
//
//   swift run -c release cyclic-preferences [--pairs N] [--epochs N]
//
// `--pairs N` sets the training pairs of part 2 (default 20,000; a quarter as many test pairs),
// `--epochs N` the epochs of both heads (default 10).
//
// Part 1 — items. Three groups (rock, paper, scissors) of five items: inside a group the order is
// transitive (item 1 beats item 2 beats …), across groups rock beats scissors beats paper beats rock.
// Every pair is compared four times and the prescribed winner wins with probability 0.9.
// Part 2 — features. 64-feature responses labelled by a hidden skew-symmetric form (like W4), fitted
// by a Bradley–Terry MLP reward head and by a feature-level GPM with the same trainer.
import RewardKit

var trainPairs = 20_000
var epochs = 10
var argumentList = Array(CommandLine.arguments.dropFirst())
while argumentList.count >= 2 {
    let flag = argumentList.removeFirst(), value = Int(argumentList.removeFirst()) ?? 0
    guard value > 0 else { break }
    if flag == "--pairs" { trainPairs = value } else if flag == "--epochs" { epochs = value }
}

// MARK: Part 1: a tournament of transitive groups that beat each other in a cycle

let groups = ["rock", "paper", "scissors"]
let size = 5
let names = groups.flatMap { g in (1...size).map { "\(g)-\($0)" } }
func group(_ i: Int) -> Int { i / size }
/// Whether item i should beat item j: transitive inside a group, rock ≻ scissors ≻ paper ≻ rock across.
func beats(_ i: Int, _ j: Int) -> Bool {
    if group(i) == group(j) { return i < j }
    return (group(i) + 2) % 3 == group(j)   // rock(0) ≻ scissors(2), paper(1) ≻ rock(0), scissors(2) ≻ paper(1)
}

var rng = SeededGenerator(seed: 2024)
var builder = ComparisonSet.Builder(items: names)
for i in 0..<names.count {
    for j in (i + 1)..<names.count {
        for _ in 0..<4 {
            let expected = beats(i, j)
            let iWins = rng.nextOpenUnit() < 0.9 ? expected : !expected
            try builder.append(winner: names[iWins ? i : j], loser: names[iWins ? j : i])
        }
    }
}
let tournament = builder.build()
let (dataCensus, dataCycles) = CyclicTriples.cycles(in: tournament)

let bt = try BradleyTerry().fit(tournament)
var btCorrect = 0
for k in 0..<tournament.count where bt.strengths[tournament.winners[k]] > bt.strengths[tournament.losers[k]] { btCorrect += 1 }
let btAccuracy = Double(btCorrect) / Double(tournament.count)

let gpm = try ItemGPM(configuration: GPMConfiguration(dimension: 4), restarts: 5, seed: 2024).fit(tournament)
let captured = CyclicTriples.captured(dataCycles, scoreMatrix: gpm.scoreMatrix())

print("Items: \(names.count) items in 3 rock-paper-scissors groups, \(tournament.count) comparisons")
print("  cyclic triples in the data (majority direction): \(dataCensus.cyclic) of \(dataCensus.triples)")
print("  Bradley–Terry  training accuracy \(fraction(btAccuracy))   cyclic triples captured: 0 (a scalar score has none)")
print("  GPM (2k = 4)   training accuracy \(fraction(gpm.accuracy(on: tournament)))   cyclic triples captured: \(captured) of \(dataCensus.cyclic)")
print("  P(rock-1 ≻ scissors-1) = \(fraction(try gpm.probability(preferring: "rock-1", over: "scissors-1"))),"
      + " P(scissors-1 ≻ paper-1) = \(fraction(try gpm.probability(preferring: "scissors-1", over: "paper-1"))),"
      + " P(paper-1 ≻ rock-1) = \(fraction(try gpm.probability(preferring: "paper-1", over: "rock-1")))")

// MARK: Part 2: features labelled by a hidden skew-symmetric form

let data = SyntheticFeaturePairs.cyclic(Float.self, trainCount: trainPairs, testCount: trainPairs / 4, itemCount: 1_000,
                                        dimension: 64, blockCount: 2, strength: 10, seed: 7)
let trainView = FeaturePairsView(data.train), testView = FeaturePairsView(data.test)

func accuracy<M: PairwiseTrainable>(_ model: M, _ pairs: FeaturePairsView<M.Scalar>) -> Double {
    PairwiseTrainer.evaluate(model, on: pairs).accuracy
}

var headRNG = SeededGenerator(seed: 1)
let btHead = MLPRewardHead<Float>(inputSize: 64, hiddenSizes: [128], using: &headRNG)
// Learned eigenvalues start at λ = τ and sharpen as they grow (fixed λ = 1 at τ = 0.1 is sharp from the
// first step and can stall; see Docs/GPM.md).
let gpmHead = FeatureGPM<Float>(featureCount: 64, hiddenSizes: [128],
                                configuration: GPMConfiguration(dimension: 4, temperature: 0.1, eigenvalues: .learned), using: &headRNG)
let fittedBT = fit(btHead, on: trainView, epochs: epochs, seed: 3)
let fittedGPM = fit(gpmHead, on: trainView, epochs: epochs, seed: 3)

// Cyclic triples among 300 distinct test responses: the true tournament versus the GPM's.
let responses = Tensor<Float>.concatenate([data.test.chosen, data.test.rejected])
var seen = Set<[Float]>(), distinct = [Int]()
for i in 0..<responses.rowCount where distinct.count < 300 && seen.insert(responses.rowArray(i)).inserted { distinct.append(i) }
let pool = responses.gatherRows(distinct)
let poolDouble = Tensor<Double>(shape: pool.shape, scalars: pool.scalars.map(Double.init))
var truthScores = Tensor<Double>.zeros(shape: [300, 300])
for i in 0..<300 {
    let others = Array(0..<300)
    let s = data.truth.logits(poolDouble.gatherRows(Array(repeating: i, count: 300)), poolDouble.gatherRows(others))
    for j in 0..<300 where j != i { truthScores[i, j] = s[j] }
}
let truthCensus = CyclicTriples.census(scoreMatrix: truthScores)
let modelScores = fittedGPM.scoreMatrix(pool)
let modelCensus = CyclicTriples.census(scoreMatrix: modelScores)
var agree = 0, total = 0
for i in 0..<300 { for j in (i + 1)..<300 { total += 1; if (truthScores[i, j] > 0) == (modelScores[i, j] > 0) { agree += 1 } } }

print("Features: 64-dim responses, \(data.train.count) training / \(data.test.count) test pairs, hidden skew-symmetric form (oracle test accuracy \(fraction(data.oracleTestAccuracy)))")
print("  Bradley–Terry MLP head  test accuracy \(fraction(accuracy(fittedBT, testView)))")
print("  GPM (2k = 4)            test accuracy \(fraction(accuracy(fittedGPM, testView)))")
print("  cyclic triples among 300 distinct test responses: true tournament \(truthCensus.cyclic) of \(truthCensus.triples),"
      + " GPM \(modelCensus.cyclic); GPM agrees with the true direction on \(fraction(Double(agree) / Double(total))) of pairs")

func fraction(_ x: Double) -> String {
    let scaled = Int((x * 1000).rounded())
    return "\(scaled / 1000).\(String(scaled % 1000).leftPadded(to: 3))"
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
