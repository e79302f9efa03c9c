import FileFormats
import NumericCore

/// A fitted noisy Bradley–Terry model (the result of ``NoisyBradleyTerry/fit(_:)``): centered item
/// strengths, every annotator's reliability and bias, and the fit's report.
public struct NoisyBradleyTerryModel: Sendable {
    /// Item names, in index order.
    public let items: [String]
    /// Centered strengths θ (Σθ = 0).
    public let strengths: [Double]
    /// One entry per annotator, in the data's annotator order.
    public let annotators: [AnnotatorReliability]
    /// η̄, the population reliability (the pooled fit's η, or the fixed prior's mode; 1 for `.perfect`).
    public let populationReliability: Double
    /// β̄, the pooled position bias (nil when the data do not record the item shown first).
    public let populationBias: Double?
    /// The hyperparameters of the fit.
    public let configuration: NoisyBradleyTerry.Configuration
    /// Iterations (both stages), objective, log-likelihood, gradient and stop reason (solver `.lbfgs`).
    public let report: BradleyTerryFitReport
    /// The number of records fitted.
    public let comparisonCount: Int
    /// The plain Bradley–Terry strengths the fit started from (centered).
    public let plainStrengths: [Double]

    /// The strength of `item`, if the model knows it.
    public func strength(of item: String) -> Double? {
        items.firstIndex(of: item).map { strengths[$0] }
    }

    /// P(i ≻ j) = σ(θ_i − θ_j) for a careful, unbiased annotator.
    public func probability(preferring i: Int, over j: Int) -> Double {
        Double.sigmoid(strengths[i] - strengths[j])
    }

    /// `item,strength` CSV rows, strongest first.
    public func strengthsCSV() -> String {
        var writer = CSVWriter(header: ["item", "strength"])
        for i in strengths.indices.sorted(by: { strengths[$0] > strengths[$1] }) {
            writer.appendRecord([items[i], "\(strengths[i])"])
        }
        return writer.text
    }

    /// `annotator,reliability,bias,labels,flag` CSV rows in annotator order; `bias` is empty when
    /// the data do not record the item shown first.
    public func annotatorsCSV() -> String {
        var writer = CSVWriter(header: ["annotator", "reliability", "bias", "labels", "flag"])
        for a in annotators {
            writer.appendRecord([a.name, "\(a.reliability)", a.bias.map { "\($0)" } ?? "", "\(a.labels)", a.flag.rawValue])
        }
        return writer.text
    }
}
