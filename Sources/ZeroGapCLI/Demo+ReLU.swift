import ZeroGap

/// The two-layer ReLU part of `zerogap demo`: the embedded 1-D regression set `sine` (standardised feature + bias,
/// so d = 2 and every activation pattern is enumerated), the exact convex program solved to a certified global gap,
/// next to the best of several nonconvex Adam runs on the same objective (MATH.md §3).
func demoReLUSection() throws -> (text: String, json: JSON) {
  let ds = try BuiltinDatasets.load("sine")
  let y0 = ds.targets.column(0)
  let mean = y0.reduce(0, +) / Double(y0.count)
  let sd = (y0.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(y0.count)).squareRoot()
  let y = y0.map { ($0 - mean) / sd }
  let beta = 0.5
  var est = ConvexReLUEstimator(configuration: .init(
    model: .relu, loss: .squared, beta: beta, patterns: .enumerate,
    solver: ConvexSolverOptions(tolerance: 1e-4)))
  try est.fit(data: ds.features, targets: y)
  guard let f = est.fitted else { return ("", .null) }
  let z = try est.preprocessed(ds.features)
  let width = max(f.network.width, 8)
  let objective = try TwoLayerReLUObjective(data: z, targets: y, width: width, beta: beta)
  let trainer = NonconvexTrainer(optimizer: Adam(learningRate: 1e-2), iterations: 2000, restarts: 5)
  var gen = SeededGenerator(seed: 0)
  let best = trainer.train(objective, using: &gen).best?.objective ?? .nan
  let r = f.report
  let fmt = { (x: Double) in String(describing: (x * 1e6).rounded() / 1e6) }
  var text = "Two-layer ReLU network — sine (50×1, standardised, + bias), β = \(fmt(beta)), all \(f.gates.columns) activation patterns\n"
  text += "  convex (C-ReLU): objective \(fmt(r.objective)), certified lower bound \(fmt(r.lowerBound)) (\(f.boundScope.rawValue): no two-layer ReLU network does better),"
  text += " relative gap \(String(describing: r.relativeGap)) (\(r.stopReason.rawValue)), \(f.network.width) neurons, \(r.iterations) iterations, \(fmt(r.seconds)) s\n"
  text += "  nonconvex (Adam, width \(width), 5 restarts × 2000 steps): best objective \(fmt(best))\n"
  if let g = f.globalCertificate { text += "  bound on the full nonconvex problem (\(g.scope.rawValue)): \(fmt(g.lowerBound))\n" }
  let json = JSON.object([
    ("dataset", .string("sine")), ("beta", .number(beta)), ("patterns", .number(Double(f.gates.columns))),
    ("objective", .number(r.objective)), ("lower_bound", .number(r.lowerBound)), ("gap", .number(r.gap)),
    ("bound_scope", .string(f.boundScope.rawValue)), ("neurons", .number(Double(f.network.width))),
    ("iterations", .number(Double(r.iterations))), ("seconds", .number(r.seconds)),
    ("nonconvex_best", .number(best)), ("nonconvex_width", .number(Double(width))),
  ])
  return (text, json)
}
