/// r(σ) = K(σ)⁻¹y for a `MaskedBlockProgram`, K(σ) = I + Σ_b σ_b A_bA_bᵀ (`ScaledKernel`), by conjugate gradients
/// in double precision, preconditioned with a Cholesky factor (`KernelFactor`): of K(σ) itself in single precision
/// (`KernelNewton`'s residuals), or of K at other scales s — its current factor, σ one Newton step from s — instead of
/// factoring K(σ).
///
/// A product K(σ)v = v + Σ_b σ_b A_b(A_bᵀv) goes through the blocks (the program's adjoint and forward products,
/// 4ndB flops, no n×n matrix) and the preconditioner is two triangular solves (2n² flops), where forming and
/// factoring K(σ) costs n²B + n³/3. Near the optimum the preconditioned operator L⁻¹K(σ)L⁻ᵀ is close to I: on the
/// suite's small-β problems three to five products bring the residual from 10⁻² to below 10⁻⁹ of ‖y‖ in the last
/// Newton step. Since K(σ) ⪰ I, the error of an approximation x is at most its residual: ‖x − K(σ)⁻¹y‖ ≤
/// ‖y − K(σ)x‖, which `solve` returns.
struct KernelChord<Program: MaskedBlockProgram> {
  let program: Program
  /// The last solve's approximation of K(σ)⁻¹y (n).
  private(set) var solution: [Double]
  /// Scratch: the n×1 operand of the adjoint, Z = [A_bᵀv] and [σ_b z_b] (d×B), the forward products, ŷ.
  private var column: Matrix, z: Matrix, weighted: Matrix, products: Matrix, yhat: [Double]
  /// The conjugate-gradient vectors: residual, preconditioned residual, direction and its image under K(σ).
  private var residual: [Double], preconditioned: [Double], direction: [Double], image: [Double]

  init(program: Program) {
    self.program = program
    let n = program.sampleCount
    solution = [Double](repeating: 0, count: n)
    column = Matrix(rows: n, columns: 1)
    z = Matrix(rows: program.blockSize, columns: program.blockCount)
    weighted = z
    products = Matrix(rows: program.productShape.rows, columns: program.productShape.columns)
    yhat = solution
    residual = solution
    preconditioned = solution
    direction = solution
    image = solution
  }

  /// K(σ)v (n), through the blocks; without `identity`, (K(σ) − I)v = Σ_b σ_b A_b(A_bᵀv).
  mutating func product(_ sigma: [Double], _ v: [Double], identity: Bool = true) -> [Double] {
    applyKernel(sigma, v, identity: identity)
    return image
  }

  /// K(σ)v, or (K(σ) − I)v without `identity`, into `image`.
  private mutating func applyKernel(_ sigma: [Double], _ v: [Double], identity: Bool = true) {
    let n = program.sampleCount, d = program.blockSize, B = program.blockCount
    for i in 0..<n { column[i, 0] = v[i] }
    program.liftAdjoint(column, into: &z)
    z.withUnsafeBufferPointer { zp in
      weighted.withUnsafeMutableBufferPointer { wp in
        for b in 0..<B { for i in 0..<d { wp[i + b * d] = sigma[b] * zp[i + b * d] } }
      }
    }
    program.lift(weighted, into: &products)
    program.predict(products, into: &yhat)
    if identity {
      for i in 0..<n { image[i] = v[i] + yhat[i] }
    } else {
      for i in 0..<n { image[i] = yhat[i] }
    }
  }

  /// Conjugate gradients on K(σ)x = y from `start`, preconditioned with `factor` (a Cholesky factor of some K(s), in
  /// either precision), into `solution`; stops once ‖y − K(σ)x‖ ≤ `stop`, after `maxProducts` products with K(σ),
  /// or when a step does not lower the residual. The Polak–Ribière form of the step (flexible CG) keeps the
  /// convergence when a single-precision factor makes the preconditioner slightly inexact. Returns the final
  /// residual norm (a bound on the error of `solution`).
  @discardableResult
  mutating func solve(scales sigma: [Double], factor: inout KernelFactor, start: [Double], stop: Double, maxProducts: Int) -> Double {
    let n = program.sampleCount, y = program.targets
    for i in 0..<n { solution[i] = start[i] }
    applyKernel(sigma, solution)
    for i in 0..<n { residual[i] = y[i] - image[i] }
    var norm = residual.dot(residual).squareRoot()
    applyPreconditioner(&factor)
    for i in 0..<n { direction[i] = preconditioned[i] }
    var rz = residual.dot(preconditioned)
    var products = 1
    while norm > stop && products < maxProducts {
      applyKernel(sigma, direction)
      products += 1
      let curvature = direction.dot(image)
      guard curvature > 0, rz > 0 else { break }
      let a = rz / curvature
      for i in 0..<n {
        solution[i] += a * direction[i]
        residual[i] -= a * image[i]
      }
      let next = residual.dot(residual).squareRoot()
      guard next < norm else {
        norm = next
        break
      }
      norm = next
      // β = z₊ᵀ(r₊ − r)/zᵀr: the previous residual is r₊ + a·K(σ)p.
      applyPreconditioner(&factor)
      var rzNext = 0.0, cross = 0.0
      for i in 0..<n {
        rzNext += residual[i] * preconditioned[i]
        cross += preconditioned[i] * (residual[i] + a * image[i])
      }
      let ratio = Swift.max(0, (rzNext - cross) / rz)
      for i in 0..<n { direction[i] = preconditioned[i] + ratio * direction[i] }
      rz = rzNext
    }
    return norm
  }

  /// A lower bound on yᵀK(σ)⁻¹y from the last solve's x and its residual ρ = y − K(σ)x: 2yᵀx − xᵀK(σ)x = yᵀx + xᵀρ,
  /// at most yᵀK(σ)⁻¹y because (x − K(σ)⁻¹y)ᵀK(σ)(x − K(σ)⁻¹y) ≥ 0, and equal to it at x = K(σ)⁻¹y.
  func energyLowerBound() -> Double {
    program.targets.dot(solution) + solution.dot(residual)
  }

  /// `preconditioned` = (LLᵀ)⁻¹ `residual`.
  private mutating func applyPreconditioner(_ factor: inout KernelFactor) {
    let n = program.sampleCount
    for i in 0..<n { preconditioned[i] = residual[i] }
    factor.solve(&preconditioned)
  }
}
