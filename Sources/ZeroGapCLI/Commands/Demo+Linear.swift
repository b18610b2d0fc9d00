import ZeroGap

/// The deep-linear section of `zerogap demo` (to be called from Demo.swift): the primal/dual/gap
/// table of the standard and parallel architectures at depths 2–5 for the embedded low-rank case
/// (`LinearCase.lowRank`, min-norm interpolation) with nonconvex training as the independent check,
/// as text and as the `zerogap linear --json` object.
func demoLinearSection() throws -> (text: String, json: JSON) {
  let (x, y) = LinearCase.lowRank.matrices
  let data = try DeepLinearData(x: x, y: y)
  let table = try LinearDualityTable.compute(data: data, depths: [2, 3, 4, 5], beta: nil, trainRestarts: 3, seed: 1)
  let text = "Deep linear networks — \(LinearCase.lowRank.summary)\n" + table.text
    + "The standard network's gap is positive for depth ≥ 3 because rank(X⁺Y) = \(data.rank) ≥ 2; the parallel network's is zero.\n"
  return (text, table.json)
}
