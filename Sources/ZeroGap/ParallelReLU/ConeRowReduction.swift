/// The irredundant rows of a polyhedral cone K = {u ∈ R^d : R u ≥ 0} (MATH.md §4.3's first-layer cones, with
/// R = (2D₁ᵢ − I)X): row r_j is implied by the others exactly when r_j lies in their conic hull, so K is described by
/// the extreme rays of cone(r_1, …, r_n) alone. On data with n ≫ d these are few (tens among a thousand rows for
/// d = 5 to 11), which shrinks the interior point's barrier degree and every pass over the first-layer rows by the
/// same factor (`bench/PARALLEL_SOLVER.md` §1 suggested it; §9 measures it).
///
/// Method: the unit rows in order of their angle from the mean direction, most outlying first, each added to a set S
/// when it is not in cone(S) (non-negative least squares: ‖Σ_{s∈S} λ_s r̂_s − r̂_j‖ above `tolerance`); then every
/// member of S that is in the cone of the rest is dropped in turn. The first pass keeps cone(S) = cone(all rows),
/// the second keeps the cone and leaves only extreme rays. Cost: n solves over |S| + 1 columns in R^d, where |S|
/// stays near the number of extreme rays. Where most rows are extreme (large d against n) the reduction would cost
/// O(n²) solves and save little: it gives up (nil) once it has kept more than three quarters of the rows.
enum ConeRowReduction {
  /// The indices (ascending) of an irredundant subset of the n rows of `rows` (n×d, row-major) that describes the same
  /// cone, or nil when that subset is more than three quarters of the rows (see above). A row counts as implied when
  /// the unit row is within `tolerance` of the cone of the others: at the default, rounding level, so a point of the
  /// reduced cone violates a dropped row by at most about 10⁻¹³·‖u‖‖r_j‖.
  static func irredundant(_ rows: UnsafePointer<Double>, count n: Int, dimension d: Int, tolerance: Double = 1e-13) -> [Int]? {
    guard n > 1 else { return Array(0..<n) }
    var unit = [Double](repeating: 0, count: n * d), mean = [Double](repeating: 0, count: d)
    for j in 0..<n {
      var s = 0.0
      for c in 0..<d { s += rows[j * d + c] * rows[j * d + c] }
      let f = s > 0 ? 1 / s.squareRoot() : 0
      for c in 0..<d {
        unit[j * d + c] = rows[j * d + c] * f
        mean[c] += unit[j * d + c]
      }
    }
    let cosines = (0..<n).map { j in (0..<d).reduce(0.0) { $0 + unit[j * d + $1] * mean[$1] } }
    let order = (0..<n).sorted { cosines[$0] < cosines[$1] }
    var nnls = NonNegativeLeastSquares.Workspace(rows: d)
    var columns: [Double] = []
    /// Whether unit row j is in the cone of the unit rows `set`.
    func implied(_ j: Int, by set: [Int]) -> Bool {
      guard !set.isEmpty else { return false }
      columns.removeAll(keepingCapacity: true)
      for s in set { for c in 0..<d { columns.append(unit[s * d + c]) } }
      return columns.withUnsafeBufferPointer { e in
        unit.withUnsafeBufferPointer { u in
          _ = nnls.solve(e, columns: set.count, f: UnsafeBufferPointer(rebasing: u[(j * d)..<((j + 1) * d)]))
          return nnls.residualNorm() <= tolerance
        }
      }
    }
    var kept: [Int] = []
    for j in order where !implied(j, by: kept) {
      kept.append(j)
      if 4 * kept.count > 3 * n { return nil }
    }
    var index = 0
    while index < kept.count {
      var rest = kept
      rest.remove(at: index)
      if implied(kept[index], by: rest) { kept = rest } else { index += 1 }
    }
    return kept.sorted()
  }
}
