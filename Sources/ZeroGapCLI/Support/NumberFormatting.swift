import Foundation
import ZeroGap

/// Number formats of the CLI's text output (JSON output keeps full precision).

/// A general number: up to 9 decimals for magnitudes in [1e-3, 1e7), else scientific with 3 significant
/// decimals (`6.170e-07`), never a 17-digit `String(describing:)` tail.
func formatNumber(_ x: Double) -> String {
  if x == 0 { return "0" }
  if !x.isFinite { return String(describing: x) }
  let magnitude = abs(x)
  if magnitude >= 1e-3 && magnitude < 1e7 {
    let s = (x * 1e9).rounded() / 1e9
    return String(describing: s)
  }
  return formatScientific(x, digits: 3)
}

/// Scientific notation with `digits` decimals of the mantissa: `formatScientific(6.170000000000001e-07)` = `6.17e-07`.
/// Gaps and relative gaps are printed this way.
func formatScientific(_ x: Double, digits: Int = 2) -> String {
  guard x.isFinite else { return String(describing: x) }
  return String(format: "%.\(max(0, digits))e", x)
}

/// Fixed-point with `decimals` decimals (objectives and bounds in the demo).
func formatFixed(_ x: Double, decimals: Int = 6) -> String {
  guard x.isFinite else { return String(describing: x) }
  return String(format: "%.\(max(0, decimals))f", x)
}

/// What a convex solve did, for the text output: "100 iterations", or "100 iterations and 6 Newton steps" when it
/// also factored (`ConvexSolverReport.newtonSteps`).
func iterationsText(_ report: ConvexSolverReport) -> String {
  let steps = report.newtonSteps ?? 0
  return "\(report.iterations) iterations" + (steps > 0 ? " and \(steps) Newton step\(steps == 1 ? "" : "s")" : "")
}
