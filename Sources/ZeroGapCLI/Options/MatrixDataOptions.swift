import ArgumentParser
import ZeroGap

/// Data for the commands that take matrices rather than a fitted model's columns (`gap`, `table`, `neuron`, `ntk`):
/// `--x X --y Y` (.npy, or CSV files whose columns are all values) or `--data FILE|NAME [--target …]` as in fit.
struct MatrixDataOptions: ParsableArguments {
  @Option(help: "Features X (n×d): a .npy file or a CSV file with a header row.") var x: String?
  @Option(help: "Targets Y (n×k): a .npy file or a CSV file with a header row.") var y: String?
  @Option(help: "A CSV file with a header (targets by --target, default the last column), a .npy features file (with --targets), or a built-in dataset name.") var data: String?
  @Option(parsing: .unconditional, help: "Target column(s) of a CSV --data file (default: the last column).") var target: String?
  @Option(help: "Targets .npy file when --data is a .npy features file.") var targets: String?

  /// Whether any data option was given.
  var isGiven: Bool { x != nil || y != nil || data != nil }

  /// Checks that the data is given one way (`required`: some way must be given; `targets`: --x needs --y).
  func check(required: Bool = true, needsTargets: Bool = true) throws {
    let files = x != nil || y != nil
    if files && data != nil { throw ValidationError("give the data one way: --x X --y Y, or --data FILE") }
    if required && !files && data == nil { throw ValidationError("give the data: --x X --y Y, or --data FILE") }
    if needsTargets && files && (x == nil || y == nil) { throw ValidationError("--x and --y go together") }
    if y != nil && x == nil { throw ValidationError("--y goes with --x") }
    if data == nil && (target != nil || targets != nil) { throw ValidationError("--target and --targets go with --data") }
  }

  /// (X, Y or nil, a short description of the source).
  func load() throws -> (x: Matrix, y: Matrix?, name: String) {
    if let x { return (try loadMatrix(x), try y.map(loadMatrix), [x, y].compactMap { $0 }.joined(separator: ", ")) }
    guard let data else { throw ValidationError("give the data: --x X --y Y, or --data FILE") }
    var args = ["--data", data]
    if let target { args += ["--target", target] }
    if let targets { args += ["--targets", targets] }
    let loaded = try ReLUDataOptions.parse(args).loadMatrix()
    return (loaded.x, loaded.y, data)
  }
}
