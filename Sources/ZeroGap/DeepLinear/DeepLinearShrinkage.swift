import RealModule

/// The scalar singular-value map of weight decay on a depth-L linear network (MATH.md §1.5):
///
///     s*(a) = argmin_{s≥0} φ(s),   φ(s) = (1/2)(s − a)² + (βL/2) s^{2/L}.
///
/// * L = 1: `s* = a/(1+β)`; L = 2: soft thresholding `(a − β)_+`.
/// * L ≥ 3: a jump threshold. With `s_thr = (β(L−2))^{L/(2(L−1))}` and `a_thr = s_thr (L−1)/(L−2)`,
///   s* = 0 for a < a_thr; for a > a_thr, s* is the unique root in [s_thr, a] of `s + β s^{2/L−1} = a`.
///   At a = a_thr both 0 and s_thr are optimal; this returns s_thr (the larger minimiser).
public enum DeepLinearShrinkage {
  /// `s_thr = (β(L−2))^{L/(2(L−1))}` for L ≥ 3 (0 for L ≤ 2).
  public static func sThreshold(beta: Double, depth L: Int) -> Double {
    precondition(beta >= 0 && L >= 1, "needs β ≥ 0, L ≥ 1")
    guard L >= 3 else { return 0 }
    return Double.pow(beta * Double(L - 2), Double(L) / (2 * Double(L - 1)))
  }

  /// The jump threshold `a_thr`: `s_thr (L−1)/(L−2)` for L ≥ 3, β for L = 2, 0 for L = 1.
  public static func aThreshold(beta: Double, depth L: Int) -> Double {
    precondition(beta >= 0 && L >= 1, "needs β ≥ 0, L ≥ 1")
    switch L {
    case 1: return 0
    case 2: return beta
    default: return sThreshold(beta: beta, depth: L) * Double(L - 1) / Double(L - 2)
    }
  }

  /// `φ(s) = (1/2)(s−a)² + (βL/2)s^{2/L}`.
  public static func phi(_ s: Double, a: Double, beta: Double, depth L: Int) -> Double {
    let pen = s > 0 ? Double(L) / 2 * beta * Double.pow(s, 2 / Double(L)) : 0
    return (s - a) * (s - a) / 2 + pen
  }

  /// s*(a) for a ≥ 0 (negative a is treated as 0: singular values are non-negative).
  public static func shrink(_ a: Double, beta: Double, depth L: Int) -> Double {
    precondition(beta >= 0 && L >= 1, "needs β ≥ 0, L ≥ 1")
    guard a > 0 else { return 0 }
    if beta == 0 { return a }
    switch L {
    case 1: return a / (1 + beta)
    case 2: return Swift.max(a - beta, 0)
    default:
      let sThr = sThreshold(beta: beta, depth: L)
      let aThr = sThr * Double(L - 1) / Double(L - 2)
      if a < aThr { return 0 }
      if a == aThr { return sThr }
      // g(s) = s + β s^{2/L−1} − a is increasing on [s_thr, a], g(s_thr) ≤ 0 ≤ g(a).
      let q = 2 / Double(L) - 1
      func g(_ s: Double) -> Double { s + beta * Double.pow(s, q) - a }
      var lo = sThr, hi = a
      for _ in 0..<200 {
        let mid = (lo + hi) / 2
        if mid <= lo || mid >= hi { break }
        if g(mid) > 0 { hi = mid } else { lo = mid }
      }
      // Newton polish (g is convex and increasing here).
      var s = (lo + hi) / 2
      for _ in 0..<3 {
        let d = 1 + beta * q * Double.pow(s, q - 1)
        let next = s - g(s) / d
        if next >= lo && next <= hi { s = next }
      }
      return s
    }
  }
}
