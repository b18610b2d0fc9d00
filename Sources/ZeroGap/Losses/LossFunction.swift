/// A convex, separable loss ℓ(ŷ, y) = Σ_j ℓ_j(ŷ_j) as the solvers and certificates use it (MATH.md §0, §3.4, §3.5,
/// §3.8): its value, gradient and curvature, its Fenchel conjugate through the dual piece `−ℓ*(−v)`, and the best
/// scaling of a dual point into the dual feasible set.
///
/// Conformances: `ConvexLoss` (the serialisable selector the CLI and model files name: squared, logistic, hinge) and
/// `SolverLoss` (what a solver minimises: a `ConvexLoss`, Huber-smoothed or centred). A new loss is a new
/// conformance plus a case of `ConvexLoss`.
protocol LossFunction: Sendable {
  /// Lipschitz constant of ∇ℓ in ŷ (∞ when not smooth).
  var smoothness: Double { get }
  /// ℓ(ŷ, y).
  func value(_ yhat: UnsafeBufferPointer<Double>, _ y: UnsafeBufferPointer<Double>) -> Double
  /// ℓ(ŷ, y), with ∇ℓ(ŷ) written into `gradient` (a subgradient where ℓ is not differentiable).
  func valueAndGradient(
    _ yhat: UnsafeBufferPointer<Double>, _ y: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>
  ) -> Double
  /// `ℓ(a) − ℓ(b) − ⟨∇ℓ(b), a − b⟩ ≥ 0`, computed entrywise without cancellation.
  func bregman(_ a: UnsafeBufferPointer<Double>, _ b: UnsafeBufferPointer<Double>, _ y: UnsafeBufferPointer<Double>) -> Double
  /// The diagonal of ∇²ℓ(ŷ) (nil when ℓ is not twice differentiable or its Hessian is not diagonal).
  func curvature(_ yhat: [Double], _ y: [Double]) -> [Double]?
  /// The candidate dual point `v = −∇ℓ(ŷ)` (§3.5).
  func dualPoint(_ yhat: [Double], _ y: [Double]) -> [Double]
  /// The dual piece `−ℓ*(−v)` (the conjugate); −∞ outside its domain.
  func dualValue(_ v: [Double], _ y: [Double]) -> Double
  /// The best `s ∈ [0, maxScale]` for the dual point `s·v` and its dual value `−ℓ*(−s v)`.
  func bestDualScaling(_ v: [Double], _ y: [Double], maxScale: Double) -> (scale: Double, value: Double)
  /// Where the rows are (sums over samples are reduced with it).
  var rows: RowReduction { get }
}

extension LossFunction {
  /// Where the rows are (sums over samples are reduced with it); one process unless a `SolverLoss` says otherwise.
  var rows: RowReduction { .local }

  /// ℓ(ŷ, y) for arrays.
  func value(_ yhat: [Double], _ y: [Double]) -> Double {
    precondition(yhat.count == y.count)
    return yhat.withUnsafeBufferPointer { p in y.withUnsafeBufferPointer { q in value(p, q) } }
  }
}

extension ConvexLoss: LossFunction {}
extension SolverLoss: LossFunction {}
