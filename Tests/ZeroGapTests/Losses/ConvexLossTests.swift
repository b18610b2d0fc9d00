import RealModule
import Testing
@testable import ZeroGap

@Suite struct ConvexLossTests {
  static let y: [Double] = [1, -1, 1, -1, 1, 1]

  @Test(arguments: [ConvexLoss.squared, .logistic])
  func gradientMatchesFiniteDifferences(loss: ConvexLoss) {
    var gen = SeededGenerator(seed: 4)
    let z = gen.normalVector(6, scale: 2)
    let g = loss.dualPoint(z, Self.y).map { -$0 }
    for j in 0..<6 {
      var zp = z, zm = z
      zp[j] += 1e-6
      zm[j] -= 1e-6
      let fd = (loss.value(zp, Self.y) - loss.value(zm, Self.y)) / 2e-6
      #expect(abs(fd - g[j]) < 1e-7)
    }
  }

  @Test(arguments: ConvexLoss.allCases)
  func fenchelYoungInequalityAndEquality(loss: ConvexLoss) {
    // −ℓ*(−v) ≤ ℓ(z) + vᵀz for all z and dual-feasible v, with equality at v = −∇ℓ(z) (definition of ℓ*).
    var gen = SeededGenerator(seed: 8)
    for _ in 0..<50 {
      let z = gen.normalVector(6, scale: 2)
      let v: [Double] = loss == .squared ? gen.normalVector(6) : Self.y.map { $0 * gen.nextUniform() }
      #expect(loss.dualValue(v, Self.y) <= loss.value(z, Self.y) + v.dot(z) + 1e-12)
      let vStar = loss.dualPoint(z, Self.y)
      if loss != .hinge {
        expectClose(loss.dualValue(vStar, Self.y), loss.value(z, Self.y) + vStar.dot(z), relative: 1e-12)
      }
    }
  }

  @Test func dualOutsideDomainIsMinusInfinity() {
    #expect(ConvexLoss.logistic.dualValue([1.5, 0, 0, 0, 0, 0], Self.y) == -.infinity)
    #expect(ConvexLoss.hinge.dualValue([-0.1, 0, 0, 0, 0, 0], Self.y) == -.infinity)
  }

  @Test func labelsAreChecked() {
    #expect(throws: ConvexReLUError.self) { try ConvexLoss.logistic.validate(targets: [1, 0]) }
    #expect(throws: ConvexReLUError.self) { try ConvexLoss.squared.validate(targets: [1, .nan]) }
    #expect(throws: Never.self) { try ConvexLoss.hinge.validate(targets: [1, -1]) }
  }

  @Test(arguments: ConvexLoss.allCases)
  func bestScalingBeatsTheDefaultAndStaysFeasible(loss: ConvexLoss) {
    var gen = SeededGenerator(seed: 2)
    let v = Self.y.map { $0 * (0.2 + 0.8 * gen.nextUniform()) }
    for maxScale in [0.1, 0.7, 3.0] {
      let (s, val) = loss.bestDualScaling(v, Self.y, maxScale: maxScale)
      #expect(s <= maxScale)
      expectClose(val, loss.dualValue(v.map { $0 * s }, Self.y), relative: 1e-12)
      let sMath = min(1, maxScale)
      #expect(val >= loss.dualValue(v.map { $0 * sMath }, Self.y) - 1e-12)
    }
  }
}
