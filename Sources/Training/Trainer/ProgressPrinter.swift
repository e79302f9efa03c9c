import Foundation

/// A ``TrainingObserver`` that shows training progress on standard error: a redrawn bar when
/// standard error is a terminal, plain lines otherwise (one per epoch, and one at most every
/// 5 seconds within an epoch).
public final class ProgressPrinter: TrainingObserver {
    /// The name in front of every line.
    public let label: String
    /// Whether standard error is a terminal (a redrawn bar) or not (plain lines).
    public let isTerminal = isatty(2) != 0
    private var epochs = 1
    private var started = 0.0
    private var lastDraw = 0.0
    private var lastLine = 0.0

    /// A printer whose lines start with `label`.
    public init(label: String) { self.label = label }

    private func now() -> Double { Date().timeIntervalSince1970 }
    private func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }

    /// Prints a header line with the pairs, epochs and steps (plain output only).
    public func trainingWillStart(epochs: Int, stepsPerEpoch: Int, pairs: Int) {
        self.epochs = epochs
        started = now()
        lastLine = started
        if !isTerminal { write("\(label): training on \(pairs) pairs, \(epochs) epochs × \(stepsPerEpoch) steps\n") }
    }

    /// Redraws the bar (terminal) or prints a line at most every 5 seconds.
    public func trainerDidStep(epoch: Int, step: Int, stepsPerEpoch: Int, loss: Double) {
        let t = now()
        let inEpoch = (step - 1) % stepsPerEpoch + 1
        if isTerminal {
            guard t - lastDraw > 0.1 || inEpoch == stepsPerEpoch else { return }
            lastDraw = t
            let total = epochs * stepsPerEpoch
            let width = 30
            let filled = min(width, Int(Double(step) / Double(max(total, 1)) * Double(width)))
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            write(String(format: "\r\(label) [\(bar)] epoch %d/%d step %d/%d loss %.4f", epoch, epochs, inEpoch, stepsPerEpoch, loss))
        } else if t - lastLine >= 5 {
            lastLine = t
            write(String(format: "\(label): epoch %d/%d step %d/%d loss %.4f (%.1f s)\n", epoch, epochs, inEpoch, stepsPerEpoch, loss, t - started))
        }
    }

    /// Prints the epoch's training loss, and the validation loss and accuracy when known.
    public func trainerDidFinishEpoch(_ record: EpochRecord) {
        var line = String(format: "\(label): epoch %d/%d train loss %.4f", record.epoch, epochs, record.trainLoss)
        if let v = record.validationLoss, let a = record.validationAccuracy {
            line += String(format: ", validation loss %.4f accuracy %.4f", v, a)
        }
        line += String(format: " (%.2f s)", record.elapsedSeconds)
        if isTerminal { write("\r\u{1B}[2K" + line + "\n") } else { write(line + "\n") }
        lastLine = now()
    }

    /// Prints the stop reason and the kept epoch when training stopped before the last epoch.
    public func trainingDidFinish(_ report: FitReport) {
        if report.stopReason != .completedEpochs {
            write("\(label): stopped (\(report.stopReason)), keeping epoch \(report.selectedEpoch)\n")
        }
    }
}
