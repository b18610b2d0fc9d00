import Foundation
import Testing

/// `zerogap fit --model parallel-relu --depth 3` through the real binary: MATH.md Example C with both layers
/// enumerated (global scope, p* = 0.2749197692), the JSON keys of the two-layer fit plus `branches`, and the
/// option checks (exit 64).
@Suite struct ParallelFitCommandTests {
  static func exampleC(_ dir: URL) throws -> String {
    let path = dir.appendingPathComponent("c.csv").path
    try "a,b,y\n-1,1,1\n0,1,-1\n0.5,1,0.5\n1.5,1,1\n".write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  @Test func exampleCIsCertifiedGlobally() throws {
    let data = try Self.exampleC(try temporaryDirectory())
    let r = try runZerogap([
      "fit", "--data", data, "--model", "parallel-relu", "--depth", "3", "--enumerate", "--no-standardize", "--no-bias",
      "--beta", "0.05", "--json",
    ])
    #expect(r.status == 0, "\(r.stderr)")
    let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    for key in ["objective", "lower_bound", "gap", "relative_gap", "bound_scope", "iterations", "seconds", "stop_reason", "branches"] {
      #expect(obj[key] != nil, "missing \(key)")
    }
    let ub = try #require(obj["objective"] as? Double), lb = try #require(obj["lower_bound"] as? Double)
    #expect(abs(ub - 0.2749197692) <= 1e-6)
    #expect(lb <= ub && ub - lb <= 1e-6 * ub)
    #expect(obj["bound_scope"] as? String == "global")
    #expect(obj["stop_reason"] as? String == "converged")
    #expect((obj["branches"] as? Double ?? 0) >= 1)
  }

  /// Held-out real data with targets in raw units (diabetes, y ≈ 150, objective ≈ 10⁵), with (P₁, P₂) = (20, 4): the
  /// late Newton systems lose accuracy, and with a single refinement the residual passed the solver's 10⁻⁶ stop rule
  /// at a certified gap of 8.4e-6 (up to three refinements certify). (6, 6): with the second layer sampled from random
  /// first layers, patterns that the 6 sampled first-layer patterns cannot realise made the solve stall at a 99 % gap;
  /// sampled on the program's own first layer, every pattern is realised and it certifies.
  @Test(arguments: [("20", "4"), ("6", "6")])
  func rawUnitDiabetesCertifies(patterns: String, patterns2: String) throws {
    let r = try runZerogap([
      "fit", "--data", "diabetes", "--model", "parallel-relu", "--depth", "3", "--patterns", patterns, "--patterns2", patterns2,
      "--beta", "1", "--json",
    ])
    #expect(r.status == 0, "\(r.stderr)")
    let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    let ub = try #require(obj["objective"] as? Double), lb = try #require(obj["lower_bound"] as? Double)
    #expect(lb <= ub && ub - lb <= 1e-6 * ub)
    #expect(obj["stop_reason"] as? String == "converged")
    #expect(obj["bound_scope"] as? String == "sampled")
  }

  /// Gates that leave samples inactive in every first-layer pattern: the interior point cannot take the program, and
  /// the uncertified fit (exit 3, the augmented Lagrangian stopped after 20 iterations) says why and what to do
  /// instead of the generic hint.
  @Test func gatesLeavingSamplesUncoveredAreExplained() throws {
    let dir = try temporaryDirectory()
    let data = dir.appendingPathComponent("line.csv").path
    try "a,y\n-2,1\n-1,0.5\n0.5,-0.5\n1,1\n2,0\n".write(toFile: data, atomically: true, encoding: .utf8)
    // One gate, 1×1 (its bias coordinate 0): on [a, 1] with raw features it is active where a ≥ 0 only, so the two
    // negative samples are uncovered. A hand-written v1.0 .npy of the single float64 1.
    var header = Array("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1), }".utf8)
    while (10 + header.count + 1) % 64 != 0 { header.append(0x20) }
    header.append(0x0A)
    var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.count), 0] + header
    withUnsafeBytes(of: (1.0).bitPattern.littleEndian) { bytes += $0 }
    let gates = dir.appendingPathComponent("g.npy").path
    try Data(bytes).write(to: URL(fileURLWithPath: gates))
    let r = try runZerogap([
      "fit", "--data", data, "--model", "parallel-relu", "--depth", "3", "--gates", gates, "--no-standardize", "--patterns2", "3",
      "--beta", "0.01", "--max-iterations", "20", "--json",
    ])
    #expect(r.status == 3, "\(r.stderr)")
    #expect(r.stderr.contains("2 of the samples are inactive in every first-layer pattern of --gates"), "\(r.stderr)")
  }

  /// Targets a billion times larger than β's scale (β = 10⁻⁶ against y ≈ 10³): the nearly unregularised program
  /// stalls uncertified, exit code 3, and the error says how small β is and what to change.
  @Test func nearlyUnregularisedFitIsExplained() throws {
    let dir = try temporaryDirectory()
    let data = dir.appendingPathComponent("big.csv").path
    var rows = ["a,b,y"]
    for j in 0..<40 {
      let a = 2 * sin(1.7 * Double(j)), b = 1.5 * cos(2.3 * Double(j))
      rows.append("\(a),\(b),\(1000 * max(0, a - b) + 100 * sin(7.1 * Double(j)))")
    }
    try (rows.joined(separator: "\n") + "\n").write(toFile: data, atomically: true, encoding: .utf8)
    let r = try runZerogap(["fit", "--data", data, "--model", "parallel-relu", "--patterns", "6", "--patterns2", "5", "--beta", "1e-6", "--json"])
    #expect(r.status == 3, "\(r.stderr)")
    #expect(r.stderr.contains("of max ‖Xᵀ D1 D2 y‖") && r.stderr.contains("use a larger --beta"), "\(r.stderr)")
  }

  /// Depth 4 (MATH.md §4.4) with every level enumerated on three samples: global scope, the JSON's depth and pattern
  /// counts, and an optimum no larger than the depth-3 one (a three-layer branch is a four-layer branch).
  @Test func depthFourFit() throws {
    let dir = try temporaryDirectory()
    let data = dir.appendingPathComponent("three.csv").path
    try "a,y\n-1,1\n0.5,-0.5\n1.5,1\n".write(toFile: data, atomically: true, encoding: .utf8)
    func fit(_ depth: String) throws -> [String: Any] {
      let r = try runZerogap(["fit", "--data", data, "--model", "parallel-relu", "--depth", depth, "--enumerate", "--beta", "0.05", "--json"])
      #expect(r.status == 0, "\(r.stderr)")
      return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }
    let four = try fit("4"), three = try fit("3")
    #expect(four["depth"] as? Double == 4 && four["bound_scope"] as? String == "global")
    #expect((four["hidden_patterns"] as? [Double]) == [8, 8])
    let lb4 = try #require(four["lower_bound"] as? Double), ub3 = try #require(three["objective"] as? Double)
    #expect(lb4 <= ub3)
  }

  @Test(arguments: [
    (["--depth", "5"], "--depth 3 or 4"), (["--depth", "4", "--output", "m.json"], "depth-3"), (["--loss", "hinge"], "squared or logistic"), (["--patterns2", "0"], "--patterns2"),
  ])
  func badOptionsAreUsageErrors(extra: [String], fragment: String) throws {
    let data = try Self.exampleC(try temporaryDirectory())
    let r = try runZerogap(["fit", "--data", data, "--model", "parallel-relu", "--beta", "0.05"] + extra)
    #expect(r.status == 64)
    #expect(r.stderr.contains(fragment), "\(r.stderr)")
  }

  @Test func twoLayerModelsRefuseTheDeepOptions() throws {
    let data = try Self.exampleC(try temporaryDirectory())
    let r = try runZerogap(["fit", "--data", data, "--beta", "0.05", "--patterns2", "5"])
    #expect(r.status == 64)
    #expect(r.stderr.contains("--model parallel-relu"), "\(r.stderr)")
  }

  /// fit --output writes a parallel model file; predict reads it and reproduces the fit's network (ŷ* of Example C
  /// to 1e-5, MATH.md §4.3); certify reproduces the objective and bounds it from below (crude, and global with
  /// --enumerate, below p* = 0.2749197692).
  @Test func modelFileRoundTrip() throws {
    let dir = try temporaryDirectory()
    let data = try Self.exampleC(dir)
    let model = dir.appendingPathComponent("p.json").path
    let fit = try runZerogap([
      "fit", "--data", data, "--model", "parallel-relu", "--depth", "3", "--enumerate", "--no-standardize", "--no-bias",
      "--beta", "0.05", "--output", model, "--json", "--tol", "1e-9",
    ])
    // (½‖ŷ − ŷ*‖² is at most the certified gap: 1e-9·p* keeps ŷ within about 2e-5 of ŷ*, the IPM lands far closer.)
    #expect(fit.status == 0, "\(fit.stderr)")
    let text = try String(contentsOfFile: model, encoding: .utf8)
    #expect(text.contains("\"format\":\"zerogap-parallel-relu\""))
    let pred = try runZerogap(["predict", "--model", model, "--data", data, "--json"])
    #expect(pred.status == 0, "\(pred.stderr)")
    let obj = try #require(try JSONSerialization.jsonObject(with: Data(pred.stdout.utf8)) as? [String: Any])
    let yhat = try #require(obj["predictions"] as? [Double])
    for (a, b) in zip(yhat, [0.95, -0.80, 0.375177, 1.008416]) { #expect(abs(a - b) <= 1e-5) }
    #expect(obj["r2"] != nil)
    for (extra, scope) in [([String](), "crude"), (["--enumerate"], "global")] {
      let cert = try runZerogap(["certify", "--model", model, "--data", data, "--json"] + extra)
      #expect(cert.status == 0, "\(cert.stderr)")
      let c = try #require(try JSONSerialization.jsonObject(with: Data(cert.stdout.utf8)) as? [String: Any])
      let ub = try #require(c["objective"] as? Double), lb = try #require(c["lower_bound"] as? Double)
      #expect(abs(ub - 0.2749197692) <= 1e-6)
      #expect(lb <= 0.2749197692 + 1e-9 && lb > 0)
      #expect(c["bound_scope"] as? String == scope)
    }
  }

  /// A program that cannot fit is refused before the second layer is sampled (no hang on a huge --patterns2), and
  /// enumeration beyond n = 16 is refused with a suggestion.
  @Test func oversizedProgramsAreRefusedQuickly() throws {
    let big = try runZerogap(["fit", "--data", "sine", "--model", "parallel-relu", "--patterns2", "1000000000", "--beta", "0.1"])
    #expect(big.status == 1)
    #expect(big.stderr.contains("memory budget") && big.stderr.contains("fewer patterns"), "\(big.stderr)")
    let enumerate = try runZerogap(["fit", "--data", "sine", "--model", "parallel-relu", "--enumerate", "--beta", "0.1"])
    #expect(enumerate.status == 1)
    #expect(enumerate.stderr.contains("--patterns2"), "\(enumerate.stderr)")
  }
}
