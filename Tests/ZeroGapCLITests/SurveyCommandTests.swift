import Foundation
import Testing

/// `zerogap neuron`, `ntk` and `branches` through the real binary: their JSON contracts, MATH.md's numbers, and the
/// error paths.
@Suite struct SurveyCommandTests {
  func object(_ r: CommandResult) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout)\n\(r.stderr)")
  }

  @Test func neuronCounterexample() throws {
    let dir = try temporaryDirectory()
    let data = dir.appendingPathComponent("c.csv").path
    try "a,y\n1,1\n-1,1\n".write(toFile: data, atomically: true, encoding: .utf8)
    let r = try runZerogap(["neuron", "--data", data, "--json"])
    #expect(r.status == 0, "\(r.stderr)")
    let o = try object(r)
    let relaxed = try #require(o["relaxed"] as? [String: Any]), global = try #require(o["global"] as? [String: Any])
    #expect(abs((relaxed["loss"] as? Double ?? 0) - 2) <= 1e-12)
    #expect(abs((global["loss"] as? Double ?? 0) - 1) <= 1e-12)
    #expect(o["relaxation_exact"] as? Bool == false)
    #expect(o["gradient_descent"] is [String: Any])
  }

  @Test func ntkTwoLayerAndTraining() throws {
    let dir = try temporaryDirectory()
    let x = dir.appendingPathComponent("x.csv").path, y = dir.appendingPathComponent("y.csv").path
    try "a,b\n1,0\n0.5,0.8660254037844386\n0,1\n".write(toFile: x, atomically: true, encoding: .utf8)
    try "y\n1\n-1\n0.5\n".write(toFile: y, atomically: true, encoding: .utf8)
    let r = try runZerogap(["ntk", "--x", x, "--y", y, "--two-layer", "--train", "--width", "4000", "--steps", "200", "--json"])
    #expect(r.status == 0, "\(r.stderr)")
    let o = try object(r)
    #expect(abs((o["lambda_min"] as? Double ?? 0) - 0.1025253327) <= 1e-9)
    let t = try #require(o["training"] as? [String: Any])
    #expect((t["worst_ratio"] as? Double ?? 2) <= 1)
    #expect((t["loss"] as? [Double])?.count == 201)
    let deep = try runZerogap(["ntk", "--x", x, "--depth", "2", "--json"])
    #expect(abs((try object(deep)["lambda_min"] as? Double ?? 0) - 0.2139224859) <= 1e-9)
  }

  @Test func branchesToyTable() throws {
    let r = try runZerogap(["branches", "--toy", "--json"])
    #expect(r.status == 0, "\(r.stderr)")
    let o = try object(r)
    #expect(abs((o["dual"] as? Double ?? 0) - 1.0233333333) <= 1e-6)
    #expect(abs((o["delta"] as? Double ?? 0) - 1.0 / 60) <= 1e-9)
    let rows = try #require(o["rows"] as? [[String: Any]])
    #expect(rows.count == 7)
    for row in rows { #expect((row["gap"] as? Double ?? 1) <= (row["bound"] as? Double ?? 0) + 1e-9) }
  }

  @Test func branchesOnData() throws {
    let r = try runZerogap(["branches", "--data", "sine", "--branches", "1,8", "--restarts", "3", "--json"])
    #expect(r.status == 0, "\(r.stderr)")
    let o = try object(r)
    #expect(o["delta"] is NSNull && o["lambda_star"] is NSNull)
    let dual = try #require(o["dual"] as? Double)
    let rows = try #require(o["rows"] as? [[String: Any]])
    #expect(rows.count == 2)
    for row in rows { #expect((row["primal"] as? Double ?? 0) >= dual - 1e-9 && row["bound"] is NSNull) }
  }

  @Test(arguments: [
    (["neuron"], "give the data", Int32(64)), (["ntk", "--x", "/nonexistent.csv", "--train"], "--two-layer", 64),
    (["branches", "--branches", "0"], "1 to 64", 64), (["branches", "--tau", "1"], "hinge would clip", 1),
    (["branches", "--x", "1,a"], "not a finite number", 64), (["branches", "--toy", "--data", "sine"], "--toy and --data", 64),
  ])
  func badRequests(arguments: [String], fragment: String, status: Int32) throws {
    let r = try runZerogap(arguments)
    #expect(r.status == status, "\(r.stderr)")
    #expect(r.stderr.contains(fragment), "\(r.stderr)")
  }
}
