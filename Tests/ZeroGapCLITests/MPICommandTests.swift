import Foundation
import Testing

/// The MPI layer through the real binary: `doctor --mpi` alone (K = 1) and under `mpirun -np 2` (when Open MPI's
/// launcher is installed, as scripts/bootstrap.sh does), and the refusal of commands that are not data-parallel.
@Suite struct MPICommandTests {
  static let mpirun = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first { FileManager.default.isExecutableFile(atPath: $0) }

  static func launch(_ k: Int, _ arguments: [String]) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try #require(mpirun))
    process.arguments = ["--allow-run-as-root", "--oversubscribe", "-np", String(k), zerogapURL().path] + arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
  }

  @Test func singleProcess() throws {
    let r = try runZerogap(["doctor", "--mpi", "--json"])
    #expect(r.status == 0, "\(r.stderr)")
    let j = try ReLUCommandTests.jsonObject(r.stdout)
    #expect(j["processes"] as? Int == 1 && j["collectives_ok"] as? Bool == true)
  }

  @Test(.enabled(if: mpirun != nil, "Open MPI's mpirun is not installed")) func twoProcesses() throws {
    let r = try Self.launch(2, ["doctor", "--mpi", "--json"])
    #expect(r.status == 0, "\(r.stderr)")
    // Rank 0 alone prints: one line.
    #expect(r.stdout.split(separator: "\n").count == 1, "\(r.stdout)")
    let j = try ReLUCommandTests.jsonObject(r.stdout)
    #expect(j["processes"] as? Int == 2 && j["collectives_ok"] as? Bool == true && j["failed_ranks"] as? Int == 0)
    #expect((j["row_blocks_of_10"] as? [[Int]]) == [[0, 5], [5, 10]])
  }

  /// A command that is not data-parallel stops every rank with one error line, exit ≠ 0, instead of running K copies.
  @Test(.enabled(if: mpirun != nil, "Open MPI's mpirun is not installed")) func otherCommandsRefuse() throws {
    let r = try Self.launch(2, ["fit", "--data", "sine", "--json"])
    #expect(r.status != 0)
    #expect(r.stdout.isEmpty)
    #expect(r.stderr.components(separatedBy: "Error: zerogap fit runs as one process").count == 2, "\(r.stderr)")
  }
}
