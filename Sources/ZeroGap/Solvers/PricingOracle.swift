/// A unit direction in one block of a `GroupSparseProgram`: a point u_b with ‖u_b‖ = 1 that satisfies the program's
/// constraints on its own (for C-ReLU, a point of the cone K_b). Column generation writes its iterate as a conic
/// combination of atoms.
struct Atom: Sendable {
  var block: Int
  var direction: [Double]
}

/// The pricing oracle of a `GroupSparseProgram` (MATH.md §3.5): at a dual point v = −∇ℓ(ŷ), the dual-norm bound
/// `c̄ ≥ c(v) = max_b max{vᵀ𝒜𝒳u : u a point of block b, ‖u‖ ≤ 1}` and the maximising atoms of the blocks whose
/// maximum exceeds a threshold. It keeps state between calls (warm starts), hence `mutating`.
protocol PricingOracle {
  /// - Parameters:
  ///   - lossGradient: ∇ℓ(ŷ) (v = −∇ℓ).
  ///   - threshold: blocks whose maximum exceeds it return their maximiser.
  ///   - maxAtoms: at most this many atoms, the largest maxima first.
  /// - Returns: c̄ ≥ c(v) (a valid bound whatever the oracle's accuracy) and the atoms.
  mutating func price(lossGradient: [Double], threshold: Double, maxAtoms: Int) -> (dualNormBound: Double, atoms: [Atom])
  /// Constraint multipliers of the last pricing (of 𝒞's shape), a warm start for other solvers.
  var multipliers: Matrix { get }
}
