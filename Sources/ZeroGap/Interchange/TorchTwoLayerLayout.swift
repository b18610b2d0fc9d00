import Foundation

/// Where a PyTorch two-layer network keeps its tensors, and how ZeroGap reads and writes them.
///
/// Default: `nn.Sequential(nn.Linear(d, m), nn.ReLU(), nn.Linear(m, k))` — `0.weight` (m×d), `0.bias` (m),
/// `2.weight` (k×m), `2.bias` (k). A bias key that is absent from the file means no bias. A gated network
/// (MATH.md §3.6) also names its gates, m×d (or m×(d+1) with a gate bias when the first layer has a bias).
///
/// Convention (MATH.md §0, §3.1): the first-layer bias is the weight of an appended ones column — regularised like
/// any input weight, as ZeroGap's own bias column — and the output bias is unregularised (the centred dual of
/// `fit --unregularized-bias`).
public struct TorchTwoLayerLayout: Sendable, Equatable {
  public var firstWeight = "0.weight"
  public var firstBias = "0.bias"
  public var outputWeight = "2.weight"
  public var outputBias = "2.bias"
  /// The gates' key (nil: an ordinary ReLU network).
  public var gates: String?

  public init() {}

  /// Four comma-separated keys `W1,b1,W2,b2` (a bias given as `-` means none), as `--keys` takes them.
  /// - Throws: `.invalidArgument` for another count or an empty key.
  public init(keys: String, gates: String? = nil) throws(DataError) {
    let parts = keys.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    guard parts.count == 4, !parts.contains(where: \.isEmpty) else {
      throw DataError(.invalidArgument, "--keys needs four comma-separated tensor names W1,b1,W2,b2 (\"-\" for a missing bias), got \"\(keys)\"")
    }
    (firstWeight, firstBias, outputWeight, outputBias) = (parts[0], parts[1], parts[2], parts[3])
    self.gates = gates
  }

  /// A network read from a weight file, in ZeroGap's orientation.
  public struct Imported: Sendable, Equatable {
    /// The network on the features `[X, 1]` when `inputBias`, else on X: first layer (d(+1))×m, output m×k,
    /// the output bias when the file has one.
    public var network: TwoLayerReLUNetwork
    /// Whether the first layer had a bias (the network's last input row).
    public var inputBias: Bool
    /// The features the network acts on: X with a ones column appended when `inputBias`.
    public func features(_ x: Matrix) -> Matrix {
      inputBias ? x.appendingColumns(Matrix(rows: x.rows, columns: 1, repeating: 1)) : x
    }
  }

  /// Reads the network from `archive`.
  /// - Throws: `DataError` (`.missingTensor` naming the key, the shapes found and the layout expected;
  ///   `.nonFinite` for NaN/∞ weights).
  public func read(_ archive: any WeightArchive) throws(DataError) -> Imported {
    let file = archive.file
    func has(_ key: String) -> Bool { key != "-" && archive.tensorNames.contains(key) }
    func load(_ key: String, role: String) throws(DataError) -> WeightTensor {
      guard has(key) else {
        throw DataError(.missingTensor, file: file, "no tensor \"\(key)\" (\(role)); the file has \(archive.tensorNames.joined(separator: ", ")) — name the layout with --keys W1,b1,W2,b2")
      }
      let t = try archive.tensor(named: key)
      guard t.values.allSatisfy(\.isFinite) else { throw DataError(.nonFinite, file: file, "tensor \"\(key)\" (\(role)) contains NaN or infinite values") }
      return t
    }
    let w1 = try load(firstWeight, role: "first-layer weight, m×d")
    guard w1.shape.count == 2, w1.shape[0] > 0, w1.shape[1] > 0 else {
      throw DataError(.missingTensor, file: file, "\"\(firstWeight)\" has shape \(w1.shape); the first-layer weight must be m×d (torch Linear(d, m).weight)")
    }
    let (m, d) = (w1.shape[0], w1.shape[1])
    let w2 = try load(outputWeight, role: "output weight, k×m")
    guard w2.shape.count == 2 || (w2.shape.count == 1 && w2.shape[0] == m) else {
      throw DataError(.missingTensor, file: file, "\"\(outputWeight)\" has shape \(w2.shape); the output weight must be k×\(m) (torch Linear(\(m), k).weight)")
    }
    let k = w2.shape.count == 2 ? w2.shape[0] : 1
    guard (w2.shape.count == 2 ? w2.shape[1] : m) == m, k > 0 else {
      throw DataError(.missingTensor, file: file, "\"\(outputWeight)\" has shape \(w2.shape) but the first layer has m = \(m) neurons; it must be k×\(m)")
    }
    // First layer in ZeroGap's orientation: (d(+1))×m, column j = (u_j, b_j).
    let b1 = has(firstBias) ? try load(firstBias, role: "first-layer bias, m") : nil
    if let b = b1, b.values.count != m || b.shape.count != 1 {
      throw DataError(.missingTensor, file: file, "\"\(firstBias)\" has shape \(b.shape); the first-layer bias must have m = \(m) entries")
    }
    let rows = d + (b1 == nil ? 0 : 1)
    var first = Matrix(rows: rows, columns: m)
    for j in 0..<m {
      for i in 0..<d { first[i, j] = w1.values[j * d + i] }
      if let b = b1 { first[d, j] = b.values[j] }
    }
    var output = Matrix(rows: m, columns: k)
    for c in 0..<k { for j in 0..<m { output[j, c] = w2.values[c * m + j] } }
    let b2 = has(outputBias) ? try load(outputBias, role: "output bias, k") : nil
    if let b = b2, b.values.count != k {
      throw DataError(.missingTensor, file: file, "\"\(outputBias)\" has \(b.values.count) entries; the output bias must have k = \(k)")
    }
    var gateMatrix: Matrix?
    if let g = gates {
      let t = try load(g, role: "gates, m×d")
      guard t.shape.count == 2, t.shape[0] == m, t.shape[1] == d || t.shape[1] == rows else {
        throw DataError(.missingTensor, file: file, "gates \"\(g)\" have shape \(t.shape); they must be \(m)×\(d)\(rows > d ? " or \(m)×\(rows) (with a gate bias)" : "")")
      }
      var gm = Matrix(rows: rows, columns: m)
      for j in 0..<m { for i in 0..<t.shape[1] { gm[i, j] = t.values[j * t.shape[1] + i] } }
      gateMatrix = gm
    }
    return Imported(
      network: TwoLayerReLUNetwork(firstLayer: first, outputWeights: output, gates: gateMatrix, outputBias: b2?.values),
      inputBias: b1 != nil)
  }

  /// The tensors of `network` in this layout, for a network on raw features whose first layer carries its bias as
  /// the last input row when `inputBias` (`Imported.network`'s orientation).
  ///
  /// A network without neurons (β ≥ β_max) is written with one zero neuron, the same function (torch and this reader
  /// need m ≥ 1).
  public func tensors(_ network: TwoLayerReLUNetwork, inputBias: Bool) -> [WeightTensor] {
    var u = network.firstLayer, a = network.outputWeights
    if u.columns == 0 {
      u = Matrix(rows: u.rows, columns: 1)
      a = Matrix(rows: 1, columns: a.columns)
    }
    let d = u.rows - (inputBias ? 1 : 0), m = u.columns, k = a.columns
    var w1 = [Double](repeating: 0, count: m * d)
    for j in 0..<m { for i in 0..<d { w1[j * d + i] = u[i, j] } }
    var w2 = [Double](repeating: 0, count: k * m)
    for c in 0..<k { for j in 0..<m { w2[c * m + j] = a[j, c] } }
    var out = [WeightTensor(name: firstWeight, shape: [m, d], dtype: "F64", values: w1)]
    // torch's Linear always has a bias: write zeros when the network has none, so the default layout loads.
    out.append(WeightTensor(name: firstBias, shape: [m], dtype: "F64", values: inputBias ? (0..<m).map { u[d, $0] } : [Double](repeating: 0, count: m)))
    out.append(WeightTensor(name: outputWeight, shape: [k, m], dtype: "F64", values: w2))
    out.append(WeightTensor(name: outputBias, shape: [k], dtype: "F64", values: network.outputBias ?? [Double](repeating: 0, count: k)))
    return out
  }
}
