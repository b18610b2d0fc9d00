import Testing
@testable import ZeroGap

@Suite("Matrix norms and singular-value thresholding")
struct NormsTests {
  static let s: [Double] = [6, 3, 2, 1, 0.5]

  /// Norms vs their definitions on a matrix with known σ (MATH.md §0): Frobenius (dnrm2 on the
  /// entries, independent of the SVD) = √Σσ² = Schatten-2; nuclear = Σσ = Schatten-1; spectral = σ₁ =
  /// Schatten-∞; Schatten-p = (Σσ^p)^{1/p}.
  @Test(arguments: [(30, 12), (12, 30), (5, 5)])
  func normsMatchDefinitions(m: Int, n: Int) throws {
    let s = Self.s
    let a = try KnownSpectrum(rows: m, columns: n, singularValues: s, seed: UInt64(m * n)).a
    let fro = s.reduce(0) { $0 + $1 * $1 }.squareRoot()
    expectClose(a.frobeniusNorm, fro, relative: 1e-13)
    expectClose(try a.schattenNorm(2), a.frobeniusNorm, relative: 1e-13)
    expectClose(try a.nuclearNorm(), s.reduce(0, +), relative: 1e-13)
    expectClose(try a.schattenNorm(1), try a.nuclearNorm(), relative: 1e-15)
    expectClose(try a.spectralNorm(), 6, relative: 1e-13)
    expectClose(try a.schattenNorm(.infinity), try a.spectralNorm(), relative: 0)
    for p in [0.4, 2.0 / 3, 1.5, 3, 7] {
      let sp = s.reduce(0) { $0 + Double.pow($1, p) }
      expectClose(try a.schattenPower(p), sp, relative: 1e-12, "p = \(p)")
      expectClose(try a.schattenNorm(p), Double.pow(sp, 1 / p), relative: 1e-12, "p = \(p)")
    }
  }

  /// 0 < p < 1 on a rank-deficient matrix: round-off singular values (~1e-16·σ₁) must not count.
  /// Without the rank tolerance, each would add ~(1e-16)^0.4 ≈ 4e-7 to Σσ^p (MATH.md §1.5 Numerics).
  @Test func quasiNormIgnoresRoundOffSingularValues() throws {
    let s: [Double] = [4, 2]
    let a = try KnownSpectrum(rows: 40, columns: 30, singularValues: s, seed: 8).a
    let raw = try a.singularValues()
    #expect(raw[2] <= 40 * Double.ulpOfOne * raw[0])  // round-off level, below the tolerance
    let p = 0.4
    expectClose(try a.schattenPower(p), Double.pow(4, p) + Double.pow(2, p), relative: 1e-12)
    expectClose(try a.schattenNorm(p), Double.pow(Double.pow(4, p) + Double.pow(2, p), 1 / p), relative: 1e-12)
  }

  /// MATH.md §1.4 worked numbers [verified]: P_lin = (L/2)·S_{2/L}^{2/L}(X⁺Y) and
  /// D_lin = (L/2)·‖X⁺Y‖_*^{2/L}.
  @Test func mathWorkedNumbers() throws {
    // X = I₂, Y = diag(3, 1): σ = (3, 1).
    let y = Matrix([[3, 0], [0, 1]])
    expectClose(1.5 * (try y.schattenPower(2.0 / 3)), 4.6201257346, relative: 1e-10)
    expectClose(1.5 * Double.pow(try y.nuclearNorm(), 2.0 / 3), 3.7797631497, relative: 1e-10)
    expectClose(2 * (try y.schattenPower(0.5)), 5.4641016151, relative: 1e-10)
    // Schatten form at t = 1, L = 3: ‖M‖_{S_{2/3}} = (3^{2/3} + 1)^{3/2} = 5.4055987274.
    expectClose(try y.schattenNorm(2.0 / 3), 5.4055987274, relative: 1e-10)
    // General X: X = [[1,0],[0,1],[1,1]], M0 = [[2,0,1],[1,1,0]], σ(X⁺Y) = (√6, 1).
    let x = Matrix([[1, 0], [0, 1], [1, 1]])
    let m = naiveProduct(try x.pseudoInverse(), naiveProduct(x, Matrix([[2, 0, 1], [1, 1, 0]])))
    #expect(maxAbsDifference(try m.singularValues(), [2.4494897428, 1]) <= 1e-10)
    expectClose(1.5 * (try m.schattenPower(2.0 / 3)), 4.2256808892, relative: 1e-10)
    expectClose(2 * (try m.schattenPower(0.5)), 5.1301691601, relative: 1e-10)
    expectClose(1.5 * Double.pow(try m.nuclearNorm(), 2.0 / 3), 3.4244789237, relative: 1e-10)
    // Wide X: X = [[1,2,0],[0,1,1]], Y = [[1,0],[0,2]]: σ(X⁺Y) = (1.8640841273, 0.4380148776).
    let xw = Matrix([[1, 2, 0], [0, 1, 1]])
    let mw = naiveProduct(try xw.pseudoInverse(), Matrix([[1, 0], [0, 2]]))
    #expect(maxAbsDifference(try mw.singularValues(), [1.8640841273, 0.4380148776]) <= 1e-10)
    expectClose(1.5 * (try mw.schattenPower(2.0 / 3)), 3.1370997010, relative: 1e-10)
    expectClose(1.5 * Double.pow(try mw.nuclearNorm(), 2.0 / 3), 2.6152141485, relative: 1e-10)
  }

  /// Huge and tiny scales neither overflow nor underflow.
  @Test func extremeScales() throws {
    let big = Matrix.diagonal([1e200, 1e200])
    expectClose(try big.schattenNorm(3) / 1e200, Double.pow(2, 1.0 / 3), relative: 1e-14)
    expectClose(big.frobeniusNorm / 1e200, 2.0.squareRoot(), relative: 1e-14)
    let tiny = Matrix.diagonal([1e-200, 1e-200])
    expectClose(try tiny.schattenNorm(3) / 1e-200, Double.pow(2, 1.0 / 3), relative: 1e-14)
    expectClose(try tiny.schattenNorm(0.5) / 1e-200, 4, relative: 1e-14)
  }

  @Test func specialValuesAndBadArguments() throws {
    let empty = Matrix(rows: 0, columns: 4)
    #expect(try empty.spectralNorm() == 0 && empty.nuclearNorm() == 0 && empty.schattenNorm(0.5) == 0)
    #expect(try empty.schattenPower(2) == 0 && empty.frobeniusNorm == 0)
    let one = Matrix([[-2]])
    #expect(try one.spectralNorm() == 2 && one.nuclearNorm() == 2 && one.schattenNorm(0.3) == 2)
    let zero = Matrix(rows: 3, columns: 3)
    #expect(try zero.schattenNorm(0.5) == 0 && zero.schattenNorm(3) == 0 && zero.schattenPower(0.5) == 0)
    for p in [0.0, -1, .nan, -.infinity] {
      #expect(throws: LinearAlgebraError.self, "p = \(p)") { try one.schattenNorm(p) }
      #expect(throws: LinearAlgebraError.self, "p = \(p)") { try one.schattenPower(p) }
    }
    #expect(throws: LinearAlgebraError.self) { try one.schattenPower(.infinity) }
    let bad = poisoned(3, 3, value: .nan)
    #expect(throws: LinearAlgebraError.nonFiniteInput(routine: "dgesdd")) { try bad.spectralNorm() }
    #expect(throws: LinearAlgebraError.nonFiniteInput(routine: "dgesdd")) { try bad.nuclearNorm() }
    #expect(throws: LinearAlgebraError.nonFiniteInput(routine: "dgesdd")) { try bad.schattenNorm(0.5) }
    #expect(throws: LinearAlgebraError.nonFiniteInput(routine: "dgesdd")) { try bad.singularValueThreshold(1) }
  }

  // MARK: Singular-value thresholding

  /// Z = SVT_τ(A) is the prox of τ‖·‖_*: its singular values are (σ_i − τ)_+, and the optimality
  /// condition 0 ∈ Z − A + τ∂‖Z‖_* holds: G = (A − Z)/τ has ‖G‖₂ ≤ 1 and G·V_r = U_r, Gᵀ·U_r = V_r on
  /// the kept singular vectors (U_r, V_r known from the construction, not from the SVD under test).
  @Test(arguments: [(20, 9), (9, 20), (7, 7)])
  func thresholdIsProxOfNuclearNorm(m: Int, n: Int) throws {
    let s: [Double] = [5, 3.5, 2, 1.2, 0.8, 0.3, 0.1]
    let tau = 1.0
    let k = try KnownSpectrum(rows: m, columns: n, singularValues: s, seed: UInt64(m * 13 + n))
    let z = try k.a.singularValueThreshold(tau)
    let kept = s.filter { $0 > tau }.count  // 4
    let expected = s.map { max($0 - tau, 0) } + [Double](repeating: 0, count: min(m, n) - s.count)
    #expect(maxAbsDifference(try z.singularValues(), expected) <= 1e-13 * s[0])
    // Closed form from the construction: U_r·diag(s − τ)·V_rᵀ.
    let ur = k.u.columns(0..<kept), vr = k.v.columns(0..<kept)
    #expect(relativeError(z, naiveUSVt(ur, s.prefix(kept).map { $0 - tau }, vr.transposed)) <= 1e-10)
    // Subgradient condition.
    let gMat = (k.a - z) / tau
    #expect(try gMat.spectralNorm() <= 1 + 1e-12)
    #expect((naiveProduct(gMat, vr) - ur).maxAbs <= 1e-12)
    #expect((naiveProduct(gMat.transposed, ur) - vr).maxAbs <= 1e-12)
    // Brute-force local optimality: random perturbations never decrease the prox objective.
    func objective(_ w: Matrix) throws -> Double {
      0.5 * Double.pow((w - k.a).frobeniusNorm, 2) + tau * (try w.nuclearNorm())
    }
    let f0 = try objective(z)
    var g = SeededGenerator(seed: 4)
    for _ in 0..<20 {
      let d = g.normalMatrix(rows: m, columns: n, scale: 1e-3)
      #expect(try objective(z + d) >= f0 - 1e-12)
    }
  }

  /// MATH.md §2 [verified]: X = I₃, Y = diag(5, 2.2, 0.8), β = 1: W* = diag(4, 1.2, 0) and
  /// P = (1/2)‖W* − Y‖² + β‖W*‖_* = 6.52.
  @Test func mathParallelNetworkExample() throws {
    let y = Matrix.diagonal([5, 2.2, 0.8])
    let w = try y.singularValueThreshold(1)
    expectClose(w, Matrix.diagonal([4, 1.2, 0]), relative: 1e-14)
    let p = 0.5 * Double.pow((w - y).frobeniusNorm, 2) + (try w.nuclearNorm())
    expectClose(p, 6.52, relative: 1e-12)
  }

  @Test func thresholdEdgeCases() throws {
    var g = SeededGenerator(seed: 6)
    let a = g.normalMatrix(rows: 6, columns: 4)
    expectClose(try a.singularValueThreshold(0), a, relative: 1e-13)
    // τ ≥ σ₁ (σ₁ from a different driver may differ in the last bit: add a relative margin).
    let sigma1 = try a.spectralNorm()
    #expect(try a.singularValueThreshold(sigma1 * (1 + 1e-12)) == Matrix(rows: 6, columns: 4))
    #expect(try a.singularValueThreshold(.infinity) == Matrix(rows: 6, columns: 4))
    #expect(try Matrix(rows: 0, columns: 3).singularValueThreshold(1) == Matrix(rows: 0, columns: 3))
    expectClose(try Matrix([[-3]]).singularValueThreshold(1), Matrix([[-2]]), relative: 1e-15)
    #expect(throws: LinearAlgebraError.self) { try a.singularValueThreshold(-1) }
    #expect(throws: LinearAlgebraError.self) { try a.singularValueThreshold(.nan) }
  }
}
