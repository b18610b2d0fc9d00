import ArgumentParser
import Foundation
import ZeroGap

/// The solver's options shared by the commands that solve a convex program: the certified-gap tolerance, the
/// iteration budget, the memory budget and the progress lines.
struct SolverOptions: ParsableArguments {
  @Option(parsing: .unconditional, help: "Certified relative-gap tolerance.") var tol: Double = 1e-6
  @Option(parsing: .unconditional, help: "Iteration budget of the solver.") var maxIterations: Int = 100_000
  @Option(help: "Seconds between progress lines on stderr (iteration, objective, certified gap, time).") var progressInterval: Double = 1
  @Option(parsing: .unconditional, help: "Threads for the solve: OpenBLAS's and ZeroGap's own parallel loops (default: ZEROGAP_THREADS, else every core; under mpirun the cores divided among the processes on this machine). `zerogap doctor` shows the plan.") var threads: Int?
  @Option(help: "Memory the solve may use, e.g. 8G or 512M (default: ZEROGAP_MEMORY_LIMIT, else a quarter of physical memory). Larger problems are refused with what they need.") var memoryLimit: String?

  func validate() throws {
    guard progressInterval >= 0, progressInterval.isFinite else { throw ValidationError("--progress-interval must be ≥ 0 seconds") }
    guard tol > 0, tol < 1 else { throw ValidationError("--tol must be in (0, 1) (got \(tol))") }
    if let t = threads, !ThreadPlan.validCounts.contains(t) { throw ValidationError("--threads must be between 1 and 4096 (got \(t))") }
    guard maxIterations >= 1 else { throw ValidationError("--max-iterations must be ≥ 1") }
    if let m = memoryLimit, MemoryBudget.parse(m) == nil { throw ValidationError("--memory-limit must be a size such as 8G, 512M or 1000000 bytes (got \(m))") }
    if memoryLimit == nil, let m = ProcessInfo.processInfo.environment["ZEROGAP_MEMORY_LIMIT"], MemoryBudget.parse(m) == nil {
      throw CommandFailure("ZEROGAP_MEMORY_LIMIT must be a size such as 8G, 512M or 1000000 bytes (got \(m))")
    }
  }

  /// The library's options; progress lines on stderr unless `quiet` (short solves stay silent: the first line
  /// comes once the solve has run for one interval). Applies `--threads`.
  func convexSolverOptions(quiet: Bool) -> ConvexSolverOptions {
    if let t = threads { ThreadPlan.use(threads: t) }
    var progress: (@Sendable (ConvexSolverProgress) -> Void)? = nil
    if !quiet {
      let interval = progressInterval
      progress = { p in if p.seconds >= interval { printProgress(p) } }
    }
    var options = ConvexSolverOptions(tolerance: tol, maxIterations: maxIterations, progress: progress, progressInterval: progressInterval)
    if let m = memoryLimit.flatMap(MemoryBudget.parse) { options.memoryBudget = MemoryBudget(bytes: m) }
    return options
  }
}

extension ConvexReLUModel: ExpressibleByArgument {}
extension ConvexLoss: ExpressibleByArgument {}
