import ArgumentParser
import Foundation
import ZeroGap

extension ZeroGapCommand.Fit {
  /// `mpirun -np K zerogap fit --model gated-relu|relu …`: a data-parallel fit. Each process reads its block of rows
  /// (`DataOptions.loadRowBlock`: `.npy` reads only its rows, a CSV or built-in dataset is parsed whole and sliced),
  /// the estimator reduces every sum over samples across the processes (`RowReduction`), so every process holds the
  /// fit of one process on all the rows; process 0 prints and writes the model. An error on any process (a file it
  /// cannot read, too few rows, bad values in its block) stops every process with one line from the lowest such
  /// process, before any collective of the solve starts.
  func runDataParallel() throws {
    let world = try Processes.world()
    defer { Processes.finish() }
    let rows = RowReduction.over(world)
    var local: (x: Matrix, y: [Double], columns: ConvexReLUEstimator.DataColumns?, totalRows: Int)? = nil
    var failure: String? = nil
    do {
      guard model.twoLayer != nil, loss != .hinge else {
        throw CommandFailure("under mpirun, fit runs the gated and exact two-layer programs (--model gated-relu or relu) with the squared or logistic loss; run other fits on one process")
      }
      guard !enumerate else { throw CommandFailure("--enumerate needs all the rows on one process; sample the patterns (--patterns N) or give --gates") }
      guard !unregularizedBias else { throw CommandFailure("--unregularized-bias is not implemented for data-parallel fits; use the default bias column") }
      let l = try source.loadRowBlock({ world.rowBlock(of: $0) }, quiet: true)
      guard let y = l.y else { throw CommandFailure("--data has no target column; give --target (CSV) or --targets (npy)") }
      guard y.columns == 1 else { throw CommandFailure("data-parallel fits take one target column (got \(y.columns))") }
      guard l.x.rows >= 1 else {
        throw CommandFailure("--data has \(l.totalRows) rows, fewer than the \(world.size) processes: every process needs at least one row")
      }
      guard l.x.isFinite, y.column(0).allSatisfy(\.isFinite) else {
        throw CommandFailure("rows \(world.rowBlock(of: l.totalRows)) of --data contain NaN or infinite values")
      }
      local = (l.x, y.column(0), l.columns, l.totalRows)
    } catch {
      failure = "\(error)"
    }
    try Self.agree(failure, world: world, rows: rows)
    guard let (x, y, names, total) = local else { throw ExitCode(1) }

    var patternSource = ConvexReLUEstimator.PatternSource.sampled(count: patterns ?? 100, seed: seed)
    if let g = gates { patternSource = .gates(try NPY.read(path: g).matrix) }
    let quiet = json || !world.isRoot
    var est = ConvexReLUEstimator(configuration: .init(
      model: model.twoLayer ?? .gatedReLU, loss: loss, beta: beta, patterns: patternSource, standardize: !noStandardize, bias: !noBias,
      solver: solver.convexSolverOptions(quiet: quiet)))
    est.rows = rows
    try est.fit(data: x, targets: y)
    if let names { try est.recordColumns(names) }
    guard let f = est.fitted else { throw ExitCode(1) }
    guard f.report.objective.isFinite && f.report.lowerBound.isFinite else {
      if world.isRoot { printError("Error: the solve did not reach a finite objective and bound (stop reason \(f.report.stopReason.rawValue)); try a larger --beta") }
      throw ExitCode(1)
    }
    let certified = f.report.isCertified(tolerance: solver.tol)
    if world.isRoot {
      if let out = output { try est.save(to: out, overwrite: force, inputs: inputFiles) }
      if let path = export {
        let raw = try est.rawFeatureNetwork()
        let metadata = ["format": "pt", "producer": "zerogap \(ZeroGapVersion.string)", "features": "raw (standardisation folded into the first layer)",
          "beta": String(describing: beta), "loss": loss.rawValue, "processes": String(world.size)]
        try OutputFile.write(bytes: SafeTensors.encode(TorchTwoLayerLayout().tensors(raw.network, inputBias: true), metadata: metadata),
          to: path, overwrite: force, inputs: inputFiles)
      }
      if json {
        guard case .object(let pairs) = try est.summaryJSON() else { return }
        print(JSON.object(pairs + [("processes", .number(Double(world.size))), ("samples", .number(Double(total)))]).serialized())
      } else {
        print("objective    \(formatNumber(f.report.objective))   (upper bound: the returned network's value)")
        print("lower bound  \(formatNumber(f.report.lowerBound))   (\(Self.boundCovers(f.boundScope, model: est.configuration.model)))")
        print("gap          \(formatScientific(f.report.gap))   relative \(formatScientific(f.report.relativeGap))   (\(f.report.stopReason.rawValue))")
        print("network      \(f.network.width) neurons from \(f.gates.columns) patterns; \(iterationsText(f.report)) in \(formatFixed(f.report.seconds, decimals: 3)) s")
        if let c = f.classes, c != .signs { print("classes      \(classesText(c)) (recorded in the model file; predict prints these labels)") }
        print("processes    \(world.size), each with its block of the \(total) rows (every sum over samples reduced across them)")
        print(output.map { "model        written to \($0)" } ?? "model        not saved (give --output FILE to use it with predict and certify)")
      }
      if !certified {
        printError("Error: not certified: the relative gap \(formatScientific(f.report.relativeGap)) is above --tol \(formatScientific(solver.tol)) (stop reason \(f.report.stopReason.rawValue)) (exit code 3)")
      }
    }
    if !certified { throw ZeroGapExit.notCertified }
  }

  /// Every process learns whether any failed (one allreduce); the lowest failing process prints its error and all
  /// exit with code 1.
  static func agree(_ failure: String?, world: any Communicator, rows: RowReduction) throws {
    let code = failure == nil ? 0 : Double(world.size - world.rank)
    let worst = rows.max(code)
    guard worst > 0 else { return }
    if let failure, Int(worst) == world.size - world.rank {
      printError("Error: \(failure)\(world.size > 1 ? " (process \(world.rank) of \(world.size))" : "")")
    }
    throw ExitCode(1)
  }
}
