import ArgumentParser
import Foundation
import ZeroGap

extension ZeroGapCommand {
  /// `zerogap schatten`: the Schatten-H regularised deep linear network of Zhang et al., primal, dual and weights (§5).
  struct Schatten: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Deep linear network with Schatten-H regularisation (Zhang et al. 2019): closed-form primal, Douglas–Rachford dual and recovered weights (MATH.md §5).",
      discussion: """
        min (1/2)‖X W_1⋯W_H − Y‖² + (γ/H)[‖XW_1‖_{S_H}^H + Σ_{i≥2}‖W_i‖_{S_H}^H] (rows are samples). P is the closed \
        form of §5 (the top r = min(d, widths…, k) singular values of X X⁺ Y soft-thresholded at γ); D is the dual \
        value reached by Douglas–Rachford (--iterations, step --rho), a feasible dual point, so D ≤ P; the recovered \
        weights W_1 … W_H (zero-padded to --widths) are evaluated in the primal objective. Strong duality is stated \
        for γ ≤ σ_min(X X⁺ Y) (reported as condition_holds); MATH.md's checks also find P = D beyond it. JSON: \
        {"primal", "dual", "gap", "recovered_objective", "condition_holds", "rank", "trace": [[iteration, D]], \
        "weights": [[[…]]]}.
        """)

    @OptionGroup var source: MatrixDataOptions
    @Option(help: "Depth H ≥ 2.") var depth: Int = 3
    @Option(help: "Hidden widths d_1,…,d_{H−1}, comma-separated (default min(d, k) each).") var widths: String?
    @Option(help: "Regularisation γ ≥ 0.") var gamma: Double
    @Option(help: "Douglas–Rachford iterations.") var iterations: Int = 3000
    @Option(help: "Douglas–Rachford step ρ > 0.") var rho: Double = 1
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
      try source.check()
      guard depth >= 2 else { throw ValidationError("--depth must be ≥ 2 (got \(depth))") }
      guard gamma >= 0, gamma.isFinite else { throw ValidationError("--gamma must be a finite number ≥ 0 (got \(gamma))") }
      guard iterations >= 1 else { throw ValidationError("--iterations must be ≥ 1 (got \(iterations))") }
      guard rho > 0, rho.isFinite else { throw ValidationError("--rho must be a finite number > 0 (got \(rho))") }
      if let widths {
        let parts = widths.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == depth - 1, parts.allSatisfy({ ($0 ?? 0) >= 1 }) else {
          throw ValidationError("--widths needs \(depth - 1) positive integers for --depth \(depth) (got \(widths))")
        }
      }
    }

    func run() throws {
      let (x, yOptional, _) = try source.load()
      guard let y = yOptional else { throw CommandFailure("the data has no target columns") }
      let hidden = widths.map { $0.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
        ?? [Int](repeating: Swift.min(x.columns, y.columns), count: depth - 1)
      let model: SchattenDeepLinear, dual: SchattenDeepLinear.DualSolution, weights: [Matrix], recovered: Double
      do {
        model = try SchattenDeepLinear(x: x, y: y, depth: depth, widths: hidden, gamma: gamma)
        dual = try model.douglasRachford(rho: rho, iterations: iterations, traceEvery: Swift.max(1, iterations / 100))
        weights = try model.recoverWeights(from: dual.lambda)
        recovered = try model.primalObjective(weights)
      } catch {
        throw CommandFailure(error.description)
      }
      let primal = model.closedFormValue
      if json {
        return print(JSON.object([
          "primal": .number(primal), "dual": .number(dual.value), "gap": .number(primal - dual.value),
          "recovered_objective": .number(recovered), "condition_holds": .bool(model.gammaConditionHolds), "rank": .number(Double(model.r)),
          "trace": .array(dual.trace.map { .numbers([Double($0.iteration), $0.value]) }),
          "weights": .array(weights.map { w in .array(w.rowArrays.map { .numbers($0) }) }),
        ]).serialized())
      }
      print("Schatten-\(depth) deep linear network (Zhang et al.; MATH.md §5), γ = \(formatNumber(gamma)), widths \(hidden.map(String.init).joined(separator: ",")), r = \(model.r)")
      print("primal P    \(formatFixed(primal, decimals: 10))   (closed form)")
      print("dual D      \(formatFixed(dual.value, decimals: 10))   (Douglas–Rachford, \(iterations) iterations, a feasible dual point)")
      print("gap         \(formatScientific(primal - dual.value))")
      print("recovered   \(formatFixed(recovered, decimals: 10))   (objective of the weights recovered from the dual)")
      print("γ ≤ σ_min(XX⁺Y): \(model.gammaConditionHolds ? "yes (strong duality stated)" : "no (strong duality not stated; compare P and D)")")
      for (k, w) in weights.enumerated() { print("W\(k + 1) (\(w.rows)×\(w.columns)): " + w.rowArrays.map { "[" + $0.map { formatNumber($0) }.joined(separator: ", ") + "]" }.joined(separator: " ")) }
    }
  }
}
