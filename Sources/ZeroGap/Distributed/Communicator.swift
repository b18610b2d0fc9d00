/// The collective operations a data-parallel solve needs (MATH.md: every solver step and certificate of the convex
/// programs is a sum over the rows of X): the processes of a run, each holding one block of rows, combine their
/// partial sums. `SingleProcess` is the one-process implementation the library uses by default; the `ZeroGapMPI`
/// target provides one over MPI (Open MPI), so the library itself never depends on MPI.
public protocol Communicator: Sendable {
  /// This process's index, 0 ..< size.
  var rank: Int { get }
  /// The number of processes.
  var size: Int { get }
  /// Replaces `values` on every process by the element-wise sum over the processes.
  func allreduceSum(_ values: inout [Double]) throws(CommunicatorError)
  /// Replaces `values` on every process by the element-wise maximum over the processes.
  func allreduceMax(_ values: inout [Double]) throws(CommunicatorError)
  /// Copies `values` of process `root` to every process (the arrays must have the same length everywhere).
  func broadcast(_ values: inout [Double], root: Int) throws(CommunicatorError)
  /// Copies the bytes of process `root` to every process; the length is broadcast first.
  func broadcast(bytes: inout [UInt8], root: Int) throws(CommunicatorError)
  /// Waits for every process.
  func barrier() throws(CommunicatorError)
}

/// A failed collective operation (the MPI error code and what was being done).
public struct CommunicatorError: Error, Sendable, CustomStringConvertible {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

extension Communicator {
  /// Whether this process writes files and prints results (rank 0).
  public var isRoot: Bool { rank == 0 }

  /// The contiguous block of `n` rows this process owns: rows `⌊r·n/K⌋ ..< ⌊(r+1)·n/K⌋` (K = size), so the blocks
  /// partition 0..<n in order and differ in length by at most one.
  public func rowBlock(of n: Int) -> Range<Int> { RowBlocks.block(rank, of: n, parts: size) }

  /// The sum of one number over the processes.
  public func sum(_ x: Double) throws(CommunicatorError) -> Double {
    var v = [x]
    try allreduceSum(&v)
    return v[0]
  }
}

/// Row partitions of a data-parallel run.
public enum RowBlocks {
  /// Rows `⌊r·n/K⌋ ..< ⌊(r+1)·n/K⌋` of part r of K.
  public static func block(_ r: Int, of n: Int, parts k: Int) -> Range<Int> {
    precondition(k >= 1 && r >= 0 && r < k && n >= 0, "part \(r) of \(k) of \(n) rows")
    let lo = Int((Double(r) * Double(n) / Double(k)).rounded(.down))
    let hi = r == k - 1 ? n : Int((Double(r + 1) * Double(n) / Double(k)).rounded(.down))
    return lo..<hi
  }
}

/// One process: every collective is the identity.
public struct SingleProcess: Communicator {
  public init() {}
  public var rank: Int { 0 }
  public var size: Int { 1 }
  public func allreduceSum(_ values: inout [Double]) throws(CommunicatorError) {}
  public func allreduceMax(_ values: inout [Double]) throws(CommunicatorError) {}
  public func broadcast(_ values: inout [Double], root: Int) throws(CommunicatorError) {}
  public func broadcast(bytes: inout [UInt8], root: Int) throws(CommunicatorError) {}
  public func barrier() throws(CommunicatorError) {}
}
