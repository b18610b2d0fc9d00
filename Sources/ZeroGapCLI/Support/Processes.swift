import Foundation
import ZeroGap
#if ZEROGAP_MPI
import ZeroGapMPI
#endif

/// The processes of a run: MPI's world when started by an MPI launcher with several processes (and built with the
/// MPI trait), else one process.
enum Processes {
  /// Whether an MPI launcher started several processes (from its environment; nothing is initialised).
  static var launchedInParallel: Bool {
    let env = ProcessInfo.processInfo.environment
    return ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"].contains { env[$0].flatMap(Int.init).map { $0 > 1 } ?? false }
  }

  /// This process's rank according to the launcher (0 outside a parallel launch).
  static var launcherRank: Int {
    let env = ProcessInfo.processInfo.environment
    return ["OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK"].lazy.compactMap { env[$0].flatMap(Int.init) }.first ?? 0
  }

  /// The number of processes the launcher started on this machine (1 outside a parallel launch).
  static var localProcesses: Int {
    let env = ProcessInfo.processInfo.environment
    return ["OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "PMIX_LOCAL_SIZE"].lazy.compactMap { env[$0].flatMap(Int.init) }
      .first.map { Swift.max(1, $0) } ?? 1
  }

  /// The threads of each process unless `--threads` says otherwise: `ZEROGAP_THREADS` if set, else under a parallel
  /// launch the cores divided among this machine's processes (so K processes do not each start one thread per
  /// core), else nil (all cores). Throws for a malformed `ZEROGAP_THREADS`.
  static func defaultThreads() throws(CommandFailure) -> Int? {
    if let text = ProcessInfo.processInfo.environment["ZEROGAP_THREADS"] {
      guard let t = ThreadPlan.parse(text) else { throw CommandFailure("ZEROGAP_THREADS must be an integer from 1 to 4096 (got \(text))") }
      return t
    }
    return launchedInParallel ? Swift.max(1, ThreadPlan.cores / localProcesses) : nil
  }

  /// Whether this binary was built with MPI.
  static var mpiAvailable: Bool {
    #if ZEROGAP_MPI
    return true
    #else
    return false
    #endif
  }

  /// The world communicator (initialising MPI when launched in parallel).
  static func world() throws -> any Communicator {
    #if ZEROGAP_MPI
    if launchedInParallel { return try MPICommunicator.world() }
    #endif
    return SingleProcess()
  }

  /// Ends MPI if it was started.
  static func finish() {
    #if ZEROGAP_MPI
    MPICommunicator.finalize()
    #endif
  }
}
