import ArgumentParser
import Foundation
import ZeroGap

extension ZeroGapCommand {
  /// `zerogap neuron`: one ReLU neuron, its convex relaxation, gradient descent and the exact global minimum (§6).
  struct Neuron: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Fit one ReLU neuron (Xw)_+ ≈ y: the convex relaxation, gradient descent and the exact global minimum (MATH.md §6).",
      discussion: """
        L(w) = ‖(Xw)_+ − y‖² is nonconvex; L_r(w) = ‖(Xw)_+‖² − 2yᵀXw + ‖y‖² is its convex relaxation (the survey's \
        eq. 8). Reports the minimiser of L_r with its certificate (gradient norm, and a dual lower bound on min L_r \
        when the dual point built from it is feasible) and L there; gradient descent on L from w = 0 (where its \
        gradient vanishes: it does not move) and from --starts Gaussian starts (a start fails when it ends above the \
        best known minimum of L); and, when the activation patterns of X are few enough to enumerate (small n·d), \
        the exact global minimum of L: the cone-constrained least squares of every pattern, solved exactly (no other \
        tool reports it). relaxation_exact says whether the relaxation's minimiser minimises L (null when that is \
        undetermined: no global minimum and no lower loss found). Data as in fit: --x X --y Y or --data FILE \
        [--target …]; X as given (a bias is a ones column).
        """)

    @OptionGroup var source: MatrixDataOptions
    @Option(help: "Gaussian starts of gradient descent on L.") var starts: Int = 20
    @Option(help: "Gradient-descent steps per start.") var steps: Int = 3000
    @Option(help: "Gradient-descent step (default 0.5/‖X‖₂²).") var lr: Double?
    @Option(help: "Seed of the starts.") var seed: UInt64 = 0
    @Flag(help: "Print {\"relaxed\", \"global\", \"gradient_descent\", \"relaxation_exact\"} as JSON.") var json = false

    func validate() throws {
      try source.check()
      guard starts >= 0 else { throw ValidationError("--starts must be ≥ 0 (got \(starts))") }
      guard steps >= 0 else { throw ValidationError("--steps must be ≥ 0 (got \(steps))") }
      if let lr, !(lr > 0 && lr.isFinite) { throw ValidationError("--lr must be a finite number > 0 (got \(lr))") }
    }

    func run() throws {
      let (xm, ym, _) = try source.load()
      guard let ym, ym.columns == 1 else { throw CommandFailure("one target column is needed (choose it with --target)") }
      let neuron: SingleNeuron, r: SingleNeuron.Report
      do {
        neuron = try SingleNeuron(data: xm, targets: ym.column(0))
        r = try neuron.report(starts: starts, steps: steps, learningRate: lr, seed: seed)
      } catch {
        throw CommandFailure(error.description)
      }
      let scale = neuron.lossScale
      if json { return print(r.json(scale: scale).serialized()) }
      func vec(_ v: [Double]) -> String { "(" + v.map { formatNumber($0) }.joined(separator: ", ") + ")" }
      print("relaxation   w = \(vec(r.relaxed.w))   L_r = \(formatNumber(r.relaxed.relaxedLoss))   L = \(formatNumber(r.relaxed.loss))")
      print("             ‖∇L_r‖ = \(formatScientific(r.relaxed.gradientNorm))" + (r.relaxed.lowerBound.map { "   min L_r ≥ \(formatNumber($0)) (dual bound)" } ?? ""))
      if let g = r.global {
        print("global min   w = \(vec(g.w))   L = \(formatNumber(g.loss))   (exact: \(g.patterns) activation patterns)")
      } else {
        print("global min   not computed: too many activation patterns to enumerate")
      }
      print("descent      from w = 0: L = \(formatNumber(r.descent.fromZero)) (∇L(0) = 0: it does not move)")
      print("             best of \(starts) Gaussian starts: L = \(formatNumber(r.descent.best)); \(r.failedStarts(scale: scale)) of \(starts) end above the best known minimum")
      let exact = r.relaxationExact(scale: scale)
      print("relaxation   " + (exact.map { $0 ? "exact on this data: its minimiser minimises L (MATH.md §6 fact 2)" : "not exact on this data: min L is lower than L at the relaxation's minimiser (§6 fact 3)" } ?? "undetermined (no global minimum computed, no lower loss found)"))
    }
  }
}
