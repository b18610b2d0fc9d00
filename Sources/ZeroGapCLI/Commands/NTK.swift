import ArgumentParser
import Foundation
import ZeroGap

extension NTKGram.Variant: ExpressibleByArgument {}

extension ZeroGapCommand {
  /// `zerogap ntk`: the NTK limit Gram matrix, its smallest eigenvalue and the predicted GD rate (MATH.md §7).
  struct NTK: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "ntk",
      abstract: "The NTK limit Gram matrix of a wide ReLU network, λ_min and the gradient-descent rate it predicts (MATH.md §7).",
      discussion: """
        The rows of X are normalised to the unit sphere (as Du et al. assume; a zero row is an error). --depth H \
        gives K^(H) of the deep recursion with the arc-cosine closed forms (c_σ = 2); --variant consistent (default) \
        builds the last layer's covariance from K^(H−1), literal from K^(H−2) as the seed writes it (undefined at \
        H = 1; MATH.md §7 explains the choice). --two-layer gives Du et al.'s H^∞ and λ₀. The predicted rate per step \
        is 1 − ηλ/2 with η = --lr (default 1/λ_max of the Gram matrix); it is the theorem's rate for a wide enough \
        network and a small enough step (the constants are not computed). --train (with --two-layer and --y) also \
        runs full-batch gradient descent on a width---width network u = (1/√m)Σ a_r σ(w_rᵀx) (a_r = ±1 fixed) for \
        --steps steps and reports the loss curve ‖u(k) − y‖² against (1 − ηλ₀/2)^k ‖u(0) − y‖², and the Gram matrix at \
        initialisation against H^∞. Du et al.'s deep theorem assumes a smooth activation, so training is offered for \
        the two-layer ReLU case only.
        """)

    @OptionGroup var source: MatrixDataOptions
    @Option(help: "Depth H ≥ 1 of the deep Gram matrix K^(H).") var depth: Int = 2
    @Option(help: "consistent (default) or literal (MATH.md §7).") var variant: NTKGram.Variant = .consistent
    @Flag(help: "Du et al.'s two-layer H^∞ and λ₀ instead of K^(H).") var twoLayer = false
    @Flag(help: "Also train a wide two-layer network by gradient descent (with --two-layer).") var train = false
    @Option(help: "Width m of the trained network.") var width: Int = 10000
    @Option(help: "Gradient-descent steps.") var steps: Int = 1000
    @Option(help: "Step η (default 1/λ_max of the Gram matrix).") var lr: Double?
    @Option(help: "Seed of the network's initialisation.") var seed: UInt64 = 0
    @Flag(help: "Print {\"gram\", \"lambda_min\", \"eigenvalues\", \"rate\", \"training\"} as JSON.") var json = false

    func validate() throws {
      try source.check(needsTargets: false)
      guard depth >= 1 else { throw ValidationError("--depth must be ≥ 1 (got \(depth))") }
      if train && !twoLayer { throw ValidationError("--train runs the two-layer network of Du et al.: add --two-layer") }
      if train && source.x != nil && source.y == nil { throw ValidationError("--train needs targets: --y Y") }
      guard width >= 1, steps >= 0 else { throw ValidationError("--width must be ≥ 1 and --steps ≥ 0") }
      if let lr, !(lr > 0 && lr.isFinite) { throw ValidationError("--lr must be a finite number > 0 (got \(lr))") }
    }

    func run() throws {
      let (xm, ym, _) = try source.load()
      do {
        let unit = try NTKGram.normalized(xm)
        let gram = twoLayer ? NTKGram.twoLayer(unit) : try NTKGram.deep(unit, depth: depth, variant: variant)
        let eig = try NTKGram.eigenvalues(gram)
        let lambda = eig.first ?? 0, eta = lr ?? 1 / Swift.max(eig.last ?? 1, 1e-300)
        let rate = NTKGram.rate(lambda: lambda, learningRate: eta)
        var training: NTKTraining? = nil
        if train {
          guard let ym, ym.columns == 1 else { throw CommandFailure("--train needs one target column") }
          training = try NTKTraining.run(unit: unit, targets: ym.column(0), width: width, steps: steps, learningRate: eta, lambda0: lambda, seed: seed)
        }
        if json {
          var fields: [(String, JSON)] = [
            ("gram", .array(gram.rowArrays.map { .numbers($0) })), ("lambda_min", .number(lambda)), ("eigenvalues", .numbers(eig)),
            ("rate", .number(rate)), ("learning_rate", .number(eta)), ("kind", .string(twoLayer ? "two-layer H∞" : "K^(\(depth)) \(variant.rawValue)")),
          ]
          if let t = training {
            let deviation = zip(t.initialGram.storage, gram.storage).reduce(0) { Swift.max($0, abs($1.0 - $1.1)) }
            fields.append(("training", .object([
              "loss": .numbers(t.loss), "bound": .numbers(t.bound), "worst_ratio": .number(t.worstRatio),
              "compared_steps": .number(Double(t.comparedSteps)), "rounding_floor": .number(t.roundingFloor),
              "initial_gram_max_deviation": .number(deviation), "width": .number(Double(t.width)),
            ])))
          } else {
            fields.append(("training", .null))
          }
          return print(JSON.object(fields).serialized())
        }
        print(twoLayer ? "H^∞ (two-layer, Du et al. ICLR 2019), inputs normalised to the unit sphere:" : "K^(\(depth)) (\(variant.rawValue) variant), inputs normalised to the unit sphere:")
        for row in gram.rowArrays.prefix(12) { print("  " + row.prefix(12).map { formatFixed($0, decimals: 8) }.joined(separator: "  ")) }
        if gram.rows > 12 { print("  … (\(gram.rows)×\(gram.rows); the whole matrix with --json)") }
        print("λ_min = \(formatNumber(lambda))   λ_max = \(formatNumber(eig.last ?? 0))")
        print("predicted rate per step 1 − ηλ/2 = \(formatNumber(rate)) with η = \(formatNumber(eta))")
        if let t = training {
          let deviation = zip(t.initialGram.storage, gram.storage).reduce(0) { Swift.max($0, abs($1.0 - $1.1)) }
          print("training: width \(t.width), \(steps) steps; H(0) differs from H^∞ by at most \(formatScientific(deviation)) entrywise")
          for k in [0, steps / 10, steps / 4, steps / 2, steps].filter({ $0 <= steps }).uniqued() {
            print("  step \(k): ‖u − y‖² = \(formatScientific(t.loss[k]))   bound \(formatScientific(t.bound[k]))")
          }
          print("  largest loss/bound ratio over the \(t.comparedSteps) steps whose bound is above the rounding floor of the loss: \(formatNumber(t.worstRatio))" + (t.worstRatio <= 1 ? " (the prediction held at every such step)" : " (above 1: the bound failed at some step; widen the network or lower --lr)"))
        }
      } catch let e as DualityGapError {
        throw CommandFailure(e.description)
      }
    }
  }
}

extension Array where Element: Hashable {
  /// The elements in order, repeats dropped.
  func uniqued() -> [Element] {
    var seen = Set<Element>()
    return filter { seen.insert($0).inserted }
  }
}
