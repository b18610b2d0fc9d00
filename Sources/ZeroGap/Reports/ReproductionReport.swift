import RealModule

/// The reproduction report of `zerogap report`: figures of the theory (deep linear gaps, the thresholding map, the
/// survey's systems) and of the user's data (a two-layer ReLU fit's bounds against iterations and its β path), each
/// with a caption naming its MATH.md section and the numbers behind it as CSV, plus the computed table of §9.
/// `html` is one self-contained page (inline SVG and CSS, no script, no request leaves it).
public struct ReproductionReport: Sendable {
  /// One figure: a chart (or an HTML table), its caption and its numbers.
  public struct Figure: Sendable {
    public var id: String
    public var title: String
    public var caption: String
    public var chart: Chart?
    /// Pre-rendered HTML (a table) when there is no chart.
    public var tableHTML: String?
    public var csv: String
  }

  public var figures: [Figure]
  public var dataDescription: String
  /// Figures of the issue's list whose computation is not in the report yet, with why.
  public var missing: [String]

  /// The data of the two-layer figures: features (raw), targets and a name.
  public struct Data: Sendable {
    public var x: Matrix
    public var y: [Double]
    public var name: String
    public init(x: Matrix, y: [Double], name: String) {
      self.x = x
      self.y = y
      self.name = name
    }
  }

  /// Builds every figure. `quick` uses fewer points, restarts and iterations (under 10 s); `progress` is called
  /// before each section.
  public static func build(data: Data, quick: Bool = false, progress: ((String) -> Void)? = nil) throws -> ReproductionReport {
    var figures: [Figure] = []
    progress?("deep linear networks (MATH.md §1–§2)")
    figures += try deepLinearFigures(quick: quick)
    progress?("two-layer ReLU on \(data.name) (MATH.md §3)")
    figures += try twoLayerFigures(data, quick: quick)
    progress?("three-layer parallel ReLU on Example C (MATH.md §4.3)")
    figures.append(try threeLayerFigure(quick: quick))
    progress?("the duality-gap table (MATH.md §9)")
    figures.append(gapTableFigure())
    progress?("the survey's systems (MATH.md §6–§8)")
    figures += try surveyFigures(quick: quick)
    return ReproductionReport(
      figures: figures, dataDescription: data.name,
      missing: [])
  }

  // MARK: - Figures

  static func deepLinearFigures(quick: Bool) throws -> [Figure] {
    // 1a: P, D and the gap against depth, X = I₂, Y = diag(3, 1).
    let (x, y) = LinearCase.diag31.matrices
    let data = try DeepLinearData(x: x, y: y)
    let depths = Array(2...(quick ? 5 : 8))
    let table = try LinearDualityTable.compute(data: data, depths: depths, beta: nil)
    let standard = table.rows.filter { $0.architecture == .standard }
    let parallel = table.rows.filter { $0.architecture == .parallel }
    let depthChart = Chart(
      title: "Deep linear networks: primal, dual and gap against depth", xLabel: "depth L", yLabel: "value (min-norm interpolation)",
      series: [
        .init(name: "P standard", points: standard.map { (Double($0.depth), $0.primal) }, style: .lineAndMarkers),
        .init(name: "D standard", points: standard.map { (Double($0.depth), $0.dual) }, style: .lineAndMarkers),
        .init(name: "gap standard", points: standard.map { (Double($0.depth), $0.gap) }, style: .dashed),
        .init(name: "P = D parallel (R1)", points: parallel.map { (Double($0.depth), $0.primal) }, style: .lineAndMarkers),
      ])
    // 1b: against the singular-value spread σ = (s, 1), L = 3.
    let spreads = stride(from: 1.0, through: 10, by: quick ? 1 : 0.5).map { $0 }
    var p: [(Double, Double)] = [], d: [(Double, Double)] = [], g: [(Double, Double)] = []
    for s in spreads {
      let row = try LinearDualityTable.compute(data: try DeepLinearData(x: .identity(2), y: .diagonal([s, 1])), depths: [3], beta: nil).rows[0]
      p.append((s, row.primal))
      d.append((s, row.dual))
      g.append((s, row.gap))
    }
    let spreadChart = Chart(
      title: "Depth 3: primal, dual and gap against the spread σ₁/σ₂", xLabel: "σ₁ (σ₂ = 1)", yLabel: "value",
      series: [.init(name: "P_lin", points: p), .init(name: "D_lin", points: d), .init(name: "gap", points: g, style: .dashed)])
    // 3: the thresholding map s*(a) for L = 2…5, β = 1.
    let grid = stride(from: 0.0, through: 6, by: quick ? 0.05 : 0.01).map { $0 }
    let maps = (2...5).map { L in
      Chart.Series(name: "L = \(L)", points: grid.map { ($0, DeepLinearShrinkage.shrink($0, beta: 1, depth: L)) })
    }
    let mapChart = Chart(title: "Weight-decay thresholding map s*(a), β = 1", xLabel: "singular value a of XᵀY", yLabel: "s*(a)", series: maps)
    // 2: training curves, X = I₃, Y = diag(5, 2.2, 0.8), β = 1, L = 3 (Adam from one seeded start).
    let (tx, ty) = LinearCase.threshold.matrices
    let iterations = quick ? 1500 : 4000
    let adam = NonconvexTrainer(optimizer: Adam(learningRate: 0.01), iterations: iterations, restarts: 1, historyStride: 10)
    var gen = SeededGenerator(seed: 2)
    let std = try DeepLinearObjective(x: tx, y: ty, hiddenWidths: [3, 3], beta: 1)
    let prl = try ParallelLinearObjective(x: tx, y: ty, depth: 3, hiddenWidths: [1], branches: 3, regularizer: .r2, beta: 1)
    let stdRun = adam.run(std, from: std.initialParameters(using: &gen))
    let prlRun = adam.run(prl, from: prl.initialParameters(using: &gen))
    let optima = try LinearDualityTable.compute(data: try DeepLinearData(x: tx, y: ty), depths: [3], beta: 1).rows
    let stdOptimum = optima.first { $0.architecture == .standard }!.primal
    let prlOptimum = optima.first { $0.architecture == .parallel }!.primal
    let trainingChart = Chart(
      title: "Training deep linear networks, L = 3, β = 1", xLabel: "Adam iteration", yLabel: "objective − its optimum",
      series: [
        .init(name: "standard − P_reg", points: stdRun.history.map { (Double($0.iteration), $0.objective - stdOptimum) }),
        .init(name: "parallel (R2) − convex value", points: prlRun.history.map { (Double($0.iteration), $0.objective - prlOptimum) }),
      ], yKind: .log10)
    // 3b: the ranks the map produces on a = (5, 2.2, 0.8).
    let ranks = (2...5).map { L in (Double(L), Double([5, 2.2, 0.8].filter { DeepLinearShrinkage.shrink($0, beta: 1, depth: L) > 0 }.count)) }
    let rankChart = Chart(
      title: "Rank of the optimum, a = (5, 2.2, 0.8), β = 1", xLabel: "depth L", yLabel: "rank of W*",
      series: [.init(name: "rank", points: ranks, style: .bars)])
    return [
      Figure(
        id: "linear-training", title: "Standard and parallel deep linear networks converge to their optima",
        caption: "Adam on the factored networks (MATH.md §1.5, §2) for X = I₃, Y = diag(5, 2.2, 0.8), β = 1, L = 3, from one seeded start each: the distance of the objective to its optimum (log scale) — the closed form P_reg = \(SVGText.number(stdOptimum, digits: 10)) for the standard network with weight decay, the convex value \(SVGText.number(prlOptimum, digits: 10)) for the parallel network under R2 (the nuclear-norm program, the same for every depth). Points at or below the optimum (rounding) are not drawn; the CSV has them.",
        chart: trainingChart, tableHTML: nil, csv: trainingChart.csv),
      Figure(
        id: "threshold-ranks", title: "Weight decay drives deep solutions to low rank",
        caption: "The rank of the optimum W* = Ũ diag(s*(a_i)) Ṽᵀ for a = (5, 2.2, 0.8), β = 1 (MATH.md §1.5 example): 2, 2, 1, 1 for L = 2, 3, 4, 5.",
        chart: rankChart, tableHTML: nil, csv: rankChart.csv),
      Figure(
        id: "linear-depth", title: "Duality gap against depth",
        caption: "Standard deep linear networks with weight decay (MATH.md §1.2–1.3: P_lin = (L/2)Σσ^{2/L}, D_lin = (L/2)(Σσ)^{2/L}) and parallel networks under R1 (§2: P = D = ‖X⁺Y‖_*) on X = I₂, Y = diag(3, 1). The standard gap is zero at L = 2 and positive from L = 3; the parallel gap is zero at every depth.",
        chart: depthChart, tableHTML: nil, csv: depthChart.csv),
      Figure(
        id: "linear-spread", title: "Duality gap against the singular-value spread",
        caption: "Depth 3, X = I₂, Y = diag(σ₁, 1) (MATH.md §1.3): the gap (3/2)[σ₁^{2/3} + 1 − (σ₁ + 1)^{2/3}] is positive for every spread, including σ₁ = σ₂ (the gap is zero only for rank ≤ 1, not for equal singular values).",
        chart: spreadChart, tableHTML: nil, csv: spreadChart.csv),
      Figure(
        id: "threshold-map", title: "The low-rank effect of weight decay",
        caption: "The map s*(a) of MATH.md §1.5 (β = 1): soft thresholding at L = 2, a jump at a_thr = 2, 2.381, 2.649 for L = 3, 4, 5. Deeper networks zero out more singular values: weight decay drives them to low rank.",
        chart: mapChart, tableHTML: nil, csv: mapChart.csv),
    ]
  }

  static func twoLayerFigures(_ data: Data, quick: Bool) throws -> [Figure] {
    let standardizer = try Standardizer(fitting: data.x)
    let z = try standardizer.transform(data.x).addingBiasColumn()
    let y = data.y
    // β: a tenth of β_max over the patterns used (the fit's own scale).
    let patterns = z.columns <= 3 ? try ActivationPatterns.enumerate(data: z) : try {
      var gen = SeededGenerator(seed: 0)
      return try ActivationPatterns.sample(data: z, count: quick ? 50 : 200, using: &gen)
    }()
    var betaMax = 0.0
    for i in 0..<patterns.count {
      let v = (0..<z.rows).map { patterns.masks[$0, i] * y[$0] }
      betaMax = Swift.max(betaMax, z.multiply(v, trans: .transpose).norm2)
    }
    let beta = 0.1 * betaMax
    // 4a: upper and lower bounds against iterations, recorded at every certificate.
    final class Recorder: @unchecked Sendable { var points: [(Double, Double, Double)] = [] }
    let recorder = Recorder()
    var options = ConvexSolverOptions(tolerance: 1e-6)
    options.exactAlgorithm = .augmentedLagrangian
    options.progressInterval = 0
    options.progress = { p in recorder.points.append((Double(p.iteration), p.objective, p.lowerBound)) }
    let program = try ConvexReLUProgram(data: z, targets: y, patterns: patterns, beta: beta)
    let sol = try program.solve(options: options)
    let history = recorder.points.filter { $0.1.isFinite && $0.2.isFinite && $0.2 > 0 }
    let boundsChart = Chart(
      title: "Two-layer ReLU on \(data.name): certified bounds", xLabel: "iteration", yLabel: "objective",
      series: [
        .init(name: "upper bound (network)", points: history.map { ($0.0, $0.1) }),
        .init(name: "lower bound (dual)", points: history.map { ($0.0, $0.2) }, style: .dashed),
      ])
    let gapChart = Chart(
      title: "Certified relative gap on \(data.name)", xLabel: "iteration", yLabel: "(upper − lower) / upper",
      series: [.init(name: "relative gap", points: history.map { ($0.0, ($0.1 - $0.2) / $0.1) }), .init(name: "tolerance 1e-6", points: history.isEmpty ? [] : [(history[0].0, 1e-6), (history[history.count - 1].0, 1e-6)], style: .dashed)],
      yKind: .log10)
    // 4b: the regularisation path, fitted on 80 % of the samples (seeded split), the error measured on the rest.
    let fractions = quick ? [0.5, 0.2, 0.1, 0.05] : [0.8, 0.5, 0.3, 0.2, 0.1, 0.05, 0.03, 0.02]
    var order = Array(0..<z.rows)
    var splitGen = SeededGenerator(seed: 7)
    order.shuffle(using: &splitGen)
    let cut = Swift.max(1, (z.rows * 4) / 5)
    let train = Array(order[..<cut]), held = Array(order[cut...])
    let zTrain = z.rows(train), yTrain = train.map { y[$0] }
    let trainPatterns = try ActivationPatterns.fromGates(patterns.gates, data: zTrain)
    var objective: [(Double, Double)] = [], neurons: [(Double, Double)] = [], heldError: [(Double, Double)] = []
    for f in fractions {
      let s = try ConvexReLUProgram(data: zTrain, targets: yTrain, patterns: trainPatterns, beta: f * betaMax).solve(options: ConvexSolverOptions(tolerance: 1e-6))
      let net = s.network(gates: trainPatterns.gates)
      objective.append((f, s.report.objective))
      neurons.append((f, Double(net.width)))
      if !held.isEmpty {
        let prediction = net.predict(z.rows(held)).column(0)
        heldError.append((f, zip(prediction, held.map { y[$0] }).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(held.count)))
      }
    }
    let pathChart = Chart(
      title: "Regularisation path on \(data.name)", xLabel: "β / β_max", yLabel: "objective, neurons, held-out MSE",
      series: [
        .init(name: "certified objective", points: objective, style: .lineAndMarkers), .init(name: "neurons", points: neurons, style: .lineAndMarkers),
        .init(name: "held-out MSE (20 %)", points: heldError, style: .lineAndMarkers),
      ],
      xKind: .log10)
    // 4c: convex optimum against Adam at the optimum's width.
    let width = Swift.max(1, sol.network(gates: patterns.gates).width)
    let nonconvex = try TwoLayerReLUObjective(data: z, targets: y, width: width, beta: beta)
    let trainer = NonconvexTrainer(optimizer: Adam(learningRate: 1e-2), iterations: quick ? 500 : 3000, restarts: quick ? 3 : 8)
    var gen = SeededGenerator(seed: 0)
    let runs = trainer.train(nonconvex, using: &gen).runs
    let adamChart = Chart(
      title: "Convex optimum against Adam (width \(width))", xLabel: "restart", yLabel: "objective",
      series: [
        .init(name: "Adam, final objective", points: runs.enumerated().map { (Double($0.offset + 1), $0.element.objective) }, style: .markers),
        .init(name: "convex optimum", points: [(1, sol.report.objective), (Double(runs.count), sol.report.objective)]),
        .init(name: "certified lower bound", points: [(1, sol.report.lowerBound), (Double(runs.count), sol.report.lowerBound)], style: .dashed),
      ])
    let scope = patterns.isComplete ? "all \(patterns.count) activation patterns (the bound covers every two-layer ReLU network)" : "\(patterns.count) sampled patterns (the bound covers the program over them)"
    return [
      Figure(
        id: "relu-bounds", title: "Certified bounds against iterations",
        caption: "The exact two-layer program C-ReLU (MATH.md §3.3) on \(data.name) (standardised features + bias), β = 0.1·β_max = \(SVGText.number(beta, digits: 6)), over \(scope): the recovered network's objective (upper) and the dual bound (lower, §3.5) at every certificate of the augmented Lagrangian, down to a certified relative gap of 1e-6.",
        chart: boundsChart, tableHTML: nil, csv: boundsChart.csv),
      Figure(
        id: "relu-gap", title: "Certified relative gap against iterations",
        caption: "The same solve: the relative gap between the recovered network's objective and the dual bound at every certificate (points where the network is not yet a point of the program, or the bound is not yet positive, are left out), down to the tolerance 1e-6.",
        chart: gapChart, tableHTML: nil, csv: gapChart.csv),
      Figure(
        id: "relu-path", title: "Regularisation path",
        caption: "Fitted on a seeded 80 % of the samples: the certified optimum, the number of neurons of the recovered network and its mean squared error on the held-out 20 %, against β (MATH.md §3.3): weight decay is a group lasso over activation patterns, so fewer neurons are active as β grows.",
        chart: pathChart, tableHTML: nil, csv: pathChart.csv),
      Figure(
        id: "relu-adam", title: "Convex optimum against nonconvex training",
        caption: "Adam on the nonconvex two-layer objective (§3.1) at the convex solution's width, from seeded random starts: every final objective lies above the certified lower bound; the convex program reaches the global optimum.",
        chart: adamChart, tableHTML: nil, csv: adamChart.csv),
    ]
  }

  static func threeLayerFigure(quick: Bool) throws -> Figure {
    let (x, ym) = ReLUCase.exampleC.matrices
    let y = ym.column(0), beta = 0.05
    let program = try ParallelReLUProgram(
      data: x, targets: y, firstLayer: try ActivationPatterns.enumerate(data: x), secondLayer: try HiddenPatterns.all(sampleCount: 4), beta: beta)
    let sol = try program.solve(options: ConvexSolverOptions(tolerance: 1e-8))
    let two = try ConvexReLUProgram(data: x, targets: y, patterns: try ActivationPatterns.enumerate(data: x), beta: beta).solve(options: ConvexSolverOptions(tolerance: 1e-9))
    let objective = DeepReLUObjective(data: x, targets: y, beta: beta, architecture: .parallel, depth: 3, width: 6, branches: 6)
    var trainer = TwoPhaseTrainer(adamLearningRate: 1e-2, adamIterations: quick ? 1000 : 3000, restarts: quick ? 4 : 10)
    trainer.lbfgsPolish = LBFGS(iterations: quick ? 1000 : 3000)
    var gen = SeededGenerator(seed: 3)
    let runs = trainer.train(objective, using: &gen).runs
    let n = Double(runs.count)
    let chart = Chart(
      title: "Three-layer parallel ReLU on Example C: convex against trained", xLabel: "restart", yLabel: "objective",
      series: [
        .init(name: "trained (R2, 6 branches × 6)", points: runs.enumerated().map { (Double($0.offset + 1), $0.element.objective) }, style: .markers),
        .init(name: "convex optimum p*", points: [(1, sol.report.objective), (n, sol.report.objective)]),
        .init(name: "certified lower bound", points: [(1, sol.report.lowerBound), (n, sol.report.lowerBound)], style: .dashed),
        .init(name: "two-layer optimum", points: [(1, two.report.objective), (n, two.report.objective)], style: .dashed),
      ])
    return Figure(
      id: "three-layer", title: "Parallel three-layer ReLU: convex optimum against nonconvex training",
      caption: "MATH.md §4.3, Example C (β = 0.05): the three-layer convex program over all 8 × 16 patterns certifies p* = \(SVGText.number(sol.report.objective, digits: 10)); parallel networks trained from seeded restarts with the smooth regulariser R2 never go below its certified bound; the two-layer optimum \(SVGText.number(two.report.objective, digits: 10)) on the same data is higher.",
      chart: chart, tableHTML: nil, csv: chart.csv)
  }

  static func gapTableFigure() -> Figure {
    let table = DualityGapTable.compute()
    var html = "<table class=\"gaps\"><thead><tr><th>activation</th><th>architecture</th><th>depth</th><th>primal</th><th>dual</th><th>gap</th><th>verdict</th></tr></thead><tbody>\n"
    var csv = "activation,architecture,depth,primal,dual,gap,verdict\n"
    for e in table.entries {
      let cells = e.cell.map { [$0.primal, $0.dual, $0.gap].map { SVGText.number($0, digits: 10) } } ?? ["—", "—", "—"]
      let verdict = e.cell?.verdict.rawValue ?? "not measured"
      html += "<tr class=\"\(verdict == "zero" ? "zero" : verdict == "non-zero" ? "nonzero" : "")\"><td>\(e.activation.rawValue)</td><td>\(e.architecture.rawValue)</td><td>\(e.depth)</td>"
      html += cells.map { "<td class=\"num\">\($0)</td>" }.joined() + "<td>\(SVGText.escape(verdict))</td></tr>\n"
      csv += "\(e.activation.rawValue),\(e.architecture.rawValue),\(e.depth),\(e.cell.map { "\($0.primal),\($0.dual),\($0.gap)" } ?? ",,"),\(verdict)\n"
    }
    html += "</tbody></table>"
    return Figure(
      id: "gap-table", title: "The duality-gap table, computed",
      caption: "MATH.md §9, every cell measured (zerogap table): primal = an attained value, dual = a certified lower bound. Linear cells on X = I₂, Y = diag(3, 1); ReLU cells on X = (1, −1)ᵀ, Y = (1, −1), minimum-norm interpolation (§4.5: the standard ReLU network has a gap on this rank-1 data). Zero cells in green, non-zero in red.",
      chart: nil, tableHTML: html, csv: csv)
  }

  static func surveyFigures(quick: Bool) throws -> [Figure] {
    // §6: single neuron, planted and counterexample: relaxation, GD best and the global minimum.
    let planted = try SingleNeuron(data: Matrix([[1, 0], [0, 1], [1, 1], [1, -1]]), targets: [1, 0, 0.5, 1.5])
    let counter = try SingleNeuron(data: Matrix(rows: 2, columns: 1, columnMajor: [1, -1]), targets: [1, 1])
    let pr = try planted.report(starts: 20), cr = try counter.report(starts: 20)
    let neuronChart = Chart(
      title: "One ReLU neuron: relaxation against nonconvex descent", xLabel: "instance (1: planted, 2: X = (1, −1)ᵀ, y = (1, 1))", yLabel: "loss L",
      series: [
        .init(name: "L at relaxed minimiser", points: [(1, pr.relaxed.loss), (2, cr.relaxed.loss)], style: .bars),
        .init(name: "GD from w = 0", points: [(1, pr.descent.fromZero), (2, cr.descent.fromZero)], style: .bars),
        .init(name: "exact global min", points: [(1, pr.global?.loss ?? .nan), (2, cr.global?.loss ?? .nan)], style: .bars),
      ])
    // §7: NTK loss curve against the bound.
    let unit = Matrix([0.0, 60, 90].map { [Double.cos($0 * Double.pi / 180), Double.sin($0 * Double.pi / 180)] })
    let eig = try NTKGram.eigenvalues(NTKGram.twoLayer(unit))
    let run = try NTKTraining.run(unit: unit, targets: [1, -1, 0.5], width: quick ? 2000 : 20_000, steps: 300, learningRate: 1 / eig[2], lambda0: eig[0], seed: 1)
    let steps = Array(0..<run.loss.count)
    let ntkChart = Chart(
      title: "Wide two-layer network: loss against the NTK prediction", xLabel: "gradient-descent step k", yLabel: "‖u(k) − y‖²",
      series: [
        .init(name: "measured", points: steps.map { (Double($0), run.loss[$0]) }),
        .init(name: "(1 − ηλ₀/2)^k L(0)", points: steps.map { (Double($0), run.bound[$0]) }, style: .dashed),
      ], yKind: .log10)
    // §8: gap(I) against 2Δ/I.
    let toy = MultiBranchToy.paper
    let rows = try toy.rows(branches: [1, 2, 3, 4, 5, 6, 8])
    let branchChart = Chart(
      title: "Multi-branch duality gap against the number of branches", xLabel: "branches I", yLabel: "gap",
      series: [
        .init(name: "gap(I) = P(I) − sup D", points: rows.map { (Double($0.branches), $0.gap) }, style: .lineAndMarkers),
        .init(name: "bound 2Δ/I", points: rows.map { (Double($0.branches), $0.bound) }, style: .dashed),
      ])
    return [
      Figure(
        id: "neuron", title: "Single neuron: the convex relaxation",
        caption: "MATH.md §6: on planted data y = (Xw*)_+ the relaxation's minimiser is the global minimum (L = 0) while gradient descent from w = 0 does not move (L = 3.5); on X = (1, −1)ᵀ, y = (1, 1) the relaxation stops at L = 2 while the exact global minimum (every activation pattern solved) is 1.",
        chart: neuronChart, tableHTML: nil, csv: neuronChart.csv),
      Figure(
        id: "ntk", title: "NTK: predicted against measured rate",
        caption: "MATH.md §7 (Du et al. 2019): inputs at 0°, 60°, 90°, y = (1, −1, 0.5), λ₀ = λ_min(H^∞) = \(SVGText.number(eig[0], digits: 10)), η = 1/λ_max(H^∞); a width-\(run.width) network trained by full-batch gradient descent stays under the predicted (1 − ηλ₀/2)^k bound.",
        chart: ntkChart, tableHTML: nil, csv: ntkChart.csv),
      Figure(
        id: "branches", title: "Multi-branch gap shrinks with branches",
        caption: "MATH.md §8 (Zhang et al. 2019) on its toy, computed exactly: the duality gap P(I) − sup D against the theorem's bound 2Δ/I (Δ = 1/60). P(I) is not monotone in I, the bound holds at every I.",
        chart: branchChart, tableHTML: nil, csv: branchChart.csv),
    ]
  }

  // MARK: - HTML

  /// The self-contained page: inline CSS and SVG, each figure's CSV as a `data:` download link.
  public var html: String {
    var out = """
      <!DOCTYPE html>
      <html lang="en"><head><meta charset="utf-8"><title>ZeroGap reproduction report</title>
      <style>
      body { font-family: sans-serif; max-width: 980px; margin: 2em auto; color: #222; line-height: 1.45; }
      figure { margin: 2em 0; page-break-inside: avoid; } figcaption { font-size: 0.92em; color: #333; max-width: 760px; }
      table.gaps { border-collapse: collapse; font-size: 0.9em; } table.gaps td, table.gaps th { border: 1px solid #bbb; padding: 3px 8px; }
      td.num { text-align: right; font-variant-numeric: tabular-nums; } tr.zero td { background: #e6f4ea; } tr.nonzero td { background: #fbe3e4; }
      a.csv { font-size: 0.85em; } @media print { a.csv { display: none; } }
      </style></head><body>
      <h1>ZeroGap reproduction report</h1>
      <p>Every number below is computed by ZeroGap \(ZeroGapVersion.string) when the report is written; sections refer to MATH.md. Two-layer figures use: \(SVGText.escape(dataDescription)).</p>

      """
    for f in figures {
      out += "<figure id=\"\(SVGText.escape(f.id))\">\n<h2>\(SVGText.escape(f.title))</h2>\n"
      out += f.chart?.svg ?? f.tableHTML ?? ""
      out += "\n<figcaption>\(SVGText.escape(f.caption)) <a class=\"csv\" download=\"\(SVGText.escape(f.id)).csv\" href=\"data:text/csv;charset=utf-8,\(Self.percentEncoded(f.csv))\">numbers (CSV)</a></figcaption>\n</figure>\n"
    }
    if !missing.isEmpty {
      out += "<h2>Not yet in this report</h2><ul>\n" + missing.map { "<li>\(SVGText.escape($0))</li>" }.joined(separator: "\n") + "\n</ul>\n"
    }
    out += "</body></html>\n"
    return out
  }

  /// RFC 3986 percent-encoding of everything but unreserved characters (for a `data:` URI).
  static func percentEncoded(_ s: String) -> String {
    var out = ""
    for byte in s.utf8 {
      switch byte {
      case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
        UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
        out.append(Character(UnicodeScalar(byte)))
      default:
        let hex = Array("0123456789ABCDEF")
        out += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 15)])
      }
    }
    return out
  }
}
