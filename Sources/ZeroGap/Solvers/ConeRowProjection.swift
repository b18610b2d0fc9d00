import RealModule

/// The A-step of `ConeADMMSolver` (MATH.md §3.3 in the ADMM splitting): for T (n×B, one column per block),
///
///     A = argmin ℓ(rowsum(σ ⊙ M ⊙ A), y) + I{S ⊙ A ≥ 0} + (ρa/2)‖A − T‖²,
///
/// which decouples by rows. With ŷ_j the row's prediction, `a_jb = max(0, t_jb − σ_b ℓ'(ŷ_j)/ρa)` where m_jb = 1
/// and `a_jb = min(0, t_jb)` where m_jb = 0, and ŷ_j is the root of
/// `h(ŷ) = ŷ − Σ_{b: m_jb=1} σ_b max(0, t_jb − σ_b ℓ'(ŷ)/ρa)`. h is increasing with h' ≥ 1, so `|ŷ − ŷ*| ≤ |h(ŷ)|`
/// brackets the root; safeguarded Newton (with a bisection every other pass once Newton is slow) solves all
/// rows at once, one branch-free column sweep per pass. The last roots are kept as the next call's start.
/// Buffers are allocated once; `solve` allocates nothing.
struct ConeRowProjection {
  let n: Int
  let blocks: Int
  /// Current roots ŷ (warm start for the next call).
  var yhat: [Double]
  private var sum: [Double]
  private var absSum: [Double]
  private var count: [Double]
  private var lo: [Double]
  private var hi: [Double]
  private var grad: [Double]
  private var done: [Bool]
  /// Passes of the last call (for tests and diagnostics).
  private(set) var passes = 0

  /// Largest number of passes per call; reached only if the safeguards fail to shrink the brackets.
  static let maxPasses = 200

  init(n: Int, blocks: Int, start: [Double]) {
    self.n = n
    self.blocks = blocks
    yhat = start
    sum = [Double](repeating: 0, count: n)
    absSum = sum
    count = sum
    lo = sum
    hi = sum
    grad = sum
    done = [Bool](repeating: false, count: n)
  }

  /// Writes the A-step solution for T = `t` into `a` (both n×B) and leaves the row predictions in `yhat`.
  /// - Parameters: masks n×B (0/1), signs σ (B), y (n), ρa > 0; `loss` squared or logistic.
  mutating func solve(t: Matrix, masks: Matrix, signs: [Double], y: [Double], loss: ConvexLoss, rhoA: Double, into a: inout Matrix) {
    let n = self.n, B = blocks
    let inv = 1 / rhoA
    let logistic = loss == .logistic
    @inline(__always) func derivs(_ f: Double, _ yj: Double) -> (Double, Double) {
      if logistic {
        let s = 1 / (1 + Double.exp(yj * f))  // σ(−y f)
        return (-yj * s, s * (1 - s))
      }
      return (f - yj, 1)
    }
    passes = 0
    yhat.withUnsafeMutableBufferPointer { yh in
      sum.withUnsafeMutableBufferPointer { s in
        absSum.withUnsafeMutableBufferPointer { sa in
          count.withUnsafeMutableBufferPointer { c in
            lo.withUnsafeMutableBufferPointer { lo in
              hi.withUnsafeMutableBufferPointer { hi in
                grad.withUnsafeMutableBufferPointer { g in
                  done.withUnsafeMutableBufferPointer { dn in
                    masks.withUnsafeBufferPointer { m in
                      t.withUnsafeBufferPointer { tp in
                        for j in 0..<n {
                          lo[j] = -.infinity
                          hi[j] = .infinity
                          dn[j] = false
                        }
                        var remaining = n
                        while remaining > 0 && passes < Self.maxPasses {
                          passes += 1
                          for j in 0..<n { g[j] = derivs(yh[j], y[j]).0 * inv }
                          Self.sweep(t: tp, masks: m, signs: signs, g: g, n: n, blocks: B, sum: s, absSum: sa, count: c)
                          let bisect = passes > 8 && passes % 2 == 0
                          for j in 0..<n where !dn[j] {
                            let f = yh[j]
                            let h = f - s[j]
                            if abs(h) <= 1e-14 * (1 + abs(f) + sa[j]) {
                              dn[j] = true
                              remaining -= 1
                              continue
                            }
                            if h > 0 {
                              hi[j] = Swift.min(hi[j], f)
                              lo[j] = Swift.max(lo[j], f - h)
                            } else {
                              lo[j] = Swift.max(lo[j], f)
                              hi[j] = Swift.min(hi[j], f - h)
                            }
                            var next = f - h / (1 + derivs(f, y[j]).1 * c[j] * inv)
                            if bisect || !(next > lo[j] && next < hi[j]) { next = 0.5 * (lo[j] + hi[j]) }
                            if next == f || hi[j] - lo[j] <= 1e-15 * (1 + abs(f)) {
                              dn[j] = true
                              remaining -= 1
                              continue
                            }
                            yh[j] = next
                          }
                        }
                        for j in 0..<n { g[j] = derivs(yh[j], y[j]).0 * inv }
                        a.withUnsafeMutableBufferPointer { ap in
                          for b in 0..<B {
                            let sb = signs[b]
                            let off = b * n
                            for j in 0..<n {
                              let k = off + j
                              ap[k] = m[k] != 0 ? Swift.max(0, tp[k] - sb * g[j]) : Swift.min(0, tp[k])
                            }
                          }
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }

  /// One pass over T: for every row j, `sum_j = Σ_b σ_b v_jb`, `absSum_j = Σ_b v_jb` and `count_j = #{b : v_jb > 0}`
  /// with `v_jb = m_jb · max(0, t_jb − σ_b g_j)`. Rows are taken four at a time with their accumulators in SIMD
  /// registers while the columns stream past.
  @inline(__always)
  static func sweep(
    t: UnsafeBufferPointer<Double>, masks: UnsafeBufferPointer<Double>, signs: [Double], g: UnsafeMutableBufferPointer<Double>,
    n: Int, blocks B: Int, sum: UnsafeMutableBufferPointer<Double>, absSum: UnsafeMutableBufferPointer<Double>,
    count: UnsafeMutableBufferPointer<Double>
  ) {
    guard let tb = t.baseAddress, let mb = masks.baseAddress, let gb = g.baseAddress else { return }
    let chunks = n / 4
    signs.withUnsafeBufferPointer { sg in
      for q in 0..<chunks {
        let j = 4 * q
        let gj = UnsafeRawPointer(gb + j).loadUnaligned(as: SIMD4<Double>.self)
        var s = SIMD4<Double>(), sa = SIMD4<Double>(), c = SIMD4<Double>()
        for b in 0..<B {
          let sb = sg[b]
          let off = b * n + j
          let tv = UnsafeRawPointer(tb + off).loadUnaligned(as: SIMD4<Double>.self)
          let mv = UnsafeRawPointer(mb + off).loadUnaligned(as: SIMD4<Double>.self)
          let val = mv * pointwiseMax(tv - sb * gj, SIMD4<Double>())
          s += sb * val
          sa += val
          c.replace(with: c + 1, where: val .> 0)
        }
        for i in 0..<4 {
          sum[j + i] = s[i]
          absSum[j + i] = sa[i]
          count[j + i] = c[i]
        }
      }
      for j in (4 * chunks)..<n {
        var s = 0.0, sa = 0.0, c = 0.0
        for b in 0..<B {
          let val = masks[b * n + j] * Swift.max(0, t[b * n + j] - sg[b] * g[j])
          s += sg[b] * val
          sa += val
          c += val > 0 ? 1 : 0
        }
        sum[j] = s
        absSum[j] = sa
        count[j] = c
      }
    }
  }
}
