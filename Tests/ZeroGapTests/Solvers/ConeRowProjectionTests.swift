import Foundation
import Testing
@testable import ZeroGap

/// The A-step of the exact C-ReLU ADMM (`ConeRowProjection`): against an independent per-row solver (plain
/// bisection on the monotone root equation, then the closed-form a_jb), and against the optimality conditions of
/// the row problem min ℓ(Σ_b σ_b m_jb a_jb) + I{S⊙a ≥ 0} + (ρ/2)‖a − t‖².
@Suite struct ConeRowProjectionTests {
  /// ℓ'(f) for the squared or logistic loss.
  static func derivative(_ loss: ConvexLoss, _ f: Double, _ y: Double) -> Double {
    loss == .logistic ? -y / (1 + exp(y * f)) : f - y
  }

  /// Row j by bisection on h(ŷ) = ŷ − Σ_{m=1} σ_b max(0, t_b − σ_b ℓ'(ŷ)/ρ) (increasing), 300 halvings.
  static func bisectRow(_ t: [Double], _ m: [Double], _ s: [Double], y: Double, rho: Double, loss: ConvexLoss) -> Double {
    func h(_ f: Double) -> Double {
      var sum = 0.0
      for b in t.indices where m[b] != 0 { sum += s[b] * max(0, t[b] - s[b] * derivative(loss, f, y) / rho) }
      return f - sum
    }
    var lo = -1e6, hi = 1e6
    for _ in 0..<300 {
      let mid = 0.5 * (lo + hi)
      if h(mid) > 0 { hi = mid } else { lo = mid }
    }
    return 0.5 * (lo + hi)
  }

  /// Random masks [M M] (n×2P), T (n×2P, entries N(0, scale²)) and signs [+1…, −1…].
  static func randomProblem(n: Int, patterns P: Int, scale: Double, using gen: inout SeededGenerator) -> (Matrix, Matrix, [Double]) {
    var masks = Matrix(rows: n, columns: 2 * P)
    var t = Matrix(rows: n, columns: 2 * P)
    for j in 0..<n {
      for i in 0..<P {
        let m: Double = gen.nextUniform() < 0.5 ? 1 : 0
        masks[j, i] = m
        masks[j, i + P] = m
      }
      for b in 0..<(2 * P) { t[j, b] = scale * gen.nextNormal() }
    }
    return (masks, t, (0..<(2 * P)).map { $0 < P ? 1.0 : -1.0 })
  }

  @Test(arguments: [(ConvexLoss.squared, UInt64(1)), (.squared, 2), (.logistic, 3), (.logistic, 4)])
  func matchesPerRowBisection(loss: ConvexLoss, seed: UInt64) {
    var gen = SeededGenerator(seed: seed)
    let n = 9, P = 4, B = 2 * P
    let (masks, t, signs) = Self.randomProblem(n: n, patterns: P, scale: 3, using: &gen)
    let y = (0..<n).map { j in loss == .logistic ? (j % 2 == 0 ? 1.0 : -1.0) : gen.nextNormal() }
    for rho in [0.05, 1.0, 40.0] {
      var rows = ConeRowProjection(n: n, blocks: B, start: [Double](repeating: 0, count: n))
      var a = Matrix(rows: n, columns: B)
      rows.solve(t: t, masks: masks, signs: signs, y: y, loss: loss, rhoA: rho, into: &a)
      #expect(rows.passes < ConeRowProjection.maxPasses)
      for j in 0..<n {
        let tr = (0..<B).map { t[j, $0] }, mr = (0..<B).map { masks[j, $0] }
        let f = Self.bisectRow(tr, mr, signs, y: y[j], rho: rho, loss: loss)
        #expect(abs(rows.yhat[j] - f) <= 1e-9 * (1 + abs(f)))
        let g = Self.derivative(loss, f, y[j]) / rho
        var fit = 0.0
        for b in 0..<B {
          let expected = mr[b] != 0 ? max(0, tr[b] - signs[b] * g) : min(0, tr[b])
          #expect(abs(a[j, b] - expected) <= 1e-9 * (1 + abs(expected)))
          // Feasibility (S ⊙ a ≥ 0) and KKT: γ_b = S_b·(ρ(a − t) + σ_b m ℓ')_b ≥ 0, γ_b·a_b = 0.
          let sgn = 2 * mr[b] - 1
          #expect(sgn * a[j, b] >= 0)
          let gamma = sgn * (rho * (a[j, b] - tr[b]) + signs[b] * mr[b] * g * rho)
          #expect(gamma >= -1e-8 * (1 + abs(tr[b]) * rho))
          #expect(abs(gamma * a[j, b]) <= 1e-8 * (1 + rho * tr[b] * tr[b]))
          fit += signs[b] * mr[b] * a[j, b]
        }
        // ŷ is the prediction of the returned row.
        #expect(abs(fit - rows.yhat[j]) <= 1e-9 * (1 + abs(fit)))
      }
    }
  }

  /// Far-off warm starts and large T (the regime of the first ADMM iterations) still converge well inside the pass
  /// budget, and warm-starting from the previous roots needs only a few passes.
  @Test func farStartsConvergeAndWarmStartsAreCheap() {
    var gen = SeededGenerator(seed: 9)
    let n = 200, P = 50, B = 2 * P
    let (masks, t, signs) = Self.randomProblem(n: n, patterns: P, scale: 1e4, using: &gen)
    let y = gen.normalVector(n)
    var rows = ConeRowProjection(n: n, blocks: B, start: [Double](repeating: 1e7, count: n))
    var a = Matrix(rows: n, columns: B)
    rows.solve(t: t, masks: masks, signs: signs, y: y, loss: .squared, rhoA: 1e-3, into: &a)
    #expect(rows.passes < 80)
    for j in 0..<n {
      var fit = 0.0
      for b in 0..<B { fit += signs[b] * masks[j, b] * a[j, b] }
      #expect(abs(fit - rows.yhat[j]) <= 1e-9 * (1 + abs(fit)))
    }
    rows.solve(t: t, masks: masks, signs: signs, y: y, loss: .squared, rhoA: 1e-3, into: &a)
    #expect(rows.passes <= 2)
  }
}
