import Testing
@testable import ZeroGap

@Suite("OpenBLAS kernel selection")
struct BLASRuntimeTests {
  private func flags(_ s: String) -> Set<Substring> { Set(s.split(separator: " ")) }

  @Test func recommendedCoreType() {
    #expect(BLASRuntime.recommendedCoreType(cpuFlags: flags("fpu sse2 avx avx2 fma avx512f avx512dq")) == "SkylakeX")
    #expect(BLASRuntime.recommendedCoreType(cpuFlags: flags("fpu sse2 avx avx2 fma")) == "Haswell")
    #expect(BLASRuntime.recommendedCoreType(cpuFlags: flags("fpu sse2 sse3 avx")) == nil)
    #expect(BLASRuntime.recommendedCoreType(cpuFlags: []) == nil)
    // Whole words only: "avx512fp16"-like or "avx2x" flags must not match.
    #expect(BLASRuntime.recommendedCoreType(cpuFlags: flags("avx512_fp16 avx2x")) == nil)
  }

  /// The guard's decision table: upgrade only to a higher instruction-set tier, never over a user
  /// choice, never to or from an unknown kernel name.
  @Test func kernelUpgradeDecisions() {
    let avx512 = flags("sse2 avx avx2 fma avx512f"), avx2 = flags("sse2 avx avx2 fma")
    // STACK.md's Intel case: auto-detection fell back to Prescott.
    #expect(BLASRuntime.kernelUpgrade(currentCore: "Prescott", cpuFlags: avx512, userChoice: nil) == "SkylakeX")
    #expect(BLASRuntime.kernelUpgrade(currentCore: "Prescott", cpuFlags: avx2, userChoice: nil) == "Haswell")
    // AVX2 kernels on an AVX-512 CPU (e.g. AMD Zen 4/5 detected as Zen/Haswell).
    #expect(BLASRuntime.kernelUpgrade(currentCore: "Haswell", cpuFlags: avx512, userChoice: nil) == "SkylakeX")
    #expect(BLASRuntime.kernelUpgrade(currentCore: "Zen", cpuFlags: avx512, userChoice: nil) == "SkylakeX")
    // Already the best tier: nothing to do (no downgrade from Cooperlake/SapphireRapids).
    #expect(BLASRuntime.kernelUpgrade(currentCore: "SkylakeX", cpuFlags: avx512, userChoice: nil) == nil)
    #expect(BLASRuntime.kernelUpgrade(currentCore: "Cooperlake", cpuFlags: avx512, userChoice: nil) == nil)
    #expect(BLASRuntime.kernelUpgrade(currentCore: "SapphireRapids", cpuFlags: avx512, userChoice: nil) == nil)
    #expect(BLASRuntime.kernelUpgrade(currentCore: "Zen", cpuFlags: avx2, userChoice: nil) == nil)
    #expect(BLASRuntime.kernelUpgrade(currentCore: "Haswell", cpuFlags: avx2, userChoice: nil) == nil)
    // An explicit OPENBLAS_CORETYPE always wins, even a slow one.
    #expect(BLASRuntime.kernelUpgrade(currentCore: "Prescott", cpuFlags: avx512, userChoice: "Prescott") == nil)
    #expect(BLASRuntime.kernelUpgrade(currentCore: "Haswell", cpuFlags: avx512, userChoice: "Haswell") == nil)
    // No usable vector extension, or a kernel name we do not know: leave OpenBLAS alone.
    #expect(BLASRuntime.kernelUpgrade(currentCore: "Prescott", cpuFlags: flags("sse2 sse3"), userChoice: nil) == nil)
    #expect(BLASRuntime.kernelUpgrade(currentCore: "NeoverseN1", cpuFlags: avx512, userChoice: nil) == nil)
  }

  /// The running process: OpenBLAS reports a kernel this table knows, and the flags are readable.
  @Test func runtimeFacts() {
    #expect(!BLASRuntime.coreName.isEmpty)
    #expect(BLASRuntime.threadCount >= 1)
    #expect(BLASRuntime.configuration.contains("OpenBLAS"))
    #if os(Linux) && arch(x86_64)
      let f = BLASRuntime.cpuFlags()
      #expect(f.contains("sse2"), "the flags line of /proc/cpuinfo was not parsed")
      #expect(BLASRuntime.kernelTier(BLASRuntime.coreName) != nil, "unknown OpenBLAS kernel \(BLASRuntime.coreName)")
    #endif
  }
}
