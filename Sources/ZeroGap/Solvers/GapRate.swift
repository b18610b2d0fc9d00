import RealModule

/// The recent linear rate of a certified relative gap, to predict how many more iterations a first-order solver needs:
/// what decides whether a Newton phase (`KernelNewton`) is worth its cost before the iterations have earned it.
///
/// With gaps g₀ (at iteration i₀, `window` records back) and g (at i), the rate is ρ = log(g₀/g)/(i − i₀) per
/// iteration and the prediction to a tolerance τ < g is log(g/τ)/ρ — infinite when the gap did not fall. First-order
/// methods usually speed up as the support settles, so the prediction errs on the long side: a caller should spend
/// on it only what a robust method (one that cannot waste its steps) costs.
struct GapRate {
  /// Records between the two gaps of the rate.
  let window: Int
  private var history: [(iteration: Int, gap: Double)] = []

  init(window: Int) {
    self.window = Swift.max(1, window)
    history.reserveCapacity(self.window + 2)
  }

  /// Records the gap at an iteration (non-finite gaps are skipped).
  mutating func record(iteration: Int, gap: Double) {
    guard gap.isFinite, gap > 0 else { return }
    history.append((iteration, gap))
    if history.count > window + 1 { history.removeFirst(history.count - window - 1) }
  }

  /// The iterations still needed to reach `tolerance`: nil before `window + 1` records, 0 at the tolerance,
  /// infinity when the gap did not fall over the window.
  func remaining(to tolerance: Double) -> Double? {
    guard history.count > window, let last = history.last, let first = history.first else { return nil }
    guard last.gap > tolerance else { return 0 }
    let span = Double(last.iteration - first.iteration)
    guard span > 0, first.gap > last.gap else { return .infinity }
    return Double.log(last.gap / tolerance) / (Double.log(first.gap / last.gap) / span)
  }
}
