import Foundation
import Testing
@testable import ZeroGap

@Suite("Synthetic data")
struct SyntheticTests {
  @Test func reluTeacherMatchesNaiveForwardPass() throws {
    var g = SeededGenerator(seed: 1)
    let (data, teacher) = try Synthetic.reluTeacher(samples: 30, inputDimension: 4, hiddenUnits: 3, bias: true, using: &g)
    #expect(data.features.columns == 5 && data.featureNames.last == "bias")
    #expect(data.features.column(4) == [Double](repeating: 1, count: 30))
    // Independent forward pass: y_i = Σ_j max(0, Σ_k x_ik u_kj) α_j.
    for i in 0..<30 {
      var y = 0.0
      for j in 0..<3 {
        var pre = 0.0
        for k in 0..<5 { pre += data.features[i, k] * teacher.inputWeights[k, j] }
        y += max(pre, 0) * teacher.outputWeights[j]
      }
      expectClose(data.targets[i, 0], y, relative: 1e-13)
    }
    // Balanced (MATH.md §3.1): ‖u_j‖ = |α_j|, so the weight decay equals Σ‖u_j‖|α_j|; both signs present.
    var product = 0.0
    for j in 0..<3 {
      let norm = teacher.inputWeights.column(j).norm2
      expectClose(norm, abs(teacher.outputWeights[j]), relative: 1e-14)
      product += norm * abs(teacher.outputWeights[j])
    }
    expectClose(teacher.weightDecay, product, relative: 1e-14)
    #expect(teacher.outputWeights[0] > 0 && teacher.outputWeights[1] < 0)
  }

  @Test func reluTeacherNoiseHasTheRequestedScale() throws {
    var g1 = SeededGenerator(seed: 2), g2 = SeededGenerator(seed: 2)
    let clean = try Synthetic.reluTeacher(samples: 4000, inputDimension: 3, hiddenUnits: 2, using: &g1)
    let noisy = try Synthetic.reluTeacher(samples: 4000, inputDimension: 3, hiddenUnits: 2, noise: 0.5, using: &g2)
    #expect(noisy.teacher == clean.teacher && noisy.dataset.features == clean.dataset.features)
    let residual = (noisy.dataset.targets - clean.dataset.targets).column(0)
    let sd = (residual.map { $0 * $0 }.reduce(0, +) / 4000).squareRoot()
    // sample sd of 4000 N(0, 0.25) draws: relative error ~ 1/sqrt(8000) ≈ 1.1%; allow 5%.
    #expect(abs(sd - 0.5) < 0.025, "\(sd)")
  }

  @Test func lowRankMapHasTheRequestedRankAndIsRecoverable() throws {
    var g = SeededGenerator(seed: 3)
    let (data, map) = try Synthetic.lowRankLinear(samples: 40, inputDimension: 6, outputDimension: 5, rank: 2, using: &g)
    #expect(try map.rank() == 2)
    #expect(try map.singularValues()[2] < 1e-12 * map.singularValues()[0])
    // With no noise and n ≥ d, least squares recovers M from (X, Y): X^†Y = M (MATH.md §0–1).
    let recovered = try LeastSquares(data.features, data.targets).solution
    expectClose(recovered, map, relative: 1e-10)
    expectClose(data.features * map, data.targets, relative: 1e-12)
    #expect(throws: DataError.self) {
      try Synthetic.lowRankLinear(samples: 5, inputDimension: 3, outputDimension: 2, rank: 3, using: &g)
    }
  }

  @Test func spiralGeometry() throws {
    var g = SeededGenerator(seed: 4)
    let clean = try Synthetic.spiral(samplesPerArm: 50, turns: 1.5, noise: 0, using: &g)
    #expect(clean.sampleCount == 100 && clean.featureCount == 2)
    #expect(clean.targets.column(0).filter { $0 == 1 }.count == 50)
    #expect(clean.targets.column(0).filter { $0 == -1 }.count == 50)
    for c in 0..<2 {
      for i in 0..<50 {
        let r = c * 50 + i
        let (x, y) = (clean.features[r, 0], clean.features[r, 1])
        // Radius grows linearly (i+1)/m; arm 1 is arm 0 rotated by π, i.e. point-reflected.
        expectClose((x * x + y * y).squareRoot(), Double(i + 1) / 50, relative: 1e-13)
        if c == 1 {
          expectClose(x, -clean.features[i, 0], relative: 1e-13)
          expectClose(y, -clean.features[i, 1], relative: 1e-13)
        }
      }
    }
  }

  @Test func sineIsExactWithoutNoiseAndReproducible() throws {
    var g = SeededGenerator(seed: 5)
    let s = try Synthetic.sine(samples: 200, frequency: 2, noise: 0, using: &g)
    for i in 0..<200 {
      let x = s.features[i, 0]
      #expect(x >= -Double.pi && x < Double.pi)
      #expect(s.targets[i, 0] == Foundation.sin(2 * x))
    }
    var a = SeededGenerator(seed: 7), b = SeededGenerator(seed: 7), c = SeededGenerator(seed: 8)
    #expect(try Synthetic.sine(samples: 20, using: &a) == Synthetic.sine(samples: 20, using: &b))
    #expect(try Synthetic.sine(samples: 20, using: &a) != Synthetic.sine(samples: 20, using: &c))
  }

  @Test func badArgumentsThrow() {
    var g = SeededGenerator(seed: 6)
    #expect(throws: DataError.self) { try Synthetic.sine(samples: 0, using: &g) }
    #expect(throws: DataError.self) { try Synthetic.sine(samples: 3, noise: -1, using: &g) }
    #expect(throws: DataError.self) { try Synthetic.spiral(samplesPerArm: 3, turns: 0, using: &g) }
    #expect(throws: DataError.self) { try Synthetic.reluTeacher(samples: 3, inputDimension: 0, hiddenUnits: 1, using: &g) }
    #expect(throws: DataError.self) { try Synthetic.reluTeacher(samples: 3, inputDimension: 2, hiddenUnits: 1, noise: .nan, using: &g) }
  }
}
