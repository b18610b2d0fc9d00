import Foundation
import Testing
@testable import ZeroGap

/// PyTorch/NumPy weight files against `Fixtures/torch` (written by bench/make_torch_fixtures.py with torch,
/// safetensors and numpy; every expected number there is computed in numpy from the tensors as read back).
struct WeightFileTests {
  static let directory = "Fixtures/torch"

  static func url(_ name: String) throws -> URL {
    let base = try #require(Bundle.module.url(forResource: "expected", withExtension: "json", subdirectory: directory))
    return base.deletingLastPathComponent().appendingPathComponent(name)
  }
  static func expected() throws -> JSON { try JSON.parse(try String(contentsOf: try url("expected.json"), encoding: .utf8)) }
  static func npy(_ name: String) throws -> Matrix { try NPY.read(path: try url(name).path).matrix }
  static func numbers(_ j: JSON?) -> [Double] {
    guard let a = j?.arrayValue else { return j?.doubleValue.map { [$0] } ?? [] }
    return a.flatMap { numbers($0) }
  }

  static let files = [
    "scalar-f64.safetensors", "scalar-f32.safetensors", "scalar-bf16.safetensors", "scalar-f16.safetensors",
    "scalar-stored.npz", "scalar-deflate.npz", "scalar-f32-deflate.npz", "scalar-custom-keys.safetensors",
    "vector-f64.safetensors", "nobias-f64.safetensors",
  ]

  /// Every file: the weights bit for bit (after the exact dtype conversion), the predictions, both objectives and
  /// the crude bound (independent numpy values).
  @Test(arguments: files) func importAndCertify(_ name: String) throws {
    let all = try Self.expected()
    let e = try #require(all["files"]?[name])
    let beta = try #require(all["beta"]?.doubleValue)
    var layout = TorchTwoLayerLayout()
    if let keys = e["keys"] {
      layout = try TorchTwoLayerLayout(keys: ["W1", "b1", "W2", "b2"].map { keys[$0]?.stringValue ?? "-" }.joined(separator: ","))
    }
    let imported = try layout.read(try WeightFiles.open(path: try Self.url(name).path))
    let w = try #require(e["weights"])
    let u = imported.network.firstLayer, a = imported.network.outputWeights
    let (m, k) = (u.columns, a.columns)
    let d = u.rows - (imported.inputBias ? 1 : 0)
    // W1 is m×d row-major in the file: entry (j, i) is u[i, j].
    #expect(Self.numbers(w["W1"]) == (0..<m).flatMap { j in (0..<d).map { u[$0, j] } })
    #expect(Self.numbers(w["W2"]) == (0..<k).flatMap { c in (0..<m).map { a[$0, c] } })
    #expect(imported.inputBias == (e["bias"]?.boolValue ?? true))
    if imported.inputBias {
      #expect(Self.numbers(w["b1"]) == (0..<m).map { u[d, $0] })
      #expect(Self.numbers(w["b2"]) == imported.network.outputBias)
    }
    let x = try Self.npy("X.npy")
    let y = try Self.npy(try #require(e["targets"]?.stringValue))
    let z = imported.features(x)
    let prediction = imported.network.predict(z)
    let expectedPrediction = Self.numbers(e["predictions"])
    for i in 0..<x.rows { for c in 0..<k { expectClose(prediction[i, c], expectedPrediction[i * k + c], relative: 1e-13) } }
    let cert = try ReLUCertificate.certify(network: imported.network, data: z, targets: y, beta: beta)
    expectClose(cert.objective, try #require(e["objective"]?.doubleValue), relative: 1e-12)
    expectClose(cert.objectiveAsGiven, try #require(e["objective_as_given"]?.doubleValue), relative: 1e-12)
    #expect(cert.scope == .crude)
    expectClose(cert.dualNormBound, try #require(e["crude_dual_norm"]?.doubleValue), relative: 1e-12)
    expectClose(cert.lowerBound, try #require(e["crude_lower_bound"]?.doubleValue), relative: 1e-10)
    #expect(cert.lowerBound <= cert.objective && cert.objective <= cert.objectiveAsGiven)
    // A global bound (branch and bound on c(v), k = 1) is at least as good as the crude one and still below.
    if k == 1 {
      let global = try ReLUCertificate.certify(network: imported.network, data: z, targets: y, beta: beta, dualNormBudget: 30)
      #expect(global.scope == .global && global.dualNormExact)
      #expect(global.lowerBound >= cert.lowerBound && global.lowerBound <= global.objective)
    }
  }

  /// Each hostile file gives one `DataError` of the expected kind, never a crash or a huge allocation.
  @Test(arguments: [
    ("truncated-header.safetensors", DataError.Kind.invalidWeightFile), ("huge-header-length.safetensors", .invalidWeightFile),
    ("shape-overflow.safetensors", .invalidWeightFile), ("offsets-past-end.safetensors", .invalidWeightFile),
    ("offsets-mismatch.safetensors", .invalidWeightFile), ("bad-dtype.safetensors", .unsupportedWeightFile),
    ("not-json.safetensors", .invalidWeightFile), ("empty.safetensors", .invalidWeightFile),
    ("truncated.npz", .invalidWeightFile), ("bad-member.npz", .invalidWeightFile), ("short-member.npz", .invalidWeightFile),
  ])
  func hostile(_ name: String, _ kind: DataError.Kind) throws {
    let path = try Self.url("hostile/" + name).path
    let error = #expect(throws: DataError.self, "\(name) must not be read") {
      let archive = try WeightFiles.open(path: path)
      for t in archive.tensorNames { _ = try archive.tensor(named: t) }
    }
    #expect(error?.kind == kind, "\(name): \(String(describing: error))")
    #expect(error.map { !$0.description.contains("\n") } ?? false)
  }

  /// A gated network read with its gates is certified against the gated program over those gates (scope
  /// `sampled`): at the optimum of a gated fit the bound meets the objective (the network is optimal over any subset
  /// of the fitted gates that contains its own).
  @Test func gatedNetworkWithItsGates() throws {
    var gen = SeededGenerator(seed: 5)
    let ds = try Synthetic.reluTeacher(samples: 40, inputDimension: 3, hiddenUnits: 3, noise: 0.1, using: &gen).dataset
    var est = ConvexReLUEstimator(configuration: .init(
      model: .gatedReLU, beta: 0.5, patterns: .sampled(count: 30, seed: 1), solver: ConvexSolverOptions(tolerance: 1e-9),
      unregularizedBias: true))
    try est.fit(data: ds.features, targets: ds.targets.column(0))
    let f = try #require(est.fitted)
    let z = try est.preprocessed(ds.features)
    let layout = TorchTwoLayerLayout()
    // z ends with the ones column: its weights are the file's first-layer bias, and the gates carry a gate bias.
    var tensors = layout.tensors(f.network, inputBias: true)
    let g = try #require(f.network.gates)
    tensors.append(WeightTensor(name: "gates", shape: [g.columns, g.rows], dtype: "F64", values: (0..<g.columns).flatMap { j in (0..<g.rows).map { g[$0, j] } }))
    var gated = layout
    gated.gates = "gates"
    let imported = try gated.read(try SafeTensors(bytes: SafeTensors.encode(tensors), file: "<memory>"))
    let features = imported.features(z.columns(0..<(z.columns - 1)))
    #expect(features == z)
    let cert = try ReLUCertificate.certify(network: imported.network, data: features, targets: ds.targets.column(0), beta: 0.5)
    #expect(cert.scope == .sampled && cert.dualNormMethod == "gates")
    expectClose(cert.objective, f.report.objective, relative: 1e-9)
    #expect(cert.lowerBound <= cert.objective && cert.relativeGap <= 1e-6, "gap \(cert.relativeGap)")
    // Without its gates the same weights are an ordinary ReLU network: a different (crude) certificate.
    let plain = try layout.read(try SafeTensors(bytes: SafeTensors.encode(tensors), file: "<memory>"))
    #expect(plain.network.gates == nil)
  }

  /// Written and read back: the same tensors, bit for bit, and the format's 8-byte header alignment.
  @Test func safetensorsRoundTrip() throws {
    let tensors = [
      WeightTensor(name: "0.weight", shape: [2, 3], dtype: "F64", values: [1, -2.5, .pi, 0, 1e-300, -0.0]),
      WeightTensor(name: "2.bias", shape: [1], dtype: "F64", values: [42]),
    ]
    let bytes = SafeTensors.encode(tensors, metadata: ["format": "pt"])
    let header = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    #expect(header % 8 == 0)
    let back = try SafeTensors(bytes: bytes, file: "<memory>")
    #expect(back.metadata == ["format": "pt"])
    for t in tensors {
      let r = try back.tensor(named: t.name)
      #expect(r.shape == t.shape && r.values.map(\.bitPattern) == t.values.map(\.bitPattern))
    }
  }

  /// binary16 decoding at its edges (exact values).
  @Test func halfPrecision() {
    #expect(SafeTensors.halfToDouble(0x3C00) == 1)
    #expect(SafeTensors.halfToDouble(0xC000) == -2)
    #expect(SafeTensors.halfToDouble(0x7BFF) == 65504)
    #expect(SafeTensors.halfToDouble(0x0001) == 0x1p-24)
    #expect(SafeTensors.halfToDouble(0x7C00) == .infinity)
    #expect(SafeTensors.halfToDouble(0x7E00).isNaN)
  }
}

/// A logistic network with an unpenalised output bias (a PyTorch classifier): the dual point is −∇ℓ at the bias
/// shift that zeroes 1ᵀv, so it satisfies the bias's dual constraint and the loss's domain, and the bound is below
/// the objective — on random networks, and tight at a network whose bias and weights are optimal.
struct LogisticOutputBiasTests {
  @Test func dualPointIsFeasibleAndBoundValid() throws {
    var gen = SeededGenerator(seed: 11)
    for trial in 0..<20 {
      let n = 30, d = 3, m = 4
      let x = gen.normalMatrix(rows: n, columns: d)
      let y = (0..<n).map { i in x[i, 0] + 0.3 * gen.nextNormal() > 0.5 ? 1.0 : -1.0 }
      guard Set(y).count == 2 else { continue }
      let net = TwoLayerReLUNetwork(firstLayer: gen.normalMatrix(rows: d, columns: m), outputWeights: gen.normalMatrix(rows: m, columns: 1),
        outputBias: [gen.nextNormal() * 3])
      let cert = try ReLUCertificate.certify(network: net, data: x, targets: y, beta: 0.5, loss: .logistic, dualNormBudget: 5)
      #expect(cert.lowerBound <= cert.objective, "trial \(trial)")
      #expect(cert.lowerBound.isFinite && cert.scope == .global)
    }
  }

  /// The bound equals the §3.8 logistic bound recomputed independently: the shift by golden section on the 1-D loss, v_i =
  /// y_i σ(−y_i(ŷ_i + δ)) with Σ v_i = 0, the exact d = 2 dual norm, and max_s Σ H(s y_i v_i) on a fine grid.
  @Test func shiftZeroesTheSum() throws {
    var gen = SeededGenerator(seed: 5)
    let n = 25
    let x = gen.normalMatrix(rows: n, columns: 2)
    let y = (0..<n).map { i in x[i, 1] > 0.2 ? 1.0 : -1.0 }
    let net = TwoLayerReLUNetwork(firstLayer: gen.normalMatrix(rows: 2, columns: 3), outputWeights: gen.normalMatrix(rows: 3, columns: 1), outputBias: [4])
    let cert = try ReLUCertificate.certify(network: net, data: x, targets: y, beta: 0.3, loss: .logistic)
    // Recompute the shift independently (Newton on the convex 1-D loss) and the dual point's sum.
    let yhat = net.predict(x).column(0)
    // The shift minimises the convex 1-D loss Σ log(1 + e^{−y_i(ŷ_i + δ)}): golden section (not the code's bisection).
    let r = (5.0.squareRoot() - 1) / 2
    var a = -60.0, b = 60.0
    func loss(_ t: Double) -> Double { (0..<n).reduce(0) { $0 + Foundation.log1p(Foundation.exp(-y[$1] * (yhat[$1] + t))) } }
    for _ in 0..<300 {
      let c = b - r * (b - a), e = a + r * (b - a)
      if loss(c) < loss(e) { b = e } else { a = c }
    }
    let delta = 0.5 * (a + b)
    let v = (0..<n).map { i in y[i] / (1 + Foundation.exp(y[i] * (yhat[i] + delta))) }
    #expect(abs(v.reduce(0, +)) <= 1e-6)
    // The certificate's LB is the §3.8 bound at this v: max_s Σ H(s y_i v_i) over s ≤ β/c̄ (d = 2: exact c̄).
    let cbar = ReLUCertificate.dualNorm2D(v, data: x)
    func entropy(_ q: Double) -> Double { q <= 0 || q >= 1 ? 0 : -q * Foundation.log(q) - (1 - q) * Foundation.log(1 - q) }
    var best = 0.0
    let smax = min(1 / ((0..<n).map { y[$0] * v[$0] }.max() ?? 1), 0.3 / cbar)
    for k in 0...20000 {
      let s = smax * Double(k) / 20000
      best = max(best, (0..<n).reduce(0) { $0 + entropy(s * y[$1] * v[$1]) })
    }
    #expect(abs(cert.dualNormBound - cbar) <= 1e-7 * cbar)  // δ from golden section: ~1e-9 relative
    #expect(abs(cert.lowerBound - best) <= 1e-6 * max(1, best), "LB \(cert.lowerBound) vs grid \(best)")
  }
}
