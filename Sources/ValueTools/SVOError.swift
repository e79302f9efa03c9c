import FileFormats
import PreferenceData

/// Why SVO responses were rejected: the respondent, item and option concerned, and where in the
/// input file (when there is one).
public enum SVOError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An option outside 1…`optionCount` of the item.
    case optionOutOfRange(respondent: String?, item: Int, option: Int, optionCount: Int)
    /// An item number the measure does not have.
    case unknownItem(respondent: String?, item: Int, itemCount: Int)
    /// The same item answered twice in one trial.
    case duplicateAnswer(respondent: String?, trial: Int, item: Int)
    /// A trial that does not answer every item exactly once.
    case incompleteAnswers(respondent: String?, expected: Int, found: Int)
    /// No choices to fit or evaluate.
    case noChoices
    /// A malformed response file (wrong header, non-integer field, unreadable file), located by
    /// file and line.
    case data(DataError)
    /// A problem with a specific line of a response file: the file, the 1-based line and the
    /// underlying error.
    indirect case atLine(file: String, line: Int, SVOError)

    /// The error in words, for messages.
    public var description: String {
        func who(_ respondent: String?) -> String { respondent.map { "respondent '\($0)', " } ?? "" }
        switch self {
        case .optionOutOfRange(let r, let item, let option, let count):
            return "\(who(r))item \(item): option \(option) is outside 1...\(count)"
        case .unknownItem(let r, let item, let count):
            return "\(who(r))item \(item) is outside 1...\(count)"
        case .duplicateAnswer(let r, let trial, let item):
            return "\(who(r))trial \(trial): item \(item) is answered more than once"
        case .incompleteAnswers(let r, let expected, let found):
            return "\(who(r))\(found) items answered, expected \(expected)"
        case .noChoices:
            return "no choices to fit"
        case .data(let error):
            return error.description
        case .atLine(let file, let line, let inner):
            return "\(file), line \(line): \(inner)"
        }
    }
}
