import Testing
@testable import ZeroGap

/// Asserts ‖a − b‖_max ≤ tol·max(1, ‖b‖_max) (relative with an absolute floor at scale 1).
func expectClose(
  _ a: Matrix, _ b: Matrix, relative tol: Double, _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(a.rows == b.rows && a.columns == b.columns, "shape \(a.rows)×\(a.columns) vs \(b.rows)×\(b.columns)", sourceLocation: sourceLocation)
  guard a.rows == b.rows && a.columns == b.columns else { return }
  let err = (a - b).maxAbs
  let scale = max(1, b.maxAbs)
  #expect(err <= tol * scale, "max error \(err) > \(tol) × \(scale). \(comment?.description ?? "")", sourceLocation: sourceLocation)
}

/// Asserts |a − b| ≤ tol·max(1, |b|).
func expectClose(
  _ a: Double, _ b: Double, relative tol: Double, _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(abs(a - b) <= tol * max(1, abs(b)), "\(a) vs \(b) (tolerance \(tol)). \(comment?.description ?? "")", sourceLocation: sourceLocation)
}

/// Naive triple-loop product: an independent oracle for BLAS in tests.
func naiveProduct(_ a: Matrix, _ b: Matrix) -> Matrix {
  var c = Matrix(rows: a.rows, columns: b.columns)
  for i in 0..<a.rows {
    for j in 0..<b.columns {
      var s = 0.0
      for k in 0..<a.columns { s += a[i, k] * b[k, j] }
      c[i, j] = s
    }
  }
  return c
}
