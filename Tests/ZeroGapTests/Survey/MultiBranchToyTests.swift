import Testing
@testable import ZeroGap

/// MATH.md §8 and §10.14: the toy's Δ = 1/60, λ* = 1/30, sup D = 1.0233333333 (1e-6); for I ∈ {1, 2, 3, 4, 5, 6, 8}:
/// P(I) ≥ sup D − 1e-9, gap(I) ≤ 2Δ/I + 1e-6, P(2I) ≤ P(I) + 1e-9, and P(I) as tabulated within 1e-4.
@Suite struct MultiBranchToyTests {
  @Test func toyMatchesMATH() throws {
    let toy = MultiBranchToy.paper
    #expect(abs(toy.delta - 1.0 / 60) <= 1e-6)
    let (lambda, dual) = toy.dualOptimum
    #expect(abs(lambda - 1.0 / 30) <= 1e-6)
    #expect(abs(dual - 1.0233333333) <= 1e-6)
    let table: [Int: Double] = [1: 1.0301518295, 2: 1.0241801110, 3: 1.0233625934, 4: 1.0241801110, 5: 1.0235726559, 6: 1.0233625934, 8: 1.0234726536]
    var values: [Int: Double] = [:]
    for (i, expected) in table {
      let p = try toy.primal(branches: i)
      values[i] = p.value
      #expect(abs(p.value - expected) <= 1e-4, "I = \(i)")
      #expect(p.value >= dual - 1e-9)
      #expect(p.value - dual <= 2 * toy.delta / Double(i) + 1e-6)
      // The minimiser is feasible and attains the value.
      #expect(p.thetas.reduce(0) { $0 + $1 * $1 } / Double(i) <= 0.3 + 1e-12)
      #expect(abs(1 + p.thetas.reduce(0) { $0 + toy.fhat($1) } / Double(i) - p.value) <= 1e-12)
    }
    for i in [1, 2, 3, 4] { #expect(values[2 * i]! <= values[i]! + 1e-9) }
  }

  /// Independent check of P(I) for I = 1, 2: a brute-force grid over θ (step 1e-3) never beats it and comes within
  /// the grid's resolution.
  @Test func primalAgainstBruteForce() throws {
    let toy = MultiBranchToy.paper
    let grid = stride(from: -1.0, through: 1.0, by: 0.001).map { $0 }
    let one = grid.filter { $0 * $0 <= 0.3 }.map { 1 + toy.fhat($0) }.min()!
    #expect(try toy.primal(branches: 1).value <= one + 1e-12)
    #expect(one - (try toy.primal(branches: 1).value) <= 1e-3)
    var two = Double.infinity
    for a in stride(from: 0, to: grid.count, by: 2) {
      for b in stride(from: a, to: grid.count, by: 2) where grid[a] * grid[a] + grid[b] * grid[b] <= 0.6 {
        two = Swift.min(two, 1 + (toy.fhat(grid[a]) + toy.fhat(grid[b])) / 2)
      }
    }
    #expect(try toy.primal(branches: 2).value <= two + 1e-12)
    #expect(two - (try toy.primal(branches: 2).value) <= 2e-3)
  }

  @Test func clippingHingeIsRefused() {
    #expect(throws: DualityGapError.self) { try MultiBranchToy(x: [1], y: [1], tau: 1, budget: 0.3) }
  }

  /// P(I) by a second method: a dynamic programme over a θ grid of step 0.01 with the budget in units of 1e-4, each
  /// θ² rounded up (so every DP point is feasible: an upper bound on P(I)). It never beats the exact value and comes
  /// within the grid's resolution of it.
  @Test func primalAgainstADynamicProgramme() throws {
    let toy = MultiBranchToy.paper
    let thetas = (0...200).map { -1 + Double($0) / 100 }
    let cost = thetas.map { Int(($0 * $0 / 1e-4 - 1e-9).rounded(.up)) }
    let value = thetas.map { toy.fhat($0) }
    for count in [1, 2, 3, 4, 8] {
      let capacity = Int((Double(count) * 0.3 / 1e-4 + 1e-9).rounded(.down))
      var best = [Double](repeating: .infinity, count: capacity + 1)
      best[0] = 0
      for _ in 0..<count {
        var next = [Double](repeating: .infinity, count: capacity + 1)
        for b in 0...capacity where best[b].isFinite {
          for k in thetas.indices where b + cost[k] <= capacity { next[b + cost[k]] = Swift.min(next[b + cost[k]], best[b] + value[k]) }
        }
        best = next
      }
      let dp = 1 + best.min()! / Double(count)
      let exact = try toy.primal(branches: count).value
      #expect(dp >= exact - 1e-12, "I = \(count)")
      #expect(dp - exact <= 2e-3, "I = \(count)")
    }
  }
}
