/// An unconstrained group-lasso program whose blocks' predictions can be formed a few blocks at a time: the columns
/// 𝒜𝒳(w e_bᵀ) of given unit directions w in given blocks b.
protocol BlockColumnProgram: GroupSparseProgram {
  /// C (n×k): column q holds the predictions of the blocks with only block `blocks[q]` nonzero, equal to column q
  /// of `directions` (d×k).
  func blockColumns(_ directions: Matrix, blocks: [Int]) -> Matrix
}

/// The magnitude refit of an iterate of the squared-loss group lasso (MATH.md §3.6 for C-GReLU), a second upper
/// bound and, above all, a second dual point whose certificate closes at the rate of the primal.
///
/// With the directions w_b = u_b/‖u_b‖ of the nonzero blocks S fixed, the best magnitudes solve the non-negative lasso
///
///     t* = argmin_{t ≥ 0} ½‖C t − y‖² + β Σ_b t_b,     C = [𝒜𝒳(w_b e_bᵀ)]_{b∈S}   (n×|S|),
///
/// in Gram form (`NonNegativeQuadratic`, |S| unknowns); t_b = ‖u_b‖ is feasible, so the refit point U' = [t*_b w_b]
/// is at least as good as U. Its residual v' = y − C t* satisfies w_bᵀ(𝒳ᵀ𝒜ᵀv')_b = β for every t*_b > 0 (the
/// magnitudes' optimality), so (𝒳ᵀ𝒜ᵀv')_b = β w_b + e_b with e_b ⟂ w_b and ‖(𝒳ᵀ𝒜ᵀv')_b‖ = (β² + ‖e_b‖²)^½: the
/// active blocks exceed β only at second order in the directions' error, where the plain residual y − ŷ exceeds it
/// at first order. The scaling that makes v' dual-feasible (`CertifiedLoop.dualBound`) then costs the bound only a
/// second-order amount, so the certified gap closes about as fast as the objective converges. Like any dual point,
/// v' gives a valid bound whatever the accuracy of t*.
///
/// Cost: one GEMM n×d×|S| for C, its Gram n·|S|², a small QP, and the caller's certificate of v' (one 𝒳ᵀ product).
/// Data-parallel: C stays with the rows, the Gram matrix and Cᵀy are reduced, every process solves the same QP.
struct MagnitudeRefit {
  /// The refit blocks U' (d×B, zero outside S).
  var u: Matrix
  /// Its predictions C t*.
  var prediction: [Double]
  /// Its objective ½‖C t* − y‖² + β Σ t*.
  var objective: Double

  /// The refit of `u` for `program` (squared loss, vector blocks), or nil: no nonzero block, more than `maxBlocks`
  /// of them (the Gram matrix is |S|×|S|), or a loss other than the plain squared loss.
  init?<Program: BlockColumnProgram>(program: Program, u current: Matrix, maxBlocks: Int) {
    let loss = program.loss
    guard loss.kind == .squared, !loss.centered, !loss.isHuber, program.blockWidth == 1 else { return nil }
    let d = program.blockSize, B = program.blockCount, y = program.targets
    var norms = [Double](repeating: 0, count: B)
    program.blockNorms(current, into: &norms)
    let blocks = (0..<B).filter { norms[$0] > 0 }
    let k = blocks.count
    guard k > 0, k <= maxBlocks else { return nil }
    var w = Matrix(rows: d, columns: k)
    for (q, b) in blocks.enumerated() {
      for i in 0..<d { w[i, q] = current[i, b] / norms[b] }
    }
    let c = program.blockColumns(w, blocks: blocks)
    var gram = Matrix(rows: k, columns: k)
    gram.gemm(c, c, transA: .transpose)
    loss.rows.sum(&gram)
    var h = c.multiply(y, trans: .transpose)
    loss.rows.sum(&h)
    for q in 0..<k { h[q] -= program.beta }
    let t = NonNegativeQuadratic(gram: gram, linear: h, start: Array(0..<k)).solution
    var refit = Matrix(rows: d, columns: B)
    var penalty = 0.0
    for (q, b) in blocks.enumerated() where t[q] > 0 {
      penalty += t[q]
      for i in 0..<d { refit[i, b] = t[q] * w[i, q] }
    }
    u = refit
    prediction = c.multiply(t)
    objective = loss.value(prediction, y) + program.beta * penalty
  }
}
