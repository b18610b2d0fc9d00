import ArgumentParser
import Foundation
import ZeroGap

/// Loading data for `fit`, `predict` and `certify`: a CSV file (targets by `--target`, default the last
/// column), a `.npy` features file with `--targets Y.npy`, or a built-in dataset name. An option that does not
/// apply to the kind of data given is an error, never silently ignored.
struct ReLUDataOptions: ParsableArguments {
  @Option(help: "A CSV file with a header, a .npy features file (with --targets), or a built-in dataset name.")
  var data: String
  @Option(parsing: .unconditional, help: "Target column(s) of a CSV file: header name or 0-based index, comma-separated for several outputs (default: the last column).")
  var target: String?
  @Option(help: "Targets .npy file (n or n×1) when --data is a .npy features file.")
  var targets: String?
  @Option(help: "Seed for synthetic built-in datasets.")
  var dataSeed: UInt64 = 0

  /// The input files these options name (for the output-file checks).
  var inputFiles: [(option: String, path: String)] {
    [("--data", data)] + (targets.map { [("--targets", $0)] } ?? [])
  }

  /// Features and (scalar) targets; targets nil when the file has only feature columns (`featureCount`).
  func load(featureCount: Int? = nil, columns: ConvexReLUEstimator.DataColumns? = nil, quiet: Bool = false) throws -> (x: Matrix, y: [Double]?) {
    let loaded = try loadMatrix(featureCount: featureCount, columns: columns, quiet: quiet)
    return (loaded.x, try loaded.y.map(scalar))
  }

  /// Features, targets (n×k; several CSV columns with `--target a,b`) and the column names when known. Targets
  /// are nil when the file has only feature columns (`featureCount`). With `columns` (a model's), a CSV file's
  /// columns are chosen by those names unless `--target` is given.
  /// This process's block of rows of a data-parallel run (`block(n)` gives it from the total n): `.npy` features and
  /// targets read only those rows (`NPY.readRows`); a CSV file or a built-in dataset is parsed whole and sliced (a
  /// CSV has no row index to seek to).
  func loadRowBlock(_ block: (Int) -> Range<Int>, quiet: Bool = false) throws
    -> (x: Matrix, y: Matrix?, columns: ConvexReLUEstimator.DataColumns?, totalRows: Int)
  {
    if data.lowercased().hasSuffix(".npy") && FileManager.default.fileExists(atPath: data) {
      if let t = target { throw CommandFailure("--target \(t) names a CSV column; with .npy features give the targets as a file: --targets Y.npy") }
      let n = try NPY.header(path: data).shape.first ?? 0
      let rows = block(n)
      let x = try NPY.readRows(path: data, rows: rows).matrix
      guard let t = targets else { return (x, nil, nil, n) }
      let ny = try NPY.header(path: t).shape.first ?? 0
      guard ny == n else { throw CommandFailure("--targets \(t) has \(ny) rows but --data \(data) has \(n)") }
      return (x, try NPY.readRows(path: t, rows: rows).matrix, nil, n)
    }
    let all = try loadMatrix(quiet: quiet)
    let rows = block(all.x.rows)
    return (all.x.rows(rows), all.y.map { $0.rows(rows) }, all.columns, all.x.rows)
  }

  func loadMatrix(featureCount: Int? = nil, columns: ConvexReLUEstimator.DataColumns? = nil, quiet: Bool = false) throws
    -> (x: Matrix, y: Matrix?, columns: ConvexReLUEstimator.DataColumns?)
  {
    let isFile = FileManager.default.fileExists(atPath: data)
    if !isFile && BuiltinDatasets.names.contains(data) {
      if let t = target {
        throw CommandFailure("--target \(t) applies to CSV files; the built-in dataset \(data) has a fixed target; to choose a column, give a CSV file")
      }
      if let t = targets { throw CommandFailure("--targets \(t) applies to .npy features; the built-in dataset \(data) has its own targets") }
      let ds = try BuiltinDatasets.load(data, seed: dataSeed)
      return (ds.features, ds.targets, .init(features: ds.featureNames, targets: ds.targetNames))
    }
    if isFile, !quiet, let size = (try? FileManager.default.attributesOfItem(atPath: data))?[.size] as? Int, size > 32 << 20 {
      printError("reading \(data) (\(MemoryBudget.format(size)))…")
    }
    guard isFile else {
      throw CommandFailure("--data \(data): no such file, and not a built-in dataset (\(BuiltinDatasets.names.joined(separator: ", ")))")
    }
    if data.lowercased().hasSuffix(".npy") {
      if let t = target {
        throw CommandFailure("--target \(t) names a CSV column; with .npy features give the targets as a file: --targets Y.npy")
      }
      let x = try NPY.read(path: data).matrix
      guard let t = targets else { return (x, nil, nil) }
      let y = try NPY.read(path: t).matrix
      guard y.rows == x.rows else { throw CommandFailure("--targets \(t) has \(y.rows) rows but --data \(data) has \(x.rows)") }
      return (x, y, nil)
    }
    if let t = targets {
      throw CommandFailure("--targets \(t) goes with .npy features; in the CSV file \(data) choose the target column with --target NAME or --target INDEX")
    }
    let table = try CSVReader.read(path: data)
    if let names = columns, target == nil {
      return try selectByName(table, names)
    }
    if let d = featureCount, table.header.count == d, target == nil {
      let ds = try CSVReader.dataset(from: table, targets: [.index(0)], name: data)
      // All columns are features: rebuild X with the first column put back.
      let x = ds.targets.appendingColumns(ds.features)
      return (x, nil, nil)
    }
    let names = target?.split(separator: ",", omittingEmptySubsequences: false).map(String.init) ?? []
    if let t = target, t.isEmpty || names.contains(where: \.isEmpty) {
      throw CommandFailure("--target \"\(t)\" names an empty column; give header names or 0-based indices separated by commas")
    }
    let sel: [TargetColumn] = names.map { t in Int(t).map { .index($0) } ?? .name(t) }
    let ds = try CSVReader.dataset(from: table, targets: sel, name: data)
    return (ds.features, ds.targets, .init(features: ds.featureNames, targets: ds.targetNames))
  }

  /// The model's feature columns by name (and its target columns when the file has them).
  private func selectByName(_ table: CSVTable, _ names: ConvexReLUEstimator.DataColumns) throws
    -> (x: Matrix, y: Matrix?, columns: ConvexReLUEstimator.DataColumns?)
  {
    let missing = names.features.filter { !table.header.contains($0) }
    guard missing.isEmpty else {
      throw CommandFailure("the model was fitted on the columns \(names.features.joined(separator: ", ")), but \(data) has no column \(missing.prefix(3).joined(separator: ", "))\(missing.count > 3 ? ", …" : ""); give a CSV file with the model's feature columns (by name, in any order)")
    }
    let hasTargets = !names.targets.isEmpty && names.targets.allSatisfy { table.header.contains($0) }
    let wanted = names.features + (hasTargets ? names.targets : [])
    let all = try CSVReader.matrix(from: table, names: wanted)
    let x = all.columns(0..<names.features.count)
    let y = hasTargets ? all.columns(names.features.count..<wanted.count) : nil
    return (x, y, names)
  }

  private func scalar(_ y: Matrix) throws -> [Double] {
    guard y.columns == 1 else {
      throw CommandFailure("the targets have \(y.columns) columns; this command handles one output (choose it with --target; fit accepts several)")
    }
    return y.column(0)
  }
}
