import RealModule

/// Algorithm for the exact (cone-constrained) program C-ReLU.
public enum ExactReLUAlgorithm: String, Sendable, Codable, CaseIterable {
  /// ADMM with a d×d system factored once (`ConeADMMSolver`).
  case admm
  /// Augmented Lagrangian with restarted-FISTA inner solves (MATH.md §3.7).
  case augmentedLagrangian = "augmented-lagrangian"
  /// Column generation over exact cone maxima (`ConeColumnGeneration`; squared and logistic losses; default).
  case columnGeneration = "column-generation"
}

/// Settings of the convex ReLU solvers (restarted FISTA for C-GReLU, augmented Lagrangian + FISTA for C-ReLU).
public struct ConvexSolverOptions: Sendable {
  /// Stop when the certified relative gap `(UB − LB)/|UB|` is at most this (default 1e-6).
  public var tolerance: Double
  /// Budget of FISTA iterations (over all augmented-Lagrangian rounds), ADMM iterations, or column-generation rounds.
  public var maxIterations: Int
  /// Evaluate the certificate every this many iterations (one extra GEMM each time).
  public var checkEvery: Int
  /// Budget of augmented-Lagrangian rounds (C-ReLU only).
  public var maxOuterIterations: Int
  /// Initial augmented-Lagrangian penalty δ (C-ReLU only).
  public var initialPenalty: Double
  /// Called about every `progressInterval` seconds with the current state (nil: silent).
  public var progress: (@Sendable (ConvexSolverProgress) -> Void)?
  /// Seconds between progress calls.
  public var progressInterval: Double
  /// Algorithm for C-ReLU (ignored for C-GReLU). For ADMM, `maxIterations` counts ADMM iterations and the
  /// report's `outerIterations` counts penalty (ρ) updates.
  /// Column generation (the default) applies to the squared and logistic losses; the unregularised bias and the
  /// hinge loss use the augmented Lagrangian whatever is chosen here.
  public var exactAlgorithm: ExactReLUAlgorithm = .columnGeneration
  /// Memory the solve may use (workspaces, column generation's atoms); checked before allocating.
  public var memoryBudget: MemoryBudget = .default

  public init(
    tolerance: Double = 1e-6, maxIterations: Int = 100_000, checkEvery: Int = 10, maxOuterIterations: Int = 200,
    initialPenalty: Double = 1, progress: (@Sendable (ConvexSolverProgress) -> Void)? = nil, progressInterval: Double = 1
  ) {
    self.tolerance = tolerance
    self.maxIterations = maxIterations
    self.checkEvery = checkEvery
    self.maxOuterIterations = maxOuterIterations
    self.initialPenalty = initialPenalty
    self.progress = progress
    self.progressInterval = progressInterval
  }
}

/// A progress snapshot of a running convex solve.
public struct ConvexSolverProgress: Sendable {
  public var iteration: Int
  /// Upper bound (objective of the current, feasible network).
  public var objective: Double
  /// Certified lower bound.
  public var lowerBound: Double
  /// `(objective − lowerBound)/|objective|`.
  public var relativeGap: Double
  public var seconds: Double
}

/// What a convex solve did.
public struct ConvexSolverReport: Sendable, Codable, Equatable {
  /// FISTA iterations (total).
  public var iterations: Int
  /// Augmented-Lagrangian rounds (0 for the unconstrained gated program).
  public var outerIterations: Int
  /// Wall-clock seconds.
  public var seconds: Double
  public var stopReason: StopReason
  /// Upper bound at exit: the objective of the recovered network.
  public var objective: Double
  /// Certified lower bound on the program's optimal value at exit.
  public var lowerBound: Double
  /// `objective − lowerBound`.
  public var gap: Double { objective - lowerBound }
  /// `gap / |objective|` (0 when both are 0; signed).
  public var relativeGap: Double { ConvexSolverReport.relative(objective, lowerBound) }
  /// Largest cone-constraint violation `max (−(2D_i − I)X v_i)_+` at exit (0 for the gated program).
  public var constraintViolation: Double

  /// Signed: negative when the returned network beats the lower bound, which happens only if it is not a point
  /// of the program (cone constraints violated beyond tolerance; see `constraintViolation`).
  static func relative(_ ub: Double, _ lb: Double) -> Double {
    guard ub.isFinite, lb.isFinite else { return .infinity }
    let g = ub - lb
    if g == 0 { return 0 }
    return g / Swift.max(abs(ub), 1e-300)
  }
}

extension ConvexSolverReport {
  /// A lower bound above the objective by more than this fraction of |objective| cannot be rounding.
  static let inconsistencyTolerance = 1e-10

  /// Whether the report certifies its objective to `tolerance`: converged, finite, and `relativeGap ≤ tolerance`.
  public func isCertified(tolerance: Double) -> Bool {
    stopReason == .converged && objective.isFinite && lowerBound.isFinite && relativeGap <= tolerance
  }

  /// The invariant of every certified solve, applied where a report is finished (the objective must be that of
  /// the returned point, a point of the program):
  /// - a non-finite objective is `diverged`;
  /// - `lowerBound ≤ objective`: a bound above the objective by no more than rounding
  ///   (`inconsistencyTolerance·|objective|`) is lowered to the objective, which keeps it valid; one further above
  ///   cannot be trusted and is replaced by the trivial bound 0 (every loss and penalty here is ≥ 0), and the solve
  ///   is not converged;
  /// - `converged` only when the certified relative gap is within `tolerance` (else `stalled`).
  mutating func enforceCertificate(tolerance: Double) {
    guard objective.isFinite else {
      stopReason = .diverged
      return
    }
    if lowerBound.isNaN { lowerBound = -.infinity }
    if lowerBound > objective {
      if lowerBound - objective <= Self.inconsistencyTolerance * abs(objective) {
        lowerBound = objective
      } else {
        lowerBound = Swift.min(0, objective)
        if stopReason == .converged { stopReason = .stalled }
      }
    }
    if stopReason == .converged && !(relativeGap <= tolerance) { stopReason = .stalled }
  }
}

/// The block group-lasso program shared by C-GReLU (§3.6) and C-ReLU (§3.3), with B blocks u_b ∈ R^d:
///
///     min_U  ℓ( Σ_b σ_b D_b X u_b , y ) + β Σ_b ‖u_b‖₂        [s.t. (2D_b − I) X u_b ≥ 0 if constrained]
///
/// U is d×B (column b = u_b), masks are n×B (column b = diag D_b), σ_b = ±1. C-GReLU: B = P, σ = +1, no
/// constraints. C-ReLU: B = 2P, U = [V W], masks [M M], σ = [+1…, −1…], cone constraints.
///
/// Hot loop (all blocks at once, BLAS-3): `XU = X·U` (one n×d×B GEMM), prediction
/// `ŷ = rowsum(σ ⊙ M ⊙ XU)`, gradient `Xᵀ·T` with `T = σ ⊙ M ⊙ ∇ℓ(ŷ)1ᵀ − δ S ⊙ (Γ/δ − S ⊙ XU)_+`
/// (one d×n×B GEMM), S = 2M − 1. The extrapolated point's products are linear combinations of stored ones,
/// so an iteration costs two GEMMs (plus one per backtracking step); no allocation per iteration.
/// Augmented-Lagrangian schedule (C-ReLU): after an inner solve that reached its tolerance, δ ← 2δ when the
/// violation fell by less than a factor 4; inner FISTA runs to a gradient-mapping tolerance
/// `10⁻³·0.5^k·‖Xᵀ∇ℓ(0)‖` (round k) or at most 2000 iterations.
private let alDecrease = 0.25
private let alGrowth = 2.0
private let alInnerCap = 2000
private let alInnerStart = 1e-3
private let alInnerDecay = 0.5
struct GroupLassoSolver {
  let x: Matrix
  let y: [Double]
  let masks: Matrix
  let signs: [Double]
  let constrained: Bool
  let beta: Double
  let loss: SolverLoss
  /// Repairs upper-bound candidates of the constrained program into their cones (nil: candidates whose violation
  /// exceeds rounding are not kept as upper bounds).
  var cones: ConeRepair? = nil

  var n: Int { x.rows }
  var d: Int { x.columns }
  var blocks: Int { masks.columns }

  struct Result {
    var u: Matrix
    var multipliers: Matrix
    var penalty: Double
    var report: ConvexSolverReport
  }

  /// Solves from `start` (d×B, zero if nil) and `multipliers` (n×B, zero if nil).
  func solve(start: Matrix?, multipliers: Matrix?, penalty: Double?, options: ConvexSolverOptions) -> Result {
    var loop = CertifiedLoop(options: options)
    let B = blocks, n = self.n, d = self.d
    var u = start ?? Matrix(rows: d, columns: B)
    var uPrev = u, uNew = u, z = u, grad = Matrix(rows: d, columns: B)
    var xu = Matrix.product(x, u)
    var xuPrev = xu, xuNew = xu, xz = xu, tbuf = Matrix(rows: n, columns: B)
    var gamma = multipliers ?? Matrix(rows: n, columns: B)
    var blockBounds = [Double](repeating: 0, count: B)
    var polishWork = constrained ? PolishWork(n: n, d: d, blocks: B, x: x) : PolishWork(n: 0, d: 0, blocks: 0, x: x)
    var checks = 0
    var delta = penalty ?? options.initialPenalty
    var yhat = [Double](repeating: 0, count: n)
    var yhatZ = [Double](repeating: 0, count: n)
    var lossGrad = [Double](repeating: 0, count: n)

    // Initial step: 1/L with L ≈ L_ℓ·‖A‖² (power iteration on the linear map U ↦ ŷ), ≥ a floor.
    var eta = 1.0 / Swift.max(1e-300, loss.smoothness * estimateOperatorNormSquared() * 1.05)

    var iterations = 0
    var outer = 0
    var violation = 0.0
    var bestU = u
    var mismatch = 0.0
    let gradScale = Swift.max(1e-300, initialGradientScale())

    // Objective pieces evaluated from XU.
    func smoothValue(_ xu: Matrix) -> Double {
      predict(xu, into: &yhat)
      var f = yhat.withUnsafeBufferPointer { p in y.withUnsafeBufferPointer { q in loss.value(p, q) } }
      if constrained { f += penaltyValue(xu, gamma: gamma, delta: delta) }
      return f
    }
    /// Certificate at the current iterate (uses tbuf and grad as scratch). Returns (UB, LB).
    func certify(polish: Bool = false) -> (Double, Double) {
      // Convex prediction and dual point v = −∇ℓ(ŷ).
      lossAndGradient(xu, yhat: &yhat, gradient: &lossGrad)
      // T = σ ⊙ M ⊙ v 1ᵀ + S ⊙ γ,  γ = (Γ − δ S ⊙ XU)_+  (the multiplier estimate of the next AL update).
      masks.withUnsafeBufferPointer { m in
        xu.withUnsafeBufferPointer { a in
          gamma.withUnsafeBufferPointer { gm in
            lossGrad.withUnsafeBufferPointer { g in
              tbuf.withUnsafeMutableBufferPointer { t in
                for b in 0..<B {
                  let sb = signs[b]
                  for j in 0..<n {
                    let k = j + b * n
                    var val = -sb * m[k] * g[j]
                    if constrained {
                      let s = 2 * m[k] - 1
                      val += s * Swift.max(0, gm[k] - delta * s * a[k])
                    }
                    t[k] = val
                  }
                }
              }
            }
          }
        }
      }
      grad.gemm(x, tbuf, transA: .transpose)
      grad.withUnsafeBufferPointer { p in
        for b in 0..<B {
          var c = 0.0
          for i in 0..<d { c += p[i + b * d] * p[i + b * d] }
          blockBounds[b] = c.squareRoot()
        }
      }
      if constrained && polish {
        // Refine the multipliers of the certificate: min_{λ_b ≥ 0} ‖Xᵀ(σ_b D_b v + S_b λ_b)‖ per block
        // (conic duality: this minimum equals the cone maximum max_{u∈K_b,‖u‖≤1} σ_b vᵀD_bXu).
        polishBounds(tbuf: tbuf, lossGrad: lossGrad, bounds: &blockBounds, work: &polishWork)
      }
      var cbar = 0.0
      for b in 0..<B { cbar = Swift.max(cbar, blockBounds[b]) }
      let lb = CertifiedLoop.dualBound(v: lossGrad.map { -$0 }, y: y, loss: loss, dualNormBound: cbar, beta: beta)
      // Upper bound: the recovered network's objective (true ReLU for C-ReLU; `considerUpper` keeps it only for a
      // point of the program, repairing an iterate that left its cones); for C-GReLU the gated network's objective
      // equals the convex one.
      if constrained { reluPredict(xu, into: &yhat) }
      let ub = loss.value(yhat, y) + beta * groupNormSum(u)
      if constrained {
        // Feasibility within tolerance: max cone violation ≤ tol·max|XU|. Otherwise the network has left the
        // given patterns and its value is not (to tolerance) a value of this program.
        mismatch = maxViolation() / violationScale()
      }
      return (ub, lb)
    }
    /// Keeps the current iterate (value `ub`) as the best network if it is a point of the program and beats the
    /// best so far: within rounding of its cones as it is, or repaired into them (`ConeRepair`) when its mismatch is
    /// within the tolerance; copies without allocating unless it repairs.
    func considerUpper(_ ub: Double) {
      guard constrained && !ConeRepair.isFeasible(xu: xu, masks: masks) else {
        if loop.offerUpper(ub) {
          u.withUnsafeBufferPointer { src in bestU.withUnsafeMutableBufferPointer { dst in for k in 0..<src.count { dst[k] = src[k] } } }
        }
        return
      }
      guard let cones, mismatch <= options.tolerance, ub < loop.upper else { return }
      var candidate = u, xc = xu, yc = yhat
      cones.repair(&candidate, xu: &xc)
      reluPredict(xc, into: &yc)
      if loop.offerUpper(loss.value(yc, y) + beta * groupNormSum(candidate)) { bestU = candidate }
    }
    func violationScale() -> Double {
      xu.withUnsafeBufferPointer { a in
        var m = 1.0
        for k in 0..<a.count { m = Swift.max(m, abs(a[k])) }
        return m
      }
    }
    func maxViolation() -> Double {
      guard constrained else { return 0 }
      return masks.withUnsafeBufferPointer { m in
        xu.withUnsafeBufferPointer { a in
          var v = 0.0
          for k in 0..<(n * B) { v = Swift.max(v, -(2 * m[k] - 1) * a[k]) }
          return v
        }
      }
    }

    var previousViolation = Double.infinity
    outerLoop: while true {
      // FISTA on the (augmented) objective with the current Γ, δ.
      var t = 1.0
      z = u
      xz = xu
      let innerTol = constrained ? gradScale * Swift.max(alInnerStart * Double.pow(alInnerDecay, Double(outer)), 1e-13) : 0
      var inner = 0
      var innerConverged = false
      while true {
        if iterations >= options.maxIterations {
          loop.stopReason = .maxIterations
          break outerLoop
        }
        // Gradient at Z.
        _ = smoothAndT(xz, gamma: gamma, delta: delta, yhat: &yhatZ, lossGrad: &lossGrad, t: &tbuf)
        grad.gemm(x, tbuf, transA: .transpose)
        eta *= 1.05
        var fNew = 0.0
        var backtracks = 0
        while true {
          proxStep(z: z, grad: grad, eta: eta, into: &uNew)
          xuNew.gemm(x, uNew)
          fNew = smoothValue(xuNew)
          // Quadratic upper bound f(U⁺) ≤ f(Z) + ⟨∇f(Z), U⁺ − Z⟩ + ‖U⁺ − Z‖²/(2η), tested through the Bregman
          // divergence computed entrywise (no cancellation between two objective values).
          let sq = squaredDistance(uNew, z)
          let breg = bregman(xuNew: xuNew, xz: xz, yhatNew: yhat, yhatZ: yhatZ, gamma: gamma, delta: delta)
          if breg <= sq / (2 * eta) || backtracks > 60 { break }
          eta *= 0.5
          backtracks += 1
        }
        if !fNew.isFinite {
          loop.stopReason = .diverged
          break outerLoop
        }
        iterations += 1
        inner += 1
        // Gradient-mapping norm ‖U⁺ − Z‖/η and adaptive restart test ⟨Z − U⁺, U⁺ − U⟩ > 0.
        let (mapNorm, restartDot) = mappingAndRestart(z: z, new: uNew, current: u)
        swap(&uPrev, &u)
        swap(&u, &uNew)
        swap(&xuPrev, &xu)
        swap(&xu, &xuNew)
        let restart = restartDot > 0
        var momentum = 0.0
        if restart {
          t = 1
        } else {
          let tNext = (1 + (1 + 4 * t * t).squareRoot()) / 2
          momentum = (t - 1) / tNext
          t = tNext
        }
        extrapolate(u, uPrev, momentum, into: &z)
        extrapolate(xu, xuPrev, momentum, into: &xz)

        let innerDone = constrained && mapNorm / eta <= innerTol
        if iterations % Swift.max(1, options.checkEvery) == 0 || innerDone {
          checks += 1
          let nearlyDone = loop.relativeGap <= 100 * options.tolerance
          let (ub, lb) = certify(polish: innerDone || (nearlyDone && checks % 5 == 0))
          loop.offerLower(lb)
          considerUpper(ub)
          if loop.checkpoint(iteration: iterations) { break outerLoop }
        }
        if innerDone { innerConverged = true }
        if innerDone || (constrained && inner >= alInnerCap) { break }
      }
      // Augmented-Lagrangian update (C-ReLU): γ ← (γ + δ g(U))_+, δ ← 2δ if the violation did not fall.
      guard constrained else { continue }
      outer += 1
      violation = maxViolation()
      masks.withUnsafeBufferPointer { m in
        xu.withUnsafeBufferPointer { a in
          gamma.withUnsafeMutableBufferPointer { gm in
            for k in 0..<(n * B) { gm[k] = Swift.max(0, gm[k] - delta * (2 * m[k] - 1) * a[k]) }
          }
        }
      }
      if innerConverged && violation > alDecrease * previousViolation && violation > 1e-10 * violationScale() { delta = Swift.min(delta * alGrowth, 1e12) }
      previousViolation = violation
      if outer >= options.maxOuterIterations {
        loop.stopReason = .maxIterations
        break
      }
    }
    var (ub, lb) = certify(polish: true)
    considerUpper(ub)
    if loop.upper.isFinite {
      // Return the best network seen (a point of the program).
      swap(&u, &bestU)
      xu.gemm(x, u)
      (ub, lb) = certify(polish: true)
    }
    violation = maxViolation()
    loop.offerLower(lb)
    let report = loop.report(iterations: iterations, outerIterations: outer, constraintViolation: violation, objective: ub)
    return Result(u: u, multipliers: gamma, penalty: delta, report: report)
  }

  // MARK: - Certificate polishing (C-ReLU)

  /// Buffers for `polishBounds` (allocated once per solve).
  struct PolishWork {
    var a: Matrix, lam: Matrix, lamPrev: Matrix, yk: Matrix, t: Matrix, xg: Matrix, g: Matrix
    /// ‖X‖₂² (Lipschitz constant of the λ-gradient).
    var lipschitz: Double
    init(n: Int, d: Int, blocks: Int, x: Matrix) {
      a = Matrix(rows: n, columns: blocks)
      lam = a
      lamPrev = a
      yk = a
      t = a
      xg = a
      g = Matrix(rows: d, columns: blocks)
      let s = (try? x.spectralNorm()) ?? x.frobeniusNorm
      lipschitz = Swift.max(s * s, 1e-300)
    }
  }

  /// Accelerated projected gradient (30 steps, two GEMMs each) on
  /// `min_{Λ ≥ 0} (1/2) Σ_b ‖Xᵀ(A_b + S_b ⊙ λ_b)‖²`, A = σ ⊙ M ⊙ v1ᵀ, started from the multipliers in
  /// `tbuf = A + S ⊙ γ`. Each block's final norm is an upper bound on its cone maximum; `bounds` keeps the smaller.
  func polishBounds(tbuf: Matrix, lossGrad: [Double], bounds: inout [Double], work w: inout PolishWork) {
    let n = self.n, B = blocks, d = self.d
    let total = n * B
    // A and λ₀ from T = A + S ⊙ γ.
    masks.withUnsafeBufferPointer { m in
      tbuf.withUnsafeBufferPointer { t in
        w.a.withUnsafeMutableBufferPointer { a in
          w.lam.withUnsafeMutableBufferPointer { l in
            for b in 0..<B {
              let sb = signs[b]
              for j in 0..<n {
                let k = j + b * n
                a[k] = -sb * m[k] * lossGrad[j]
                l[k] = (2 * m[k] - 1) * (t[k] - a[k])  // = γ (S² = 1)
              }
            }
          }
        }
      }
    }
    w.yk = w.lam
    w.lamPrev = w.lam
    var tk = 1.0
    let step = 1 / w.lipschitz
    func residual(_ lam: Matrix, into t: inout Matrix) {
      masks.withUnsafeBufferPointer { m in
        w.a.withUnsafeBufferPointer { a in
          lam.withUnsafeBufferPointer { l in
            t.withUnsafeMutableBufferPointer { tp in for k in 0..<total { tp[k] = a[k] + (2 * m[k] - 1) * l[k] } }
          }
        }
      }
    }
    for _ in 0..<30 {
      residual(w.yk, into: &w.t)
      w.g.gemm(x, w.t, transA: .transpose)
      w.xg.gemm(x, w.g)
      swap(&w.lamPrev, &w.lam)
      let tNext = (1 + (1 + 4 * tk * tk).squareRoot()) / 2
      let mom = (tk - 1) / tNext
      tk = tNext
      masks.withUnsafeBufferPointer { m in
        w.xg.withUnsafeBufferPointer { xg in
          w.yk.withUnsafeBufferPointer { y in
            w.lam.withUnsafeMutableBufferPointer { l in
              for k in 0..<total { l[k] = Swift.max(0, y[k] - step * (2 * m[k] - 1) * xg[k]) }
            }
          }
        }
      }
      extrapolate(w.lam, w.lamPrev, mom, into: &w.yk)
    }
    residual(w.lam, into: &w.t)
    w.g.gemm(x, w.t, transA: .transpose)
    w.g.withUnsafeBufferPointer { p in
      for b in 0..<B {
        var c = 0.0
        for i in 0..<d { c += p[i + b * d] * p[i + b * d] }
        bounds[b] = Swift.min(bounds[b], c.squareRoot())
      }
    }
  }

  // MARK: - Kernels

  /// ŷ = rowsum(σ ⊙ M ⊙ XU) into `yhat` and ∇ℓ(ŷ) into `gradient` (both length n); returns ℓ(ŷ).
  @discardableResult
  func lossAndGradient(_ xu: Matrix, yhat: inout [Double], gradient: inout [Double]) -> Double {
    predict(xu, into: &yhat)
    return yhat.withUnsafeBufferPointer { p in
      y.withUnsafeBufferPointer { q in gradient.withUnsafeMutableBufferPointer { g in loss.valueAndGradient(p, q, gradient: g) } }
    }
  }

  /// Σ_b ‖u_b‖₂ over the blocks (columns) of U (d×B): the group-norm penalty without β.
  func groupNormSum(_ u: Matrix) -> Double {
    u.withUnsafeBufferPointer { p in
      var s = 0.0
      for b in 0..<blocks {
        var c = 0.0
        for i in 0..<d { c += p[i + b * d] * p[i + b * d] }
        s += c.squareRoot()
      }
      return s
    }
  }

  /// ŷ = rowsum(σ ⊙ M ⊙ XU).
  func predict(_ xu: Matrix, into yhat: inout [Double]) {
    let n = self.n, B = blocks
    masks.withUnsafeBufferPointer { m in
      xu.withUnsafeBufferPointer { a in
        yhat.withUnsafeMutableBufferPointer { out in
          for j in 0..<n { out[j] = 0 }
          for b in 0..<B {
            let sb = signs[b]
            for j in 0..<n { out[j] += sb * m[j + b * n] * a[j + b * n] }
          }
        }
      }
    }
  }

  /// ŷ = rowsum(σ ⊙ (XU)_+): the true ReLU network of blocks U (neuron u_b with output weight σ_b‖·‖, §3.3), which
  /// equals `predict` on cone-feasible blocks and is an attained value otherwise.
  func reluPredict(_ xu: Matrix, into yhat: inout [Double]) {
    let n = self.n, B = blocks
    xu.withUnsafeBufferPointer { a in
      yhat.withUnsafeMutableBufferPointer { out in
        for j in 0..<n { out[j] = 0 }
        for b in 0..<B {
          let sb = signs[b]
          for j in 0..<n { out[j] += sb * Swift.max(0, a[j + b * n]) }
        }
      }
    }
  }

  /// T = σ ⊙ M ⊙ v + S ⊙ Γ (n×B, v = −∇ℓ, S = 2M − 1): the right-hand side whose columns give the cone-maximum
  /// bounds ‖Xᵀ T_b‖ ≥ max{σ_b vᵀD_bXu : u ∈ K_b, ‖u‖ ≤ 1} for any Γ ≥ 0 (§3.5, conic duality).
  func certificateRHS(lossGrad: [Double], gamma: Matrix, into t: inout Matrix) {
    let n = self.n, B = blocks
    masks.withUnsafeBufferPointer { m in
      gamma.withUnsafeBufferPointer { l in
        lossGrad.withUnsafeBufferPointer { g in
          t.withUnsafeMutableBufferPointer { tp in
            for b in 0..<B {
              let sb = signs[b]
              for j in 0..<n {
                let k = j + b * n
                tp[k] = -sb * m[k] * g[j] + (2 * m[k] - 1) * l[k]
              }
            }
          }
        }
      }
    }
  }

  /// (δ/2)‖(Γ/δ − S ⊙ XU)_+‖², the augmented-Lagrangian penalty of the cone constraints.
  func penaltyValue(_ xu: Matrix, gamma: Matrix, delta: Double) -> Double {
    let total = n * blocks
    return masks.withUnsafeBufferPointer { m in
      xu.withUnsafeBufferPointer { a in
        gamma.withUnsafeBufferPointer { g in
          var s = 0.0
          for k in 0..<total {
            let r = Swift.max(0, g[k] / delta - (2 * m[k] - 1) * a[k])
            s += r * r
          }
          return 0.5 * delta * s
        }
      }
    }
  }

  /// Smooth value at XZ and the GEMM right-hand side T (gradient = Xᵀ T).
  func smoothAndT(
    _ xz: Matrix, gamma: Matrix, delta: Double, yhat: inout [Double], lossGrad: inout [Double], t: inout Matrix
  ) -> Double {
    var f = lossAndGradient(xz, yhat: &yhat, gradient: &lossGrad)
    let n = self.n, B = blocks
    var pen = 0.0
    masks.withUnsafeBufferPointer { m in
      xz.withUnsafeBufferPointer { a in
        gamma.withUnsafeBufferPointer { gm in
          lossGrad.withUnsafeBufferPointer { g in
            t.withUnsafeMutableBufferPointer { tp in
              for b in 0..<B {
                let sb = signs[b]
                for j in 0..<n {
                  let k = j + b * n
                  var val = sb * m[k] * g[j]
                  if constrained {
                    let s = 2 * m[k] - 1
                    let r = Swift.max(0, gm[k] / delta - s * a[k])
                    pen += r * r
                    val -= delta * s * r
                  }
                  tp[k] = val
                }
              }
            }
          }
        }
      }
    }
    if constrained { f += 0.5 * delta * pen }
    return f
  }

  /// U⁺ = prox_{ηβ‖·‖}(Z − η∇): per block `w ← w · max(0, 1 − ηβ/‖w‖)` (§3.7).
  func proxStep(z: Matrix, grad: Matrix, eta: Double, into out: inout Matrix) {
    let d = self.d, B = blocks, thr = eta * beta
    z.withUnsafeBufferPointer { zp in
      grad.withUnsafeBufferPointer { gp in
        out.withUnsafeMutableBufferPointer { o in
          for b in 0..<B {
            var s = 0.0
            for i in 0..<d {
              let k = i + b * d
              let w = zp[k] - eta * gp[k]
              o[k] = w
              s += w * w
            }
            let nrm = s.squareRoot()
            let f = nrm > thr ? 1 - thr / nrm : 0
            for i in 0..<d { o[i + b * d] *= f }
          }
        }
      }
    }
  }

  /// ‖A − B‖_F².
  func squaredDistance(_ a: Matrix, _ b: Matrix) -> Double {
    a.withUnsafeBufferPointer { ap in
      b.withUnsafeBufferPointer { bp in
        var s = 0.0
        for k in 0..<ap.count {
          let t = ap[k] - bp[k]
          s += t * t
        }
        return s
      }
    }
  }

  /// Bregman divergence of the smooth part between U⁺ and Z: the loss's (entrywise, stable) plus the
  /// augmented-Lagrangian penalty's, per entry with t = γ/δ − s·a: `δ/2 [(t⁺)_+² − (t)_+² + 2(t)_+(t − t⁺)]`
  /// written in its cancellation-free forms.
  func bregman(xuNew: Matrix, xz: Matrix, yhatNew: [Double], yhatZ: [Double], gamma: Matrix, delta: Double) -> Double {
    var s = yhatNew.withUnsafeBufferPointer { a in
      yhatZ.withUnsafeBufferPointer { b in y.withUnsafeBufferPointer { q in loss.bregman(a, b, q) } }
    }
    guard constrained else { return s }
    let total = n * blocks
    let pen: Double = masks.withUnsafeBufferPointer { m in
      xuNew.withUnsafeBufferPointer { an in
        xz.withUnsafeBufferPointer { az in
          gamma.withUnsafeBufferPointer { g in
            var acc = 0.0
            for k in 0..<total {
              let sg = 2 * m[k] - 1
              let c = g[k] / delta
              let t = c - sg * az[k], tp = c - sg * an[k]
              if t > 0 {
                if tp > 0 {
                  acc += (tp - t) * (tp - t)
                } else {
                  acc += t * t - 2 * t * tp
                }
              } else if tp > 0 {
                acc += tp * tp
              }
            }
            return acc
          }
        }
      }
    }
    s += 0.5 * delta * pen
    return s
  }

  func linearAndSquare(grad: Matrix, new: Matrix, z: Matrix) -> (Double, Double) {
    grad.withUnsafeBufferPointer { g in
      new.withUnsafeBufferPointer { a in
        z.withUnsafeBufferPointer { b in
          var lin = 0.0, sq = 0.0
          for k in 0..<g.count {
            let diff = a[k] - b[k]
            lin += g[k] * diff
            sq += diff * diff
          }
          return (lin, sq)
        }
      }
    }
  }

  func mappingAndRestart(z: Matrix, new: Matrix, current: Matrix) -> (Double, Double) {
    z.withUnsafeBufferPointer { zp in
      new.withUnsafeBufferPointer { np in
        current.withUnsafeBufferPointer { cp in
          var m = 0.0, dot = 0.0
          for k in 0..<zp.count {
            let a = zp[k] - np[k]
            m += a * a
            dot += a * (np[k] - cp[k])
          }
          return (m.squareRoot(), dot)
        }
      }
    }
  }

  /// out = a + μ(a − b).
  func extrapolate(_ a: Matrix, _ b: Matrix, _ mu: Double, into out: inout Matrix) {
    a.withUnsafeBufferPointer { ap in
      b.withUnsafeBufferPointer { bp in
        out.withUnsafeMutableBufferPointer { o in
          for k in 0..<ap.count { o[k] = ap[k] + mu * (ap[k] - bp[k]) }
        }
      }
    }
  }

  /// ‖A‖² for A: U ↦ rowsum(σ ⊙ M ⊙ XU), by 30 power iterations on AᵀA (one n-vector r ↦ Xᵀ(M ⊙ r1ᵀ)).
  func estimateOperatorNormSquared() -> Double {
    let n = self.n, B = blocks
    var r = [Double](repeating: 1, count: n)
    var t = Matrix(rows: n, columns: B)
    var g = Matrix(rows: d, columns: B)
    var xg = Matrix(rows: n, columns: B)
    var lambda = 0.0
    for _ in 0..<30 {
      let nr = r.norm2
      if nr == 0 { return 1 }
      r.scal(1 / nr)
      masks.withUnsafeBufferPointer { m in
        t.withUnsafeMutableBufferPointer { tp in
          for b in 0..<B { for j in 0..<n { tp[j + b * n] = signs[b] * m[j + b * n] * r[j] } }
        }
      }
      g.gemm(x, t, transA: .transpose)
      xg.gemm(x, g)
      predict(xg, into: &r)
      lambda = r.norm2
    }
    var base = lambda
    if constrained { base += 1 }  // room for the augmented-Lagrangian term (backtracking adjusts)
    return Swift.max(base, 1e-12)
  }

  /// ‖Xᵀ∇ℓ(0)‖ column scale used to set inner tolerances.
  func initialGradientScale() -> Double {
    let zero = [Double](repeating: 0, count: n)
    let v = loss.dualPoint(zero, y)
    return x.multiply(v, trans: .transpose).norm2
  }
}
