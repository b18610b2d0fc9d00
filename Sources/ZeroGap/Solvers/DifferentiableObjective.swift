/// A smooth (or almost-everywhere differentiable) objective over a flat parameter vector θ,
/// with a hand-written gradient. Nonconvex network training (deep linear, ReLU) implements this
/// so that every optimiser and the multi-start trainer serve all models.
public protocol DifferentiableObjective: Sendable {
  /// Length of θ.
  var parameterCount: Int { get }

  /// Returns f(θ) and writes ∇f(θ) into `gradient` (already sized `parameterCount`).
  /// Implementations must not allocate per call where the model permits (hot loop).
  func valueAndGradient(_ parameters: [Double], gradient: inout [Double]) -> Double

  /// A random starting point (e.g. a scaled Gaussian initialisation), drawn from `generator`.
  func initialParameters(using generator: inout SeededGenerator) -> [Double]
}

extension DifferentiableObjective {
  /// f(θ) alone.
  public func value(_ parameters: [Double]) -> Double {
    var g = [Double](repeating: 0, count: parameterCount)
    return valueAndGradient(parameters, gradient: &g)
  }
}
