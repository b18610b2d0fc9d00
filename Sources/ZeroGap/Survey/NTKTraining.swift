/// Gradient descent on a wide two-layer ReLU network in the NTK scaling of Du et al. (ICLR 2019, MATH.md §7):
///
///     u_i = (1/√m) Σ_r a_r σ(w_rᵀx_i),   a_r ∈ {±1} fixed,  w_r(0) ~ N(0, I_d),   loss ½‖u − y‖²,
///
/// training W = (w_1 … w_m) (d×m) by full-batch GD with step η: `∇_W = (1/√m) Xᵀ[(u − y)aᵀ ⊙ 1[XW > 0]]` — two GEMMs
/// per step (XW and Xᵀ·M). Inputs are the unit rows of X. Reports the loss curve `‖u(k) − y‖²` against the predicted
/// bound `(1 − ηλ₀/2)^k ‖u(0) − y‖²` and the finite-width Gram at initialisation
/// `H(0)_ij = x_iᵀx_j (1/m) Σ_r 1[w_rᵀx_i ≥ 0] 1[w_rᵀx_j ≥ 0]` against H^∞.
public struct NTKTraining: Sendable {
  /// ‖u(k) − y‖² for k = 0 … steps.
  public var loss: [Double]
  /// (1 − ηλ₀/2)^k ‖u(0) − y‖² for k = 0 … steps.
  public var bound: [Double]
  /// H(0), n×n.
  public var initialGram: Matrix
  public var learningRate: Double
  public var width: Int

  /// - Parameters:
  ///   - unit: X with unit rows (n×d); y of length n.
  ///   - lambda0: λ_min(H^∞) (the rate's constant).
  /// - Throws: `DualityGapError` for a width or step count below 1, a non-positive step, or a diverging loss.
  public static func run(
    unit: Matrix, targets y: [Double], width m: Int, steps: Int, learningRate eta: Double, lambda0: Double, seed: UInt64 = 0
  ) throws(DualityGapError) -> NTKTraining {
    guard m >= 1, steps >= 0 else { throw DualityGapError("--width must be ≥ 1 and --steps ≥ 0 (got \(m), \(steps))") }
    guard eta > 0, eta.isFinite else { throw DualityGapError("the step η must be a finite number > 0 (got \(eta))") }
    guard y.count == unit.rows else { throw DualityGapError("y has \(y.count) entries but X has \(unit.rows) rows") }
    let bytes = MemoryBudget.doubles(MemoryBudget.product(4, MemoryBudget.product(unit.rows + unit.columns, m)))
    guard MemoryBudget.default.allows(bytes) else {
      throw DualityGapError("a width-\(m) network on \(unit.rows) samples needs \(MemoryBudget.format(bytes)), above the memory budget \(MemoryBudget.format(MemoryBudget.default.bytes)); use a smaller --width")
    }
    let n = unit.rows, d = unit.columns
    var gen = SeededGenerator(seed: seed)
    var w = gen.normalMatrix(rows: d, columns: m)
    let a = (0..<m).map { _ in gen.nextUniform() < 0.5 ? -1.0 : 1.0 }
    let scale = 1 / Double(m).squareRoot()
    var z = Matrix(rows: n, columns: m), gradient = Matrix(rows: d, columns: m), back = Matrix(rows: n, columns: m)
    var loss: [Double] = []
    var initialGram = Matrix(rows: n, columns: n)
    for k in 0...steps {
      z.gemm(unit, w)
      var u = [Double](repeating: 0, count: n)
      z.withUnsafeBufferPointer { zp in
        for r in 0..<m { for i in 0..<n where zp[i + r * n] > 0 { u[i] += a[r] * zp[i + r * n] } }
      }
      var residual = [Double](repeating: 0, count: n)
      for i in 0..<n { residual[i] = scale * u[i] - y[i] }
      let l = residual.reduce(0) { $0 + $1 * $1 }
      guard l.isFinite else { throw DualityGapError("the loss diverged at step \(k): lower --lr") }
      loss.append(l)
      if k == 0 {
        // H(0) = (XXᵀ) ⊙ (S Sᵀ/m), S = 1[XW ≥ 0].
        let s = z.map { $0 >= 0 ? 1 : 0 }
        let ss = Matrix.product(s, s, transB: .transpose)
        let xx = Matrix.product(unit, unit, transB: .transpose)
        initialGram = xx.mapIndexed { i, j, v in v * ss[i, j] / Double(m) }
      }
      guard k < steps else { break }
      // M = (u − y)aᵀ ⊙ 1[XW > 0] (n×m), ∇_W = (1/√m) XᵀM.
      z.withUnsafeBufferPointer { zp in
        back.withUnsafeMutableBufferPointer { bp in
          for r in 0..<m { for i in 0..<n { bp[i + r * n] = zp[i + r * n] > 0 ? residual[i] * a[r] : 0 } }
        }
      }
      gradient.gemm(unit, back, transA: .transpose, alpha: scale)
      w.add(gradient, scaledBy: -eta)
    }
    let rate = NTKGram.rate(lambda: lambda0, learningRate: eta)
    var bound: [Double] = []
    var factor = 1.0
    for _ in 0...steps {
      bound.append(factor * loss[0])
      factor *= rate
    }
    let eps = Double.ulpOfOne * Swift.max(1, y.map(abs).max() ?? 1)
    return NTKTraining(loss: loss, bound: bound, initialGram: initialGram, learningRate: eta, width: m, roundingFloor: Double(n) * eps * eps)
  }

  /// The loss cannot fall below the rounding of ‖u − y‖² in double precision, about n(ε·max(1, ‖y‖∞))²; the bound
  /// keeps falling geometrically. Steps whose bound is below `100 ×` that floor are not compared.
  public var roundingFloor: Double

  /// The largest ratio loss(k)/bound(k) over the steps whose bound is above the rounding floor (≤ 1: the prediction
  /// held at every such step).
  public var worstRatio: Double {
    zip(loss, bound).reduce(0) { $1.1 > 100 * roundingFloor ? Swift.max($0, $1.0 / $1.1) : $0 }
  }

  /// The steps compared by `worstRatio`.
  public var comparedSteps: Int { bound.filter { $0 > 100 * roundingFloor }.count }
}
