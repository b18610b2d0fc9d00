import RealModule

/// The table of `zerogap linear` (MATH.md §1–§2, §9 figure 1): for each depth, the primal value, dual
/// value and gap of the standard deep linear network (weight decay) and of the parallel network
/// (R1/R2 regularisation), in min-norm mode (β = nil) or for the regularised squared loss, optionally
/// with the best value reached by nonconvex training. Values are in MATH.md's unnormalised convention.
///
/// * standard, min-norm: P_lin, D_lin (closed forms, §1.2–1.3);
/// * standard, regularised: P_reg (closed form if XᵀX = I or XXᵀ = I, else best value found by proximal
///   gradient) and D_reg (§1.5);
/// * parallel, min-norm: ‖X⁺Y‖_* and the dual certificate value (§2);
/// * parallel, regularised: `min (1/2)‖XW−Y‖² + β‖W‖_*` and its dual certificate (§2); depth ≥ 2 only.
public struct LinearDualityTable: Sendable {
  public struct Row: Sendable {
    public var depth: Int
    public var architecture: NetworkArchitecture
    public var primal: Double
    public var dual: Double
    public var gap: Double
    /// Best value of nonconvex training (nil if not requested or every restart failed).
    public var trained: Double?
    /// Whether the best training restart met its stopping tolerance (nil if not trained). If false,
    /// `trained` is an attained value, hence an upper bound on the minimum, but maybe not the minimum.
    public var trainedConverged: Bool? = nil
    /// Whether `primal` is a closed form or certified convex value (false: best value found).
    public var primalCertified: Bool
    /// Parallel rows, L ≥ 3, min-norm: the value under the t-form regulariser R3 optimised over t,
    /// (L/2)‖M‖_*^{2/L} (§2) — D_lin of the standard network.
    public var tForm: Double? = nil
    /// Parallel rows, L ≥ 3: the best value of training the network under R3 (t trained too), when training.
    public var tFormTrained: Double? = nil
  }

  public var rows: [Row]
  /// σ(X⁺Y), descending (round-off values zeroed).
  public var singularValues: [Double]
  public var beta: Double?
  public var rankX: Int
  /// Relative pseudo-inverse tolerance used for X⁺.
  public var pseudoInverseTolerance: Double
  public var shapeX: (rows: Int, columns: Int)
  public var shapeY: (rows: Int, columns: Int)

  /// Computes the table.
  /// - Parameters:
  ///   - depths: each ≥ 1 (the parallel architecture is reported for depths ≥ 2).
  ///   - beta: nil for min-norm interpolation (Y must be realizable), else β ≥ 0.
  ///   - trainRestarts: 0 for no training, else the number of seeded restarts per row.
  /// - Throws: `DeepLinearError` (depth < 1, β < 0, not realizable in min-norm mode, …).
  ///   - progress: called before each row with its depth and architecture (for progress lines on long runs).
  public static func compute(
    data: DeepLinearData, depths: [Int], beta: Double?, trainRestarts: Int = 0, seed: UInt64 = 0,
    progress: ((Int, NetworkArchitecture) -> Void)? = nil
  ) throws(DeepLinearError) -> LinearDualityTable {
    guard !depths.isEmpty else { throw .invalidParameter("no depth given: pass e.g. --depth 2,3,4,5") }
    for L in depths where L < 1 { throw .invalidDepth(L, minimum: 1) }
    if let beta { guard beta >= 0, beta.isFinite else { throw .invalidBeta(beta) } } else { try data.requireRealizable() }
    var rows: [Row] = []
    for L in depths {
      for arch in NetworkArchitecture.allCases {
        if arch == .parallel && L < 2 { continue }
        progress?(L, arch)
        var row: Row
        switch (arch, beta) {
        case (.standard, .none):
          let p = try StandardDeepLinearMinimumNorm(data: data, depth: L)
          row = Row(depth: L, architecture: arch, primal: p.primal, dual: p.dual, gap: p.gap, trained: nil, primalCertified: true)
        case (.standard, .some(let b)):
          let p = try StandardDeepLinearRegularized(data: data, depth: L, beta: b)
          let primal = try p.primal()
          // D_reg ≤ P_reg ≤ the attained primal value: a dual search value above it is not D_reg.
          let dual = Swift.min(try p.dual().value, primal.value)
          row = Row(depth: L, architecture: arch, primal: primal.value, dual: dual, gap: primal.value - dual,
                    trained: nil, primalCertified: primal.closedForm || L <= 2)
        case (.parallel, let b):
          let program = try ParallelDeepLinearProgram(data: data, depth: L, beta: b)
          let s = try program.solve()
          row = Row(depth: L, architecture: arch, primal: s.primal, dual: s.dual, gap: s.gap, trained: nil, primalCertified: true)
          if b == nil && L >= 3 { row.tForm = program.tFormValue }
        }
        if trainRestarts > 0 {
          var g = SeededGenerator(seed: seed &+ UInt64(L) &* 1_000_003 &+ (arch == .parallel ? 7 : 0))
          let t = try DeepLinearTraining(data: data, depth: L, architecture: arch, beta: beta, restarts: trainRestarts)
          let out = try t.train(using: &g)
          row.trained = out.best
          row.trainedConverged = out.best == nil ? nil : out.converged
          if arch == .parallel && L >= 3 { row.tFormTrained = try t.trainTForm(using: &g).best }
        }
        if beta != nil {
          // The loss's rounding at Y's scale, ≈ (n + d)·ε·½‖Y‖²: an objective below it is noise, not a value.
          let rounding = 16 * Double(data.x.rows + data.x.columns) * Double.ulpOfOne * 0.5 * data.y.dot(data.y)
          guard row.primal > rounding else {
            throw .invalidParameter("depth \(L) \(arch.rawValue): the objective (\(row.primal)) is below the rounding of the loss at this data scale (about \(rounding), from ‖Y‖ = \(data.y.frobeniusNorm)); β is negligible here — rescale X and Y (and β with them) or raise β")
          }
        }
        guard row.primal.isFinite && row.dual.isFinite else {
          throw .invalidParameter("depth \(L) \(arch.rawValue): the objective overflows double precision; rescale X and Y (and β with them)")
        }
        rows.append(row)
      }
    }
    return LinearDualityTable(
      rows: rows, singularValues: data.singularValues, beta: beta, rankX: data.rankX,
      pseudoInverseTolerance: data.pseudoInverseTolerance, shapeX: (data.x.rows, data.x.columns),
      shapeY: (data.y.rows, data.y.columns))
  }

  /// `{"results": [{"depth", "architecture", "primal", "dual", "gap", "trained"[, "trained_converged", "t_form",
  /// "t_form_trained"]}], "singular_values": [σ(X⁺Y)]}`; `trained_converged` (bool) is present only for rows that
  /// were trained; `t_form` (min-norm) and `t_form_trained` (when training) only on parallel rows with L ≥ 3.
  public var json: JSON {
    .object([
      "results": .array(rows.map { r in
        var fields: [(String, JSON)] = [
          ("depth", .number(Double(r.depth))), ("architecture", .string(r.architecture.rawValue)),
          ("primal", .number(r.primal)), ("dual", .number(r.dual)), ("gap", .number(r.gap)), ("trained", .number(r.trained)),
        ]
        if let c = r.trainedConverged { fields.append(("trained_converged", .bool(c))) }
        if let t = r.tForm { fields.append(("t_form", .number(t))) }
        if let t = r.tFormTrained { fields.append(("t_form_trained", .number(t))) }
        return .object(fields)
      }),
      "singular_values": .numbers(singularValues),
    ])
  }

  /// Whether X is rank-deficient (X⁺ then drops singular values below the tolerance).
  public var xIsRankDeficient: Bool { rankX < Swift.min(shapeX.rows, shapeX.columns) }

  /// A human-readable table. Every value column is 16 characters wide and right-aligned; a value never
  /// takes more than 15, so columns are always separated by at least one space (`tableCell`). A trained
  /// value whose best restart did not meet its stopping tolerance is marked with a trailing `†`.
  public var text: String {
    func f(_ x: Double?, mark: Bool = false) -> String {
      let s = x.map { tableCell($0, width: mark ? 14 : 15) + (mark ? "†" : "") } ?? "—"
      return String(repeating: " ", count: Swift.max(1, 16 - s.count)) + s
    }
    var out = beta.map { "Deep linear networks, regularised squared loss, β = \(shortNumber($0)) (MATH.md §1.5, §2)\n" }
      ?? "Deep linear networks, min-norm interpolation (MATH.md §1.2–1.3, §2)\n"
    out += "X \(shapeX.rows)×\(shapeX.columns), Y \(shapeY.rows)×\(shapeY.columns); rank X = \(rankX)"
    out += xIsRankDeficient ? " (rank-deficient: X⁺ drops σ(X) ≤ \(shortNumber(pseudoInverseTolerance))·σ₁(X))\n" : "\n"
    out += "σ(X⁺Y) = " + singularValues.map { tableCell($0, width: 15, decimals: 6) }.joined(separator: ", ") + "\n"
    out += "depth  architecture" + ["primal", "dual", "gap", "trained"].map { String(repeating: " ", count: 16 - $0.count) + $0 }.joined() + "\n"
    for r in rows {
      let name = r.architecture.rawValue + (r.primalCertified ? "" : "*")
      out += String(repeating: " ", count: Swift.max(0, 5 - String(r.depth).count)) + String(r.depth) + "  "
      out += name + String(repeating: " ", count: Swift.max(0, 12 - name.count))
      out += f(r.primal) + f(r.dual) + f(r.gap) + f(r.trained, mark: r.trainedConverged == false) + "\n"
    }
    if rows.contains(where: { !$0.primalCertified }) {
      out += "* primal = best value found by proximal gradient (no closed form for this X); the dual is D_reg (§1.5, ≤ P_reg) as found by a search over λ, at most the primal.\n"
    }
    if rows.contains(where: { $0.trainedConverged == false }) {
      out += "† training did not reach its stopping tolerance; value is an upper bound.\n"
    }
    out += "standard: weight decay (β/2)Σ‖W_l‖²; parallel: R1/R2 regularisation, convex nuclear-norm equivalent.\n"
    out += "(The two penalties differ in scale; with the t-form regulariser R3 the parallel value equals the standard dual, MATH.md §2.)\n"
    for r in rows where r.tForm != nil || r.tFormTrained != nil {
      out += "parallel L = \(r.depth) under R3 (t-form, t optimised): "
      out += (r.tForm.map { "(L/2)‖M‖_*^{2/L} = \(tableCell($0, width: 15).trimmingLeadingSpaces)" } ?? "")
      out += (r.tForm != nil && r.tFormTrained != nil ? ", " : "") + (r.tFormTrained.map { "trained \(tableCell($0, width: 15).trimmingLeadingSpaces)" } ?? "") + "\n"
    }
    return out
  }
}

extension String {
  var trimmingLeadingSpaces: String { String(drop { $0 == " " }) }
}

/// `x` in at most `width` characters (width ≥ 12): fixed point with `decimals` decimals, fewer decimals
/// (down to 4) if that is too wide, else %g-style scientific notation `d.ddddde±XX` with as many
/// mantissa digits as fit. Non-finite values print as `inf`, `-inf`, `nan`.
func tableCell(_ x: Double, width: Int, decimals: Int = 10) -> String {
  guard x.isFinite else { return x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }
  for digits in stride(from: decimals, through: Swift.min(4, decimals), by: -1) {
    let s = fixed(x, digits)
    if s.count <= width { return s }
  }
  return scientific(x, maxLength: width)
}

/// `x` as `m.mmme±XX` (|m| in [1, 10)) in at most `maxLength` characters (for |exponent| < 100).
func scientific(_ x: Double, maxLength: Int) -> String {
  guard x != 0 else { return "0" }
  var e = Int(Double.log10(Swift.abs(x)).rounded(.down))
  var mantissa = Swift.abs(x) / Double.pow(10, Double(e))
  if mantissa >= 10 { mantissa /= 10; e += 1 }
  if mantissa < 1 { mantissa *= 10; e -= 1 }
  func exponent(_ e: Int) -> String { (e < 0 ? "e-" : "e+") + (Swift.abs(e) < 10 ? "0" : "") + String(Swift.abs(e)) }
  let sign = x < 0 ? "-" : ""
  let decimals = Swift.max(1, maxLength - exponent(e).count - sign.count - 2)
  var m = fixed(mantissa, decimals)
  if m.hasPrefix("10") {  // rounding carried the mantissa to 10
    e += 1
    m = fixed(1, decimals)
  }
  return sign + m + exponent(e)
}

/// `x` with `digits` decimals (no Foundation).
func fixed(_ x: Double, _ digits: Int) -> String {
  guard x.isFinite else { return String(describing: x) }
  let scale = Double.pow(10, Double(digits))
  let r = (abs(x) * scale).rounded()
  guard r < 9e15 else { return String(describing: x) }
  let intPart = Int64(r / scale)
  let frac = Int64(r - Double(intPart) * scale)
  let fracStr = String(frac)
  let padded = String(repeating: "0", count: Swift.max(0, digits - fracStr.count)) + fracStr
  let sign = x < 0 && r != 0 ? "-" : ""
  return digits > 0 ? "\(sign)\(intPart).\(padded)" : "\(sign)\(intPart)"
}

/// Shortest round-trip representation.
func shortNumber(_ x: Double) -> String { String(describing: x) }
