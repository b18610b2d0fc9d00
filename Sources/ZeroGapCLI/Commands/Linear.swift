import ArgumentParser
import Foundation
import ZeroGap

extension ZeroGapCommand {
  /// `zerogap linear`: primal, dual and gap of standard and parallel deep linear networks per depth.
  struct Linear: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "linear",
      abstract: "Primal value, dual value and duality gap of standard and parallel deep linear networks (MATH.md §1–§2).",
      discussion: """
        Data: --x X.npy --y Y.npy (or .csv files with a header row), or --case NAME with NAME one of \
        \(LinearCase.allCases.map(\.rawValue).joined(separator: ", ")). Without --beta the networks interpolate \
        Y with minimum weight norm (Y must be realizable, X X⁺ Y = Y); with --beta B the regularised squared \
        loss (1/2)‖f(X) − Y‖² + β·penalty is minimised. Values are unnormalised sums (MATH.md §0).
        """)

    @Option(help: "Features X (n×d): a .npy file or a CSV file with a header row.") var x: String?
    @Option(help: "Targets Y (n×k): a .npy file or a CSV file with a header row.") var y: String?
    @Option(name: .customLong("case"), help: "A named case instead of files.") var caseName: String?
    @Option(help: "Comma-separated depths L ≥ 1.") var depth: String = "2,3,4,5"
    @Option(help: "Weight-decay strength β ≥ 0 (absent: min-norm interpolation).") var beta: Double?
    @Flag(help: "Add the best value reached by nonconvex training (Adam then L-BFGS, seeded restarts; † marks a value whose training did not reach its stopping tolerance, JSON key trained_converged).") var train = false
    @Option(help: "Training restarts per row.") var restarts: Int = 4
    @Option(help: "Seed for the training initialisations.") var seed: UInt64 = 0
    @Option(help: "Relative tolerance for X⁺ (default max(n,d)·ε).") var rcond: Double?
    @Flag(help: "Print machine-readable JSON.") var json = false

    func parseDepths() throws -> [Int] {
      let parts = depth.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
      var out: [Int] = []
      for p in parts {
        guard let l = Int(p) else { throw ValidationError("--depth: '\(p)' is not an integer; pass e.g. --depth 2,3,4,5") }
        guard l >= 1 else { throw ValidationError("--depth: depth \(l) is not allowed, every depth must be ≥ 1") }
        out.append(l)
      }
      guard !out.isEmpty else { throw ValidationError("--depth: no depth given; pass e.g. --depth 2,3,4,5") }
      return out
    }

    func validate() throws {
      _ = try parseDepths()
      if let beta, !(beta >= 0 && beta.isFinite) {
        throw ValidationError("--beta \(beta) is not allowed: the regularisation strength must be a finite number ≥ 0")
      }
      if restarts < 1 { throw ValidationError("--restarts must be ≥ 1 (got \(restarts))") }
      if caseName == nil && (x == nil || y == nil) {
        throw ValidationError("give the data: --x X.npy --y Y.npy (or CSV files), or --case NAME")
      }
      if caseName != nil && (x != nil || y != nil) { throw ValidationError("use either --case or --x/--y, not both") }
      if let caseName, LinearCase(rawValue: caseName) == nil {
        throw ValidationError("unknown case '\(caseName)'; choose one of \(LinearCase.allCases.map(\.rawValue).joined(separator: ", "))")
      }
    }

    func loadMatrices() throws -> (Matrix, Matrix) {
      if let caseName, let c = LinearCase(rawValue: caseName) { return c.matrices }
      guard let x, let y else { throw ValidationError("give --x and --y") }
      return (try loadMatrix(x), try loadMatrix(y))
    }

    func run() throws {
      let depths = try parseDepths()
      let (xm, ym) = try loadMatrices()
      do {
        let data = try DeepLinearData(x: xm, y: ym, relativeTolerance: rcond)
        // A progress line per row on stderr once the run has taken a second (never with --json).
        let clock = ContinuousClock(), start = clock.now
        let progress: ((Int, NetworkArchitecture) -> Void)? = json ? nil : { depth, architecture in
          let elapsed = clock.now - start
          let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
          if seconds >= 1 { printError("depth \(depth) \(architecture.rawValue)…  \(formatFixed(seconds, decimals: 1)) s") }
        }
        let table = try LinearDualityTable.compute(
          data: data, depths: depths, beta: beta, trainRestarts: train ? restarts : 0, seed: seed, progress: progress)
        if json {
          if table.xIsRankDeficient {
            printError("note: X is rank-deficient (rank \(table.rankX)); X⁺ drops σ(X) ≤ \(table.pseudoInverseTolerance)·σ₁(X)")
          }
          print(table.json.serialized())
        } else {
          if let caseName, let c = LinearCase(rawValue: caseName) { print("case \(caseName): \(c.summary)") }
          print(table.text, terminator: "")
        }
      } catch {
        throw LinearCommandError(message: error.description)
      }
    }
  }
}

/// A run-time failure of `zerogap linear` (bad data, not realizable, …): printed as `Error: message`, exit code 1.
struct LinearCommandError: Error, CustomStringConvertible {
  var message: String
  var description: String { message }
}

/// Reads a matrix from a `.npy` file or a CSV file with a header row (all columns are values), through
/// the library's `NPY` and `CSVReader` (which validate every cell and name file, line and column).
func loadMatrix(_ path: String) throws -> Matrix {
  do {
    if path.lowercased().hasSuffix(".npy") { return try NPY.read(path: path).matrix }
    var table = try CSVReader.read(path: path)
    // Every column is a value: append a constant dummy target column so that all real columns are features.
    table.header.append("__zerogap_dummy_target")
    for i in table.records.indices {
      table.records[i].fields.append("0")
      table.records[i].fieldLines.append(table.records[i].fieldLines.last ?? table.records[i].line)
    }
    let ds = try CSVReader.dataset(from: table, targets: [.index(table.header.count - 1)], name: path)
    return ds.features
  } catch {
    throw LinearCommandError(message: error.description)
  }
}
