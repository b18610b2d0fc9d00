import ArgumentParser
import Foundation
import ZeroGap

extension ZeroGapCommand {
  /// Reports the numerical runtime so a slow BLAS kernel is never invisible.
  struct Doctor: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the BLAS kernel, the thread plan and the configuration in use.")
    @Flag(help: "Print machine-readable JSON.") var json = false
    @Option(parsing: .unconditional, help: "Show the plan a solve with --threads N would use.") var threads: Int?
    @Flag(help: "Check the MPI layer: under `mpirun -np K`, every rank runs allreduce (sum, max), broadcast and barrier and checks the results; rank 0 reports (exit 1 if any rank's check fails).") var mpi = false

    func validate() throws {
      if let t = threads, !ThreadPlan.validCounts.contains(t) { throw ValidationError("--threads must be between 1 and 4096 (got \(t))") }
    }

    func run() throws {
      if mpi { return try checkMPI() }
      if let t = threads { ThreadPlan.use(threads: t) }
      let core = BLASRuntime.coreName
      let source = threads != nil ? "--threads" : ProcessInfo.processInfo.environment["ZEROGAP_THREADS"] != nil ? "ZEROGAP_THREADS"
        : Processes.launchedInParallel ? "cores / processes on this machine" : "all cores"
      let plan = [
        ("dense products (GEMM, GEMV, factorisations)", "OpenBLAS, \(BLASRuntime.threadCount) thread(s)"),
        ("per-block and per-row loops (cone pricing, interior-point blocks, large-n row passes)", "\(ThreadPlan.threads) worker(s)"),
        ("processes", Processes.launchedInParallel ? "several (mpirun): rows split among them" : "1 (mpirun -np K for data-parallel fits)"),
      ]
      if json {
        print(JSON.object([
          "version": .string(ZeroGapVersion.string), "openblas_core": .string(core),
          "openblas_threads": .number(Double(BLASRuntime.threadCount)),
          "openblas_config": .string(BLASRuntime.configuration),
          "kernel_guard_reexecuted": .bool(BLASRuntime.kernelGuardReexecuted),
          "cores": .number(Double(ThreadPlan.cores)), "threads": .number(Double(ThreadPlan.threads)),
          "threads_from": .string(source),
        ]).serialized())
      } else {
        print("zerogap \(ZeroGapVersion.string)")
        print("OpenBLAS kernel:  \(core)\(core == "Prescott" ? "  (generic fallback: slow; set OPENBLAS_CORETYPE)" : "")")
        print("OpenBLAS config:  \(BLASRuntime.configuration)")
        if BLASRuntime.kernelGuardReexecuted { print("(re-executed once to select the \(core) kernel)") }
        print("thread plan:      \(ThreadPlan.threads) of \(ThreadPlan.cores) core(s), from \(source) (--threads N or ZEROGAP_THREADS to change)")
        for (what, how) in plan { print("  \(what): \(how)") }
      }
    }
  }
}

extension ZeroGapCommand.Doctor {
  /// The collectives on every rank, with known answers: Σ(rank + 1) = K(K + 1)/2, max rank = K − 1, rank 0's
  /// numbers and bytes broadcast, the row blocks of 10 rows partitioning them.
  func checkMPI() throws {
    let world = try Processes.world()
    let k = Double(world.size), r = Double(world.rank)
    var sums = [r + 1, 1, r * r]
    try world.allreduceSum(&sums)
    var maxima = [r, -r]
    try world.allreduceMax(&maxima)
    var numbers = world.isRoot ? [42, Double.pi] : [0, 0]
    try world.broadcast(&numbers, root: 0)
    var bytes = world.isRoot ? Array("zerogap".utf8) : []
    try world.broadcast(bytes: &bytes, root: 0)
    try world.barrier()
    let squares = (0..<world.size).reduce(0.0) { $0 + Double($1 * $1) }
    let ok = sums == [k * (k + 1) / 2, k, squares] && maxima == [k - 1, 0] && numbers == [42, Double.pi] && bytes == Array("zerogap".utf8)
    // Every rank's verdict: the run passes only if all do.
    let failures = try world.sum(ok ? 0 : 1)
    let blocks = (0..<world.size).map { RowBlocks.block($0, of: 10, parts: world.size) }
    defer { Processes.finish() }
    guard world.isRoot else {
      if failures > 0 { throw ExitCode(1) }
      return
    }
    if json {
      print(JSON.object([
        ("mpi_built", .bool(Processes.mpiAvailable)), ("processes", .number(k)), ("collectives_ok", .bool(failures == 0)),
        ("failed_ranks", .number(failures)), ("row_blocks_of_10", .array(blocks.map { JSON.numbers([Double($0.lowerBound), Double($0.upperBound)]) })),
      ]).serialized())
    } else {
      print("MPI:        \(Processes.mpiAvailable ? "built in (Open MPI)" : "not built (swift build --disable-default-traits)")")
      print("processes:  \(world.size)")
      print("collectives \(failures == 0 ? "ok" : "FAILED on \(Int(failures)) rank(s)") (allreduce sum/max, broadcast, barrier)")
      print("row blocks of 10 rows: \(blocks.map { "\($0.lowerBound)..<\($0.upperBound)" }.joined(separator: ", "))")
    }
    if failures > 0 { throw ExitCode(1) }
  }
}
