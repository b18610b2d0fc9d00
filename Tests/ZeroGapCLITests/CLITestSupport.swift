import Foundation
import Testing

/// Result of running the built `zerogap` binary.
struct CommandResult {
  var status: Int32
  var stdout: String
  var stderr: String
}

/// The `zerogap` executable next to the test bundle (SwiftPM builds it first: the test target depends on it).
func zerogapURL() -> URL {
  let bundleDir = Bundle.allBundles.first { $0.bundlePath.hasSuffix(".xctest") }?.bundleURL.deletingLastPathComponent()
  let dir = bundleDir ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
  return dir.appendingPathComponent("zerogap")
}

/// Runs `zerogap` with `arguments` (and optional stdin), in `directory` if given.
func runZerogap(_ arguments: [String], directory: URL? = nil, environment: [String: String]? = nil) throws -> CommandResult {
  let process = Process()
  process.executableURL = zerogapURL()
  process.arguments = arguments
  if let directory { process.currentDirectoryURL = directory }
  if let environment { process.environment = environment }
  let out = Pipe(), err = Pipe()
  process.standardOutput = out
  process.standardError = err
  try process.run()
  let o = out.fileHandleForReading.readDataToEndOfFile()
  let e = err.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return CommandResult(
    status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
}

/// One directory per test process under the system's temporary directory, removed when the process exits, so a test
/// run leaves nothing behind.
let scratchRoot: URL = {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent("zerogap-cli-tests-\(getpid())")
  try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  atexit { try? FileManager.default.removeItem(at: scratchRoot) }
  return url
}()

/// A fresh temporary directory for one test, inside `scratchRoot`.
func temporaryDirectory() throws -> URL {
  let url = scratchRoot.appendingPathComponent(UUID().uuidString)
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}
