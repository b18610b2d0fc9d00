import Foundation
import Testing

@Suite struct ReLUCommandTests {
  static func jsonObject(_ text: String) throws -> [String: Any] {
    let line = try #require(text.split(separator: "\n").last)
    return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
  }

  @Test func fitPredictCertifyRoundTrip() throws {
    let dir = try temporaryDirectory()
    let model = dir.appendingPathComponent("m.json").path
    let fit = try runZerogap(["fit", "--data", "sine", "--beta", "0.5", "--patterns", "20", "--tol", "1e-6", "--output", model, "--json"])
    #expect(fit.status == 0, "\(fit.stderr)")
    #expect(fit.stderr.isEmpty)  // quiet with --json
    let obj = try Self.jsonObject(fit.stdout)
    for key in ["objective", "lower_bound", "gap", "neurons", "patterns", "iterations", "seconds", "bound_scope"] {
      #expect(obj[key] != nil, "missing \(key)")
    }
    let ub = try #require(obj["objective"] as? Double), lb = try #require(obj["lower_bound"] as? Double)
    #expect(abs((obj["gap"] as? Double ?? .nan) - (ub - lb)) <= 1e-9 * ub)
    #expect(obj["bound_scope"] as? String == "sampled")
    #expect(ub - lb <= 1e-6 * ub)

    let pred = try runZerogap(["predict", "--model", model, "--data", "sine", "--json"])
    #expect(pred.status == 0, "\(pred.stderr)")
    let p = try Self.jsonObject(pred.stdout)
    #expect((p["predictions"] as? [Double])?.count == 50)
    #expect(((p["r2"] as? Double) ?? -1) > 0.5)

    let cert = try runZerogap(["certify", "--model", model, "--data", "sine", "--json"])
    #expect(cert.status == 0, "\(cert.stderr)")
    let c = try Self.jsonObject(cert.stdout)
    // d' = 2 (one feature + bias): the exact arc-sweep bound covers the full problem; UB equals the fit's.
    #expect(c["bound_scope"] as? String == "global")
    let cub = try #require(c["objective"] as? Double), clb = try #require(c["lower_bound"] as? Double)
    #expect(abs(cub - ub) <= 1e-9 * ub)
    #expect(clb <= cub)
  }

  /// A small-β gated fit (diabetes, β about 10⁻³·β_max) certifies with the Newton on the patterns' scales before any
  /// FISTA step and says so: "0 iterations and N Newton steps" in the text, `newton_steps` in the JSON; the two runs
  /// certify the same objective.
  @Test func smallBetaGatedFitReportsItsNewtonSteps() throws {
    let args = ["fit", "--data", "diabetes", "--model", "gated-relu", "--beta", "5", "--patterns", "50", "--threads", "1"]
    let text = try runZerogap(args)
    #expect(text.status == 0, "\(text.stderr)")
    #expect(text.stdout.contains("; 0 iterations and ") && text.stdout.contains(" Newton steps in "), "\(text.stdout)")
    let json = try runZerogap(args + ["--json"])
    #expect(json.status == 0, "\(json.stderr)")
    let obj = try Self.jsonObject(json.stdout)
    #expect((obj["newton_steps"] as? Double).map { $0 >= 1 } == true, "\(obj)")
    #expect(obj["iterations"] as? Double == 0)
    let ub = try #require(obj["objective"] as? Double), lb = try #require(obj["lower_bound"] as? Double)
    #expect(lb <= ub && ub - lb <= 1e-6 * ub)
  }

  @Test func fitNeverOverwritesWithoutForce() throws {
    let dir = try temporaryDirectory()
    let model = dir.appendingPathComponent("m.json").path
    try "precious".write(toFile: model, atomically: true, encoding: .utf8)
    let args = ["fit", "--data", "sine", "--beta", "0.5", "--patterns", "10", "--output", model, "--json"]
    let refused = try runZerogap(args)
    #expect(refused.status != 0)
    #expect(refused.stderr.contains("already exists") && refused.stderr.contains("--force"), "\(refused.stderr)")
    #expect(try String(contentsOfFile: model, encoding: .utf8) == "precious")
    let forced = try runZerogap(args + ["--force"])
    #expect(forced.status == 0, "\(forced.stderr)")
    #expect(try String(contentsOfFile: model, encoding: .utf8).hasPrefix("{"))
  }

  @Test func certifyNpyWeights() throws {
    let dir = try temporaryDirectory()
    // A tiny CSV and a network in .npy (written by a 'fit' is not needed: use the NPY writer via python-free bytes).
    let csv = "a,b,y\n-1.5,1,1.0\n-0.5,1,-0.5\n0.2,1,0.8\n1.0,1,0.3\n2.0,1,-1.2\n"
    let data = dir.appendingPathComponent("a.csv")
    try csv.write(to: data, atomically: true, encoding: .utf8)
    func npy(_ rows: [[Double]], _ name: String) throws -> String {
      let shape = "(\(rows.count), \(rows.first?.count ?? 0))"
      var header = "{'descr': '<f8', 'fortran_order': False, 'shape': \(shape), }"
      while (10 + header.count + 1) % 64 != 0 { header += " " }
      header += "\n"
      var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count % 256), UInt8(header.count / 256)] + Array(header.utf8)
      for r in rows { for v in r { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } } }
      let url = dir.appendingPathComponent(name)
      try Data(bytes).write(to: url)
      return url.path
    }
    let w1 = try npy([[1, -1], [0.5, 0.2]], "w1.npy")
    let w2 = try npy([[0.7], [-0.4]], "w2.npy")
    let r = try runZerogap(["certify", "--w1", w1, "--w2", w2, "--data", data.path, "--target", "y", "--beta", "0.05", "--json"])
    #expect(r.status == 0, "\(r.stderr)")
    let c = try Self.jsonObject(r.stdout)
    #expect(c["bound_scope"] as? String == "global")
    let lb = try #require(c["lower_bound"] as? Double)
    #expect(lb <= 0.331534835042 + 1e-12)  // p* of MATH.md §3.10 Example A: no bound may exceed it
    #expect((c["objective"] as? Double ?? 0) >= 0.331534835042)
  }

  @Test func badInputsFailWithMessages() throws {
    let r1 = try runZerogap(["fit", "--data", "sine", "--beta", "-1"])
    #expect(r1.status != 0 && r1.stderr.contains("--beta"))
    let r2 = try runZerogap(["fit", "--data", "no-such-file.csv"])
    #expect(r2.status != 0 && r2.stderr.contains("no-such-file.csv"))
    let r3 = try runZerogap(["fit", "--data", "relu-teacher", "--enumerate"])
    #expect(r3.status != 0 && r3.stderr.contains("--patterns"))
    let r4 = try runZerogap(["fit", "--data", "sine", "--loss", "logistic"])
    #expect(r4.status != 0 && r4.stderr.contains("labels"))
    let r5 = try runZerogap(["predict", "--model", "missing.json", "--data", "sine"])
    #expect(r5.status != 0 && r5.stderr.contains("missing.json"))
  }
}
