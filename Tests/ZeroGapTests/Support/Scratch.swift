import Foundation

/// One directory per test process under the system's temporary directory, removed when the process exits, so a test
/// run leaves nothing behind.
let scratchRoot: URL = {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent("zerogap-tests-\(getpid())")
  try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  atexit { try? FileManager.default.removeItem(at: scratchRoot) }
  return url
}()

/// A fresh, empty directory inside `scratchRoot`.
func scratchDirectory() throws -> URL {
  let url = scratchRoot.appendingPathComponent(UUID().uuidString)
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}
