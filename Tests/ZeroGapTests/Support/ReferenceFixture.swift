import Foundation
import Testing
@testable import ZeroGap

/// A case solved by an independent reference in `bench/` (X.npy, y.npy, expected.json under Fixtures/cases/…): the
/// data, the expected JSON, and its β, objective and accuracy.
struct ReferenceFixture {
  let x: Matrix
  let y: [Double]
  let expected: JSON
  let beta: Double
  let objective: Double
  let tolerance: Double

  /// - Parameter directory: e.g. "parallel-relu/random5".
  init(_ directory: String) throws {
    func url(_ file: String, _ ext: String) throws -> URL {
      try #require(Bundle.module.url(forResource: file, withExtension: ext, subdirectory: "Fixtures/cases/\(directory)"))
    }
    x = try NPY.read(path: try url("X", "npy").path).matrix
    y = try NPY.read(path: try url("y", "npy").path).matrix.storage
    expected = try JSON.parse(try String(contentsOf: try url("expected", "json"), encoding: .utf8))
    beta = try #require(expected["beta"]?.doubleValue)
    objective = try #require(expected["objective"]?.doubleValue)
    tolerance = try #require(expected["tolerance"]?.doubleValue)
  }
}
