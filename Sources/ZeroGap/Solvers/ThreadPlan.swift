import Foundation

/// The threads this process's solvers use, in one place: OpenBLAS threads for the dense products (GEMM, GEMV,
/// factorisations) and as many workers for the loops ZeroGap runs itself over blocks or rows (`ParallelChunks`:
/// the lockstep cone pricing's per-block steps, the interior-point blocks and branches, the row passes of the block
/// programs at large n). The two never run at the same time, so one number sizes both.
///
/// Default: every core the process may use (`ProcessInfo.activeProcessorCount`). Choose fewer with
/// `ThreadPlan.use(threads:)` before solving (the `zerogap` CLI: `--threads N` or `ZEROGAP_THREADS`; under `mpirun`
/// it divides the cores among the processes on one machine). An explicit `OPENBLAS_NUM_THREADS` in the environment
/// sets OpenBLAS's own default, which `use(threads:)` overrides.
public enum ThreadPlan {
  /// The cores this process may use, read once: Foundation's `activeProcessorCount` reads the cgroup files on every
  /// call, which cost a third of a small interior-point solve when the per-block loops asked for it at every pass.
  public static let cores: Int = Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)

  nonisolated(unsafe) private static var chosen: Int? = nil

  /// The worker count of ZeroGap's own parallel loops.
  public static var threads: Int { chosen ?? cores }

  /// Uses `threads` ≥ 1 workers for ZeroGap's loops and as many OpenBLAS threads. Call it before solving, from one
  /// thread (it changes process-wide settings).
  public static func use(threads: Int) {
    let t = Swift.max(1, threads)
    chosen = t
    BLAS.setThreadCount(t)
  }

  /// Runs `body` with one OpenBLAS thread, for loops that spread small BLAS calls over the cores themselves
  /// (`ParallelChunks`): OpenBLAS threads each call above ~10⁴ flops, and two workers each calling a two-threaded
  /// BLAS spent most of their time waiting on each other (bench/PARALLEL_SOLVER.md §7, pitfall 5). Call it from
  /// one thread, outside any parallel loop.
  public static func withSerialBLAS<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
    let blasThreads = BLAS.threadCount
    guard blasThreads > 1 else { return try body() }
    BLAS.setThreadCount(1)
    defer { BLAS.setThreadCount(blasThreads) }
    return try body()
  }

  /// The thread counts `use(threads:)` is meant for.
  public static let validCounts = 1...4096

  /// `threads` parsed from a string (`ZEROGAP_THREADS`): an integer in `validCounts`, or nil.
  public static func parse(_ text: String) -> Int? {
    guard let t = Int(text.trimmingCharacters(in: .whitespaces)), validCounts.contains(t) else { return nil }
    return t
  }
}
