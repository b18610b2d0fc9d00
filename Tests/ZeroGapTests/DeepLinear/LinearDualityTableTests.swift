import RealModule
import Testing
@testable import ZeroGap

@Suite("Linear duality table")
struct LinearDualityTableTests {
  /// The row that broke the review's table: L = 5 parallel, trained 38 616 708.667173505 (not converged).
  static func table(trained: [Double?], converged: [Bool?]) -> LinearDualityTable {
    let rows = zip(trained, converged).enumerated().map { i, tc in
      LinearDualityTable.Row(depth: 2 + i, architecture: i % 2 == 0 ? .standard : .parallel, primal: 4, dual: 4 - Double(i),
                             gap: Double(i), trained: tc.0, trainedConverged: tc.1, primalCertified: true)
    }
    return LinearDualityTable(rows: rows, singularValues: [3, 1], beta: nil, rankX: 2, pseudoInverseTolerance: 4e-16,
                              shapeX: (2, 2), shapeY: (2, 2))
  }

  @Test func columnsNeverMergeAndDaggerMarksUnconverged() throws {
    let values: [Double?] = [4, 38616708.667173505, -1.5e13, 123456.123456789, 2.5e-12, nil, 1e300]
    let conv: [Bool?] = [true, false, true, false, nil, nil, false]
    let text = Self.table(trained: values, converged: conv).text
    let lines = text.split(separator: "\n").map(String.init)
    let header = try #require(lines.firstIndex { $0.hasPrefix("depth") })
    let dataLines = Array(lines[(header + 1)..<(header + 1 + values.count)])
    for (i, line) in dataLines.enumerated() {
      #expect(line.count == lines[header].count, "row \(i) is \(line.count) characters, header \(lines[header].count): '\(line)'")
      let cells = line.split(separator: " ").map(String.init)
      #expect(cells.count == 6, "row \(i): \(cells)")
      guard cells.count == 6 else { continue }
      let trainedCell = cells[5]
      #expect(trainedCell.hasSuffix("†") == (conv[i] == false), "row \(i): \(trainedCell)")
      if let v = values[i] {
        let parsed = try #require(Double(trainedCell.replacingOccurrences(of: "†", with: "")), "\(trainedCell)")
        #expect(abs(parsed - v) <= max(1e-7 * abs(v), 5e-11), "row \(i): \(parsed) vs \(v)")
      } else {
        #expect(trainedCell == "—")
      }
    }
    #expect(text.contains("† training did not reach its stopping tolerance; value is an upper bound."))
    let allConverged = Self.table(trained: [4, 4], converged: [true, true]).text
    #expect(!allConverged.contains("†"))
  }

  @Test func tableCellWidthAndRoundTrip() throws {
    var g = SeededGenerator(seed: 3)
    for _ in 0..<2000 {
      let x = (g.nextUniform() < 0.5 ? -1.0 : 1) * Double.pow(10, -300 + 600 * g.nextUniform())
      for width in [14, 15] {
        let s = tableCell(x, width: width)
        #expect(s.count <= width, "\(x) → '\(s)'")
        let back = try #require(Double(s), "\(s)")
        // fixed point keeps ≥ 4 decimals (absolute error ≤ 5e-5); scientific ≥ 6 significant digits
        #expect(abs(back - x) <= max(5e-5, 5e-6 * abs(x)), "\(x) → '\(s)'")
      }
    }
    #expect(tableCell(4, width: 15) == "4.0000000000")
    #expect(tableCell(38616708.667173505, width: 15) == "38616708.667174")
    #expect(tableCell(9.99999999999e20, width: 15) == "1.000000000e+21")
    #expect(tableCell(.infinity, width: 15) == "inf" && tableCell(.nan, width: 15) == "nan")
  }

  /// JSON keeps the six keys and adds `trained_converged` only for trained rows.
  @Test func jsonConvergenceKey() {
    let untrained = Self.table(trained: [nil], converged: [nil]).json.serialized()
    #expect(!untrained.contains("trained_converged"))
    let trained = Self.table(trained: [4, 5], converged: [true, false]).json.serialized()
    #expect(trained.contains("\"trained\":4,\"trained_converged\":true"))
    #expect(trained.contains("\"trained\":5,\"trained_converged\":false"))
  }
}
