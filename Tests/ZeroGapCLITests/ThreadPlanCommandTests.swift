import Foundation
import Testing

/// `--threads`, `ZEROGAP_THREADS` and the thread plan `zerogap doctor` shows, through the real binary.
@Suite("zerogap: the thread plan")
struct ThreadPlanCommandTests {
  private static func doctor(_ args: [String], environment: [String: String]? = nil) throws -> [String: Any] {
    let r = try runZerogap(["doctor", "--json"] + args, environment: environment)
    #expect(r.status == 0, "\(r.stderr)")
    return try ReLUCommandTests.jsonObject(r.stdout)
  }

  private static var environmentWithoutThreads: [String: String] {
    var env = ProcessInfo.processInfo.environment
    env["ZEROGAP_THREADS"] = nil
    return env
  }

  /// `--threads 1` sets both OpenBLAS's threads and ZeroGap's workers; `ZEROGAP_THREADS` does the same; without
  /// either, every core the process may use (OpenBLAS then keeps its own default).
  @Test func doctorShowsThePlanItWasGiven() throws {
    let one = try Self.doctor(["--threads", "1"])
    #expect(one["threads"] as? Int == 1 && one["openblas_threads"] as? Int == 1 && one["threads_from"] as? String == "--threads")
    var env = Self.environmentWithoutThreads
    env["ZEROGAP_THREADS"] = "1"
    let fromEnv = try Self.doctor([], environment: env)
    #expect(fromEnv["threads"] as? Int == 1 && fromEnv["openblas_threads"] as? Int == 1)
    #expect(fromEnv["threads_from"] as? String == "ZEROGAP_THREADS")
    let plain = try Self.doctor([], environment: Self.environmentWithoutThreads)
    let cores = ProcessInfo.processInfo.activeProcessorCount
    #expect(plain["cores"] as? Int == cores && plain["threads"] as? Int == cores && plain["threads_from"] as? String == "all cores")
    let text = try runZerogap(["doctor", "--threads", "1"])
    #expect(text.stdout.contains("thread plan:      1 of \(cores) core(s), from --threads"), "\(text.stdout)")
  }

  /// Bad thread counts get one line and a usage exit code, from the option and from the environment alike.
  @Test func badThreadCountsAreRefused() throws {
    for args in [["fit", "--data", "sine", "--threads", "0"], ["doctor", "--threads", "-2"], ["path", "--data", "sine", "--threads", "5000"]] {
      let r = try runZerogap(args)
      #expect(r.status == 64, "\(args): \(r.stderr)")
      #expect(r.stderr.contains("--threads must be between 1 and 4096"), "\(r.stderr)")
    }
    var env = Self.environmentWithoutThreads
    env["ZEROGAP_THREADS"] = "many"
    let r = try runZerogap(["doctor"], environment: env)
    #expect(r.status == 64 && r.stdout.isEmpty)
    #expect(r.stderr == "Error: ZEROGAP_THREADS must be an integer from 1 to 4096 (got many)\n", "\(r.stderr)")
  }

  /// The same fit on one thread and on two certifies the same optimum (the thread count changes the order of
  /// floating-point sums only), for the gated and the exact program.
  @Test(arguments: ["gated-relu", "relu"]) func fitsAgreeAcrossThreadCounts(model: String) throws {
    let args = ["fit", "--data", "diabetes", "--model", model, "--beta", "200", "--patterns", "50", "--json"]
    let one = try runZerogap(args + ["--threads", "1"]), two = try runZerogap(args + ["--threads", "2"])
    #expect(one.status == 0 && two.status == 0, "\(one.stderr)\(two.stderr)")
    let a = try ReLUCommandTests.jsonObject(one.stdout), b = try ReLUCommandTests.jsonObject(two.stdout)
    let (oa, ob) = (try #require(a["objective"] as? Double), try #require(b["objective"] as? Double))
    let (la, lb) = (try #require(a["lower_bound"] as? Double), try #require(b["lower_bound"] as? Double))
    #expect(la <= oa && lb <= ob)
    // Each certifies 1e-6, so the two optima lie within 1e-6 of each other's bounds.
    #expect(abs(oa - ob) <= 1e-6 * oa && lb <= oa * (1 + 1e-12) && la <= ob * (1 + 1e-12))
    // The gated fit's JSON reports its passes over the data (first-order iterations on working sets: at most two
    // per iteration, one per round's certificate, one at the start and one for a first Newton's certificate) and
    // its Newton steps; column generation has neither.
    let passes = a["data_passes"] as? Double
    if model == "gated-relu" {
      let iterations = try #require(a["iterations"] as? Double)
      let newton = try #require(a["newton_steps"] as? Double)
      #expect(passes.map { $0 > 0 && $0 <= 3 * iterations + 2 } == true, "data_passes \(String(describing: passes))")
      #expect(iterations + newton > 0)
    } else {
      #expect(passes == nil && a["newton_steps"] == nil)
    }
  }
}
