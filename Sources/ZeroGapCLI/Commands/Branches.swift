import ArgumentParser
import Foundation
import ZeroGap

extension ZeroGapCommand {
  /// `zerogap branches`: the duality gap of a multi-branch network shrinking as branches are added (MATH.md §8).
  struct Branches: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "The duality gap of a multi-branch network against the number of branches I, with Zhang et al.'s bound 2Δ/I (MATH.md §8).",
      discussion: """
        --toy (the default) computes MATH.md §8's toy exactly: branches ReLU(x − θ), θ ∈ [−1, 1], budget h(θ) = θ², \
        the τ-hinge loss averaged over the data (--x, --y: comma-separated lists; default x = −1,−0.5,0,0.5,1, \
        y = 1,1,−1,1,−1), τ = --tau (≥ sup|y·f|, so the hinge never clips) and budget (1/I)Σθ_i² ≤ --budget K. It \
        reports Δ (the largest distance of the branch objective f̂ from its convex envelope, from the lower hull of \
        its breakpoints), λ* and sup D (the dual, maximised exactly over λ: its inner minimum is a quadratic per \
        linear piece of f̂), and for each I of --branches the primal P(I) — exact: every assignment of the I \
        branches to the linear pieces of f̂ is solved through its KKT conditions — its gap P(I) − sup D and the \
        theorem's bound 2Δ/I.

        --data NAME|FILE [--target …] runs it on real data instead: a parallel network of I single-neuron branches \
        (a two-layer ReLU network of width I; features standardised, a ones column appended) with weight decay \
        --beta, P(I) upper-bounded by the best of --restarts training runs (Adam, then L-BFGS) for each I of \
        --branches (default 1,2,4,8,16), against the convexified value (I → ∞): the two-layer convex program over \
        all activation patterns with its certified lower bound, which every gap(I) is measured from. Δ, λ* and 2Δ/I \
        are not computable for real branches and are null. Patterns are enumerated, so keep d small (e.g. the \
        built-in sine: one feature + bias).
        """)

    @Flag(help: "MATH.md §8's toy (the default).") var toy = false
    @Option(help: "Toy inputs x_j, comma-separated.") var x: String = "-1,-0.5,0,0.5,1"
    @Option(help: "Toy labels y_j, comma-separated.") var y: String = "1,1,-1,1,-1"
    @Option(help: "The hinge scale τ.") var tau: Double = 3
    @Option(help: "The budget K.") var budget: Double = 0.3
    @Option(help: "Branch counts I, comma-separated (default 1,2,3,4,5,6,8 for the toy, 1,2,4,8,16 on data).") var branches: String?
    @Option(help: "Real data: a CSV file, a .npy features file (with --targets) or a built-in dataset name.") var data: String?
    @Option(parsing: .unconditional, help: "Target column of a CSV --data file (default: the last column).") var target: String?
    @Option(help: "Targets .npy file when --data is a .npy features file.") var targets: String?
    @Option(help: "Real data: weight decay β.") var beta: Double = 0.5
    @Option(help: "Real data: training restarts per branch count.") var restarts: Int = 8
    @Option(help: "Real data: seed of the training restarts.") var seed: UInt64 = 0
    @Flag(help: "Print {\"delta\", \"lambda_star\", \"dual\", \"rows\": [{\"branches\", \"primal\", \"gap\", \"bound\"}]} as JSON.") var json = false

    static func list(_ text: String, _ name: String) throws -> [Double] {
      let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
      return try parts.map { p in
        guard let v = Double(p), v.isFinite else { throw ValidationError("--\(name): '\(p)' is not a finite number; give a comma-separated list like 1,2,3") }
        return v
      }
    }

    var branchList: String { branches ?? (data == nil ? "1,2,3,4,5,6,8" : "1,2,4,8,16") }

    func validate() throws {
      if toy && data != nil { throw ValidationError("choose one of --toy and --data") }
      if data == nil && (target != nil || targets != nil) { throw ValidationError("--target and --targets go with --data") }
      guard beta > 0, beta.isFinite else { throw ValidationError("--beta must be a finite number > 0 (got \(beta))") }
      guard restarts >= 1 else { throw ValidationError("--restarts must be ≥ 1 (got \(restarts))") }
      let counts = try Self.list(branchList, "branches")
      guard counts.allSatisfy({ $0 >= 1 && $0 == $0.rounded() && $0 <= 64 }) else {
        throw ValidationError("--branches takes whole numbers from 1 to 64 (got \(branchList))")
      }
      _ = try Self.list(x, "x")
      _ = try Self.list(y, "y")
    }

    func run() throws {
      let counts = try Self.list(branchList, "branches").map { Int($0) }
      if data != nil { return try runOnData(counts) }
      do {
        let model = try MultiBranchToy(x: try Self.list(x, "x"), y: try Self.list(y, "y"), tau: tau, budget: budget)
        let (lambda, dual) = model.dualOptimum
        let delta = model.delta
        let rows = try model.rows(branches: counts)
        if json {
          return print(JSON.object([
            "delta": .number(delta), "lambda_star": .number(lambda), "dual": .number(dual),
            "method": .string("exact: piecewise-linear branch objective, every piece assignment solved by KKT (MATH.md §8)"),
            "rows": .array(rows.map { r in
              .object(["branches": .number(Double(r.branches)), "primal": .number(r.primal), "gap": .number(r.gap), "bound": .number(r.bound)])
            }),
          ]).serialized())
        }
        print("Multi-branch duality gap (Zhang et al. 2019; MATH.md §8): branches ReLU(x − θ), θ ∈ [−1, 1], h(θ) = θ²")
        print("τ = \(formatNumber(tau)), K = \(formatNumber(budget)); Δ = \(formatNumber(delta)), λ* = \(formatNumber(lambda)), sup D = \(formatNumber(dual))")
        print("    I            P(I)          gap(I)            2Δ/I")
        for r in rows {
          let cells = [r.primal, r.gap, r.bound].map { formatFixed($0, decimals: 10) }
          print(String(repeating: " ", count: Swift.max(0, 5 - String(r.branches).count)) + String(r.branches)
            + cells.map { String(repeating: " ", count: Swift.max(1, 16 - $0.count)) + $0 }.joined())
        }
        print("P(I) is exact (every assignment of branches to the linear pieces of f̂ solved by its KKT conditions); gap(I) ≤ 2Δ/I is the theorem.")
      } catch let e as DualityGapError {
        throw CommandFailure(e.description)
      }
    }

    /// §8 on real data: single-neuron branches against the convexified value.
    func runOnData(_ counts: [Int]) throws {
      guard let data else { return }
      let args = ["--data", data] + (target.map { ["--target", $0] } ?? []) + (targets.map { ["--targets", $0] } ?? [])
      let (xm, ym, _) = try MatrixDataOptions.parse(args).load()
      guard let ym, ym.columns == 1 else { throw CommandFailure("one target column is needed (choose it with --target)") }
      let standardizer = try Standardizer(fitting: xm)
      let z = try standardizer.transform(xm).addingBiasColumn()
      let result: BranchGapOnData
      do {
        result = try BranchGapOnData.compute(
          x: z, y: ym.column(0), beta: beta, branches: counts, restarts: restarts, seed: seed,
          progress: json ? nil : { printError("training \($0) branch\($0 == 1 ? "" : "es")…") })
      } catch {
        throw CommandFailure(error.description)
      }
      if json {
        return print(JSON.object([
          "delta": .null, "lambda_star": .null, "dual": .number(result.lowerBound), "convex_objective": .number(result.convexObjective),
          "method": .string("branches = single ReLU neurons with weight decay; P(I) = best of training restarts (upper bound); dual = certified bound of the two-layer program over all patterns (MATH.md §3.3, §8)"),
          "rows": .array(result.rows.map { r in
            .object(["branches": .number(Double(r.branches)), "primal": .number(r.primal), "gap": .number(r.gap), "bound": .null])
          }),
        ]).serialized())
      }
      print("Multi-branch gap on \(data) (MATH.md §8): branches = single ReLU neurons, weight decay β = \(formatNumber(beta)); features standardised + bias")
      print("convexified value (I → ∞): \(formatFixed(result.convexObjective, decimals: 10)), certified lower bound \(formatFixed(result.lowerBound, decimals: 10)) (\(result.patterns) patterns, all; \(result.convexNeurons) neurons)")
      print("    I            P(I)          gap(I)")
      for r in result.rows {
        let cells = [r.primal, r.gap].map { formatFixed($0, decimals: 10) }
        print(String(repeating: " ", count: Swift.max(0, 5 - String(r.branches).count)) + String(r.branches)
          + cells.map { String(repeating: " ", count: Swift.max(1, 16 - $0.count)) + $0 }.joined())
      }
      print("P(I) is the best of \(restarts) training restarts (an upper bound); gap(I) = P(I) − the certified bound, at least the true gap.")
    }
  }
}
