import Testing
@testable import ZeroGap

/// §8 on real data (the built-in sine, standardised feature + bias): every trained network of I single-neuron
/// branches lies above the certified bound of the convexified program, the gap shrinks as I grows, and from the
/// convex solution's width on it is within training accuracy of zero.
@Suite struct BranchGapOnDataTests {
  @Test func gapShrinksWithBranches() throws {
    let sine = try BuiltinDatasets.load("sine")
    let z = try Standardizer(fitting: sine.features).transform(sine.features).addingBiasColumn()
    let result = try BranchGapOnData.compute(x: z, y: sine.targets.column(0), beta: 0.5, branches: [1, 2, 16], restarts: 6)
    #expect(result.lowerBound <= result.convexObjective)
    #expect(result.convexObjective - result.lowerBound <= 1e-7 * result.convexObjective)
    for r in result.rows { #expect(r.primal >= result.lowerBound - 1e-9) }
    let gaps = result.rows.map(\.gap)
    #expect(gaps[0] > gaps[1] && gaps[1] > gaps[2])
    #expect(result.convexNeurons <= 16)
    #expect(gaps[2] <= 1e-4 * result.convexObjective)
  }
}
