import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A file a command creates (a model file, a report): checked before the work starts, then written atomically.
///
/// The rules, so that nothing the user gave is overwritten or replaced:
/// - a path that names a symbolic link, a FIFO, a device or a directory is refused (never written through or
///   replaced);
/// - an existing regular file is replaced only with `overwrite` (`--force`), and never when it is one of the
///   command's inputs (same file, through any path or hard link);
/// - the directory must exist and be writable, which is checked before any solve;
/// - the text goes to a temporary file in the same directory, renamed over the path when complete, so a failed
///   write leaves the old file (or no file) behind.
public enum OutputFile {
  /// Checks that `path` may be written (see the type's rules).
  /// - Parameters:
  ///   - inputs: the command's input files with the option that named them, e.g. `[("--data", "x.csv")]`.
  /// - Throws: `OutputFileError` saying what is wrong and what to do.
  public static func check(_ path: String, overwrite: Bool, inputs: [(option: String, path: String)] = []) throws(OutputFileError) {
    guard !path.isEmpty else { throw OutputFileError("the output path is empty") }
    var st = stat()
    if lstat(path, &st) == 0 {
      let kind = st.st_mode & S_IFMT
      if kind == S_IFLNK {
        throw OutputFileError("\(path) is a symbolic link; refusing to write through it (give the path of a regular file)")
      }
      guard kind == S_IFREG else {
        throw OutputFileError("\(path) is not a regular file (\(kindName(kind))); refusing to replace it (give the path of a regular file)")
      }
      for input in inputs {
        var other = stat()
        if stat(input.path, &other) == 0 && other.st_dev == st.st_dev && other.st_ino == st.st_ino {
          throw OutputFileError("\(path) is the \(input.option) input file; refusing to overwrite an input (choose another output path)")
        }
      }
      guard overwrite else {
        throw OutputFileError("\(path) already exists; refusing to overwrite it (choose another path, or pass --force)")
      }
    }
    let directory = parentDirectory(of: path)
    var dst = stat()
    guard stat(directory, &dst) == 0, dst.st_mode & S_IFMT == S_IFDIR else {
      throw OutputFileError("cannot write \(path): the directory \(directory) does not exist (create it first)")
    }
    guard access(directory, W_OK) == 0 else {
      throw OutputFileError("cannot write \(path): no permission to create files in \(directory)")
    }
  }

  /// Writes `text` to `path` atomically after `check(path, overwrite:, inputs:)`.
  /// - Throws: `OutputFileError` from the check, or naming the system error of a failed write.
  public static func write(_ text: String, to path: String, overwrite: Bool, inputs: [(option: String, path: String)] = []) throws(OutputFileError) {
    try write(bytes: Array(text.utf8), to: path, overwrite: overwrite, inputs: inputs)
  }

  /// Writes `bytes` to `path` atomically after `check(path, overwrite:, inputs:)` (a binary file: safetensors).
  public static func write(bytes: [UInt8], to path: String, overwrite: Bool, inputs: [(option: String, path: String)] = []) throws(OutputFileError) {
    try check(path, overwrite: overwrite, inputs: inputs)
    let directory = parentDirectory(of: path)
    let name = (path as NSString).lastPathComponent
    var template = Array("\(directory)/.\(name).XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard fd >= 0 else { throw OutputFileError("cannot write \(path): \(systemError())") }
    // mkstemp creates 0600: a replaced file keeps its permissions, a new one gets the usual 0666 less the umask.
    var existing = stat()
    if stat(path, &existing) == 0 {
      fchmod(fd, existing.st_mode & 0o7777)
    } else {
      let mask = umask(0)
      umask(mask)
      fchmod(fd, 0o666 & ~mask)
    }
    let temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    var failure: String? = nil
    var offset = 0
    while offset < bytes.count {
      let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
      if written < 0 {
        if errno == EINTR { continue }
        failure = systemError()
        break
      }
      offset += written
    }
    if failure == nil && fsync(fd) != 0 { failure = systemError() }
    if close(fd) != 0 && failure == nil { failure = systemError() }
    if failure == nil {
      // The file was checked above; check again right before the rename (it may have appeared meanwhile).
      do { try check(path, overwrite: overwrite, inputs: inputs) } catch {
        unlink(temporary)
        throw error
      }
      if rename(temporary, path) != 0 { failure = systemError() }
    }
    if let failure {
      unlink(temporary)
      throw OutputFileError("cannot write \(path): \(failure)")
    }
  }

  /// The directory a path's file is created in ("." for a bare name).
  private static func parentDirectory(of path: String) -> String {
    let parent = (path as NSString).deletingLastPathComponent
    return parent.isEmpty ? "." : parent
  }

  private static func systemError() -> String { String(cString: strerror(errno)) }

  private static func kindName(_ kind: mode_t) -> String {
    switch kind {
    case S_IFIFO: return "a FIFO"
    case S_IFCHR: return "a character device"
    case S_IFBLK: return "a block device"
    case S_IFDIR: return "a directory"
    case S_IFSOCK: return "a socket"
    default: return "not a regular file"
    }
  }
}

/// Why an output file cannot be written (one line, saying what to do).
public struct OutputFileError: Error, CustomStringConvertible, Sendable {
  public let description: String
  init(_ description: String) { self.description = description }
}
