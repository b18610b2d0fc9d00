import Foundation

/// The memory the convex solvers may use, checked before every allocation that grows with the number of
/// patterns or atoms (pattern sampling, the solvers' n×B and d×B workspaces, column generation's atom Gram
/// matrix), so that a problem too large for the machine is refused with what it needs instead of growing
/// until the system kills it.
///
/// Default: a quarter of physical memory, or the `ZEROGAP_MEMORY_LIMIT` environment variable (bytes, or with a
/// suffix K, M, G, T: "8G"); `zerogap fit --memory-limit` overrides both.
public struct MemoryBudget: Sendable, Equatable {
  /// Bytes available.
  public var bytes: Int

  public init(bytes: Int) { self.bytes = bytes }

  /// The default budget (environment variable, else a quarter of physical memory).
  public static var `default`: MemoryBudget {
    if let text = ProcessInfo.processInfo.environment["ZEROGAP_MEMORY_LIMIT"], let b = parse(text) { return MemoryBudget(bytes: b) }
    let physical = ProcessInfo.processInfo.physicalMemory
    return MemoryBudget(bytes: Int(min(physical / 4, UInt64(Int.max))))
  }

  /// "8G", "512M", "1.5G", "1000000" → bytes; nil for anything else (or a non-positive size).
  public static func parse(_ text: String) -> Int? {
    let t = text.trimmingCharacters(in: .whitespaces).uppercased()
    let units: [Character: Double] = ["K": 1024, "M": 1024 * 1024, "G": 1024 * 1024 * 1024, "T": 1024 * 1024 * 1024 * 1024]
    var number = Substring(t)
    var scale = 1.0
    if let last = t.last, let u = units[last] {
      scale = u
      number = t.dropLast()
    } else if t.hasSuffix("B"), let u = units[t.dropLast().last ?? " "] {
      scale = u
      number = t.dropLast(2)
    }
    guard let v = Double(number), v.isFinite, v > 0, v * scale < Double(Int.max) else { return nil }
    return Int(v * scale)
  }

  /// Bytes of `count` doubles, saturating instead of overflowing.
  public static func doubles(_ count: Int) -> Int {
    let (b, o) = count.multipliedReportingOverflow(by: MemoryLayout<Double>.stride)
    return o || count < 0 ? Int.max : b
  }

  /// `a·b` saturating (element counts of matrices).
  public static func product(_ a: Int, _ b: Int) -> Int {
    let (p, o) = a.multipliedReportingOverflow(by: b)
    return o ? Int.max : p
  }

  /// Whether `bytes` fit.
  public func allows(_ bytes: Int) -> Bool { bytes <= self.bytes }

  /// Throws `.memoryLimit` saying what needs how much, and what to change, unless `bytes` fit.
  public func require(_ bytes: Int, for what: String, hint: String) throws(ConvexReLUError) {
    guard !allows(bytes) else { return }
    throw .memoryLimit("\(what) needs \(Self.format(bytes)) but the budget is \(Self.format(self.bytes)); \(hint) (or raise the budget: --memory-limit / ZEROGAP_MEMORY_LIMIT)")
  }

  /// "1.5 GB", "512 MB", "more than 9 EB".
  public static func format(_ bytes: Int) -> String {
    if bytes == Int.max { return "more than 9 EB" }
    let b = Double(bytes)
    for (unit, size) in [("TB", 1024.0 * 1024 * 1024 * 1024), ("GB", 1024.0 * 1024 * 1024), ("MB", 1024.0 * 1024)] where b >= size {
      return "\((b / size * 10).rounded() / 10) \(unit)"
    }
    return bytes < 1024 ? "\(bytes) bytes" : "\((b / 1024 * 10).rounded() / 10) KB"
  }
}
