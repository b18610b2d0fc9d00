import Foundation
import Testing

@Suite("zerogap data")
struct DataCommandTests {
  @Test func inspectCleanCSVAsJSON() throws {
    let dir = try temporaryDirectory()
    let path = dir.appendingPathComponent("ok.csv").path
    try "x,y\n1,10\n3,30\n".write(toFile: path, atomically: true, encoding: .utf8)
    let r = try runZerogap(["data", "inspect", path, "--json"])
    #expect(r.status == 0, "\(r.stderr)")
    let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    #expect(obj["rows"] as? Int == 2 && obj["columns"] as? Int == 2 && obj["problem_count"] as? Int == 0)
    let stats = try #require(obj["column_stats"] as? [[String: Any]])
    #expect(stats[0]["mean"] as? Double == 2 && stats[0]["std"] as? Double == 1)  // (1, 3): mean 2, sd 1
    #expect(stats[1]["max"] as? Double == 30)
  }

  @Test func inspectReportsProblemsAndFails() throws {
    let dir = try temporaryDirectory()
    let path = dir.appendingPathComponent("bad.csv").path
    try "a,b\n1,x\n2\n3,inf\n".write(toFile: path, atomically: true, encoding: .utf8)
    let r = try runZerogap(["data", "inspect", path])
    #expect(r.status == 1)
    #expect(r.stdout.contains("3 problems found"))
    #expect(r.stdout.contains("\(path), line 2, column 2 (\"b\"): non-numeric value \"x\""))
    #expect(r.stdout.contains("\(path), line 3, column 2: ragged row"))
    #expect(r.stdout.contains("\(path), line 4, column 2 (\"b\"): infinite value"))
    let errorLines = r.stderr.split(separator: "\n")
    #expect(errorLines.count == 1 && errorLines[0].hasPrefix("Error: \(path): 3 problems found"))
  }

  @Test func inspectNPYAndBuiltin() throws {
    let dir = try temporaryDirectory()
    // A hand-written v1.0 .npy: 2×1 little-endian float64 (1.5, -2).
    var header = Array("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 1), }".utf8)
    while (10 + header.count + 1) % 64 != 0 { header.append(0x20) }
    header.append(0x0A)
    var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.count), 0] + header
    for v in [1.5, -2.0] { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
    let path = dir.appendingPathComponent("a.npy").path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    let r = try runZerogap(["data", "inspect", path])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("npy, 2 rows × 1 columns (dtype <f8, fortran_order False, shape [2, 1])"))
    #expect(r.stdout.contains("no problems found"))

    let b = try runZerogap(["data", "inspect", "breast-cancer", "--json"])
    #expect(b.status == 0)
    let obj = try #require(try JSONSerialization.jsonObject(with: Data(b.stdout.utf8)) as? [String: Any])
    #expect(obj["samples"] as? Int == 569 && obj["features"] as? Int == 30)
  }

  @Test func badInputGivesOneLineErrors() throws {
    let dir = try temporaryDirectory()
    let npy = dir.appendingPathComponent("fake.npy").path
    try "not numpy".write(toFile: npy, atomically: true, encoding: .utf8)
    let quote = dir.appendingPathComponent("q.csv").path
    try "a,b\n1,\"2\n".write(toFile: quote, atomically: true, encoding: .utf8)
    let cases: [([String], String)] = [
      (["data", "inspect", "/no/such/file.csv"], "Error: /no/such/file.csv: no such file"),
      (["data", "inspect", npy], "Error: \(npy): not a .npy file"),
      (["data", "inspect", quote], "Error: \(quote), line 2, column 2: unterminated quoted field"),
    ]
    for (args, prefix) in cases {
      let r = try runZerogap(args)
      #expect(r.status != 0)
      #expect(r.stdout.isEmpty)
      let lines = r.stderr.split(separator: "\n")
      #expect(lines.count == 1 && lines[0].hasPrefix(prefix), "\(r.stderr)")
    }
  }

  @Test func datasetsListing() throws {
    let r = try runZerogap(["data", "datasets", "--json"])
    #expect(r.status == 0)
    let list = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
    #expect(list.map { $0["name"] as? String } == ["diabetes", "breast-cancer", "relu-teacher", "low-rank", "spiral", "sine"])
    #expect(list[0]["samples"] as? Int == 442 && list[1]["features"] as? Int == 30)
  }
}
