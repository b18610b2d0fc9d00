import RealModule
import ZeroGap

/// The survey section of `zerogap demo` (MATH.md §6–§8, "How to Convexify your Neural Network"): one ReLU neuron and
/// its convex relaxation on §6's planted example and counterexample; the NTK Gram matrix of §7's three inputs with
/// its predicted rate and a wide network trained against it; §8's multi-branch toy with the gap against 2Δ/I, and the
/// gap of single-neuron branches on sine against the convexified value.
func demoSurveySection() throws -> (text: String, json: JSON) {
  var text = "The survey's systems (MATH.md §6–§8)\n"
  // §6: planted (realisable) and counterexample.
  let planted = try SingleNeuron(data: Matrix([[1, 0], [0, 1], [1, 1], [1, -1]]), targets: [1, 0, 0.5, 1.5])
  let counter = try SingleNeuron(data: Matrix(rows: 2, columns: 1, columnMajor: [1, -1]), targets: [1, 1])
  let p = try planted.report(starts: 20), c = try counter.report(starts: 20)
  text += "  single neuron, planted y = (Xw*)_+: relaxation reaches L = \(formatScientific(p.relaxed.loss)) (exact: \(p.relaxationExact(scale: planted.lossScale) == true)); GD from 0 stays at L = \(formatNumber(p.descent.fromZero)); \(p.failedStarts(scale: planted.lossScale)) of 20 random starts fail\n"
  text += "  single neuron, X = (1, −1)ᵀ, y = (1, 1): relaxation gives L = \(formatNumber(c.relaxed.loss)), the exact global minimum is \(formatNumber(c.global?.loss ?? .nan)) (relaxation not exact)\n"
  // §7: the three inputs at 0°, 60°, 90°.
  let unit = Matrix([0.0, 60, 90].map { [Double.cos($0 * Double.pi / 180), Double.sin($0 * Double.pi / 180)] })
  let h = NTKGram.twoLayer(unit)
  let eig = try NTKGram.eigenvalues(h)
  let eta = 1 / eig[2]
  let run = try NTKTraining.run(unit: unit, targets: [1, -1, 0.5], width: 5000, steps: 300, learningRate: eta, lambda0: eig[0], seed: 1)
  text += "  NTK (Du et al.), inputs at 0°, 60°, 90°: λ₀ = \(formatNumber(eig[0])), predicted rate \(formatNumber(NTKGram.rate(lambda: eig[0], learningRate: eta)))/step; a width-5000 network: loss \(formatScientific(run.loss[0])) → \(formatScientific(run.loss[100])) at step 100 (bound \(formatScientific(run.bound[100]))), worst loss/bound \(formatNumber(run.worstRatio))\n"
  // §8: the toy.
  let toy = MultiBranchToy.paper
  let rows = try toy.rows(branches: [1, 2, 4, 8])
  let dual = toy.dualOptimum.value
  text += "  multi-branch gap (Zhang et al.), §8 toy: sup D = \(formatNumber(dual)), Δ = \(formatNumber(toy.delta))\n"
  for r in rows { text += "    I = \(r.branches): P(I) = \(formatFixed(r.primal, decimals: 10)), gap \(formatScientific(r.gap)) ≤ 2Δ/I = \(formatScientific(r.bound))\n" }
  // §8 on real data: single-neuron branches on sine against the convexified value.
  let sine = try BuiltinDatasets.load("sine")
  let z = try Standardizer(fitting: sine.features).transform(sine.features).addingBiasColumn()
  let real = try BranchGapOnData.compute(x: z, y: sine.targets.column(0), beta: 0.5, branches: [1, 2, 4, 8], restarts: 4)
  text += "  the same on sine (β = 0.5, branches = single ReLU neurons): convexified value \(formatFixed(real.convexObjective, decimals: 6)) (certified), best trained P(I):\n"
  text += "    " + real.rows.map { "I = \($0.branches): gap \(formatScientific($0.gap))" }.joined(separator: ", ") + "\n"
  let json = JSON.object([
    "neuron_planted": p.json(scale: planted.lossScale), "neuron_counterexample": c.json(scale: counter.lossScale),
    "ntk": .object(["lambda_min": .number(eig[0]), "rate": .number(NTKGram.rate(lambda: eig[0], learningRate: eta)), "worst_ratio": .number(run.worstRatio)]),
    "branches": .object([
      "delta": .number(toy.delta), "dual": .number(dual),
      "rows": .array(rows.map { .object(["branches": .number(Double($0.branches)), "primal": .number($0.primal), "gap": .number($0.gap), "bound": .number($0.bound)]) }),
    ]),
    "branches_sine": .object([
      "dual": .number(real.lowerBound), "convex_objective": .number(real.convexObjective),
      "rows": .array(real.rows.map { .object(["branches": .number(Double($0.branches)), "primal": .number($0.primal), "gap": .number($0.gap), "bound": .null]) }),
    ]),
  ])
  return (text, json)
}
