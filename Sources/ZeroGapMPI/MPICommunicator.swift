#if ZEROGAP_MPI
import CZeroGapMPI
import Foundation
import ZeroGap

/// `Communicator` over MPI_COMM_WORLD (Open MPI from Debian, through the `CZeroGapMPI` door).
///
/// `MPICommunicator.world()` initialises MPI once per process (it also works without `mpirun`: a singleton run of
/// size 1) and sets errors to return codes, so a failed collective becomes a `CommunicatorError` instead of an
/// abort. `finalize()` ends MPI; `abort(code:)` stops every process of the run (use it when one rank fails, so that
/// the others do not wait forever in a collective).
public struct MPICommunicator: Communicator {
  public let rank: Int
  public let size: Int

  private init(rank: Int, size: Int) {
    self.rank = rank
    self.size = size
  }

  /// The world communicator, initialising MPI on first use.
  public static func world() throws(CommunicatorError) -> MPICommunicator {
    if zg_mpi_initialized() == 0 {
      let rc = zg_mpi_init()
      guard rc == 0 else { throw CommunicatorError("MPI_Init failed (error \(rc)); check the Open MPI installation (`mpirun --version`)") }
    }
    return MPICommunicator(rank: Int(zg_mpi_rank()), size: Int(zg_mpi_size()))
  }

  /// Whether this process was started by an MPI launcher (mpirun/mpiexec) with more than one process, judged from
  /// the launcher's environment, before initialising anything.
  public static var launchedWithSeveralProcesses: Bool {
    let env = ProcessInfo.processInfo.environment
    for key in ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"] {
      if let v = env[key], let n = Int(v), n > 1 { return true }
    }
    return false
  }

  /// Ends MPI (once; later calls do nothing).
  public static func finalize() {
    if zg_mpi_initialized() != 0 && zg_mpi_finalized() == 0 { _ = zg_mpi_finalize() }
  }

  /// Stops every process of the run with `code`.
  public static func abort(code: Int32) -> Never {
    _ = zg_mpi_abort(code)
    fatalError("MPI_Abort returned")
  }

  private func check(_ rc: Int32, _ what: String) throws(CommunicatorError) {
    guard rc == 0 else { throw CommunicatorError("MPI \(what) failed on rank \(rank) of \(size) (error \(rc))") }
  }

  /// Counts above Int32 are sent in chunks (MPI counts are C ints).
  private func chunks(_ count: Int, _ body: (Int, Int32) throws(CommunicatorError) -> Void) throws(CommunicatorError) {
    var start = 0
    while start < count {
      let n = min(count - start, Int(Int32.max))
      try body(start, Int32(n))
      start += n
    }
  }

  public func allreduceSum(_ values: inout [Double]) throws(CommunicatorError) {
    let count = values.count
    try values.withUnsafeMutableBufferPointer { (p: inout UnsafeMutableBufferPointer<Double>) throws(CommunicatorError) in
      let base = p.baseAddress
      try chunks(count) { (s, n) throws(CommunicatorError) in try check(zg_mpi_allreduce_sum(base! + s, n), "allreduce (sum)") }
    }
  }

  public func allreduceMax(_ values: inout [Double]) throws(CommunicatorError) {
    let count = values.count
    try values.withUnsafeMutableBufferPointer { (p: inout UnsafeMutableBufferPointer<Double>) throws(CommunicatorError) in
      let base = p.baseAddress
      try chunks(count) { (s, n) throws(CommunicatorError) in try check(zg_mpi_allreduce_max(base! + s, n), "allreduce (max)") }
    }
  }

  public func broadcast(_ values: inout [Double], root: Int) throws(CommunicatorError) {
    let count = values.count
    try values.withUnsafeMutableBufferPointer { (p: inout UnsafeMutableBufferPointer<Double>) throws(CommunicatorError) in
      let base = p.baseAddress
      try chunks(count) { (s, n) throws(CommunicatorError) in try check(zg_mpi_broadcast(base! + s, n, Int32(root)), "broadcast") }
    }
  }

  public func broadcast(bytes: inout [UInt8], root: Int) throws(CommunicatorError) {
    var length = [Double(bytes.count)]
    try broadcast(&length, root: root)
    let count = Int(length[0])
    if rank != root { bytes = [UInt8](repeating: 0, count: count) }
    try bytes.withUnsafeMutableBufferPointer { (p: inout UnsafeMutableBufferPointer<UInt8>) throws(CommunicatorError) in
      let base = p.baseAddress
      try chunks(count) { (s, n) throws(CommunicatorError) in try check(zg_mpi_broadcast_bytes(base! + s, n, Int32(root)), "broadcast (bytes)") }
    }
  }

  public func barrier() throws(CommunicatorError) { try check(zg_mpi_barrier(), "barrier") }
}
#endif
