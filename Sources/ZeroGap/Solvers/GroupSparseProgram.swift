/// A group-sparse convex program, the problem every convex solver of ZeroGap is generic over
/// (MATH.md §3.3, §3.6, §4.3):
///
///     min_U  ℓ(𝒜(𝒳U), y) + β Σ_b ‖U_b‖     s.t.  𝒞(𝒳U) ≥ 0   (entrywise)
///
/// * U is d×(B·w), block b is the d×w matrix U_b of columns b·w..<(b+1)·w (`blockSize` d, `blockCount` B,
///   `blockWidth` w; w = 1 for vector blocks u_b);
/// * 𝒳 is the *lift*, a linear map U ↦ P to the program's *products* (one GEMM: P = XU for the ReLU programs);
/// * 𝒜 maps products to the n predictions ŷ, 𝒞 maps them to the constraint values (an n_c×m_c matrix; none when
///   `isConstrained` is false); both are linear and cheap (entrywise, no GEMM), so the extrapolated iterates of an
///   accelerated method have their products as linear combinations of stored ones;
/// * `adjoint` applies 𝒜ᵀ and 𝒞ᵀ at once: the gradient in U of ⟨g, 𝒜𝒳U⟩ + ⟨Λ, 𝒞𝒳U⟩ is 𝒳ᵀ(𝒜ᵀg + 𝒞ᵀΛ);
/// * ℓ is a `SolverLoss` (on the n predictions; a vector output's n×k predictions column-major) and the block norm
///   ‖·‖ the group ℓ₂ norm (prox: block soft-thresholding; dual norm ℓ₂) unless the program overrides `penalty`,
///   `proximal` and `blockNorms` (the nuclear norm of §3.9: singular-value thresholding, dual norm spectral).
///
/// **Certificate (§3.5, Lagrangian duality).** For any dual point v and multipliers Λ ≥ 0, with
/// `T = 𝒜ᵀv + 𝒞ᵀΛ`, `c̄ = max_b ‖(𝒳ᵀT)_b‖_dual` bounds the dual norm c(v), and `−ℓ*(−s v)` for s ∈ [0, β/c̄] is a lower bound
/// on the optimum (`CertifiedLoop.dualBound`). Solvers take v = −∇ℓ(ŷ) and improve Λ (their multipliers, then a
/// projected-gradient polish of `min_Λ≥0 max_b ‖(𝒳ᵀT)_b‖`); a `PricedProgram`'s oracle computes
/// c(v) exactly.
///
/// **Network and feasibility.** The upper bound is the objective of the network recovered from U
/// (`networkPrediction`: the true ReLU network for C-ReLU, which equals 𝒜𝒳U on feasible points). Only a point of
/// the program counts: `isFeasible` (constraints within rounding) or after `repair`.
///
/// Conformances:
/// * `ReLUBlockProgram` — C-ReLU (2P signed blocks with cones (2D_b − I)Xu_b ≥ 0, §3.3):
///   P = XU (n×B), ŷ = Σ_b σ_b D_b P_b, 𝒞(P) = (2D_b − I) ⊙ P_b.
/// * `GatedReLUProgram` — C-GReLU (unconstrained, §3.6) as the gated fits solve it: the products are the
///   predictions, 𝒳U = rowsum(X ⊙ M Uᵀ) and 𝒳ᵀg = (diag(g)X)ᵀM, two GEMMs and no n×P intermediate.
/// * `ParallelReLUProgram` — the three-layer parallel ReLU program of §4.3: 4·P₁·P₂ blocks (i, l, s, ±), P = XU,
///   ŷ = Σ_b σ_b D_{2l}D_{1i} P_b, and 𝒞 stacks the first-layer cones (2D_{1i} − I)P_b with the coupled
///   second-layer cones (2D_{2l} − I) Σ_{b ∈ (l,s)} ±D_{1i}P_b (one column per branch (l, s)).
/// * `NuclearBlocks` — the vector-output gated program of §3.9: blocks V_i ∈ R^{d×k} with nuclear norms, P = XV
///   (n×Pk), Ŷ = Σ_i D_i P_i (no constraints).
/// * In the tests, a plain non-negative lasso with one scalar block per dictionary column.
/// Solvers: `ProximalGradientSolver` (restarted FISTA, augmented Lagrangian when constrained) needs only this
/// protocol; `WorkingSetSolver` runs it on restrictions of a `RestrictableProgram`; `ColumnGeneration` needs a
/// `PricedProgram` (an exact `PricingOracle` over single-block atoms); `ConeADMMSolver` needs a `SplittableProgram`
/// (one d×d lift Gram for every block, a proximal step on the products).
protocol GroupSparseProgram {
  /// n: the number of predictions.
  var sampleCount: Int { get }
  /// d: the length of a block.
  var blockSize: Int { get }
  /// B: the number of blocks.
  var blockCount: Int { get }
  /// w: columns per block (1: vector blocks).
  var blockWidth: Int { get }
  var targets: [Double] { get }
  var beta: Double { get }
  var loss: SolverLoss { get }

  /// Shape of the products P = 𝒳U.
  var productShape: (rows: Int, columns: Int) { get }
  /// Whether there are constraints 𝒞(P) ≥ 0.
  var isConstrained: Bool { get }
  /// Shape of 𝒞(P) (ignored when unconstrained).
  var constraintShape: (rows: Int, columns: Int) { get }
  /// An upper bound on ‖𝒞‖² (operator norm on the products; the step of the multiplier polish).
  var constraintNormSquared: Double { get }
  /// Whether one constraint row acts on several blocks (the certificate's multiplier polish then targets the
  /// largest block norm; see `MultiplierPolish`).
  var couplesBlocks: Bool { get }
  /// An upper bound on ‖𝒳‖² (operator norm of the lift).
  var liftNormSquared: Double { get }
  /// A scale of the gradient at U = 0 (the solvers' inner tolerances are relative to it).
  var initialGradientScale: Double { get }

  /// P = 𝒳U.
  func lift(_ u: Matrix, into p: inout Matrix)
  /// G = α𝒳ᵀT (+ G when `accumulate`), d×B, for T of the products' shape.
  func liftAdjoint(_ t: Matrix, into g: inout Matrix, alpha: Double, accumulate: Bool)
  /// ŷ = 𝒜(P).
  func predict(_ p: Matrix, into yhat: inout [Double])
  /// 𝒞(P) (feasible: every entry ≥ 0).
  func constraints(_ p: Matrix, into c: inout Matrix)
  /// T = scale·𝒜ᵀg + 𝒞ᵀΛ (Λ nil: no constraint term), of the products' shape.
  func adjoint(_ g: [Double], scale: Double, multipliers: Matrix?, into t: inout Matrix)

  /// The prediction of the network recovered from blocks with products P (equals `predict` on feasible points).
  func networkPrediction(_ p: Matrix, into yhat: inout [Double])
  /// Whether blocks with products P satisfy the constraints to working precision.
  func isFeasible(_ p: Matrix) -> Bool
  /// Moves U (and P = 𝒳U with it) to a point of the program; false when it cannot (U is then unusable).
  func repair(_ u: inout Matrix, products p: inout Matrix) -> Bool

  /// Σ_b ‖U_b‖ (without β).
  func penalty(_ u: Matrix) -> Double
  /// `out = prox_{t‖·‖}(A + s·B)` block by block.
  func proximal(_ a: Matrix, plus b: Matrix, scaledBy s: Double, threshold t: Double, into out: inout Matrix)
  /// The dual norms ‖G_b‖_dual of the blocks of G (d×(B·w)) into `norms` (length B).
  func blockNorms(_ g: Matrix, into norms: inout [Double])
  /// Largest constraint violation `max(−𝒞𝒳U)_+` (0 when unconstrained), over the rows of every process; the
  /// default forms 𝒳U and 𝒞𝒳U in full.
  func constraintViolation(_ u: Matrix) -> Double

}

extension GroupSparseProgram {
  /// G = 𝒳ᵀT.
  func liftAdjoint(_ t: Matrix, into g: inout Matrix) { liftAdjoint(t, into: &g, alpha: 1, accumulate: false) }

  var isConstrained: Bool { false }
  var blockWidth: Int { 1 }
  /// The shape of U: d×(B·w).
  var blockShape: (rows: Int, columns: Int) { (blockSize, blockCount * blockWidth) }
  func penalty(_ u: Matrix) -> Double { groupNormSum(u) }
  func proximal(_ a: Matrix, plus b: Matrix, scaledBy s: Double, threshold t: Double, into out: inout Matrix) {
    blockSoftThreshold(a, plus: b, scaledBy: s, threshold: t, blockSize: blockSize, into: &out)
  }
  var constraintShape: (rows: Int, columns: Int) { (0, 0) }
  var constraintNormSquared: Double { 1 }
  var couplesBlocks: Bool { false }
  func constraints(_ p: Matrix, into c: inout Matrix) {}
  func networkPrediction(_ p: Matrix, into yhat: inout [Double]) { predict(p, into: &yhat) }
  func isFeasible(_ p: Matrix) -> Bool {
    guard isConstrained else { return true }
    var c = Matrix(rows: constraintShape.rows, columns: constraintShape.columns)
    constraints(p, into: &c)
    return c.storage.allSatisfy { $0 >= -1e-12 * Swift.max(1, p.storage.map(abs).max() ?? 0) }
  }
  func repair(_ u: inout Matrix, products p: inout Matrix) -> Bool { isFeasible(p) }
  var initialGradientScale: Double {
    var t = Matrix(rows: productShape.rows, columns: productShape.columns)
    var g = Matrix(rows: blockShape.rows, columns: blockShape.columns)
    adjoint(loss.dualPoint([Double](repeating: 0, count: sampleCount), targets), scale: 1, multipliers: nil, into: &t)
    liftAdjoint(t, into: &g)
    return g.frobeniusNorm
  }

  /// P = 𝒳U, allocating.
  func products(_ u: Matrix) -> Matrix {
    var p = Matrix(rows: productShape.rows, columns: productShape.columns)
    lift(u, into: &p)
    return p
  }

  /// ŷ = 𝒜𝒳U, allocating (for occasional use).
  func prediction(_ u: Matrix) -> [Double] {
    var yhat = [Double](repeating: 0, count: sampleCount)
    predict(products(u), into: &yhat)
    return yhat
  }

  /// Σ_b ‖u_b‖₂ over the blocks (columns) of U: the penalty without β.
  func groupNormSum(_ u: Matrix) -> Double {
    let d = blockSize
    return u.withUnsafeBufferPointer { p in
      var s = 0.0
      for b in 0..<blockCount {
        var c = 0.0
        for i in 0..<d { c += p[i + b * d] * p[i + b * d] }
        s += c.squareRoot()
      }
      return s
    }
  }

  /// The objective of the network recovered from U: ℓ(network prediction) + β Σ‖U_b‖ (allocating).
  func networkObjective(_ u: Matrix) -> Double {
    var yhat = [Double](repeating: 0, count: sampleCount)
    networkPrediction(products(u), into: &yhat)
    return loss.value(yhat, targets) + beta * penalty(u)
  }

  /// Largest constraint violation `max(−𝒞𝒳U)_+` (0 when unconstrained), over the rows of every process, from 𝒳U and
  /// 𝒞𝒳U in full.
  func constraintViolation(_ u: Matrix) -> Double {
    guard isConstrained else { return 0 }
    var c = Matrix(rows: constraintShape.rows, columns: constraintShape.columns)
    constraints(products(u), into: &c)
    return loss.rows.max(c.storage.reduce(0) { Swift.max($0, -$1) })
  }

  /// Per-block ℓ₂ norms of G (d×B) into `norms` (the dual of the group ℓ₂ norm).
  func blockNorms(_ g: Matrix, into norms: inout [Double]) {
    let d = blockSize
    g.withUnsafeBufferPointer { p in
      for b in 0..<blockCount {
        var c = 0.0
        for i in 0..<d { c += p[i + b * d] * p[i + b * d] }
        norms[b] = c.squareRoot()
      }
    }
  }
}
