import Foundation
import Testing

/// `zerogap gap` and `zerogap table` through the real binary: the JSON contract, MATH.md §4.5's rank-1 numbers,
/// data files, and the error paths (64 for bad options, 1 for cells that cannot be measured).
@Suite struct GapCommandTests {
  func object(_ r: CommandResult) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout)\n\(r.stderr)")
  }

  @Test func rankOneStandardThreeLayerHasAGap() throws {
    let r = try runZerogap(["gap", "--activation", "relu", "--architecture", "standard", "--depth", "3", "--case", "rank1-opposite", "--json"])
    #expect(r.status == 0, "\(r.stderr)")
    let o = try object(r)
    for key in ["primal", "dual", "gap", "primal_method", "dual_method", "verdict", "instance"] { #expect(o[key] != nil, "missing \(key)") }
    #expect(abs((o["primal"] as? Double ?? 0) - 3) <= 1e-3)
    #expect(abs((o["dual"] as? Double ?? 0) - 2.3811015780) <= 1e-6)
    #expect(o["verdict"] as? String == "non-zero")
  }

  @Test func filesGiveTheSameCellAsTheCase() throws {
    let dir = try temporaryDirectory()
    let xPath = dir.appendingPathComponent("x.csv").path, yPath = dir.appendingPathComponent("y.csv").path
    try "x0,x1\n1,0\n0,1\n".write(toFile: xPath, atomically: true, encoding: .utf8)
    try "y0,y1\n3,0\n0,1\n".write(toFile: yPath, atomically: true, encoding: .utf8)
    let r = try runZerogap(["gap", "--activation", "linear", "--architecture", "standard", "--depth", "3", "--x", xPath, "--y", yPath, "--json"])
    #expect(r.status == 0, "\(r.stderr)")
    let o = try object(r)
    #expect(abs((o["primal"] as? Double ?? 0) - 4.6201257346) <= 1e-8)
    #expect(abs((o["dual"] as? Double ?? 0) - 3.7797631497) <= 1e-8)
    let data = dir.appendingPathComponent("c.csv").path
    try "a,b,y\n-1,1,1\n0,1,-1\n0.5,1,0.5\n1.5,1,1\n".write(toFile: data, atomically: true, encoding: .utf8)
    let c = try runZerogap(["gap", "--activation", "relu", "--architecture", "parallel", "--depth", "3", "--data", data, "--beta", "0.05", "--json"])
    #expect(c.status == 0, "\(c.stderr)")
    #expect(abs((try object(c)["primal"] as? Double ?? 0) - 0.2749197692) <= 1e-6)
  }

  @Test(arguments: [
    (["--depth", "1"], "depth ≥ 2", Int32(64)), (["--depth", "3", "--case", "nope"], "unknown case", 64),
    (["--depth", "3"], "give the data", 64), (["--depth", "3", "--case", "low-rank"], "one target column", 1),
    (["--depth", "3", "--case", "diag31"], "one target column", 1),
  ])
  func badRequests(extra: [String], fragment: String, status: Int32) throws {
    let r = try runZerogap(["gap", "--activation", "relu", "--architecture", "parallel"] + extra)
    #expect(r.status == status, "\(r.stderr)")
    #expect(r.stderr.contains(fragment), "\(r.stderr)")
  }

  @Test func tableHasEveryCell() throws {
    let r = try runZerogap(["table", "--json"])
    #expect(r.status == 0, "\(r.stderr)")
    let cells = try #require(try object(r)["cells"] as? [[String: Any]])
    #expect(cells.count == 12)
    func verdict(_ a: String, _ b: String, _ depth: Double) -> String? {
      cells.first { $0["activation"] as? String == a && $0["architecture"] as? String == b && $0["depth"] as? Double == depth }?["verdict"] as? String
    }
    #expect(verdict("linear", "standard", 3) == "non-zero")
    #expect(verdict("relu", "parallel", 3) == "zero")
    #expect(verdict("relu", "standard", 3) == "non-zero")
    let md = try runZerogap(["table", "--markdown"])
    #expect(md.status == 0 && md.stdout.contains("| linear | parallel | 4 |"))
    #expect(md.stderr.isEmpty)
  }
}
