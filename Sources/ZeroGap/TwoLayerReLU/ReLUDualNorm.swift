import Foundation
import HeapModule
import RealModule

/// The ReLU dual norm `c(v) = max_{‖u‖≤1} |vᵀ(Xu)_+|` of MATH.md §3.5 (way 1), computed exactly or bounded above
/// within a time budget.
///
/// On the closed cell K_D = {u : (2D − I)Xu ≥ 0} of a pattern D, `(Xu)_+ = DXu`, so the cell maximum of
/// `σ vᵀ(Xu)_+` is `‖Π_{K_D}(σXᵀDv)‖ = min_{λ≥0} ‖Xᵀ(σDv + Sλ)‖` (conic duality, S = 2D − I). That NNLS residual
/// bounds the cell maximum from above for any λ ≥ 0 and equals it at the NNLS optimum; it never exceeds the
/// §3.5.2 value ‖XᵀDv‖ (projection onto a cone is non-expansive).
///
/// * `overPatterns`: the maximum over given patterns — c(v) exactly when they are complete. Cells are taken in
///   decreasing ‖XᵀDv‖ and the scan stops when that bound falls below the best cell maximum.
/// * `branchAndBound`: no enumeration. The sphere is the radial image of the faces of the cube [−1, 1]^d; a region is
///   a box on one face. On a region each row is surely active, surely inactive or ambiguous (its sign at the box's
///   corners); with few ambiguous hyperplanes the region is solved exactly over the cells it meets, otherwise it is
///   bounded above through a spherical cap containing it — the linear part of the active rows by
///   ‖g‖cos(max(0, ∠(g, c) − θ)) plus each ambiguous row with σv_i > 0 by its largest value on the cap, or (the
///   smaller of the two) every ambiguous row replaced by its chord over the cap, a linear majorant — and split.
///   Every region's bound is valid, so stopping early (time budget) still gives a valid upper bound on c(v).
public enum ReLUDualNorm {
  /// An upper bound on c(v) and how it was obtained.
  public struct Result: Sendable, Equatable {
    /// A valid upper bound on c(v) (rounding included): what certificates use.
    public var upperBound: Double
    /// The largest cell maximum found (c(v) up to the NNLS accuracy; ≤ `upperBound`).
    public var best: Double
    /// Whether `upperBound` is within the tolerance of `best`: c(v) computed, not only bounded.
    public var isExact: Bool
    /// Cells whose maximum was computed by NNLS.
    public var cellsSolved: Int
    /// Regions of the sphere visited (branch and bound; 0 for `overPatterns`).
    public var regions: Int
    public var seconds: Double
  }

  /// Relative rounding allowance added to every returned upper bound.
  static let roundingAllowance = 64 * Double.ulpOfOne
  /// Boxes of up to this many free coordinates are bounded through their 2^{d−1} corners; above, per coordinate.
  static let cornerDimensionLimit = 10

  /// The maximum of `σ vᵀ DXu` over the cell of `mask` and the unit ball (an upper bound for any NNLS accuracy).
  static func cellMaximum(_ mask: [Bool], sign: Double, v: [Double], data x: Matrix) -> Double {
    let n = x.rows, d = x.columns
    var e = Matrix(rows: d, columns: n)
    var f = [Double](repeating: 0, count: d)
    for j in 0..<n {
      let s: Double = mask[j] ? 1 : -1
      for i in 0..<d { e[i, j] = s * x[j, i] }
      if mask[j] { for i in 0..<d { f[i] -= sign * v[j] * x[j, i] } }
    }
    return NonNegativeLeastSquares(e, f).residualNorm
  }

  /// ‖XᵀDv‖ for a 0/1 mask (the §3.5.2 bound of one cell).
  static func patternNorm(_ mask: [Bool], v: [Double], data x: Matrix) -> Double {
    var g = [Double](repeating: 0, count: x.columns)
    for j in 0..<x.rows where mask[j] { for i in 0..<x.columns { g[i] += v[j] * x[j, i] } }
    return g.norm2
  }

  /// `max_i max_σ ‖Π_{K_i}(σXᵀD_i v)‖` over the given patterns: c(v) when `patterns.isComplete`, otherwise the
  /// exact dual norm of the sampled C-ReLU program.
  public static func overPatterns(_ v: [Double], data x: Matrix, patterns: ActivationPatterns) -> Result {
    let start = Date()
    let n = x.rows
    let masks = (0..<patterns.count).map { i in (0..<n).map { patterns.masks[$0, i] > 0.5 } }
    let norms = masks.map { patternNorm($0, v: v, data: x) }
    var best = 0.0, solved = 0
    for i in norms.indices.sorted(by: { norms[$0] > norms[$1] }) {
      guard norms[i] > best else { break }
      for sign in [1.0, -1.0] {
        best = max(best, min(norms[i], cellMaximum(masks[i], sign: sign, v: v, data: x)))
        solved += 1
      }
    }
    return Result(upperBound: best * (1 + roundingAllowance), best: best, isExact: true, cellsSolved: solved, regions: 0,
      seconds: Date().timeIntervalSince(start))
  }

  /// A region: a box `[lo, hi]` in the coordinates other than `axis` on the cube face `x_axis = side`, for the
  /// function σ vᵀ(Xu)_+.
  struct Region: Comparable {
    var bound: Double
    var sign: Double
    var axis: Int
    var side: Double
    var lo: [Double]
    var hi: [Double]
    static func < (a: Region, b: Region) -> Bool { a.bound < b.bound }
    static func == (a: Region, b: Region) -> Bool { a.bound == b.bound }
  }

  /// c(v) by branch and bound over the sphere (no enumeration), stopping at `timeBudget` seconds or `maxRegions`
  /// open regions with the best valid upper bound so far.
  ///
  /// - Parameters:
  ///   - tolerance: relative gap between the upper bound and the best cell maximum at which c(v) counts as computed.
  ///   - exactAmbiguity: regions with at most this many ambiguous hyperplanes are solved over their cells (2^k NNLS).
  public static func branchAndBound(
    _ v: [Double], data x: Matrix, timeBudget: Double = 10, tolerance: Double = 1e-10, exactAmbiguity: Int = 6,
    maxRegions: Int = 2_000_000
  ) -> Result {
    let start = Date()
    let n = x.rows, d = x.columns
    // Rows that can contribute (x_i ≠ 0, v_i ≠ 0 for the objective; every nonzero row shapes the cells).
    let rows = (0..<n).map { x.row($0) }
    let norms = rows.map(\.norm2)
    let live = (0..<n).filter { norms[$0] > 0 }
    // Hyperplane groups: rows whose unit vectors agree bit for bit up to sign (duplicates, negations, power-of-two
    // multiples) share their hyperplane, so ambiguity is counted per group (repeated samples do not stall the search).
    var groupOf = [Int](repeating: -1, count: n)
    var groupSign = [Double](repeating: 1, count: n)
    var keys: [[Double]: Int] = [:]
    var groupCount = 0
    for j in live {
      var u = rows[j].map { $0 / norms[j] }
      let lead = u.first(where: { $0 != 0 }) ?? 1
      let s: Double = lead < 0 ? -1 : 1
      u = u.map { s * $0 }
      if let g = keys[u] { groupOf[j] = g } else { keys[u] = groupCount; groupOf[j] = groupCount; groupCount += 1 }
      groupSign[j] = s
    }
    var memo: [[Bool]: Double] = [:]
    var solved = 0
    var best = 0.0
    var budgetHit = false
    let deadline = start.addingTimeInterval(timeBudget)
    func expired() -> Bool {
      if !budgetHit && Date() > deadline { budgetHit = true }
      return budgetHit
    }
    func cell(_ mask: [Bool], _ sign: Double) -> Double {
      var key = mask
      key.append(sign > 0)
      if let c = memo[key] { return c }
      let bound = patternNorm(mask, v: v, data: x)
      // A cell whose §3.5.2 value cannot beat the incumbent is not solved (its maximum is ≤ that value); past the
      // deadline no cell is solved and that value stands in (an upper bound, so `best` stays a valid one too).
      let value = bound <= best || expired() ? bound : min(bound, cellMaximum(mask, sign: sign, v: v, data: x))
      if bound > best { solved += 1 }
      memo[key] = value
      best = max(best, value)
      return value
    }

    /// Corners of the box, as directions z with z_axis = side (used only for d ≤ `cornerDimensionLimit`).
    func corners(_ r: Region) -> [[Double]] {
      let m = d - 1
      return (0..<(1 << m)).map { bits in
        var z = [Double](repeating: 0, count: d)
        z[r.axis] = r.side
        var q = 0
        for i in 0..<d where i != r.axis {
          z[i] = bits & (1 << q) != 0 ? r.hi[q] : r.lo[q]
          q += 1
        }
        return z
      }
    }
    func center(_ r: Region) -> [Double] {
      var z = [Double](repeating: 0, count: d)
      z[r.axis] = r.side
      var q = 0
      for i in 0..<d where i != r.axis {
        z[i] = 0.5 * (r.lo[q] + r.hi[q])
        q += 1
      }
      let nz = z.norm2
      return z.map { $0 / nz }
    }
    /// Bound (or exact solve) of a region: returns the upper bound, solving it exactly (bound = its value) when
    /// the ambiguous hyperplanes are few.
    func evaluate(_ r: inout Region) -> Bool {
      let c = center(r)
      // The half-angle θ of a cap around c containing the box's directions. Small d: the largest angle to a corner
      // (the cone {z : ∠(z, c) ≤ θ} is convex for θ < 90°, so the box lies in it when its corners do), from the
      // chord ‖ẑ − c‖ (accurate for tiny boxes). Larger d (2^{d−1} corners would not fit): cos θ ≥ min_box cᵀz /
      // max_box ‖z‖, both separable per coordinate. If the box is not inside a cap below 90°, the cap is the whole
      // sphere (θ = π). A small relative margin covers rounding.
      var theta: Double
      if d - 1 <= Self.cornerDimensionLimit {
        var chord = 0.0
        for z in corners(r) {
          let nz = z.norm2
          var s = 0.0
          for i in 0..<d { s += (z[i] / nz - c[i]) * (z[i] / nz - c[i]) }
          chord = max(chord, s.squareRoot())
        }
        theta = chord >= 2 ? .pi : 2 * Double.asin(chord / 2)
      } else {
        var minDot = c[r.axis] * r.side, maxNorm2 = 1.0
        var q = 0
        for i in 0..<d where i != r.axis {
          minDot += min(c[i] * r.lo[q], c[i] * r.hi[q])
          maxNorm2 += max(r.lo[q] * r.lo[q], r.hi[q] * r.hi[q])
          q += 1
        }
        let cosine = minDot / maxNorm2.squareRoot()
        theta = cosine <= 0 ? .pi : Double.acos(min(1, cosine))
      }
      theta = theta * (1 + 1e-12) + 1e-15
      if theta >= .pi / 2 { theta = .pi }
      let cosTheta = Double.cos(theta), sinTheta = Double.sin(theta)
      /// max of hᵀu over the cap ∩ unit ball, for ‖h‖ = hn and hᵀc = hc.
      func capMax(_ hn: Double, _ hc: Double) -> Double {
        guard hn > 0 else { return 0 }
        guard theta < .pi else { return hn }
        let cosPhi = max(-1, min(1, hc / hn))
        if cosPhi >= cosTheta { return hn }
        let sinPhi = (1 - cosPhi * cosPhi).squareRoot()
        return max(0, hn * (cosPhi * cosTheta + sinPhi * sinTheta))  // cos(φ − θ)
      }
      var active = [Bool](repeating: false, count: n)
      var ambiguousGroups = Set<Int>()
      var ambiguousRows: [Int] = []
      var g = [Double](repeating: 0, count: d)
      var ambiguousBound = 0.0
      // The chord bound: on the cap, t = x_jᵀu lies in [lo, hi] ∋ 0 and (t)_+ ≤ hi(t − lo)/(hi − lo), a linear
      // function; with σv_j > 0 these add σv_j·hi/(hi − lo)·x_j to the linear part and σv_j·(−hi·lo)/(hi − lo) to
      // a constant (σv_j < 0 rows contribute ≤ 0 and are dropped). Both bounds are valid: the smaller is used.
      var chordLinear = [Double](repeating: 0, count: d)
      var chordConstant = 0.0
      for j in live {
        // min and max of x_jᵀz over the box (linear in z: attained at corners, separable per coordinate).
        var lo = r.side * rows[j][r.axis], hi = lo
        var q = 0
        for i in 0..<d where i != r.axis {
          let a = rows[j][i] * r.lo[q], b = rows[j][i] * r.hi[q]
          lo += min(a, b)
          hi += max(a, b)
          q += 1
        }
        if lo > 0 {
          active[j] = true
          for i in 0..<d { g[i] += r.sign * v[j] * rows[j][i] }
        } else if hi >= 0 {
          ambiguousGroups.insert(groupOf[j])
          ambiguousRows.append(j)
          if r.sign * v[j] > 0 {
            let xc = rows[j].dot(c)
            let hi = capMax(norms[j], xc), lo = -capMax(norms[j], -xc)
            let weight = r.sign * v[j]
            ambiguousBound += weight * hi
            if hi - lo > 0 {
              let slope = hi / (hi - lo)
              for i in 0..<d { chordLinear[i] += weight * slope * rows[j][i] }
              chordConstant += weight * (-hi * lo / (hi - lo))
            } else {
              chordConstant += weight * hi
            }
          }
        }
      }
      if ambiguousGroups.count <= exactAmbiguity && !expired() {
        // Exact: every cell meeting the region has the fixed signs plus one sign per ambiguous hyperplane.
        let groups = Array(ambiguousGroups)
        var value = 0.0
        for bits in 0..<(1 << groups.count) {
          var mask = active
          for j in ambiguousRows {
            let q = groups.firstIndex(of: groupOf[j])!
            let groupPositive = bits & (1 << q) != 0
            mask[j] = groupSign[j] > 0 ? groupPositive : !groupPositive
          }
          value = max(value, cell(mask, r.sign))
        }
        r.bound = value
        return true
      }
      // Incumbent from the cell at the region's center.
      if !expired() {
        var mask = [Bool](repeating: false, count: n)
        for j in live { mask[j] = rows[j].dot(c) >= 0 }
        _ = cell(mask, r.sign)
      }
      let separate = capMax(g.norm2, g.dot(c)) + ambiguousBound
      for i in 0..<d { chordLinear[i] += g[i] }
      let chord = capMax(chordLinear.norm2, chordLinear.dot(c)) + chordConstant
      r.bound = min(separate, chord)
      return false
    }

    var heap = Heap<Region>()
    var upper = 0.0  // the largest bound of a region closed exactly or dropped
    var regions = 0
    if !live.isEmpty && v.contains(where: { $0 != 0 }) {
      for sign in [1.0, -1.0] {
        for axis in 0..<d {
          for side in [1.0, -1.0] {
            var r = Region(bound: 0, sign: sign, axis: axis, side: side, lo: [Double](repeating: -1, count: d - 1), hi: [Double](repeating: 1, count: d - 1))
            regions += 1
            if evaluate(&r) { upper = max(upper, r.bound) } else { heap.insert(r) }
          }
        }
      }
      while let top = heap.max, top.bound > best + tolerance * max(best, .leastNormalMagnitude) {
        if expired() || heap.count > maxRegions {
          budgetHit = true
          break
        }
        var r = heap.removeMax()
        // Split the widest side in two.
        var widest = 0
        for q in 0..<(d - 1) where r.hi[q] - r.lo[q] > r.hi[widest] - r.lo[widest] { widest = q }
        let mid = 0.5 * (r.lo[widest] + r.hi[widest])
        var left = r, right = r
        left.hi[widest] = mid
        right.lo[widest] = mid
        r.bound = 0
        for var child in [left, right] {
          regions += 1
          if evaluate(&child) { upper = max(upper, child.bound) } else if child.bound > best { heap.insert(child) }
        }
      }
    }
    // Open regions bound what is left; closed regions are ≤ best (their cells were solved) or recorded in `upper`.
    let open = heap.max?.bound ?? 0
    // Rounding: relative to the bound, and absolute at the scale of the sums Σ_j |v_j|‖x_j‖ the bounds are made of.
    let scale = live.reduce(0.0) { $0 + abs(v[$1]) * norms[$1] }
    let ub = max(best, upper, open) * (1 + roundingAllowance) + roundingAllowance * Double(n + d) * scale
    return Result(
      upperBound: ub, best: best, isExact: !budgetHit, cellsSolved: solved, regions: regions,
      seconds: Date().timeIntervalSince(start))
  }
}
