#if canImport(Glibc)
  import Glibc
#endif

/// Facts about the loaded OpenBLAS (kernel, configuration, threads), and the kernel guard.
///
/// Debian's OpenBLAS 0.3.21 does not recognise recent Intel CPUs and falls back to its generic
/// `Prescott` kernels, 4–6× slower (STACK.md §1.5). The kernel is chosen when the library loads,
/// from `OPENBLAS_CORETYPE`, so the fix must happen before the process starts:
/// `scripts/blas-env.sh` exports it for scripts and tests, and executables call
/// `ensureOptimizedKernel()` first thing, which re-executes the process once with the variable set.
public enum BLASRuntime {
  /// The OpenBLAS kernel in use, e.g. `SkylakeX`, or `Prescott` when detection failed.
  public static var coreName: String { BLAS.coreName }
  /// The OpenBLAS build configuration string.
  public static var configuration: String { BLAS.configuration }
  /// The number of threads OpenBLAS will use.
  public static var threadCount: Int { BLAS.threadCount }
  /// Sets the number of OpenBLAS threads for this process.
  public static func setThreadCount(_ n: Int) { BLAS.setThreadCount(n) }

  /// The best kernel OpenBLAS 0.3.21 has for a CPU with these `/proc/cpuinfo` flags, or nil.
  public static func recommendedCoreType(cpuFlags: Set<Substring>) -> String? {
    if cpuFlags.contains("avx512f") { return "SkylakeX" }
    if cpuFlags.contains("avx2") { return "Haswell" }
    return nil
  }

  /// If OpenBLAS fell back to `Prescott` and the user has not chosen a kernel, re-executes this
  /// process with `OPENBLAS_CORETYPE` set to the best kernel the CPU supports, keeping argv.
  ///
  /// Returns normally when nothing needs doing or when re-execution is impossible (the process
  /// then continues with the slow but correct kernel). Sets `ZEROGAP_KERNEL_GUARD` to avoid loops.
  public static func ensureOptimizedKernel() {
    #if os(Linux)
      guard getenv("OPENBLAS_CORETYPE") == nil, getenv("ZEROGAP_KERNEL_GUARD") == nil,
        coreName == "Prescott", let core = recommendedCoreType(cpuFlags: cpuFlags())
      else { return }
      setenv("OPENBLAS_CORETYPE", core, 1)
      setenv("ZEROGAP_KERNEL_GUARD", "1", 1)
      execv("/proc/self/exe", CommandLine.unsafeArgv)
    // execv returns only on failure: keep going with the generic kernel.
    #endif
  }

  /// The `flags` line of /proc/cpuinfo, split into words (empty if unreadable).
  static func cpuFlags() -> Set<Substring> {
    #if os(Linux)
      guard let f = fopen("/proc/cpuinfo", "r") else { return [] }
      defer { fclose(f) }
      var line: UnsafeMutablePointer<CChar>? = nil
      var cap = 0
      defer { free(line) }
      while getline(&line, &cap, f) > 0 {
        guard let l = line else { break }
        let s = String(cString: l)
        if s.hasPrefix("flags") {
          return Set(s.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == ":" }))
        }
      }
    #endif
    return []
  }
}
