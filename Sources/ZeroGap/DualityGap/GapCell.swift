/// One measured cell of the duality-gap table (MATH.md §9): a network class (activation, architecture, depth), a
/// training problem on one instance (minimum-norm interpolation, or the regularised squared loss at β), its primal
/// value, its dual value, and how each was obtained.
///
/// `primal` is always an **attained** value (a closed form, the objective of a network recovered from a convex
/// program, or the best network found by training), so it is at least the true minimum P; `dual` is always a
/// **certified** lower bound (a closed form or a dual-feasible value), so it is at most the true dual D ≤ P. The
/// measured `gap = primal − dual` is therefore at least the true gap P − D: a gap measured within `tolerance` proves
/// the true gap is as small; a larger one is the measured value (for trained primals it may also be training's
/// shortfall — `primalMethod` says which).
public struct GapCell: Sendable {
  public enum Verdict: String, Sendable, Codable {
    case zero
    case nonZero = "non-zero"
  }

  public var activation: Activation
  public var architecture: NetworkArchitecture
  public var depth: Int
  /// The regularisation strength, nil for minimum-norm interpolation.
  public var beta: Double?
  public var primal: Double
  public var dual: Double
  public var primalMethod: String
  public var dualMethod: String
  /// Relative tolerance of the verdict: zero iff gap ≤ tolerance · max(1, |primal|).
  public var tolerance: Double
  /// A short description of the data (e.g. "X = I₂, Y = diag(3, 1)" or a file name).
  public var instance: String

  public init(
    activation: Activation, architecture: NetworkArchitecture, depth: Int, beta: Double?, primal: Double, dual: Double,
    primalMethod: String, dualMethod: String, tolerance: Double, instance: String
  ) {
    self.activation = activation
    self.architecture = architecture
    self.depth = depth
    self.beta = beta
    self.primal = primal
    self.dual = dual
    self.primalMethod = primalMethod
    self.dualMethod = dualMethod
    self.tolerance = tolerance
    self.instance = instance
  }

  /// `primal − dual` (≥ 0 up to rounding).
  public var gap: Double { primal - dual }

  public var verdict: Verdict { gap <= tolerance * Swift.max(1, Swift.abs(primal)) ? .zero : .nonZero }

  /// `{"activation", "architecture", "depth", "beta", "primal", "dual", "gap", "verdict", "tolerance",
  /// "primal_method", "dual_method", "instance"}` (beta null for minimum-norm interpolation).
  public var json: JSON {
    .object([
      "activation": .string(activation.rawValue), "architecture": .string(architecture.rawValue),
      "depth": .number(Double(depth)), "beta": .number(beta), "primal": .number(primal), "dual": .number(dual),
      "gap": .number(gap), "verdict": .string(verdict.rawValue), "tolerance": .number(tolerance),
      "primal_method": .string(primalMethod), "dual_method": .string(dualMethod), "instance": .string(instance),
    ])
  }
}

extension GapCell {
  /// A few lines: the cell, the instance, primal, dual and gap with their methods and the verdict.
  public var text: String {
    let problem = beta.map { "regularised squared loss, β = \(shortNumber($0))" } ?? "minimum-norm interpolation"
    var out = "\(activation.rawValue) \(architecture.rawValue) network, depth \(depth), \(problem)\n"
    if !instance.isEmpty { out += "data: \(instance)\n" }
    out += "primal " + tableCell(primal, width: 15) + "   " + primalMethod + "\n"
    out += "dual   " + tableCell(dual, width: 15) + "   " + dualMethod + "\n"
    out += "gap    " + tableCell(gap, width: 15) + "   " + verdict.rawValue + " (tolerance \(shortNumber(tolerance)) relative)"
    return out
  }
}

/// Why a gap could not be measured (bad data, a cell not implemented, a failed solve): one line for the user.
public struct DualityGapError: Error, CustomStringConvertible, Sendable {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}
