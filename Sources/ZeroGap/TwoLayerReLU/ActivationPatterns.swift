import RealModule

/// A set of distinct ReLU activation patterns `D_i = diag(1[X g_i ≥ 0])` of a data matrix X (MATH.md §3.2).
///
/// Stored for the BLAS-3 hot loops as an n×P 0/1 matrix `masks` (column i is the diagonal of D_i) together with
/// a d×P matrix `gates` whose column i is a gate vector g_i producing pattern i. The gates of sampled patterns
/// are the gates of the gated-ReLU model (§3.6); the gates of enumerated patterns are interior points of the
/// pattern's cone `K_i = {u : (2D_i − I)Xu ≥ 0}` (all inequalities strict for rows x_j ≠ 0).
public struct ActivationPatterns: Sendable, Equatable {
  /// How the patterns were obtained; decides which problem a certificate covers (§3.5).
  public enum Origin: String, Sendable, Codable {
    /// Gaussian gates g ~ N(0, I_d), de-duplicated.
    case sampled
    /// Gates supplied by the user (e.g. `--gates G.npy`), de-duplicated.
    case gates
    /// Exact enumeration: every pattern of X is present.
    case enumerated
  }

  /// n×P, entry (j, i) = 1 if sample j is active in pattern i, else 0.
  public let masks: Matrix
  /// d×P, column i is a gate g_i with `1[X g_i ≥ 0]` = column i of `masks`.
  public let gates: Matrix
  /// Where the patterns come from.
  public let origin: Origin

  /// Number of distinct patterns P.
  public var count: Int { masks.columns }
  /// Number of samples n.
  public var sampleCount: Int { masks.rows }
  /// True when all patterns of X are present (then the certificate covers the full nonconvex problem).
  public var isComplete: Bool { origin == .enumerated }

  /// Whether sample j is active in at least one pattern.
  public func covers(sample j: Int) -> Bool { (0..<count).contains { masks[j, $0] != 0 } }

  /// Builds patterns from explicit masks and gates (no checks beyond shapes; internal use and decoding).
  public init(masks: Matrix, gates: Matrix, origin: Origin) {
    precondition(masks.columns == gates.columns, "masks and gates must have the same number of columns")
    self.masks = masks
    self.gates = gates
    self.origin = origin
  }

  /// Pattern i as a Bool array of length n.
  public func pattern(_ i: Int) -> [Bool] { masks.column(i).map { $0 != 0 } }

  /// Pattern i as a string of 0/1 characters, sample order (MATH.md §3.10 writes them this way).
  public func patternString(_ i: Int) -> String { String(pattern(i).map { $0 ? "1" : "0" }) }

  // MARK: - Construction

  /// Patterns of the given gates (d×P'), de-duplicated in first-seen order (MATH.md §3.2).
  ///
  /// One GEMM `X·G` (n×P'), then a hash of each column's sign vector.
  /// - Throws: `.shapeMismatch` if G has not d rows, `.nonFinite` for NaN/∞ in X or G.
  public static func fromGates(
    _ gates: Matrix, data x: Matrix, origin: Origin = .gates, rows: RowReduction = .local
  ) throws(ConvexReLUError) -> ActivationPatterns {
    guard gates.rows == x.columns else {
      throw .shapeMismatch("gates are \(gates.rows)×\(gates.columns) but the data has d = \(x.columns) features; the gate matrix must be d×P (one gate per column)")
    }
    guard x.isFinite else { throw .nonFinite("the data matrix X contains NaN or infinite values") }
    guard gates.isFinite else { throw .nonFinite("the gate matrix contains NaN or infinite values") }
    let n = x.rows
    let xg = Matrix.product(x, gates)
    var keep: [Int] = []
    let words = (n + 63) / 64
    var key = [UInt64](repeating: 0, count: words)
    var localKeys: [[UInt64]] = []
    for i in 0..<gates.columns {
      for w in 0..<words { key[w] = 0 }
      xg.withUnsafeBufferPointer { p in
        for j in 0..<n where p[j + i * n] >= 0 { key[j >> 6] |= 1 << UInt64(j & 63) }
      }
      localKeys.append(key)
    }
    if let comm = rows.communicator {
      // A pattern is a mask over all rows: two gates are the same pattern when their masks agree on every process's
      // block. Each process contributes a 64-bit digest of its block's mask per gate (two exact 32-bit halves), all
      // digests are gathered by one allreduce, and a gate's key is its digests on every process.
      let k = comm.size, r = comm.rank, p = gates.columns
      var table = [Double](repeating: 0, count: 2 * k * p)
      for i in 0..<p {
        let h = Self.digest(localKeys[i], count: n)
        table[(i * k + r) * 2] = Double(h >> 32)
        table[(i * k + r) * 2 + 1] = Double(h & 0xFFFF_FFFF)
      }
      rows.sum(&table)
      var seen = Set<[Double]>()
      for i in 0..<p where seen.insert(Array(table[(i * k * 2)..<((i + 1) * k * 2)])).inserted { keep.append(i) }
    } else {
      var seen = Set<[UInt64]>()
      for i in 0..<gates.columns where seen.insert(localKeys[i]).inserted { keep.append(i) }
    }
    var masks = Matrix(rows: n, columns: keep.count)
    for (c, i) in keep.enumerated() {
      for j in 0..<n where xg[j, i] >= 0 { masks[j, c] = 1 }
    }
    return ActivationPatterns(masks: masks, gates: gates.columns(keep), origin: origin)
  }

  /// Samples `count` Gaussian gates g ~ N(0, I_d) and keeps the distinct patterns (MATH.md §3.2 "Sampling").
  ///
  /// At most `count` patterns result (fewer when gates repeat a pattern).
  /// - Throws: `.invalidParameter` if count < 1, `.nonFinite` for NaN/∞ in X.
  public static func sample(
    data x: Matrix, count: Int, using generator: inout SeededGenerator, rows: RowReduction = .local
  ) throws(ConvexReLUError) -> ActivationPatterns {
    guard count >= 1 else { throw .invalidParameter("the number of sampled gates must be ≥ 1 (got \(count))") }
    let g = generator.normalMatrix(rows: x.columns, columns: count)
    return try fromGates(g, data: x, origin: .sampled, rows: rows)
  }

  /// FNV-1a over a mask's words and its length (the per-process digest of a data-parallel de-duplication).
  static func digest(_ words: [UInt64], count: Int) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for w in words + [UInt64(count)] {
      for b in 0..<8 {
        h ^= (w >> UInt64(8 * b)) & 0xFF
        h = h &* 0x100_0000_01b3
      }
    }
    return h
  }

  /// Default budget for `enumerate`: refuse when the number of candidate vertex rays exceeds this.
  public static let defaultEnumerationBudget = 2_000_000

  /// All activation patterns of X, exactly (MATH.md §3.2).
  ///
  /// * d = 2 (or rank 2): the angle sweep — breakpoints `ang(x_i) ± π/2`, one pattern per arc, read at the arc
  ///   midpoint; P = 2·(number of distinct lines through the x_i).
  /// * rank r ≥ 3: vertex-ray enumeration of the central hyperplane arrangement `{g : x_jᵀg = 0}` restricted to
  ///   the row space of X. Every cell is a pointed cone there, so it has an extreme ray, which is the null
  ///   direction of some r−1 linearly independent rows. For each such (r−1)-subset and each sign of its ray ρ,
  ///   the cells around ρ are found by recursing on the arrangement of the rows through ρ, projected on ρ^⊥
  ///   (dimension r−1), and each local cell z gives the interior gate `ρ + ε z` with ε small enough to keep the
  ///   signs of all other rows. Degenerate data (more than r−1 rows through a ray) are handled by the recursion.
  ///   Cost: `C(n, r−1)` small SVDs at the top level (times the recursion's cost for degenerate rays), and the
  ///   result has at most `2 Σ_{k<r} C(n−1, k)` patterns.
  ///
  /// - Parameter budget: maximum number of (r−1)-subsets to visit; above it the call throws.
  /// - Throws: `.enumerationTooLarge` (with a suggestion to sample) when `C(n, r−1)` exceeds the budget,
  ///   `.nonFinite` for NaN/∞ in X.
  /// - Parameter maxPatterns: refuse before enumerating when the pattern bound `2 Σ_{k<r} C(n−1, k)` exceeds it
  ///   (what the memory budget allows the solver to hold).
  public static func enumerate(data x: Matrix, budget: Int = defaultEnumerationBudget, maxPatterns: Int = .max) throws(ConvexReLUError) -> ActivationPatterns {
    guard x.isFinite else { throw .nonFinite("the data matrix X contains NaN or infinite values") }
    let n = x.rows, d = x.columns
    guard n >= 1, d >= 1 else { throw .shapeMismatch("the data matrix is \(n)×\(d); enumeration needs n ≥ 1 samples and d ≥ 1 features") }
    let svd: SVD
    do { svd = try SVD(x) } catch { throw .wrap(error) }
    let s1 = svd.singularValues.first ?? 0
    let r = svd.singularValues.filter { $0 > 1e-12 * Swift.max(1, Double(Swift.max(n, d))) * s1 }.count
    if r == 0 {
      // X = 0: every gate gives the all-ones pattern.
      var g = Matrix(rows: d, columns: 1)
      g[0, 0] = 1
      return try fromGates(g, data: x, origin: .enumerated)
    }
    let work = binomial(n, r - 1)
    guard work <= Double(budget) else {
      throw .enumerationTooLarge(
        "X (n = \(n), rank \(r)) would need about \(formatCount(work)) vertex rays (C(n, r−1)) and may have up to \(formatCount(patternBound(n: n, rank: r))) patterns, above the budget of \(budget); sample patterns instead (e.g. `--patterns 1000`, or ActivationPatterns.sample)")
    }
    let bound = patternBound(n: n, rank: r)
    guard bound <= Double(maxPatterns) else {
      throw .enumerationTooLarge(
        "X (n = \(n), rank \(r)) may have up to \(formatCount(bound)) patterns, more than the memory budget lets the solver hold (\(formatCount(Double(maxPatterns)))); sample patterns instead (e.g. `--patterns 1000`), or raise the budget (--memory-limit)")
    }
    // Coordinates of the rows in an orthonormal basis V_r of the row space: y_j = V_rᵀ x_j (= U_r Σ_r).
    let vr = svd.vt.rows(0..<r)  // r×d
    let y = Matrix.product(x, vr, transB: .transpose)  // n×r
    let rowsY = (0..<n).map { y.row($0) }
    let reps = cellRepresentatives(rowsY, dimension: r)
    // Map back to gates in R^d: g = V_rᵀ z.
    var gates = Matrix(rows: d, columns: reps.count)
    for (c, z) in reps.enumerated() {
      let g = vr.multiply(z, trans: .transpose)
      gates.setColumn(c, g)
    }
    return try fromGates(gates, data: x, origin: .enumerated)
  }

  /// Upper bound on the number of patterns, `2 Σ_{k<r} C(n−1, k)` (tight for rows in general position).
  public static func patternBound(n: Int, rank r: Int) -> Double {
    var s = 0.0
    for k in 0..<Swift.max(0, r) { s += binomial(n - 1, k) }
    return 2 * s
  }

  static func binomial(_ n: Int, _ k: Int) -> Double {
    if k < 0 || k > n { return 0 }
    var c = 1.0
    for i in 0..<Swift.min(k, n - k) { c = c * Double(n - i) / Double(i + 1) }
    return c.rounded()
  }

  static func formatCount(_ x: Double) -> String { x < 1e15 ? String(Int64(x)) : String(describing: x) }

  // MARK: - Arrangement cells

  /// Interior representatives (one per cell, strict signs w.r.t. all nonzero vectors) of the central arrangement
  /// `{z ∈ R^k : vᵀz = 0}` over the given vectors of length k.
  static func cellRepresentatives(_ vectors: [[Double]], dimension k: Int) -> [[Double]] {
    let scale = vectors.map { $0.norm2 }.max() ?? 0
    let nonzero = vectors.filter { $0.norm2 > 1e-12 * Swift.max(scale, 1e-300) }
    if k == 0 { return [[]] }
    if nonzero.isEmpty {
      var e = [Double](repeating: 0, count: k)
      e[0] = 1
      return [e]
    }
    // Reduce to the span of the vectors (the arrangement's essential part).
    let m = nonzero.count
    let a = Matrix(nonzero)  // m×k
    guard let svd = try? SVD(a) else { return [] }
    let s1 = svd.singularValues.first ?? 0
    let rho = svd.singularValues.filter { $0 > 1e-10 * s1 }.count
    if rho < k {
      let basis = svd.vt.rows(0..<rho)  // rho×k
      let coords = nonzero.map { basis.multiply($0) }
      let sub = cellRepresentatives(coords, dimension: rho)
      return sub.map { basis.multiply($0, trans: .transpose) }
    }
    if k == 1 { return [[1], [-1]] }
    if k == 2 { return angleSweepRepresentatives(nonzero) }
    // k ≥ 3, essential: extreme rays are null vectors of (k−1)-subsets of rank k−1.
    var out: [[Double]] = []
    var seen = Set<[Bool]>()
    var subset = Array(0..<(k - 1))
    let norms = nonzero.map { $0.norm2 }
    while true {
      let sub = Matrix(subset.map { nonzero[$0] })  // (k−1)×k
      if let full = try? SVD(sub, full: true) {
        let sv = full.singularValues
        if let last = sv.last, let first = sv.first, last > 1e-10 * first {
          let ray = full.vt.row(k - 1)  // null vector, unit norm
          let perp = full.vt.rows(0..<(k - 1))  // (k−1)×k, orthonormal basis of ray^⊥
          for sgn in [1.0, -1.0] {
            let r = ray.map { $0 * sgn }
            var through: [Int] = []
            var dots = [Double](repeating: 0, count: m)
            for j in 0..<m {
              dots[j] = nonzero[j].dot(r)
              if abs(dots[j]) <= 1e-10 * norms[j] { through.append(j) }
            }
            let local = cellRepresentatives(through.map { perp.multiply(nonzero[$0]) }, dimension: k - 1)
            for zLocal in local {
              var z = perp.multiply(zLocal, trans: .transpose)
              let zn = z.norm2
              if zn > 0 { z.scal(1 / zn) }
              var eps = 1.0
              for j in 0..<m where !through.contains(j) {
                let t = abs(nonzero[j].dot(z))
                if t > 0 { eps = Swift.min(eps, 0.5 * abs(dots[j]) / t) }
              }
              var g = r
              g.axpy(eps, z)
              let signs = nonzero.map { $0.dot(g) }
              if signs.allSatisfy({ $0 != 0 }) {
                let key = signs.map { $0 > 0 }
                if seen.insert(key).inserted { out.append(g) }
              }
            }
          }
        }
      }
      // Next (k−1)-combination of 0..<m in lexicographic order.
      var i = k - 2
      while i >= 0 && subset[i] == m - (k - 1) + i { i -= 1 }
      if i < 0 { break }
      subset[i] += 1
      for j in (i + 1)..<(k - 1) { subset[j] = subset[j - 1] + 1 }
    }
    return out
  }

  /// The d = 2 angle sweep (MATH.md §3.2): breakpoints `ang(v) ± π/2` (mod 2π), one representative per arc at
  /// its midpoint. Returns unit vectors `(cos θ, sin θ)`.
  static func angleSweepRepresentatives(_ vectors: [[Double]]) -> [[Double]] {
    arcs(vectors).map { [Double.cos($0.mid), Double.sin($0.mid)] }
  }

  /// The arcs of the d = 2 sweep: consecutive distinct breakpoints (start < end, angles in [0, 2π) for start,
  /// end possibly past 2π for the wrap-around arc), with midpoint.
  static func arcs(_ vectors: [[Double]]) -> [(start: Double, end: Double, mid: Double)] {
    let twoPi = 2 * Double.pi
    var bps: [Double] = []
    for v in vectors where v[0] != 0 || v[1] != 0 {
      let a = Double.atan2(y: v[1], x: v[0])
      for b in [a + Double.pi / 2, a - Double.pi / 2] {
        var t = b.truncatingRemainder(dividingBy: twoPi)
        if t < 0 { t += twoPi }
        if t >= twoPi { t -= twoPi }
        bps.append(t)
      }
    }
    if bps.isEmpty { return [(0, twoPi, 0)] }
    bps.sort()
    var distinct: [Double] = []
    for b in bps where distinct.last.map({ b - $0 > 1e-12 }) ?? true { distinct.append(b) }
    if distinct.count > 1, let f = distinct.first, let l = distinct.last, f + twoPi - l <= 1e-12 { distinct.removeLast() }
    var out: [(Double, Double, Double)] = []
    for i in 0..<distinct.count {
      let s = distinct[i]
      let e = i + 1 < distinct.count ? distinct[i + 1] : distinct[0] + twoPi
      out.append((s, e, (s + e) / 2))
    }
    return out
  }
}
