#if canImport(Glibc)
  import Glibc
#endif

/// Facts about the loaded OpenBLAS (kernel, configuration, threads), and the kernel guard.
///
/// Debian's OpenBLAS 0.3.21 does not always pick the best kernel: on recent Intel Xeons it falls
/// back to its generic `Prescott` kernels, 4–6× slower (STACK.md §1.5); on an AVX-512 CPU a
/// lower-tier choice (`Haswell`/`Zen`, AVX2) costs about 1.6× in GEMM throughput (1 thread, best-of,
/// n = 512–2048, AMD EPYC with AVX-512: `bash scripts/bench.sh --compare-kernels`). On that machine
/// OpenBLAS itself picks `Cooperlake` (same speed as `SkylakeX`), so the guard does nothing there;
/// it acts only when OpenBLAS's own pick is of a lower tier. The kernel is chosen when the library
/// loads, from `OPENBLAS_CORETYPE`, so the fix must happen before the process starts:
/// `scripts/blas-env.sh` exports it for scripts and tests, and executables call
/// `ensureOptimizedKernel()` first thing, which re-executes the process once with the variable set.
/// An explicit `OPENBLAS_CORETYPE` is always respected.
public enum BLASRuntime {
  /// The OpenBLAS kernel in use, e.g. `SkylakeX`, or `Prescott` when detection failed.
  public static var coreName: String { BLAS.coreName }
  /// The OpenBLAS build configuration string.
  public static var configuration: String { BLAS.configuration }
  /// The number of threads OpenBLAS will use.
  public static var threadCount: Int { BLAS.threadCount }
  /// Sets the number of OpenBLAS threads for this process.
  public static func setThreadCount(_ n: Int) { BLAS.setThreadCount(n) }

  /// The best kernel OpenBLAS 0.3.21 has for a CPU with these `/proc/cpuinfo` flags, or nil:
  /// `SkylakeX` with AVX-512F (Intel or AMD), `Haswell` with AVX2, nil otherwise.
  public static func recommendedCoreType(cpuFlags: Set<Substring>) -> String? {
    if cpuFlags.contains("avx512f") { return "SkylakeX" }
    if cpuFlags.contains("avx2") { return "Haswell" }
    return nil
  }

  /// The instruction-set tier of an OpenBLAS kernel name: 3 for the AVX-512 kernels, 2 for the
  /// AVX2 ones (`Haswell`, `Zen`), 1 for `Sandybridge` (AVX), 0 for the SSE-era ones (`Prescott`,
  /// `Nehalem`, …). nil for a name this table does not know (then the guard leaves it alone).
  static func kernelTier(_ coreName: String) -> Int? {
    switch coreName.lowercased() {
    case "skylakex", "cooperlake", "sapphirerapids": return 3
    case "haswell", "zen": return 2
    case "sandybridge", "bulldozer", "piledriver", "steamroller", "excavator": return 1
    case "prescott", "katmai", "coppermine", "northwood", "core2", "penryn", "dunnington", "nehalem", "atom",
      "opteron", "opteron_sse3", "barcelona", "bobcat", "athlon", "banias", "nano", "generic":
      return 0
    default: return nil
    }
  }

  /// The kernel to switch to, or nil to keep `currentCore`: the recommended kernel for `cpuFlags`
  /// when the user has not chosen one (`userChoice == nil`) and OpenBLAS picked a kernel of a
  /// lower instruction-set tier (e.g. `Prescott` on a recent Intel, `Haswell` on AVX-512 Zen).
  /// Never downgrades, and never overrides an explicit `OPENBLAS_CORETYPE`.
  public static func kernelUpgrade(currentCore: String, cpuFlags: Set<Substring>, userChoice: String?) -> String? {
    guard userChoice == nil, let target = recommendedCoreType(cpuFlags: cpuFlags),
      let current = kernelTier(currentCore), let wanted = kernelTier(target), wanted > current
    else { return nil }
    return target
  }

  /// True when this process was re-executed by `ensureOptimizedKernel()` (it set `ZEROGAP_KERNEL_GUARD`).
  public static var kernelGuardReexecuted: Bool {
    #if os(Linux)
      return getenv("ZEROGAP_KERNEL_GUARD") != nil
    #else
      return false
    #endif
  }

  /// If OpenBLAS picked a slower kernel than the CPU supports and the user has not chosen one,
  /// re-executes this process with `OPENBLAS_CORETYPE` set to the best kernel, keeping argv.
  ///
  /// Returns normally when nothing needs doing or when re-execution is impossible (the process
  /// then continues with the slower but correct kernel). Sets `ZEROGAP_KERNEL_GUARD` to avoid loops.
  /// For end-to-end tests of the re-execution on CPUs where OpenBLAS already picks well,
  /// `ZEROGAP_ASSUME_OPENBLAS_CORE=<name>` makes the guard act as if OpenBLAS had picked `<name>`.
  public static func ensureOptimizedKernel() {
    #if os(Linux)
      guard getenv("ZEROGAP_KERNEL_GUARD") == nil else { return }
      // An empty OPENBLAS_CORETYPE is not a choice (OpenBLAS then auto-detects as usual).
      let userChoice = getenv("OPENBLAS_CORETYPE").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
      let assumed = getenv("ZEROGAP_ASSUME_OPENBLAS_CORE").map { String(cString: $0) }
      guard let core = kernelUpgrade(currentCore: assumed ?? coreName, cpuFlags: cpuFlags(), userChoice: userChoice)
      else { return }
      setenv("OPENBLAS_CORETYPE", core, 1)
      setenv("ZEROGAP_KERNEL_GUARD", "1", 1)
      execv("/proc/self/exe", CommandLine.unsafeArgv)
      // execv returns only on failure: keep going with the kernel OpenBLAS chose.
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
