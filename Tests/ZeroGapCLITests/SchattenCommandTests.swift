import Foundation
import Testing

/// `zerogap schatten` against MATH.md §5's table: X = I₃, Y = diag(5, 3, 1), γ = 0.5, H = 3 gives P = D = 4.125 with
/// widths 3,3 and 4.25 with widths 2,3 (r = 2); the recovered weights reproduce P.
@Suite struct SchattenCommandTests {
  @Test(arguments: [("3,3", 4.125), ("2,3", 4.25)])
  func matchesMATH(widths: String, value: Double) throws {
    let dir = try temporaryDirectory()
    let x = dir.appendingPathComponent("x.csv").path, y = dir.appendingPathComponent("y.csv").path
    try "a,b,c\n1,0,0\n0,1,0\n0,0,1\n".write(toFile: x, atomically: true, encoding: .utf8)
    try "a,b,c\n5,0,0\n0,3,0\n0,0,1\n".write(toFile: y, atomically: true, encoding: .utf8)
    let r = try runZerogap(["schatten", "--x", x, "--y", y, "--depth", "3", "--widths", widths, "--gamma", "0.5", "--json"])
    #expect(r.status == 0, "\(r.stderr)")
    let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    #expect(abs((o["primal"] as? Double ?? 0) - value) <= 1e-10)
    #expect(abs((o["dual"] as? Double ?? 0) - value) <= 1e-9)
    #expect((o["dual"] as? Double ?? 1e9) <= value + 1e-12)
    #expect(abs((o["recovered_objective"] as? Double ?? 0) - value) <= 1e-9)
    #expect((o["trace"] as? [[Double]])?.isEmpty == false)
    #expect((o["weights"] as? [Any])?.count == 3)
  }

  @Test func badWidthsAreUsageErrors() throws {
    let r = try runZerogap(["schatten", "--data", "sine", "--depth", "3", "--widths", "2", "--gamma", "0.5"])
    #expect(r.status == 64 && r.stderr.contains("--widths"), "\(r.stderr)")
  }
}
