import ArgumentParser
import Foundation
import ZeroGap

extension Activation: ExpressibleByArgument {}
extension NetworkArchitecture: ExpressibleByArgument {}

extension ZeroGapCommand {
  /// `zerogap gap`: primal value, certified dual value and duality gap of one network class on given data.
  struct Gap: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Primal value, certified dual value and duality gap of one network class on your data (MATH.md §1–§4, §9).",
      discussion: """
        One cell of the table of MATH.md §9: --activation linear|relu, --architecture standard|parallel, --depth L. \
        Without --beta the problem is minimum-norm interpolation of Y (Y must be realisable); with --beta B it is the \
        regularised squared loss (1/2)‖f(X) − Y‖² + B·penalty (unnormalised, MATH.md §0). The penalty is weight decay \
        (β/2)Σ‖W_l‖² for standard networks and the branch regularisation R1 (β·Σ_j Π_l‖W_l,j‖, equal to weight decay \
        at depth 2) for parallel ones. A bias is a ones column in X (regularised); X is used as given (no scaling).

        The primal is always an attained value (a closed form, the network recovered from a convex program, or the \
        best of --restarts training runs: primal_method says which) and the dual a certified lower bound (dual_method), \
        so the printed gap is at least the true gap: "zero" means it is within the tolerance printed with it. ReLU \
        cells enumerate every activation pattern (small n: at most 16 samples at depth 3), take one target column, \
        and are implemented for depths 2 and 3 (the standard depth-3 dual is the t-device bound through the parallel \
        program; with --beta it solves up to 60 programs). Linear cells take any depth ≥ 2 and Y with several columns.

        Data: --x X --y Y (.npy, or CSV files with a header row whose columns are all values), --data FILE [--target \
        …] as for fit, or --case NAME (\(Self.caseNames.joined(separator: ", "))). Exit codes: 0 — measured; 1 — an \
        error (bad data, a cell not implemented); 64 — invalid options.
        """)

    @Option(help: "Hidden activation: linear or relu.") var activation: Activation
    @Option(help: "standard (weight decay) or parallel (branch regularisation R1).") var architecture: NetworkArchitecture
    @Option(help: "Depth L ≥ 2 (ReLU: 2 or 3).") var depth: Int
    @OptionGroup var source: MatrixDataOptions
    @Option(name: .customLong("case"), help: "A named instance instead of files.") var caseName: String?
    @Option(help: "Regularisation strength β (absent: minimum-norm interpolation).") var beta: Double?
    @Option(help: "Training restarts for trained primals.") var restarts: Int = 10
    @Option(help: "Seed of the training initialisations.") var seed: UInt64 = 0
    @Option(help: "Hidden width of trained networks (default max(4, n + 1)).") var width: Int?
    @Flag(help: "Print {\"primal\", \"dual\", \"gap\", \"primal_method\", \"dual_method\", …} as JSON.") var json = false

    static var caseNames: [String] { LinearCase.allCases.map(\.rawValue) + ReLUCase.allCases.map(\.rawValue) }

    func validate() throws {
      guard depth >= 2 else { throw ValidationError("--depth \(depth) is not allowed: a duality gap is measured for depth ≥ 2") }
      if let beta, !(beta >= 0 && beta.isFinite) { throw ValidationError("--beta \(beta) is not allowed: β must be a finite number ≥ 0") }
      guard restarts >= 1 else { throw ValidationError("--restarts must be ≥ 1 (got \(restarts))") }
      if let width, width < 1 { throw ValidationError("--width must be ≥ 1 (got \(width))") }
      if caseName != nil && source.isGiven { throw ValidationError("give the data one way: --x X --y Y, --data FILE, or --case NAME") }
      if caseName == nil { try source.check() }
      if let caseName, !Self.caseNames.contains(caseName) {
        throw ValidationError("unknown case '\(caseName)'; choose one of \(Self.caseNames.joined(separator: ", "))")
      }
    }

    /// (X, Y, a description of the instance).
    func loadData() throws -> (Matrix, Matrix, String) {
      if let caseName {
        if let c = LinearCase(rawValue: caseName) { return (c.matrices.x, c.matrices.y, c.summary) }
        if let c = ReLUCase(rawValue: caseName) { return (c.matrices.x, c.matrices.y, c.summary) }
      }
      let loaded = try source.load()
      guard let ym = loaded.y else { throw CommandFailure("\(loaded.name) has no target column") }
      return (loaded.x, ym, loaded.name)
    }

    func run() throws {
      let (xm, ym, instance) = try loadData()
      var options = GapMeasurement.Options(restarts: restarts, seed: seed, width: width)
      if !json { options.progress = { printError($0) } }
      do {
        let cell = try GapMeasurement.measure(
          activation: activation, architecture: architecture, depth: depth, x: xm, y: ym, beta: beta, instance: instance, options: options)
        if json {
          print(cell.json.serialized())
        } else {
          print(cell.text)
        }
      } catch {
        throw CommandFailure(error.description)
      }
    }
  }
}
