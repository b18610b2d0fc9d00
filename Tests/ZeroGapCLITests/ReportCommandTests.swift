import Foundation
import Testing

/// `zerogap report` through the real binary: it writes one self-contained page with every figure, never replaces an
/// existing file without --force, and says a progress line per section.
@Suite struct ReportCommandTests {
  @Test func writesThePageAndRefusesToOverwrite() throws {
    let dir = try temporaryDirectory()
    let page = dir.appendingPathComponent("report.html").path
    let r = try runZerogap(["report", "--quick", "--output", page])
    #expect(r.status == 0, "\(r.stderr)")
    let html = try String(contentsOfFile: page, encoding: .utf8)
    for id in ["linear-training", "threshold-ranks", "linear-depth", "linear-spread", "threshold-map", "relu-bounds", "relu-gap", "relu-path", "relu-adam", "three-layer", "gap-table", "neuron", "ntk", "branches"] {
      #expect(html.contains("<figure id=\"\(id)\""), "figure \(id)")
    }
    #expect(!html.contains("<script") && !html.contains("https://"))
    #expect(r.stderr.contains("deep linear networks") && r.stderr.contains("survey"))
    let again = try runZerogap(["report", "--quick", "--output", page])
    #expect(again.status == 1 && again.stderr.contains("--force"), "\(again.stderr)")  // as fit: an unwritable --output is exit 1
    let forced = try runZerogap(["report", "--quick", "--output", page, "--force"])
    #expect(forced.status == 0, "\(forced.stderr)")
  }
}
