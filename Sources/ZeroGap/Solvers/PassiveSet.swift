/// The state of Lawson–Hanson's method for `min_{λ≥0} ‖Eλ − f‖` (E d×m, given column by column) on its passive set:
/// the passive indices in entering order, their columns (d each), λ on them, and the passive least-squares factor
/// (`PassiveSetFactor`), updated as columns enter and leave rather than refactorised. `NonNegativeLeastSquares` and
/// the cone pricing's `LockstepNNLS` choose the entering columns; this type runs the steps that follow. Once its
/// buffers have grown, a step allocates nothing.
struct PassiveSet {
  private(set) var f: [Double]
  /// Passive indices (columns of E), in entering order.
  private(set) var passive: [Int] = []
  /// Their columns, d each.
  private(set) var columns: [Double] = []
  /// λ on the passive entries (empty until a warm start or an entering step set it).
  private(set) var lambda: [Double] = []
  /// Inner steps so far (one per removal), counted against the caller's budget.
  var iterations = 0
  private var factor: PassiveSetFactor
  /// A column left since the factor became unusable: rebuilding it may make it usable again.
  private var rebuild = false
  /// The passive least-squares solution (first |P| entries) and the solve's scratch (d + |P|).
  private var ls: [Double] = []
  private var scratch: [Double] = []
  /// Per passive entry: whether it leaves at the next `dropLeaving`.
  private var leaving: [Bool] = []

  /// An empty passive set for systems with d rows; its buffers start with room for `min(d, 16)` passive columns
  /// (a passive set of full column rank has at most d) and double when they run out.
  init(d: Int) {
    let room = Swift.max(1, Swift.min(d, 16))
    f = [Double](repeating: 0, count: d)
    factor = PassiveSetFactor(d: d, capacity: room)
    ls = [Double](repeating: 0, count: room)
    leaving = [Bool](repeating: false, count: room)
    scratch = [Double](repeating: 0, count: d + room)
    passive.reserveCapacity(room)
    columns.reserveCapacity(room * d)
    lambda.reserveCapacity(room)
  }

  /// The same passive set (and factor) for a new right-hand side f: the next `warmStart` starts from it.
  mutating func restart(f: [Double]) {
    precondition(f.count == d)
    self.f = f
    iterations = 0
    lambda = []
    guard !passive.isEmpty else { return }
    columns.withUnsafeBufferPointer { cp in
      f.withUnsafeBufferPointer { fp in factor.setRightHandSide(columns: cp.baseAddress!, f: fp.baseAddress!) }
    }
  }

  /// An empty passive set for a new right-hand side f (d entries), keeping the buffers.
  mutating func clear(f: UnsafeBufferPointer<Double>) {
    precondition(f.count == d)
    for i in 0..<d { self.f[i] = f[i] }
    iterations = 0
    passive.removeAll(keepingCapacity: true)
    columns.removeAll(keepingCapacity: true)
    lambda.removeAll(keepingCapacity: true)
    factor.reset()
    rebuild = false
  }

  /// Keeps only the passive entries with λ > 0 (the support the next call starts from).
  mutating func dropInactive() {
    let k = passive.count
    guard lambda.count == k else {
      passive = []
      columns = []
      lambda = []
      factor.reset()
      return
    }
    if leaving.count < k { leaving = [Bool](repeating: false, count: k) }
    var any = false
    for p in 0..<k {
      leaving[p] = !(lambda[p] > 0)
      any = any || leaving[p]
    }
    if any { dropLeaving() }
  }

  var d: Int { factor.d }
  /// E_P (d × |P|).
  var passiveMatrix: Matrix { Matrix(rows: d, columns: passive.count, columnMajor: columns) }

  /// f − E_Pλ.
  var residual: [Double] {
    var r = f
    r.withUnsafeMutableBufferPointer { writeResidual(into: $0.baseAddress!) }
    return r
  }

  /// Writes f − E_Pλ (d entries) to `out`.
  func writeResidual(into out: UnsafeMutablePointer<Double>) {
    let d = self.d, k = lambda.count
    f.withUnsafeBufferPointer { out.update(from: $0.baseAddress!, count: d) }
    guard k > 0 else { return }
    columns.withUnsafeBufferPointer { c in
      lambda.withUnsafeBufferPointer { l in RawBLAS.gemv(.none, m: d, n: k, alpha: -1, c.baseAddress!, lda: d, l.baseAddress!, beta: 1, out) }
    }
  }

  /// Writes E_Pλ (d entries) to `out`: zeros while λ is unset.
  func writeCombination(into out: UnsafeMutablePointer<Double>) {
    let d = self.d, k = lambda.count
    out.update(repeating: 0, count: d)
    guard k > 0 else { return }
    columns.withUnsafeBufferPointer { c in
      lambda.withUnsafeBufferPointer { l in RawBLAS.gemv(.none, m: d, n: k, alpha: 1, c.baseAddress!, lda: d, l.baseAddress!, beta: 0, out) }
    }
  }

  /// Drops the passive entries marked in `leaving` (the others keep their order), from the factor too.
  private mutating func dropLeaving() {
    let d = self.d, k = passive.count
    var kept = 0
    for p in 0..<k {
      if leaving[p] {
        factor.remove(at: kept)
        rebuild = true
        continue
      }
      if kept != p {
        passive[kept] = passive[p]
        for i in 0..<d { columns[kept * d + i] = columns[p * d + i] }
        if p < lambda.count { lambda[kept] = lambda[p] }
      }
      kept += 1
    }
    passive.removeLast(k - kept)
    columns.removeLast((k - kept) * d)
    if !lambda.isEmpty { lambda.removeLast(k - kept) }
  }

  /// Factors the passive columns anew.
  private mutating func refactor() {
    factor.reset()
    let d = self.d
    columns.withUnsafeBufferPointer { cp in
      f.withUnsafeBufferPointer { fp in
        for p in 0..<passive.count { factor.append(cp.baseAddress! + p * d, columns: cp.baseAddress!, f: fp.baseAddress!) }
      }
    }
    rebuild = false
  }

  /// The least-squares solution on the passive set into `ls`: through the factor while it is usable, otherwise
  /// `NonNegativeLeastSquares.passiveSolve`; false when neither solves.
  private mutating func solvePassive() -> Bool {
    let k = passive.count, d = self.d
    if ls.count < k {
      ls = [Double](repeating: 0, count: Swift.max(k, 2 * ls.count))
      leaving = [Bool](repeating: false, count: ls.count)
    }
    if scratch.count < d + k { scratch = [Double](repeating: 0, count: d + Swift.max(k, 2 * (scratch.count - d))) }
    if !factor.usable && rebuild { refactor() }
    if factor.usable {
      let factor = self.factor
      var finite = true
      columns.withUnsafeBufferPointer { cp in
        f.withUnsafeBufferPointer { fp in
          ls.withUnsafeMutableBufferPointer { lp in
            scratch.withUnsafeMutableBufferPointer { sp in
              factor.solve(columns: cp.baseAddress!, f: fp.baseAddress!, into: lp.baseAddress!, scratch: sp.baseAddress!)
              for p in 0..<k where !lp[p].isFinite { finite = false }
            }
          }
        }
      }
      if finite { return true }
    }
    guard let s = NonNegativeLeastSquares.passiveSolve(passiveMatrix, f) else { return false }
    for p in 0..<k { ls[p] = s[p] }
    return true
  }

  /// The warm start: the given passive set shrunk until its least-squares solution is positive.
  mutating func warmStart() {
    lambda = []
    if !factor.usable { refactor() }
    while !passive.isEmpty {
      guard solvePassive() else {
        passive = []
        columns = []
        factor.reset()
        return
      }
      let k = passive.count
      if (0..<k).allSatisfy({ ls[$0] > 0 }) {
        lambda = Array(ls[0..<k])
        return
      }
      for p in 0..<k { leaving[p] = ls[p] <= 0 }
      dropLeaving()
    }
  }

  /// Replaces the passive set by `indices` with their `columns` (d each), e.g. a support from elsewhere; λ is unset
  /// until `warmStart`.
  mutating func load(_ indices: [Int], columns: [Double]) {
    precondition(columns.count == indices.count * d)
    passive = indices
    self.columns = columns
    lambda = []
    refactor()
  }

  /// Adds column `index` (entries `column`) to the passive set and runs Lawson–Hanson's inner loop. Returns false
  /// (stop, not converged) when a least-squares step fails, no passive entry can leave, or `iterations` reaches
  /// `budget`.
  mutating func enter<C: Collection<Double>>(_ index: Int, column: C, budget: Int) -> Bool {
    precondition(lambda.count == passive.count && column.count == d, "enter after a warm start, with a column of d entries")
    passive.append(index)
    columns += column
    lambda.append(0)
    let d = self.d, k = passive.count
    columns.withUnsafeBufferPointer { cp in
      f.withUnsafeBufferPointer { fp in
        factor.append(cp.baseAddress! + (k - 1) * d, columns: cp.baseAddress!, f: fp.baseAddress!)
      }
    }
    while true {
      guard solvePassive() else { return false }
      let k = passive.count
      if (0..<k).allSatisfy({ ls[$0] > 0 }) {
        for p in 0..<k { lambda[p] = ls[p] }
        return true
      }
      // Step towards ls until the first passive coordinate reaches 0 (it leaves), with any other at 0.
      var alpha = 1.0, blocking = -1
      for p in 0..<k where ls[p] <= 0 {
        let den = lambda[p] - ls[p]
        if den > 0 && lambda[p] / den < alpha {
          alpha = lambda[p] / den
          blocking = p
        }
      }
      var leaves = false
      for p in 0..<k {
        lambda[p] += alpha * (ls[p] - lambda[p])
        leaving[p] = p == blocking || lambda[p] <= 1e-15 * Swift.max(1, abs(ls[p]))
        leaves = leaves || leaving[p]
      }
      guard leaves else { return false }
      dropLeaving()
      iterations += 1
      if iterations >= budget { return false }
    }
  }
}
