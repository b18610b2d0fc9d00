/// C-GReLU (MATH.md §3.6) as a `GroupSparseProgram` whose products are the predictions themselves:
///
///     min_U  ℓ( Σ_b D_b X u_b , y ) + β Σ_b ‖u_b‖₂        (U d×P, masks M n×P, column b = diag D_b)
///
/// The prediction needs no n×P product: `Σ_b D_b X u_b = rowsum(X ⊙ (M Uᵀ))`, one GEMM (n×P)·(P×d) and one pass over
/// n×d; the gradient `Xᵀ(D_b g)` of every block at once is `(diag(g) X)ᵀ M`, one GEMM (d×n)·(n×P). So the lift is
/// 𝒳U = ŷ (products n×1), 𝒜 is the identity and the accelerated solver's extrapolations are combinations of
/// n-vectors. Against products XU (n×P, as `ReLUBlockProgram` keeps for C-ReLU) an iteration does the same two
/// GEMMs' flops but none of the n×P passes (the masked sums, the adjoint T = M ⊙ g1ᵀ, the extrapolation of XU), which
/// dominate at large n, and the solver holds n-vectors instead of five n×P matrices.
///
/// Not thread-safe: the two products share one n×d work matrix (one solve uses one program at a time). Data-parallel
/// fits: each process lifts its own rows; the gradient's sum over rows is reduced (`SolverLoss.rows`).
struct GatedReLUProgram: GroupSparseProgram {
  let x: Matrix
  let targets: [Double]
  let masks: Matrix
  let beta: Double
  let loss: SolverLoss
  /// ‖𝒳‖² ≤ P‖X‖_F² (‖Σ_b D_b X u_b‖ ≤ ‖X‖ Σ_b ‖u_b‖ ≤ ‖X‖ √P ‖U‖_F); only a scale here.
  let liftNormSquared: Double
  private let work: Work

  /// The n×d work matrix of the two products.
  private final class Work: @unchecked Sendable {
    var matrix: Matrix
    init(rows: Int, columns: Int) { matrix = Matrix(rows: rows, columns: columns) }
  }

  init(x: Matrix, targets: [Double], masks: Matrix, beta: Double, loss: SolverLoss) {
    precondition(masks.rows == x.rows, "one mask row per sample")
    self.x = x
    self.targets = targets
    self.masks = masks
    self.beta = beta
    self.loss = loss
    let f = x.frobeniusNorm
    liftNormSquared = Swift.max(loss.rows.sum(f * f) * Double(masks.columns), 1e-300)
    work = Work(rows: x.rows, columns: x.columns)
  }

  var sampleCount: Int { x.rows }
  var blockSize: Int { x.columns }
  var blockCount: Int { masks.columns }
  var productShape: (rows: Int, columns: Int) { (x.rows, 1) }

  /// ŷ = rowsum(X ⊙ (M Uᵀ)).
  func lift(_ u: Matrix, into p: inout Matrix) {
    work.matrix.gemm(masks, u, transB: .transpose)
    let n = x.rows, d = x.columns
    x.withUnsafeBufferPointer { xb in
      work.matrix.withUnsafeBufferPointer { wb in
        p.withUnsafeMutableBufferPointer { ob in
          let (xp, wp, out) = (SharedPointer(reading: xb), SharedPointer(reading: wb), SharedPointer(ob))
          overRows { rows in
            for j in rows { out[j] = 0 }
            for i in 0..<d {
              for j in rows { out[j] += xp[j + i * n] * wp[j + i * n] }
            }
          }
        }
      }
    }
  }

  /// G = α(diag(t) X)ᵀ M (+ G), summed over the processes' rows.
  func liftAdjoint(_ t: Matrix, into g: inout Matrix, alpha: Double, accumulate: Bool) {
    let n = x.rows, d = x.columns
    x.withUnsafeBufferPointer { xb in
      t.withUnsafeBufferPointer { tb in
        work.matrix.withUnsafeMutableBufferPointer { wb in
          let (xp, tp, out) = (SharedPointer(reading: xb), SharedPointer(reading: tb), SharedPointer(wb))
          overRows { rows in
            for i in 0..<d {
              for j in rows { out[j + i * n] = tp[j] * xp[j + i * n] }
            }
          }
        }
      }
    }
    guard loss.rows.isDistributed else {
      return g.gemm(work.matrix, masks, transA: .transpose, alpha: alpha, beta: accumulate ? 1 : 0)
    }
    var share = Matrix(rows: g.rows, columns: g.columns)
    share.gemm(work.matrix, masks, transA: .transpose, alpha: alpha)
    loss.rows.sum(&share)
    if accumulate { g.add(share) } else { g = share }
  }

  /// 𝒜 is the identity: ŷ = P.
  func predict(_ p: Matrix, into yhat: inout [Double]) {
    p.withUnsafeBufferPointer { a in
      yhat.withUnsafeMutableBufferPointer { o in for j in 0..<o.count { o[j] = a[j] } }
    }
  }

  /// T = scale·g (no constraints).
  func adjoint(_ g: [Double], scale: Double, multipliers: Matrix?, into t: inout Matrix) {
    g.withUnsafeBufferPointer { gp in
      t.withUnsafeMutableBufferPointer { o in for j in 0..<o.count { o[j] = scale * gp[j] } }
    }
  }

  /// Row passes over the n×d entries, in parallel chunks when large (`ParallelChunks.overRows`).
  private func overRows(_ body: @Sendable (_ rows: Range<Int>) -> Void) { ParallelChunks.overRows(x.rows, width: x.columns, body) }
}

extension GatedReLUProgram: BlockColumnProgram {
  /// C = M_blocks ⊙ (X W): column q is D_b X w_q for b = blocks[q].
  func blockColumns(_ directions: Matrix, blocks: [Int]) -> Matrix {
    var c = Matrix.product(x, directions)
    let n = x.rows
    masks.withUnsafeBufferPointer { m in
      c.withUnsafeMutableBufferPointer { cp in
        for (q, b) in blocks.enumerated() {
          for j in 0..<n { cp[j + q * n] *= m[j + b * n] }
        }
      }
    }
    return c
  }
}

extension GatedReLUProgram: MaskedBlockProgram {}

extension GatedReLUProgram: RestrictableProgram {
  /// The program over the patterns `blocks` (their mask columns).
  func restricted(to blocks: [Int]) -> GatedReLUProgram {
    GatedReLUProgram(x: x, targets: targets, masks: masks.columns(blocks), beta: beta, loss: loss)
  }
}
