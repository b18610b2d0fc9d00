import Foundation
import Testing

/// The CPU flags from /proc/cpuinfo, read independently of the library (empty if unreadable).
private func cpuFlags() -> Set<String> {
  guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
    let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
  else { return [] }
  return Set(line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ":" }).map(String.init))
}

/// The environment of this test process without the variables the kernel guard looks at.
private func environment(coreType: String?) -> [String: String] {
  var env = ProcessInfo.processInfo.environment
  env["OPENBLAS_CORETYPE"] = coreType
  env["ZEROGAP_KERNEL_GUARD"] = nil
  return env
}

private func doctorCore(_ env: [String: String]) throws -> String? {
  let r = try runZerogap(["doctor", "--json"], environment: env)
  #expect(r.status == 0, "stderr: \(r.stderr)")
  let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
  return obj?["openblas_core"] as? String
}

@Suite("zerogap doctor: OpenBLAS kernel guard")
struct DoctorKernelTests {
  /// Without OPENBLAS_CORETYPE, the binary ends up on a vector kernel matching the CPU: never the
  /// generic Prescott on an AVX2 machine, and an AVX-512 kernel on an AVX-512 machine.
  @Test func fastKernelWithoutUserChoice() throws {
    let core = try doctorCore(environment(coreType: nil))
    #expect(core != nil && core != "Prescott")
    let f = cpuFlags()
    if f.contains("avx512f") {
      #expect(["SkylakeX", "Cooperlake", "SapphireRapids"].contains(core ?? ""), "core \(core ?? "nil") on an AVX-512 CPU")
    } else if f.contains("avx2") {
      #expect(["Haswell", "Zen", "SkylakeX", "Cooperlake", "SapphireRapids"].contains(core ?? ""))
    }
  }

  /// A user's explicit choice is respected (no re-execution over it), even a slower kernel.
  @Test func userChoiceIsRespected() throws {
    guard cpuFlags().contains("avx2") else { return }
    #expect(try doctorCore(environment(coreType: "Haswell")) == "Haswell")
    #expect(try doctorCore(environment(coreType: "Prescott")) == "Prescott")
  }

  /// End-to-end re-execution: pretend OpenBLAS picked a lower-tier kernel; the binary must re-exec
  /// itself once with OPENBLAS_CORETYPE set, keep its arguments (`doctor --json` still prints JSON)
  /// and end up on the recommended kernel.
  @Test func guardReexecutesWithArgumentsKept() throws {
    let f = cpuFlags()
    guard f.contains("avx2") else { return }
    var env = environment(coreType: nil)
    env["ZEROGAP_ASSUME_OPENBLAS_CORE"] = "Prescott"
    let r = try runZerogap(["doctor", "--json"], environment: env)
    #expect(r.status == 0, "stderr: \(r.stderr)")
    let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
    #expect(obj?["openblas_core"] as? String == (f.contains("avx512f") ? "SkylakeX" : "Haswell"))
    #expect(obj?["kernel_guard_reexecuted"] as? Bool == true)
    // Without the pretence and with a user choice, no re-execution happens.
    let plain = try runZerogap(["doctor", "--json"], environment: environment(coreType: "Haswell"))
    let plainObj = try JSONSerialization.jsonObject(with: Data(plain.stdout.utf8)) as? [String: Any]
    #expect(plainObj?["kernel_guard_reexecuted"] as? Bool == false)
  }

  @Test func humanReadableDoctorNamesKernelAndThreads() throws {
    let r = try runZerogap(["doctor"], environment: environment(coreType: nil))
    #expect(r.status == 0)
    #expect(r.stdout.contains("OpenBLAS kernel:") && r.stdout.contains("thread plan:") && r.stdout.contains("OpenBLAS, "))
  }
}
