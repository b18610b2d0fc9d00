import ArgumentParser
import Foundation
import ZeroGap

extension ZeroGapCommand {
  /// `zerogap table`: MATH.md §9's zero/non-zero duality-gap table, every cell measured.
  struct Table: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "The zero/non-zero duality-gap table of MATH.md §9, every cell measured (linear and ReLU, standard and parallel, depths 2–4).",
      discussion: """
        Each cell is one `zerogap gap` measurement: primal (an attained value), dual (a certified lower bound), gap \
        and the verdict zero/non-zero at the tolerance printed. By default the linear cells use X = I₂, Y = diag(3, 1) \
        and the ReLU cells X = (1, −1)ᵀ, Y = (1, −1), both in minimum-norm interpolation (MATH.md §1.4, §4.5); with \
        --data (or --x/--y) every cell uses your data, with --beta B the regularised squared loss. A cell that cannot \
        be measured (ReLU depth 4; a ReLU cell on data with more than 16 samples at depth 3 or several target columns) \
        is listed with the reason. A progress line per cell goes to stderr (never with --json or --markdown).
        """)

    @OptionGroup var source: MatrixDataOptions
    @Option(help: "Regularisation strength β for every cell (absent: minimum-norm interpolation).") var beta: Double?
    @Option(help: "Training restarts for trained primals.") var restarts: Int = 10
    @Option(help: "Seed of the training initialisations.") var seed: UInt64 = 0
    @Flag(help: "Print {\"cells\": [{\"activation\", \"architecture\", \"depth\", \"primal\", \"dual\", \"gap\", \"verdict\", \"instance\", …}]} as JSON.") var json = false
    @Flag(help: "Print a Markdown table.") var markdown = false

    func validate() throws {
      if json && markdown { throw ValidationError("choose one of --json and --markdown") }
      if let beta, !(beta >= 0 && beta.isFinite) { throw ValidationError("--beta \(beta) is not allowed: β must be a finite number ≥ 0") }
      guard restarts >= 1 else { throw ValidationError("--restarts must be ≥ 1 (got \(restarts))") }
      try source.check(required: false)
    }

    func run() throws {
      var linear = DualityGapTable.Instance.linearDefault, relu = DualityGapTable.Instance.reluDefault
      if source.isGiven {
        let loaded = try source.load()
        guard let t = loaded.y else { throw CommandFailure("\(loaded.name) has no target column") }
        linear = .init(x: loaded.x, y: t, beta: nil, description: loaded.name)
        relu = linear
      }
      linear.beta = beta
      relu.beta = beta
      let quiet = json || markdown
      let t = DualityGapTable.compute(
        linear: linear, relu: relu, options: GapMeasurement.Options(restarts: restarts, seed: seed),
        progress: quiet ? nil : { printError("measuring \($0)…") })
      print(json ? t.json.serialized() : markdown ? t.markdown : t.text, terminator: json ? "\n" : "")
    }
  }
}
