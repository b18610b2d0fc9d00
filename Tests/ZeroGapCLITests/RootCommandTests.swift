import Foundation
import Testing

@Suite("zerogap root command")
struct RootCommandTests {
  @Test func versionAndDoctor() throws {
    let v = try runZerogap(["--version"])
    #expect(v.status == 0)
    #expect(v.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
    let d = try runZerogap(["doctor", "--json"])
    #expect(d.status == 0)
    let obj = try JSONSerialization.jsonObject(with: Data(d.stdout.utf8)) as? [String: Any]
    #expect((obj?["openblas_core"] as? String)?.isEmpty == false)
  }

  @Test func unknownSubcommandFails() throws {
    let r = try runZerogap(["no-such-command"])
    #expect(r.status != 0)
    #expect(r.stderr.contains("Error"))
  }
}
