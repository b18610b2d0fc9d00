/// The least-squares solve of a Lawson–Hanson passive set, kept up to date as columns enter and leave instead of
/// refactorised at every step: the upper-triangular R (k×k) with `RᵀR = E_PᵀE_P` for the passive columns E_P (d×k),
/// extended by a Cholesky append (`Rᵀr = E_Pᵀc`, `ρ = √(‖c‖² − ‖r‖²)`) and shrunk by deleting a column and
/// restoring the triangle with Givens rotations, and `E_Pᵀf`. The solve uses the semi-normal equations
/// `RᵀR x = E_Pᵀf` with one correction step (`RᵀR δ = E_Pᵀ(f − E_P x)`: the corrected semi-normal equations, close
/// to a QR solve in accuracy while κ(E_P) is well below 1/√ε; Björck, *Numerical Methods for Least Squares Problems*).
///
/// Per step, through BLAS-2 (`dgemv`, `dtrsv`): an append costs d·k + k² flops, a deletion O(k²), a solve
/// 4d·k + 4k² — instead of forming and factoring the Gram matrix (d·k² + k³/3). The factor is `usable` only while
/// the diagonal of R spreads by less than 10⁴ (so κ(E_P)² ≲ 10⁸, the same rule as
/// `NonNegativeLeastSquares.passiveSolve`, which callers fall back to otherwise).
/// Storage grows with k; appends, deletions and solves allocate nothing once it has.
struct PassiveSetFactor {
  /// Rows of E (the length of every column and of f).
  let d: Int
  /// Passive columns factored.
  private(set) var count = 0
  /// Largest k the storage holds without growing.
  private var capacity: Int
  /// R, column-major with leading dimension `capacity`.
  private var r: [Double]
  /// E_Pᵀf.
  private var etf: [Double]
  /// Whether every append so far left ρ > 0 (a rank-deficient append makes the factor unusable until rebuilt).
  private var appendsValid = true

  init(d: Int, capacity: Int = 8) {
    self.d = d
    self.capacity = Swift.max(1, capacity)
    r = [Double](repeating: 0, count: self.capacity * self.capacity)
    etf = [Double](repeating: 0, count: self.capacity)
  }

  /// Whether the semi-normal solve may be used: every append succeeded and R's diagonal spreads by less than 10⁴.
  var usable: Bool {
    guard appendsValid else { return false }
    guard count > 0 else { return true }
    var lo = Double.infinity, hi = 0.0
    for j in 0..<count {
      let v = abs(r[j * capacity + j])
      lo = Swift.min(lo, v)
      hi = Swift.max(hi, v)
    }
    return lo > 1e-4 * hi
  }

  /// Forgets every column.
  mutating func reset() {
    count = 0
    appendsValid = true
  }

  /// Appends column `c` (d entries), given the `count` columns already factored (d×count, column-major) and f.
  mutating func append(_ c: UnsafePointer<Double>, columns: UnsafePointer<Double>, f: UnsafePointer<Double>) {
    let k = count, d = self.d
    if k == capacity { grow() }
    let ld = capacity
    r.withUnsafeMutableBufferPointer { rb in
      let rp = rb.baseAddress!
      let col = rp + k * ld
      // r = R⁻ᵀ(E_Pᵀc), into R's new column.
      RawBLAS.gemv(.transpose, m: d, n: k, alpha: 1, columns, lda: d, c, beta: 0, col)
      RawBLAS.upperTriangularSolve(.transpose, order: k, rp, lda: ld, col)
      let cc = RawBLAS.dot(d, c, c)
      let rho2 = cc - RawBLAS.dot(k, col, col)
      if !(rho2 > 1e-15 * cc) || !rho2.isFinite { appendsValid = false }
      col[k] = Swift.max(rho2, 0).squareRoot()
    }
    etf[k] = RawBLAS.dot(d, c, f)
    count = k + 1
  }

  /// Deletes passive column `p` (the later ones move down by one): R's columns shift left and Givens rotations on
  /// rows (j, j+1) remove the subdiagonal this leaves, which keeps RᵀR = E_PᵀE_P for the remaining columns.
  mutating func remove(at p: Int) {
    let k = count, ld = capacity
    precondition(p >= 0 && p < k)
    r.withUnsafeMutableBufferPointer { rb in
      let rp = rb.baseAddress!
      for j in p..<(k - 1) {
        for i in 0...(j + 1) { rp[j * ld + i] = rp[(j + 1) * ld + i] }
      }
      for j in p..<(k - 1) {
        let a = rp[j * ld + j], b = rp[j * ld + j + 1]
        let h = (a * a + b * b).squareRoot()
        guard h > 0 else { continue }
        let cs = a / h, sn = b / h
        for col in j..<(k - 1) {
          let x = rp[col * ld + j], y = rp[col * ld + j + 1]
          rp[col * ld + j] = cs * x + sn * y
          rp[col * ld + j + 1] = -sn * x + cs * y
        }
        rp[j * ld + j + 1] = 0
      }
    }
    for j in p..<(k - 1) { etf[j] = etf[j + 1] }
    count = k - 1
  }

  /// x = argmin ‖E_P x − f‖ (k entries) by the corrected semi-normal equations; `scratch` holds d + k doubles.
  func solve(columns: UnsafePointer<Double>, f: UnsafePointer<Double>, into x: UnsafeMutablePointer<Double>, scratch: UnsafeMutablePointer<Double>) {
    let k = count, d = self.d, ld = capacity
    r.withUnsafeBufferPointer { rb in
      let rp = rb.baseAddress!
      for i in 0..<k { x[i] = etf[i] }
      RawBLAS.upperTriangularSolve(.transpose, order: k, rp, lda: ld, x)
      RawBLAS.upperTriangularSolve(.none, order: k, rp, lda: ld, x)
      // Correction: δ = (RᵀR)⁻¹E_Pᵀ(f − E_P x).
      let res = scratch, g = scratch + d
      res.update(from: f, count: d)
      RawBLAS.gemv(.none, m: d, n: k, alpha: -1, columns, lda: d, x, beta: 1, res)
      RawBLAS.gemv(.transpose, m: d, n: k, alpha: 1, columns, lda: d, res, beta: 0, g)
      RawBLAS.upperTriangularSolve(.transpose, order: k, rp, lda: ld, g)
      RawBLAS.upperTriangularSolve(.none, order: k, rp, lda: ld, g)
      for i in 0..<k { x[i] += g[i] }
    }
  }

  /// Recomputes E_Pᵀf for a new f (the `count` columns unchanged).
  mutating func setRightHandSide(columns: UnsafePointer<Double>, f: UnsafePointer<Double>) {
    let d = self.d, k = count
    etf.withUnsafeMutableBufferPointer { RawBLAS.gemv(.transpose, m: d, n: k, alpha: 1, columns, lda: d, f, beta: 0, $0.baseAddress!) }
  }

  /// Doubles the storage (R keeps its entries).
  private mutating func grow() {
    let old = capacity, new = 2 * capacity
    var r2 = [Double](repeating: 0, count: new * new)
    for j in 0..<count { for i in 0...j { r2[j * new + i] = r[j * old + i] } }
    r = r2
    etf += [Double](repeating: 0, count: new - old)
    capacity = new
  }
}
