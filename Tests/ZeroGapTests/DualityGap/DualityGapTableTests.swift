import Testing
@testable import ZeroGap

/// The §9 table on its embedded instances: every parallel cell and every depth-2 cell zero, the standard linear
/// depth-3/4 cells non-zero (rank(X⁺Y) = 2), the standard ReLU depth-3 cell non-zero on X = (1, −1)ᵀ, Y = (1, −1)
/// (§4.5) at depths 3 and 4.
@Suite struct DualityGapTableTests {
  @Test func embeddedTableHasTheExpectedVerdicts() throws {
    let table = DualityGapTable.compute()
    #expect(table.entries.count == 12)
    for e in table.entries {
      let cell = try #require(e.cell, "\(e.activation) \(e.architecture) \(e.depth): \(e.note ?? "")")
      #expect(cell.dual <= cell.primal)
      if e.architecture == .parallel || e.depth == 2 {
        #expect(cell.verdict == .zero, "\(e.activation) \(e.architecture) \(e.depth)")
      } else {
        #expect(cell.verdict == .nonZero, "\(e.activation) \(e.architecture) \(e.depth)")
      }
    }
    let json = table.json.serialized()
    for key in ["\"activation\"", "\"architecture\"", "\"depth\"", "\"primal\"", "\"dual\"", "\"gap\"", "\"verdict\"", "\"instance\""] {
      #expect(json.contains(key))
    }
    #expect(table.markdown.contains("| relu | standard | 3 |"))
  }
}
