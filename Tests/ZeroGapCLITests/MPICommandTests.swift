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
    let r = try Self.launch(2, ["predict", "--model", "m.json", "--data", "sine", "--json"])
    #expect(r.status != 0)
    #expect(r.stdout.isEmpty)
    #expect(r.stderr.components(separatedBy: "Error: zerogap predict runs as one process").count == 2, "\(r.stderr)")
  }

  /// `mpirun -np 2 zerogap fit` (the gated and the exact program, each process its half of the rows) reaches the
  /// certified optimum of the one-process fit to 1e-6 relative, with the same bound scope, patterns and exit code;
  /// rank 0 alone prints.
  @Test(.enabled(if: mpirun != nil, "Open MPI's mpirun is not installed"), arguments: ["gated-relu", "relu"])
  func dataParallelFitEqualsOneProcess(model: String) throws {
    let args = ["fit", "--data", "diabetes", "--model", model, "--beta", "200", "--patterns", "50", "--json"]
    let one = try runZerogap(args)
    #expect(one.status == 0, "\(one.stderr)")
    let two = try Self.launch(2, args)
    #expect(two.status == 0, "\(two.stderr)")
    #expect(two.stdout.split(separator: "\n").count == 1, "\(two.stdout)")
    let a = try ReLUCommandTests.jsonObject(one.stdout), b = try ReLUCommandTests.jsonObject(two.stdout)
    let (oa, ob) = (try #require(a["objective"] as? Double), try #require(b["objective"] as? Double))
    let (la, lb) = (try #require(a["lower_bound"] as? Double), try #require(b["lower_bound"] as? Double))
    #expect(abs(oa - ob) <= 1e-6 * oa)
    #expect(lb <= ob && la <= oa)
    #expect(abs(la - lb) <= 1e-6 * oa)
    #expect(b["stop_reason"] as? String == "converged" && b["bound_scope"] as? String == a["bound_scope"] as? String)
    #expect(b["patterns"] as? Int == a["patterns"] as? Int && b["processes"] as? Int == 2 && b["samples"] as? Int == 442)
  }

  /// A process that fails (here: a missing file on every process, and a NaN only in the second process's rows)
  /// stops the run with one error line from the lowest failing process, not a hang.
  @Test(.enabled(if: mpirun != nil, "Open MPI's mpirun is not installed")) func failingProcessStopsTheRun() throws {
    let dir = try temporaryDirectory()
    let csv = dir.appendingPathComponent("late-nan.csv").path
    try "a,y\n1,1\n2,2\n3,1\nnan,2\n".write(toFile: csv, atomically: true, encoding: .utf8)
    for (data, needle) in [(dir.appendingPathComponent("missing.csv").path, "no such file"), (csv, "NaN")] {
      let r = try Self.launch(2, ["fit", "--data", data, "--target", "y", "--model", "gated-relu", "--beta", "1"])
      #expect(r.status == 1, "\(r.stderr)")
      #expect(r.stdout.isEmpty)
      #expect(r.stderr.components(separatedBy: "Error:").count == 2, "\(r.stderr)")
      #expect(r.stderr.contains(needle), "\(r.stderr)")
    }
    let refused = try Self.launch(2, ["fit", "--data", "sine", "--model", "relu", "--loss", "hinge"])
    #expect(refused.status == 1 && refused.stderr.contains("squared or logistic loss"), "\(refused.stderr)")
  }
}
