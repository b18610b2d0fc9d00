import ZeroGap

/// The two-layer ReLU part of `zerogap demo` (MATH.md §3):
///
/// 1. the embedded regression set `diabetes` (442×10, standardised features + bias column, standardised target):
///    the gated-ReLU convex program over 100 sampled patterns solved to a certified 10⁻⁶ relative gap (bound scope
///    `sampled`), the network recovered from it, and the best of several nonconvex Adam runs of a same-width
///    two-layer ReLU network with the same weight decay;
/// 2. the 1-D set `sine` (d = 2 with the bias, so every pattern is enumerated): the exact C-ReLU program to a
///    certified global gap.
func demoReLUSection() throws -> (text: String, json: JSON) {
  let fmt = { (x: Double) in String(describing: (x * 1e6).rounded() / 1e6) }

  // 1. diabetes, gated ReLU, sampled patterns.
  let ds = try BuiltinDatasets.load("diabetes")
  let y = standardized(ds.targets.column(0))
  let beta = 5.0
  let patternCount = 100
  var est = ConvexReLUEstimator(configuration: .init(
    model: .gatedReLU, loss: .squared, beta: beta, patterns: .sampled(count: patternCount, seed: 0),
    solver: ConvexSolverOptions(tolerance: 1e-6)))
  try est.fit(data: ds.features, targets: y)
  guard let f = est.fitted else { return ("", .null) }
  let z = try est.preprocessed(ds.features)
  let recovered = f.network.objective(data: z, targets: y, beta: beta)
  let width = f.network.width
  let objective = try TwoLayerReLUObjective(data: z, targets: y, width: max(width, 1), beta: beta)
  let restarts = 4, steps = 1500
  let trainer = NonconvexTrainer(optimizer: Adam(learningRate: 1e-2), iterations: steps, restarts: restarts)
  var gen = SeededGenerator(seed: 0)
  let best = trainer.train(objective, using: &gen).best?.objective ?? .nan
  let r = f.report
  var text = "Two-layer ReLU networks (MATH.md §3)\n"
  text += "diabetes (\(ds.features.rows)×\(ds.features.columns), standardised, + bias), β = \(fmt(beta)), gated ReLU over \(f.gates.columns) sampled patterns\n"
  text += "  convex (C-GReLU): objective \(fmt(r.objective)), certified lower bound \(fmt(r.lowerBound)) (\(f.boundScope.rawValue): no gated network on these patterns does better)\n"
  text += "                    relative gap \(String(describing: r.relativeGap)) (\(r.stopReason.rawValue)), \(width) neurons, \(r.iterations) iterations, \(fmt(r.seconds)) s\n"
  text += "  recovered gated network: objective \(fmt(recovered)) (reproduces the convex value)\n"
  text += "  nonconvex ReLU network (Adam, width \(width), \(restarts) restarts × \(steps) steps): best objective \(fmt(best))\n"

  // 2. sine, exact ReLU, all patterns: a certificate for the full nonconvex problem.
  let sine = try BuiltinDatasets.load("sine")
  let ys = standardized(sine.targets.column(0))
  let betaSine = 0.5
  var exact = ConvexReLUEstimator(configuration: .init(
    model: .relu, loss: .squared, beta: betaSine, patterns: .enumerate, solver: ConvexSolverOptions(tolerance: 1e-4)))
  try exact.fit(data: sine.features, targets: ys)
  var sineJSON = JSON.null
  if let g = exact.fitted {
    let e = g.report
    text += "sine (50×1, + bias), β = \(fmt(betaSine)), exact ReLU over all \(g.gates.columns) patterns\n"
    text += "  convex (C-ReLU): objective \(fmt(e.objective)), certified lower bound \(fmt(e.lowerBound)) (\(g.boundScope.rawValue): no two-layer ReLU network does better),"
    text += " relative gap \(String(describing: e.relativeGap)), \(g.network.width) neurons, \(fmt(e.seconds)) s\n"
    sineJSON = .object([
      ("dataset", .string("sine")), ("beta", .number(betaSine)), ("patterns", .number(Double(g.gates.columns))),
      ("objective", .number(e.objective)), ("lower_bound", .number(e.lowerBound)), ("gap", .number(e.gap)),
      ("bound_scope", .string(g.boundScope.rawValue)), ("neurons", .number(Double(g.network.width))),
      ("seconds", .number(e.seconds)),
    ])
  }
  let json = JSON.object([
    ("dataset", .string("diabetes")), ("model", .string("gated-relu")), ("beta", .number(beta)),
    ("patterns", .number(Double(f.gates.columns))),
    ("objective", .number(r.objective)), ("lower_bound", .number(r.lowerBound)), ("gap", .number(r.gap)),
    ("relative_gap", .number(r.relativeGap)), ("bound_scope", .string(f.boundScope.rawValue)),
    ("neurons", .number(Double(width))), ("iterations", .number(Double(r.iterations))), ("seconds", .number(r.seconds)),
    ("recovered_objective", .number(recovered)),
    ("nonconvex_best", .number(best)), ("nonconvex_width", .number(Double(width))),
    ("sine_exact", sineJSON),
  ])
  return (text, json)
}

/// (y − mean)/sd (population sd; unchanged if constant).
private func standardized(_ y: [Double]) -> [Double] {
  let mean = y.reduce(0, +) / Double(max(1, y.count))
  let sd = (y.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(max(1, y.count))).squareRoot()
  return sd > 0 ? y.map { ($0 - mean) / sd } : y
}
