/// A `GroupSparseProgram` that ADMM can split as `U = Z, 𝒳U = A` (MATH.md §3.3 in the splitting of
/// `ConeADMMSolver`): its lift applies the same map to every block (P_b = X u_b, so the U-step system
/// `I + ω𝒳ᵀ𝒳` is the d×d matrix `I + ω·liftGram`, factored once), and the loss plus the constraints on the products
/// have a cheap proximal step (`ProductProximal`).
///
/// Conformances: `ReLUBlockProgram` (the A-step decouples by rows, `ConeRowProjection`), and in the tests the
/// non-negative lasso (its A-step is a small non-negative QP).
protocol SplittableProgram: GroupSparseProgram {
  associatedtype ProductStep: ProductProximal
  /// 𝒳ᵀ𝒳 on one block (d×d; XᵀX).
  var liftGram: Matrix { get }
  /// The data scale that sets the initial ADMM penalty (ρ₀ = β/(scale·ω); ‖Xᵀy‖ for the ReLU programs).
  var splittingScale: Double { get }
  /// The A-step at a fresh state, warm-started from a prediction.
  func makeProductStep(start yhat: [Double]) -> ProductStep
  /// Projects products onto {𝒞A ≥ 0} (a feasible start for A).
  func projectProducts(_ a: inout Matrix)
  /// Λ with T = −𝒜ᵀ∇ℓ + 𝒞ᵀΛ: the multipliers inside a certificate right-hand side (not clamped).
  func constraintMultipliers(inRHS t: Matrix, lossGradient: [Double]) -> Matrix
  /// An exact bound on block b's part of c(v) (nil: none; C-ReLU: the NNLS cone maximum).
  func exactBlockBound(_ b: Int, lossGradient: [Double]) -> Double?
  /// A candidate near the solution from the ADMM state Z, A and multipliers Γ (nil: none; C-ReLU:
  /// `ActiveSetPolish`), with its certificate right-hand side T and ∇ℓ.
  func splittingPolish(z: Matrix, a: Matrix, multipliers: Matrix) -> (u: Matrix, t: Matrix, lossGradient: [Double])?
}

extension SplittableProgram {
  func exactBlockBound(_ b: Int, lossGradient: [Double]) -> Double? { nil }
  func splittingPolish(z: Matrix, a: Matrix, multipliers: Matrix) -> (u: Matrix, t: Matrix, lossGradient: [Double])? { nil }
}

/// ADMM's A-step: `A ← argmin ℓ(𝒜A, y) + I{𝒞A ≥ 0} + (ρ/2)‖A − T‖²`, with state kept between calls.
protocol ProductProximal {
  mutating func solve(_ t: Matrix, penalty rho: Double, into a: inout Matrix)
  /// Restarts the warm start at a prediction.
  mutating func reset(prediction: [Double])
}
