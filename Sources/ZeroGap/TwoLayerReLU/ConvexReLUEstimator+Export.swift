extension ConvexReLUEstimator {
  /// The fitted network on *raw* features, the preprocessing folded into its first layer (for export to PyTorch).
  ///
  /// The network sees z = ((x − μ)/s, 1); neuron j computes `Σ_i u_ij (x_i − μ_i)/s_i + b_j`, which is
  /// `Σ_i (u_ij/s_i) x_i + (b_j − Σ_i u_ij μ_i/s_i)` on x: first-layer weights u_ij/s_i and bias
  /// b_j − Σ_i u_ij μ_i/s_i (a bias appears even without the ones column when the features were centred). The output
  /// weights and the unpenalised output bias are unchanged, so predictions are the same up to rounding.
  /// - Throws: `.invalidParameter` for a gated network (not a Linear–ReLU–Linear network) or an unfitted estimator.
  public func rawFeatureNetwork() throws(ConvexReLUError) -> TorchTwoLayerLayout.Imported {
    let f = try requireFitted()
    guard f.network.gates == nil else {
      throw .invalidParameter("a gated-ReLU network (1[Xg ≥ 0] ⊙ Xu) is not a Linear–ReLU–Linear network; export a --model relu fit")
    }
    let d = f.means.count, m = f.network.width
    let u = f.network.firstLayer
    var first = Matrix(rows: d + 1, columns: m)
    for j in 0..<m {
      var b = configuration.bias ? u[d, j] : 0
      for i in 0..<d {
        first[i, j] = u[i, j] / f.scales[i]
        b -= u[i, j] * f.means[i] / f.scales[i]
      }
      first[d, j] = b
    }
    return TorchTwoLayerLayout.Imported(
      network: TwoLayerReLUNetwork(firstLayer: first, outputWeights: f.network.outputWeights, outputBias: f.network.outputBias),
      inputBias: true)
  }
}
