import Foundation
import Testing

/// `certify --weights`, `fit --export` and `predict --weights` through the real binary.
@Suite struct WeightFileCommandTests {
  static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("ZeroGapTests/Fixtures/torch")
  static func path(_ name: String) -> String { fixtures.appendingPathComponent(name).path }
  static func expected() throws -> [String: Any] {
    let data = try Data(contentsOf: fixtures.appendingPathComponent("expected.json"))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
  }

  /// The PyTorch fixtures: objective, objective as given and the crude bound equal numpy's (bench/make_torch_fixtures.py);
  /// the default global bound (branch and bound) is valid and at least as good.
  @Test(arguments: ["scalar-f64.safetensors", "scalar-bf16.safetensors", "scalar-deflate.npz", "vector-f64.safetensors"])
  func certifyWeights(_ name: String) throws {
    let files = try #require(try Self.expected()["files"] as? [String: Any])
    let e = try #require(files[name] as? [String: Any])
    let targets = try #require(e["targets"] as? String)
    let base = ["certify", "--weights", Self.path(name), "--data", Self.path("X.npy"), "--targets", Self.path(targets), "--beta", "0.1", "--json"]
    let crude = try runZerogap(base + ["--bound-seconds", "0"])
    #expect(crude.status == 0, "\(crude.stderr)")
    let c = try ReLUCommandTests.jsonObject(crude.stdout)
    for key in ["objective", "objective_as_given", "crude_lower_bound"] {
      let mine = try #require(c[key == "crude_lower_bound" ? "lower_bound" : key] as? Double)
      let theirs = try #require(e[key] as? Double)
      #expect(abs(mine - theirs) <= 1e-10 * max(1, abs(theirs)), "\(name) \(key): \(mine) vs \(theirs)")
    }
    #expect(c["bound_scope"] as? String == "crude")
    let global = try runZerogap(base)
    #expect(global.status == 0, "\(global.stderr)")
    let g = try ReLUCommandTests.jsonObject(global.stdout)
    let lb = try #require(g["lower_bound"] as? Double), ub = try #require(g["objective"] as? Double)
    #expect(lb <= ub && lb >= (c["lower_bound"] as? Double ?? .infinity))
    // One output: the branch and bound certifies every two-layer ReLU network; k = 2 keeps the crude bound.
    #expect(g["bound_scope"] as? String == (e["k"] as? Int == 1 ? "global" : "crude"))
  }

  @Test func customKeysAndErrors() throws {
    let data = ["--data", Self.path("X.npy"), "--targets", Self.path("y.npy"), "--beta", "0.1", "--json"]
    let custom = try runZerogap(["certify", "--weights", Self.path("scalar-custom-keys.safetensors"), "--keys", "fc1.weight,fc1.bias,fc2.weight,fc2.bias"] + data)
    #expect(custom.status == 0, "\(custom.stderr)")
    let missing = try runZerogap(["certify", "--weights", Self.path("scalar-custom-keys.safetensors")] + data)
    #expect(missing.status == 1 && missing.stderr.contains("--keys") && missing.stderr.split(separator: "\n").count == 1, "\(missing.stderr)")
    for hostile in ["truncated-header.safetensors", "shape-overflow.safetensors", "truncated.npz", "bad-member.npz"] {
      let r = try runZerogap(["certify", "--weights", Self.path("hostile/" + hostile)] + data)
      #expect(r.status == 1 && r.stderr.hasPrefix("Error: ") && r.stderr.split(separator: "\n").count == 1, "\(hostile): \(r.stderr)")
    }
    let both = try runZerogap(["certify", "--weights", Self.path("scalar-f64.safetensors"), "--w1", "a.npy", "--w2", "b.npy"] + data)
    #expect(both.status == 64)
  }

  /// fit --export writes raw-feature weights that `predict --weights` runs to the model's own predictions (1e-10),
  /// with standardisation folded in; the file is never overwritten without --force; gated models are refused.
  @Test func exportReproducesPredict() throws {
    let dir = try temporaryDirectory()
    // Features on very different scales and offsets, so folding the standardisation matters.
    var rows: [[Double]] = []
    var y: [Double] = []
    var gen = SystemRandomNumberGenerator()
    for _ in 0..<30 {
      let r = [5 + Double.random(in: -1...1, using: &gen), -200 + 50 * Double.random(in: -1...1, using: &gen), 0.01 * Double.random(in: -1...1, using: &gen)]
      rows.append(r)
      y.append(max(0, r[0] - 5 + 100 * r[2]) + 0.01 * r[1])
    }
    let x = dir.appendingPathComponent("x.npy"), t = dir.appendingPathComponent("y.npy")
    try writeNPY(rows, to: x)
    try writeNPY(y.map { [$0] }, to: t)
    let model = dir.appendingPathComponent("m.json").path, export = dir.appendingPathComponent("m.safetensors").path
    let common = ["--data", x.path, "--targets", t.path]
    let fit = try runZerogap(["fit"] + common + ["--beta", "0.05", "--unregularized-bias", "--output", model, "--export", export, "--json"])
    #expect(fit.status == 0 || fit.status == 3, "\(fit.stderr)")
    let a = try #require(try ReLUCommandTests.jsonObject(try runZerogap(["predict", "--model", model] + common + ["--json"]).stdout)["predictions"] as? [Double])
    let b = try #require(try ReLUCommandTests.jsonObject(try runZerogap(["predict", "--weights", export] + common + ["--json"]).stdout)["predictions"] as? [Double])
    #expect(a.count == 30 && b.count == 30)
    for (p, q) in zip(a, b) { #expect(abs(p - q) <= 1e-10 * max(1, abs(p)), "\(p) vs \(q)") }
    // The certificate of the exported network on raw features: objective ≥ lower bound (another regularisation
    // convention than the fit's standardised one, so only validity is asserted).
    let cert = try ReLUCommandTests.jsonObject(try runZerogap(["certify", "--weights", export] + common + ["--beta", "0.05", "--json"]).stdout)
    #expect((cert["lower_bound"] as? Double ?? .infinity) <= (cert["objective"] as? Double ?? -.infinity))
    let again = try runZerogap(["fit"] + common + ["--beta", "0.05", "--export", export, "--json"])
    #expect(again.status != 0 && again.stderr.contains("--force"), "\(again.stderr)")
    let gated = try runZerogap(["fit"] + common + ["--model", "gated-relu", "--export", dir.appendingPathComponent("g.safetensors").path])
    #expect(gated.status == 64 && gated.stderr.contains("--model relu"), "\(gated.stderr)")
  }
}
