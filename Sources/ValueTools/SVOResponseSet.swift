import Foundation
import FileFormats
import PreferenceData

/// Answers to the SVO slider measure, grouped by respondent and trial, validated against the
/// measure.
///
/// CSV format: a header with `respondent,item,option` (any order, case-insensitive) and an
/// optional `trial` column (default 1); items are 1-based item numbers of the measure, options
/// 1…9. Every (respondent, trial) must answer each item exactly once. Respondents keep their
/// order of first appearance; trials are sorted by number.
public struct SVOResponseSet: Sendable, Hashable {
    /// One respondent's completed trials.
    public struct Respondent: Sendable, Hashable {
        /// The respondent's id as written in the data.
        public var name: String
        /// Trial numbers, ascending.
        public var trialNumbers: [Int]
        /// One option (1-based) per item for each trial, in item order.
        public var trials: [[Int]]
    }

    /// The measure the answers refer to.
    public var measure: SVOSliderMeasure
    /// The respondents, in order of first appearance.
    public var respondents: [Respondent]

    /// Validates complete answers given in memory (`trials[r][t][i]` = option for item i).
    public init(measure: SVOSliderMeasure = .primary, respondents: [(name: String, trials: [[Int]])]) throws(SVOError) {
        self.measure = measure
        var result = [Respondent]()
        for r in respondents {
            for t in r.trials {
                guard t.count == measure.items.count else {
                    throw SVOError.incompleteAnswers(respondent: r.name, expected: measure.items.count, found: t.count)
                }
                for (i, option) in t.enumerated() where !(option >= 1 && option <= measure.items[i].options.count) {
                    throw SVOError.optionOutOfRange(respondent: r.name, item: measure.items[i].number, option: option,
                                                    optionCount: measure.items[i].options.count)
                }
            }
            guard !r.trials.isEmpty else {
                throw SVOError.incompleteAnswers(respondent: r.name, expected: measure.items.count, found: 0)
            }
            result.append(Respondent(name: r.name, trialNumbers: Array(1..<(r.trials.count + 1)), trials: r.trials))
        }
        self.respondents = result
    }

    /// Loads a response CSV file.
    public init(csvFile url: URL, measure: SVOSliderMeasure = .primary) throws(SVOError) {
        let table: CSVTable
        do throws(DataError) { table = try CSVTable(url: url) } catch { throw SVOError.data(error) }
        try self.init(table: table, measure: measure)
    }

    /// Parses response CSV text; `source` names it in errors.
    public init(csv text: String, source: String = "<memory>", measure: SVOSliderMeasure = .primary) throws(SVOError) {
        let table: CSVTable
        do throws(DataError) { table = try CSVTable(text: text, source: source) } catch { throw SVOError.data(error) }
        try self.init(table: table, measure: measure)
    }

    init(table: CSVTable, measure: SVOSliderMeasure) throws(SVOError) {
        self.measure = measure
        let source = table.source
        let respondentColumn: Int, itemColumn: Int, optionColumn: Int
        do throws(DataError) {
            respondentColumn = try table.column("respondent")
            itemColumn = try table.column("item")
            optionColumn = try table.column("option")
        } catch { throw SVOError.data(error) }
        let trialColumn = table.optionalColumn("trial")
        let itemIndex = Dictionary(uniqueKeysWithValues: measure.items.enumerated().map { ($1.number, $0) })

        var order = [String]()
        // respondent → trial → (answers per item, first line of the trial)
        var answers = [String: [Int: (options: [Int?], line: Int)]]()
        for (line, fields) in table.rows {
            let name = fields[respondentColumn]
            let item: Int, option: Int, trial: Int
            do throws(DataError) {
                if name.isEmpty {
                    throw DataError(file: source, line: line, reason: .malformedLine("empty respondent id"))
                }
                item = try table.integer(fields[itemColumn], line: line, column: "item")
                option = try table.integer(fields[optionColumn], line: line, column: "option")
                trial = try trialColumn.map { c throws(DataError) in try table.integer(fields[c], line: line, column: "trial") } ?? 1
            } catch { throw SVOError.data(error) }
            guard let i = itemIndex[item] else {
                throw SVOError.atLine(file: source, line: line,
                                      .unknownItem(respondent: name, item: item, itemCount: measure.items.count))
            }
            let optionCount = measure.items[i].options.count
            guard option >= 1 && option <= optionCount else {
                throw SVOError.atLine(file: source, line: line,
                                      .optionOutOfRange(respondent: name, item: item, option: option, optionCount: optionCount))
            }
            if answers[name] == nil {
                answers[name] = [:]
                order.append(name)
            }
            var entry = answers[name]![trial] ?? (options: [Int?](repeating: nil, count: measure.items.count), line: line)
            if entry.options[i] != nil {
                throw SVOError.atLine(file: source, line: line, .duplicateAnswer(respondent: name, trial: trial, item: item))
            }
            entry.options[i] = option
            answers[name]![trial] = entry
        }
        var respondents = [Respondent]()
        for name in order {
            let trials = answers[name]!
            let numbers = trials.keys.sorted()
            var complete = [[Int]]()
            for t in numbers {
                let entry = trials[t]!
                let given = entry.options.compactMap { $0 }
                guard given.count == measure.items.count else {
                    throw SVOError.atLine(file: source, line: entry.line,
                                          .incompleteAnswers(respondent: name, expected: measure.items.count, found: given.count))
                }
                complete.append(given)
            }
            respondents.append(Respondent(name: name, trialNumbers: numbers, trials: complete))
        }
        self.respondents = respondents
    }

    /// Every answer of a respondent as nine-option choices (all trials).
    public func choices(of respondent: Respondent) -> [AllocationChoice] {
        var result = [AllocationChoice]()
        for trial in respondent.trials {
            for (i, option) in trial.enumerated() {
                result.append(AllocationChoice(options: measure.items[i].options, chosen: option - 1))
            }
        }
        return result
    }

    /// The SVO angle (degrees) of each of a respondent's trials.
    public func angles(of respondent: Respondent) -> [Double] {
        respondent.trials.map { trial in
            SVOSliderMeasure.angle(of: trial.enumerated().map { measure.items[$0.offset].options[$0.element - 1] })
        }
    }

    /// The SVO angle (degrees) of a respondent's answers pooled over trials (mean payoffs over
    /// all answered items).
    public func pooledAngle(of respondent: Respondent) -> Double {
        var all = [SVOAllocation]()
        for trial in respondent.trials {
            for (i, option) in trial.enumerated() { all.append(measure.items[i].options[option - 1]) }
        }
        return SVOSliderMeasure.angle(of: all)
    }
}
