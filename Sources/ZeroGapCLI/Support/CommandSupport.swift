import ArgumentParser
import Foundation
import ZeroGap

/// Exit codes of the commands (documented in `zerogap fit --help` and the README).
enum ZeroGapExit {
  /// The fit ran but its certified relative gap is above `--tol` (model still written, with its gap).
  static let notCertified = ExitCode(3)
}

/// Two-class labels mapped to {−1, +1} for the classification losses (MATH.md §3.8; the smaller value becomes
/// −1, see `ConvexReLUEstimator.ClassLabels`), saying so on stderr unless quiet. Unchanged for the squared loss.
func classificationLabels(_ y: [Double], loss: ConvexLoss, quiet: Bool) throws -> [Double] {
  guard loss != .squared else { return y }
  let (classes, encoded) = try ConvexReLUEstimator.ClassLabels.encoding(y, loss: loss)
  if !quiet && classes != .signs { FileHandle.standardError.write(Data("note: \(classesText(classes)) for the \(loss.rawValue) loss\n".utf8)) }
  return encoded
}

/// "labels 0 → −1, 1 → +1".
func classesText(_ c: ConvexReLUEstimator.ClassLabels) -> String {
  "labels \(shortNumber(c.negative)) → −1, \(shortNumber(c.positive)) → +1"
}

/// 1.0 → "1", 0.5 → "0.5" (labels).
func shortNumber(_ x: Double) -> String {
  x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(describing: x)
}

/// The progress line of long solves (stderr): iteration, objective, certified gap, time.
@Sendable func printProgress(_ p: ConvexSolverProgress) {
  let objective = p.objective.isFinite ? formatNumber(p.objective) : "– (no feasible network yet)"
  let gap = p.relativeGap.isFinite ? formatScientific(p.relativeGap) : "–"
  let line = "iteration \(p.iteration)  objective \(objective)  certified gap \(gap)  \(formatFixed(p.seconds, decimals: 2)) s\n"
  FileHandle.standardError.write(Data(line.utf8))
}

/// A run-time failure of a command. Every command lets its errors propagate: ArgumentParser prints a
/// `ValidationError` with the usage (exit 64) and any other error as one `Error: …` line (exit 1).
struct CommandFailure: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

/// A line on stderr (notes, progress, the one `Error:` line of a command that exits with a code of its own).
func printError(_ s: String) {
  FileHandle.standardError.write(Data((s + "\n").utf8))
}
