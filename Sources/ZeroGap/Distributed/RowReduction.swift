/// How a solver turns its per-row partial sums into totals: on one process (`local`, the identity) or over the
/// processes of a data-parallel run (`over(_:)`), where each process holds one block of the rows of X and every sum
/// over rows — loss values, dual values, `Xᵀ(·)` products, norms of n-vectors — is an allreduce (MATH.md: every
/// step and certificate of the convex programs is such a sum, so the distributed solve follows the same iterates and
/// certifies the same bound).
///
/// A collective that fails inside a solve cannot be recovered (the other processes are waiting in it): the process
/// stops with the communicator's message, and the MPI launcher then stops the run.
public struct RowReduction: Sendable {
  /// The processes, nil on one process.
  public let communicator: (any Communicator)?

  /// One process: every reduction is the identity.
  public static let local = RowReduction(communicator: nil)

  /// Sums over the processes of `communicator` (local when it has one process).
  public static func over(_ communicator: any Communicator) -> RowReduction {
    RowReduction(communicator: communicator.size > 1 ? communicator : nil)
  }

  /// Whether sums cross processes.
  public var isDistributed: Bool { communicator != nil }

  /// The total of a per-process partial sum.
  public func sum(_ x: Double) -> Double {
    guard let c = communicator else { return x }
    var v = [x]
    run { () throws(CommunicatorError) in try c.allreduceSum(&v) }
    return v[0]
  }

  /// Element-wise totals of per-process partial sums, in place.
  public func sum(_ v: inout [Double]) {
    guard let c = communicator else { return }
    run { () throws(CommunicatorError) in try c.allreduceSum(&v) }
  }

  /// Element-wise totals of a matrix of partial sums, in place.
  public func sum(_ m: inout Matrix) { sum(&m.storage) }

  /// The maximum over the processes.
  public func max(_ x: Double) -> Double {
    guard let c = communicator else { return x }
    var v = [x]
    run { () throws(CommunicatorError) in try c.allreduceMax(&v) }
    return v[0]
  }

  /// Element-wise maxima over the processes, in place.
  public func max(_ v: inout [Double]) {
    guard let c = communicator else { return }
    run { () throws(CommunicatorError) in try c.allreduceMax(&v) }
  }

  /// This process's first row in the global numbering and the total number of rows, for `localCount` rows here (the
  /// processes' blocks in rank order).
  public func rowOffset(localCount: Int) -> (offset: Int, total: Int) {
    guard let c = communicator else { return (0, localCount) }
    var counts = [Double](repeating: 0, count: c.size)
    counts[c.rank] = Double(localCount)
    sum(&counts)
    return (Int(counts[..<c.rank].reduce(0, +)), Int(counts.reduce(0, +)))
  }

  /// Whether a condition holds on every process.
  public func all(_ condition: Bool) -> Bool { max(condition ? 0 : 1) == 0 }

  private func run(_ body: () throws(CommunicatorError) -> Void) {
    do { try body() } catch { fatalError("zerogap: a collective operation of the data-parallel solve failed: \(error)") }
  }
}
