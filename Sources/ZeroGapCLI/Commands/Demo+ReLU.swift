import Foundation
import ZeroGap

/// The two-layer ReLU part of `zerogap demo` (MATH.md §3). Every comparison is within one model class, and the
/// text says what each lower bound covers (§3.5):
///
/// 1. the embedded regression set `diabetes` (442×10, standardised features + bias column, standardised target):
///    the gated-ReLU convex program (C-GReLU, §3.6) over 100 sampled gates solved to a certified 10⁻⁶ relative gap.
///    Its lower bound (scope `sampled`) covers every gated-ReLU network whose gates are among those gates, of any
///    width — and nothing else (not ReLU networks). The nonconvex baseline is exactly such a network: one neuron
///    per gate, the same β, trained by Adam from several random starts.
/// 2. the 1-D set `sine` (d = 2 with the bias, so every pattern is enumerated): the exact C-ReLU program (§3.3)
///    to a certified 10⁻⁶ relative gap. Its bound is `global`: it covers every two-layer ReLU network of any width.
///    The baseline is a ReLU network of the optimum's width with the same β, trained by Adam.
///
/// (The exact C-ReLU program on diabetes with sampled patterns took ~10 s when this was written — too slow for
/// README command 1 — and its `sampled` bound would not cover a nonconvex ReLU network, which may use patterns
/// outside the sample; only the crude bound of §3.5.3 would, and it is far below.)
func demoReLUSection() throws -> (text: String, json: JSON) {
  let restarts = 4, steps = 1500

  // 1. diabetes, gated ReLU, sampled gates; nonconvex gated network with the same gates.
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
  let gateCount = f.gates.columns
  let gatedObjective = try TwoLayerReLUObjective(data: z, targets: y, width: gateCount, beta: beta, gates: f.gates)
  let trainer = NonconvexTrainer(optimizer: Adam(learningRate: 1e-2), iterations: steps, restarts: restarts)
  var gen = SeededGenerator(seed: 0)
  let start = Date()
  let best = trainer.train(gatedObjective, using: &gen).best?.objective ?? .nan
  let nonconvexSeconds = Date().timeIntervalSince(start)
  let r = f.report

  var text = "Two-layer ReLU networks (MATH.md §3)\n"
  text += "diabetes (\(ds.features.rows)×\(ds.features.columns), standardised features + bias, standardised target), β = \(beta.formatted), \(gateCount) sampled gates\n"
  text += "  convex gated ReLU (C-GReLU, §3.6): objective \(formatFixed(r.objective)), lower bound \(formatFixed(r.lowerBound)),"
  text += " gap \(formatScientific(r.gap)) (relative \(formatScientific(r.relativeGap)), \(r.stopReason.rawValue))\n"
  text += "    \(f.network.width) neurons, \(r.iterations) iterations, \(formatFixed(r.seconds, decimals: 2)) s\n"
  text += "    the bound covers every gated-ReLU network whose gates are among these \(gateCount), of any width;\n"
  text += "    it says nothing about ReLU networks (their patterns follow their weights)\n"
  text += "  recovered gated network: objective \(formatFixed(recovered)) (reproduces the convex value)\n"
  text += "  nonconvex gated network, the same \(gateCount) gates (one neuron each) and β, Adam \(restarts) restarts × \(steps) steps:\n"
  text += "    best objective \(formatFixed(best)) = optimum + \(formatScientific((best - r.objective) / abs(r.objective))) relative (\(formatFixed(nonconvexSeconds, decimals: 2)) s)\n"

  // 2. sine, exact ReLU, all patterns: a certificate for the full nonconvex problem; nonconvex ReLU network.
  let sine = try BuiltinDatasets.load("sine")
  let ys = standardized(sine.targets.column(0))
  let betaSine = 0.5
  var exact = ConvexReLUEstimator(configuration: .init(
    model: .relu, loss: .squared, beta: betaSine, patterns: .enumerate, solver: ConvexSolverOptions(tolerance: 1e-6)))
  try exact.fit(data: sine.features, targets: ys)
  var sineJSON = JSON.null
  if let g = exact.fitted {
    let e = g.report
    let zs = try exact.preprocessed(sine.features)
    let recoveredSine = g.network.objective(data: zs, targets: ys, beta: betaSine)
    let width = max(1, g.network.width)
    let reluObjective = try TwoLayerReLUObjective(data: zs, targets: ys, width: width, beta: betaSine)
    var genSine = SeededGenerator(seed: 0)
    let bestSine = trainer.train(reluObjective, using: &genSine).best?.objective ?? .nan
    text += "sine (\(sine.features.rows)×\(sine.features.columns), standardised feature + bias, standardised target), β = \(betaSine.formatted), all \(g.gates.columns) patterns enumerated\n"
    text += "  convex exact ReLU (C-ReLU, §3.3): objective \(formatFixed(e.objective)), lower bound \(formatFixed(e.lowerBound)),"
    text += " gap \(formatScientific(e.gap)) (relative \(formatScientific(e.relativeGap)), \(e.stopReason.rawValue))\n"
    text += "    \(g.network.width) neurons, \(e.iterations) iterations, \(formatFixed(e.seconds, decimals: 2)) s\n"
    text += "    the bound is \(g.boundScope.rawValue): \(g.boundScope == .global ? "no two-layer ReLU network of any width does better" : "it covers the program over these patterns only")\n"
    text += "  recovered ReLU network: objective \(formatFixed(recoveredSine)) (reproduces the convex value)\n"
    text += "  nonconvex ReLU network, width \(width) and the same β, Adam \(restarts) restarts × \(steps) steps:\n"
    text += "    best objective \(formatFixed(bestSine)) = optimum + \(formatScientific((bestSine - e.objective) / abs(e.objective))) relative\n"
    sineJSON = .object([
      ("dataset", .string("sine")), ("model", .string(ConvexReLUModel.relu.rawValue)), ("beta", .number(betaSine)),
      ("patterns", .number(Double(g.gates.columns))),
      ("objective", .number(e.objective)), ("lower_bound", .number(e.lowerBound)), ("gap", .number(e.gap)),
      ("relative_gap", .number(e.relativeGap)), ("bound_scope", .string(g.boundScope.rawValue)),
      ("stop_reason", .string(e.stopReason.rawValue)), ("neurons", .number(Double(g.network.width))),
      ("iterations", .number(Double(e.iterations))), ("seconds", .number(e.seconds)),
      ("recovered_objective", .number(recoveredSine)),
      ("nonconvex", .object([
        ("model", .string(ConvexReLUModel.relu.rawValue)), ("width", .number(Double(width))), ("beta", .number(betaSine)),
        ("restarts", .number(Double(restarts))), ("steps", .number(Double(steps))), ("best_objective", .number(bestSine)),
      ])),
    ])
  }
  var json: [(String, JSON)] = [
    ("dataset", .string("diabetes")), ("model", .string(ConvexReLUModel.gatedReLU.rawValue)), ("beta", .number(beta)),
    ("patterns", .number(Double(gateCount))),
    ("objective", .number(r.objective)), ("lower_bound", .number(r.lowerBound)), ("gap", .number(r.gap)),
    ("relative_gap", .number(r.relativeGap)), ("bound_scope", .string(f.boundScope.rawValue)),
    ("stop_reason", .string(r.stopReason.rawValue)),
    ("neurons", .number(Double(f.network.width))), ("iterations", .number(Double(r.iterations))), ("seconds", .number(r.seconds)),
    ("recovered_objective", .number(recovered)),
  ]
  if let g = f.globalCertificate {
    json.append(("global_lower_bound", .number(g.lowerBound)))
    json.append(("global_bound_scope", .string(g.scope.rawValue)))
  }
  json += [
    ("nonconvex", .object([
      // "gates": "same" — the nonconvex network's gates are the convex program's (so its sampled bound covers it).
      ("model", .string(ConvexReLUModel.gatedReLU.rawValue)), ("gates", .string("same")), ("width", .number(Double(gateCount))),
      ("beta", .number(beta)), ("restarts", .number(Double(restarts))), ("steps", .number(Double(steps))),
      ("best_objective", .number(best)), ("seconds", .number(nonconvexSeconds)),
    ])),
    ("sine_exact", sineJSON),
  ]
  return (text, .object(json))
}

private extension Double {
  /// Short form of a hyper-parameter (5.0 → "5", 0.5 → "0.5").
  var formatted: String { self == rounded() && abs(self) < 1e15 ? String(Int(self)) : String(describing: self) }
}

/// (y − mean)/sd (population sd; unchanged if constant).
private func standardized(_ y: [Double]) -> [Double] {
  let mean = y.reduce(0, +) / Double(max(1, y.count))
  let sd = (y.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(max(1, y.count))).squareRoot()
  return sd > 0 ? y.map { ($0 - mean) / sd } : y
}
