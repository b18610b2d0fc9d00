/// Refines the constraint multipliers of a certificate (MATH.md §3.5, conic duality): from Λ₀ ≥ 0, 30 steps of
/// accelerated projected gradient on
///
///     min_{Λ ≥ 0} ½ Σ_b ‖(𝒳ᵀ(A + 𝒞ᵀΛ))_b‖²,   A = −𝒜ᵀ∇ℓ = 𝒜ᵀv,
///
/// (two lifts each; step 1/(‖𝒳‖²‖𝒞‖²)). Each block's final norm is an upper bound on that block's part of c(v),
/// whatever Λ ≥ 0 is reached, so the caller keeps the smaller of it and its own. For C-ReLU the minimum over Λ_b of
/// block b's norm equals the cone maximum `max{σ_b vᵀD_bXu : u ∈ K_b, ‖u‖ ≤ 1}`.
///
/// When constraints couple blocks (`GroupSparseProgram.couplesBlocks`: one Λ entry acts on several blocks, as the
/// three-layer program's second-layer cones do), the sum of squares no longer minimises the largest norm; the polish
/// then minimises `½ Σ_b (‖(𝒳ᵀ(A + 𝒞ᵀΛ))_b‖ − β)_+²` instead (zero exactly when c̄ ≤ β, the certificate's goal), with
/// `couplingSteps` steps.
/// Buffers are allocated once (at the first use).
struct MultiplierPolish<Program: GroupSparseProgram> {
  let program: Program
  private var lam = Matrix(rows: 0, columns: 0), lamPrev = Matrix(rows: 0, columns: 0), yk = Matrix(rows: 0, columns: 0)
  private var grad = Matrix(rows: 0, columns: 0), t = Matrix(rows: 0, columns: 0), xg = Matrix(rows: 0, columns: 0)
  private var g = Matrix(rows: 0, columns: 0)
  private let step: Double
  /// β of the coupled objective (nil: the sum of squares).
  private let target: Double?
  private let steps: Int
  /// Steps of the coupled polish.
  static var couplingSteps: Int { 200 }

  /// - Parameters:
  ///   - active: whether it will be used (no buffers, no norm estimate otherwise).
  ///   - steps: overrides the number of steps (a one-off certificate can afford many).
  init(program: Program, active: Bool, steps: Int? = nil) {
    self.program = program
    step = active ? 1 / Swift.max(program.liftNormSquared * program.constraintNormSquared, 1e-300) : 0
    target = program.couplesBlocks ? program.beta : nil
    self.steps = steps ?? (program.couplesBlocks ? Self.couplingSteps : 30)
    guard active else { return }
    let ps = program.productShape, cs = program.constraintShape
    lam = Matrix(rows: cs.rows, columns: cs.columns)
    lamPrev = lam
    yk = lam
    grad = lam
    t = Matrix(rows: ps.rows, columns: ps.columns)
    xg = t
    g = Matrix(rows: program.blockShape.rows, columns: program.blockShape.columns)
  }

  /// Lowers `bounds[b]` to ‖(𝒳ᵀ(A + 𝒞ᵀΛ))_b‖ at the polished Λ when smaller.
  mutating func improve(_ bounds: inout [Double], start: Matrix, lossGradient: [Double]) {
    start.withUnsafeBufferPointer { s in lam.withUnsafeMutableBufferPointer { l in for k in 0..<s.count { l[k] = s[k] } } }
    yk = lam
    lamPrev = lam
    var tk = 1.0
    let step = self.step
    var norms = [Double](repeating: 0, count: program.blockCount)
    for _ in 0..<steps {
      program.adjoint(lossGradient, scale: -1, multipliers: yk, into: &t)
      program.liftAdjoint(t, into: &g)
      if let beta = target {
        // ∇ of ½(‖G_b‖ − β)_+² in G_b: (1 − β/‖G_b‖)_+ G_b.
        program.blockNorms(g, into: &norms)
        let d = program.blockSize
        g.withUnsafeMutableBufferPointer { gp in
          for b in 0..<norms.count {
            let f = norms[b] > beta ? 1 - beta / norms[b] : 0
            for i in 0..<d { gp[i + b * d] *= f }
          }
        }
      }
      program.lift(g, into: &xg)
      program.constraints(xg, into: &grad)
      swap(&lamPrev, &lam)
      let tNext = (1 + (1 + 4 * tk * tk).squareRoot()) / 2
      let mom = (tk - 1) / tNext
      tk = tNext
      grad.withUnsafeBufferPointer { gp in
        yk.withUnsafeBufferPointer { y in
          lam.withUnsafeMutableBufferPointer { l in for k in 0..<l.count { l[k] = Swift.max(0, y[k] - step * gp[k]) } }
        }
      }
      extrapolate(lam, lamPrev, mom, into: &yk)
    }
    program.adjoint(lossGradient, scale: -1, multipliers: lam, into: &t)
    program.liftAdjoint(t, into: &g)
    program.blockNorms(g, into: &norms)
    for b in 0..<norms.count { bounds[b] = Swift.min(bounds[b], norms[b]) }
  }
}
