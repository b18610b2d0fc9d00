// zerogap-bench: release-mode benchmark harness printing one clean table per section, with
// throughput quoted as a fraction of the GEMM peak measured in the same run.
//   swift run -c release zerogap-bench linalg [--sizes 256,512,1024,2048] [--min-seconds 1] [--threads N]
// Later issues add sections (e.g. `solver`) next to `linalg`, reusing GEMMPeak for the denominator.
#if canImport(Glibc)
  import Glibc
#endif
import ZeroGap

struct Options {
  var sizes = [256, 512, 1024, 2048]
  var minSeconds = 1.0
  var threads: Int? = nil
}

let usage = """
  usage: zerogap-bench <section> [options]
  sections:
    linalg     dgemm GFLOP/s for each n, LAPACK anchors (1000×200 SVD, …) as fractions of the GEMM peak
    linear     closed-form deep-linear duality gap, X 10000×500, Y 10000×50, against its SVD
    relu       time to a certified 1e-6 gap, gated and exact two-layer ReLU programs (MATH.md §3)
    parallel   time to a certified 1e-6 gap of the three-layer parallel program against n, P1, P2 (MATH.md §4.3)
    allocations  heap allocations per iteration of each solver loop (malloc interposer preloaded)
  options:
    --sizes a,b,c     GEMM sizes (default 256,512,1024,2048)
    --min-seconds s   minimum wall time per GEMM size (default 1; LAPACK rows get half)
    --threads n       threads: OpenBLAS and ZeroGap's own loops (ThreadPlan; default all cores)
  """

func fail(_ message: String) -> Never {
  let text = "zerogap-bench: \(message)\n\(usage)\n"
  _ = text.withCString { write(2, $0, strlen($0)) }
  exit(64)
}

func parse(_ args: ArraySlice<String>) -> Options {
  var o = Options()
  var it = args.makeIterator()
  while let a = it.next() {
    switch a {
    case "--sizes":
      guard let v = it.next() else { fail("--sizes needs a value") }
      let sizes = v.split(separator: ",").compactMap { Int($0) }
      guard !sizes.isEmpty, sizes.allSatisfy({ $0 > 0 }) else { fail("--sizes expects positive integers, e.g. 256,512") }
      o.sizes = sizes
    case "--min-seconds":
      guard let v = it.next(), let s = Double(v), s > 0 else { fail("--min-seconds expects a positive number") }
      o.minSeconds = s
    case "--threads":
      guard let v = it.next(), let t = Int(v), t > 0 else { fail("--threads expects a positive integer") }
      o.threads = t
    default: fail("unknown option '\(a)'")
    }
  }
  return o
}

let args = CommandLine.arguments.dropFirst()
guard let section = args.first else { fail("missing section") }
let options = parse(args.dropFirst())
BLASRuntime.ensureOptimizedKernel()
if let t = options.threads { ThreadPlan.use(threads: t) }
let coreEnv = getenv("OPENBLAS_CORETYPE").map { String(cString: $0) } ?? "unset"
print("zerogap-bench \(section) — ZeroGap \(ZeroGapVersion.string)")
print("OpenBLAS kernel: \(BLASRuntime.coreName) (OPENBLAS_CORETYPE=\(coreEnv)), threads: \(BLASRuntime.threadCount)")
print("best-of timings; the machine may be shared, so compare ratios within one run")
print()
switch section {
case "linalg":
  do { try runLinalgSection(options: options) } catch { fail("\(error)") }
case "linear":
  do { try runLinearSection(options: options) } catch { fail("\(error)") }
case "relu":
  do { try runReLUSection(options: options) } catch { fail("\(error)") }
case "parallel":
  do { try runParallelSection(options: options) } catch { fail("\(error)") }
case "allocations":
  do { try runAllocationsSection(options: options) } catch { fail("\(error)") }
default:
  fail("unknown section '\(section)'")
}
