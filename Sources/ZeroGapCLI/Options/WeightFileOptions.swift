import ArgumentParser
import ZeroGap

/// A two-layer network in a PyTorch/NumPy weight file (`certify`, `predict`): the file, its tensor names and gates,
/// read into ZeroGap's orientation together with the raw features it acts on.
struct WeightFileOptions: ParsableArguments {
  @Option(help: "A two-layer network saved by PyTorch (.safetensors) or NumPy (.npz): nn.Sequential(Linear(d, m), ReLU(), Linear(m, k)), e.g. by `fit --export`.")
  var weights: String?
  @Option(help: "Tensor names W1,b1,W2,b2 in --weights (\"-\" for a missing bias; default 0.weight,0.bias,2.weight,2.bias).")
  var keys: String?
  @Option(help: "Tensor name of the gates (m×d) of a gated network in --weights.")
  var gatesKey: String?

  func validate() throws {
    if weights == nil && (keys != nil || gatesKey != nil) { throw ValidationError("--keys and --gates-key apply to --weights files") }
  }

  /// The network of --weights and the data's features (raw, as in the file) and targets, checked against its input
  /// dimension d (a ones column is appended by `Imported.features` when the first layer has a bias).
  func load(_ source: ReLUDataOptions, quiet: Bool) throws -> (network: TorchTwoLayerLayout.Imported, x: Matrix, y: Matrix?) {
    guard let file = weights else { throw CommandFailure("--weights FILE is required") }
    var layout = try keys.map { k throws(DataError) in try TorchTwoLayerLayout(keys: k) } ?? TorchTwoLayerLayout()
    layout.gates = gatesKey
    let imported = try layout.read(try WeightFiles.open(path: file))
    let d = imported.network.inputDimension - (imported.inputBias ? 1 : 0)
    let loaded = try source.loadMatrix(featureCount: d, quiet: quiet)
    guard loaded.x.columns == d else {
      throw CommandFailure("\(file) has a first layer for d = \(d) features but --data \(source.data) has \(loaded.x.columns) feature columns; give the raw features the network was trained on")
    }
    return (imported, loaded.x, loaded.y)
  }
}
