import Foundation
import Testing
@testable import ZeroGap

/// Objectives of the independent reference (cvxpy + Clarabel, bench/reference.py) on the committed fixtures
/// (Tests/ZeroGapTests/Fixtures/reference/README.md), compared at 1e-6 relative. No Python at test time.
@Suite struct ReferenceSolverTests {
  static let cases = ["regression-n20-d3", "regression-n40-d5", "classification-n30-d4", "classification-n60-d6"]

  static func load(_ name: String) throws -> (x: Matrix, y: [Double], g: Matrix, expected: JSON) {
    func url(_ file: String, _ ext: String) throws -> URL {
      try #require(Bundle.module.url(forResource: file, withExtension: ext, subdirectory: "Fixtures/reference/\(name)"))
    }
    let x = try NPY.read(path: try url("X", "npy").path).matrix
    let yMatrix = try NPY.read(path: try url("y", "npy").path).matrix
    let g = try NPY.read(path: try url("G", "npy").path).matrix
    let text = try String(contentsOf: try url("expected", "json"), encoding: .utf8)
    let y = yMatrix.rows == 1 && yMatrix.columns > 1 ? yMatrix.row(0) : yMatrix.storage
    return (x, y, g, try JSON.parse(text))
  }

  @Test(arguments: cases)
  func objectivesMatchTheReference(name: String) throws {
    let (x, y, g, expected) = try Self.load(name)
    let beta = try #require(expected["beta"]?.doubleValue)
    let patterns = try ActivationPatterns.fromGates(g, data: x)
    #expect(Double(patterns.count) == expected["patterns"]?.doubleValue)
    let results = try #require(expected["results"])
    for model in ConvexReLUModel.allCases {
      for loss in [ConvexLoss.squared, .logistic] {
        guard let r = results["\(model.rawValue)/\(loss.rawValue)"] else { continue }
        let reference = try #require(r["objective"]?.doubleValue)
        let referenceDual = try #require(r["dual"]?.doubleValue)
        let prog = try ConvexReLUProgram(data: x, targets: y, patterns: patterns, beta: beta, loss: loss, model: model)
        let sol = try prog.solve(options: ConvexSolverOptions(tolerance: 1e-8))
        let label = "\(name) \(model.rawValue)/\(loss.rawValue)"
        #expect(sol.report.stopReason == .converged, "\(label)")
        expectClose(sol.report.objective, reference, relative: 1e-6, "\(label)")
        // Weak duality across the two implementations (to the 1e-6 feasibility/comparison tolerance).
        #expect(sol.report.lowerBound <= reference * (1 + 1e-6), "\(label)")
        #expect(referenceDual <= sol.report.objective * (1 + 1e-6), "\(label)")
      }
    }
  }
}
