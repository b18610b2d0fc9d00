import RealModule

/// The data of a deep-linear problem (MATH.md §0, §1): X (n×d, rows are samples), Y (n×k),
/// the minimum-norm least-squares matrix `M = X⁺Y` (d×k) and its thin SVD `M = U Σ Vᵀ`.
///
/// X⁺ is taken through LAPACK `dgelsd` with relative tolerance `rcond` (default `max(n,d)·ε`):
/// singular values of X at or below `rcond·σ₁(X)` count as zero, so rank-deficient X is handled
/// through the pseudo-inverse and the tolerance is reported (`pseudoInverseTolerance`, `rankX`).
public struct DeepLinearData: Sendable {
  /// X, n×d.
  public let x: Matrix
  /// Y, n×k.
  public let y: Matrix
  /// `M = X⁺Y`, d×k.
  public let m: Matrix
  /// Thin SVD of M.
  public let svd: SVD
  /// σ(M) descending, with values at or below `rankTolerance` set to exactly 0 (MATH.md §1.5 "Numerics").
  public let singularValues: [Double]
  /// Absolute tolerance `4·max(n,d,k)·ε·κ(X)·σ₁(M)` below which σ_i(M) counts as zero (κ(X) is the
  /// condition number of the retained part of X: the round-off level of X⁺Y).
  public let rankTolerance: Double
  /// rank(M) = r at `rankTolerance`.
  public let rank: Int
  /// Numerical rank of X at the pseudo-inverse tolerance.
  public let rankX: Int
  /// σ(X), descending.
  public let singularValuesX: [Double]
  /// The relative tolerance `rcond` used for X⁺ (σ_i(X) ≤ rcond·σ₁(X) count as zero).
  public let pseudoInverseTolerance: Double
  /// `‖X M − Y‖_F / ‖Y‖_F` (0 when Y = 0): the realizability defect of Y.
  public let realizabilityResidual: Double

  /// Validates the shapes and values and computes M = X⁺Y.
  /// - Throws: `DeepLinearError.rowMismatch`, `.empty`, `.nonFinite`, `.linearAlgebra`.
  public init(x: Matrix, y: Matrix, relativeTolerance rcond: Double? = nil) throws(DeepLinearError) {
    guard x.rows > 0, x.columns > 0 else { throw .empty(what: "X") }
    guard y.rows > 0, y.columns > 0 else { throw .empty(what: "Y") }
    guard x.rows == y.rows else { throw .rowMismatch(xRows: x.rows, yRows: y.rows) }
    guard x.isFinite else { throw .nonFinite(what: "X") }
    guard y.isFinite else { throw .nonFinite(what: "Y") }
    if let rcond, !(rcond >= 0 && rcond < 1) {
      throw .invalidParameter("the pseudo-inverse tolerance must lie in [0, 1) (got \(rcond))")
    }
    self.x = x
    self.y = y
    do {
      let ls = try LeastSquares(x, y, relativeTolerance: rcond)
      m = ls.solution
      rankX = ls.rank
      singularValuesX = ls.singularValues
      pseudoInverseTolerance = ls.relativeTolerance
      svd = try SVD(m)
    } catch {
      throw .linearAlgebra(error)
    }
    // Round-off in X⁺Y grows with the conditioning of the retained part of X: σ_i(M) below
    // max(n,d,k)·ε·κ(X)·σ₁(M) are indistinguishable from zero (MATH.md §1.5 "Numerics").
    let sx = singularValuesX.prefix(rankX)
    let kappa = (sx.last ?? 0) > 0 ? (sx.first ?? 1) / (sx.last ?? 1) : 1
    let tol = 4 * Double(max(x.rows, x.columns, y.columns)) * Double.ulpOfOne * kappa * (svd.singularValues.first ?? 0)
    let s = svd.singularValues.map { $0 > tol ? $0 : 0 }
    rankTolerance = tol
    singularValues = s
    rank = s.filter { $0 > 0 }.count
    let yNorm = y.frobeniusNorm
    let residual = (Matrix.product(x, m) - y).frobeniusNorm
    realizabilityResidual = yNorm > 0 ? residual / yNorm : 0
  }

  /// Default relative tolerance for `X X⁺ Y = Y`: `1e-8`.
  public static let defaultRealizabilityTolerance = 1e-8

  /// Whether Y is realizable, `‖XX⁺Y − Y‖_F ≤ tolerance·‖Y‖_F` (MATH.md §0).
  public func isRealizable(tolerance: Double = DeepLinearData.defaultRealizabilityTolerance) -> Bool {
    realizabilityResidual <= tolerance
  }

  /// Throws `.notRealizable` (suggesting `--beta`) unless Y is realizable.
  public func requireRealizable(tolerance: Double = DeepLinearData.defaultRealizabilityTolerance) throws(DeepLinearError) {
    guard isRealizable(tolerance: tolerance) else {
      throw .notRealizable(relativeResidual: realizabilityResidual, tolerance: tolerance)
    }
  }

  /// Nuclear norm ‖M‖_* = Σσ_i.
  public var nuclearNorm: Double { singularValues.reduce(0, +) }

  /// `Ỹ = X M = X X⁺ Y`, the projection of Y onto range(X) (n×k).
  public var projectedTargets: Matrix { Matrix.product(x, m) }

  /// Whether `XᵀX = I_d` to `tolerance` (max-abs), the case of the closed forms in MATH.md §1.5 and §2.
  public func hasOrthonormalColumns(tolerance: Double = 1e-12) -> Bool {
    (x.gram(.transpose) - Matrix.identity(x.columns)).maxAbs <= tolerance
  }

  /// Whether `XXᵀ = I_n` to `tolerance` (max-abs).
  public func hasOrthonormalRows(tolerance: Double = 1e-12) -> Bool {
    (x.gram(.none) - Matrix.identity(x.rows)).maxAbs <= tolerance
  }
}
