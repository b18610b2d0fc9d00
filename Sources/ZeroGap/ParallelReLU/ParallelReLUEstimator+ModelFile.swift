import Foundation

/// The model file of a fitted `ParallelReLUEstimator` (`zerogap fit --model parallel-relu --output`): its own
/// format name and version (a two-layer reader refuses it by name, and this one the two-layer file), Codable like
/// `ModelFile`, whose preprocessing, columns and solver parts it shares. Matrices are arrays of rows.
public struct ParallelModelFile: Codable, Sendable, Equatable {
  public static let formatName = "zerogap-parallel-relu"
  /// The version this build writes and reads; other versions are refused.
  public static let currentVersion = 1

  public var format: String
  public var version: Int
  public var depth: Int
  public var loss: ConvexLoss
  public var beta: Double
  public var columns: ModelFile.Columns?
  public var preprocessing: ModelFile.Preprocessing
  public var patterns: Patterns
  public var branches: [Branch]
  public var solver: ModelFile.Solver

  public struct Patterns: Codable, Sendable, Equatable {
    public var firstLayer: Int
    public var secondLayer: Int
    enum CodingKeys: String, CodingKey { case firstLayer = "first_layer", secondLayer = "second_layer" }
  }

  public struct Branch: Codable, Sendable, Equatable {
    /// d'×m, as rows.
    public var firstLayer: [[Double]]
    public var secondLayer: [Double]
    public var output: Double
    enum CodingKeys: String, CodingKey { case firstLayer = "first_layer", secondLayer = "second_layer", output }
  }

  /// Decodes a parallel model file, refusing another format or version first.
  /// - Throws: `ConvexReLUError.invalidParameter` naming `file` and the first problem.
  public static func decode(_ data: Data, file: String) throws(ConvexReLUError) -> ParallelModelFile {
    struct Header: Decodable {
      var format: String?
      var version: Int?
    }
    let decoder = JSONDecoder()
    do {
      let header = try decoder.decode(Header.self, from: data)
      guard header.format == formatName else {
        throw ConvexReLUError.invalidParameter("\(file): missing \"format\": \"\(formatName)\"; is this a parallel-network model file written by `zerogap fit --model parallel-relu`?")
      }
      guard header.version == currentVersion else {
        throw ConvexReLUError.invalidParameter("\(file): model-file version \(header.version.map(String.init) ?? "missing"); this zerogap (\(ZeroGapVersion.string)) reads version \(currentVersion) — refit the model with this version")
      }
      return try decoder.decode(ParallelModelFile.self, from: data)
    } catch let e as ConvexReLUError {
      throw e
    } catch let e as DecodingError {
      throw .invalidParameter("\(file): \(ModelFile.describe(e, data: data)); is this a model file written by `zerogap fit`?")
    } catch {
      throw .invalidParameter("\(file): \(error)")
    }
  }

  /// The `format` entry of a model file (nil when it has none or is not JSON): which reader applies.
  public static func format(of data: Data) -> String? {
    struct Header: Decodable { var format: String? }
    return (try? JSONDecoder().decode(Header.self, from: data))?.format
  }
}

extension ParallelReLUEstimator {
  /// The model file of the fit.
  public func modelFile() throws -> ParallelModelFile {
    guard let f = fitted else { throw ConvexReLUError.invalidParameter("the estimator is not fitted; call fit first") }
    guard let network = f.network else {
      throw ConvexReLUError.invalidParameter("model files hold parallel networks of depth 3; this fit has depth \(configuration.depth)")
    }
    let r = f.report
    return ParallelModelFile(
      format: ParallelModelFile.formatName, version: ParallelModelFile.currentVersion, depth: 3, loss: configuration.loss,
      beta: configuration.beta, columns: f.columns.map { ModelFile.Columns(features: $0.features, targets: $0.targets) },
      preprocessing: .init(standardize: configuration.standardize, bias: configuration.bias, means: f.means, scales: f.scales),
      patterns: .init(firstLayer: f.firstLayerPatterns, secondLayer: f.secondLayerPatterns),
      branches: network.branches.map { .init(firstLayer: $0.firstLayer.rowArrays, secondLayer: $0.secondLayer, output: $0.output) },
      solver: .init(
        objective: r.objective, lowerBound: r.lowerBound, gap: r.gap, boundScope: f.boundScope, iterations: r.iterations,
        outerIterations: r.outerIterations, seconds: r.seconds, stopReason: r.stopReason, constraintViolation: r.constraintViolation,
        tolerance: configuration.solver.tolerance))
  }

  /// Writes the model file (never over an input or a non-regular file; an existing file only with `overwrite`).
  public func save(to path: String, overwrite: Bool = false, inputs: [(option: String, path: String)] = []) throws {
    let file = try modelFile()
    guard file.solver.objective.isFinite, file.solver.lowerBound.isFinite, file.branches.allSatisfy({ b in
      b.output.isFinite && b.secondLayer.allSatisfy(\.isFinite) && b.firstLayer.allSatisfy { $0.allSatisfy(\.isFinite) }
    }) else {
      throw ConvexReLUError.invalidParameter("the fit did not produce a finite network; no model file written — try a larger --beta or standardised features")
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    try OutputFile.write(String(decoding: try encoder.encode(file), as: UTF8.self) + "\n", to: path, overwrite: overwrite, inputs: inputs)
  }

  /// The estimator a parallel model file describes, after checking that its parts fit together.
  /// - Throws: `.invalidParameter` naming the file and the problem.
  public init(modelFile m: ParallelModelFile, file: String) throws(ConvexReLUError) {
    let d = m.preprocessing.means.count
    guard m.depth == 3 else { throw .invalidParameter("\(file): depth \(m.depth); this zerogap reads parallel networks of depth 3") }
    guard m.preprocessing.scales.count == d, m.preprocessing.means.allSatisfy(\.isFinite),
      m.preprocessing.scales.allSatisfy({ $0.isFinite && $0 > 0 })
    else { throw .invalidParameter("\(file): \"preprocessing\" needs \(d) finite means and positive scales") }
    let width = d + (m.preprocessing.bias ? 1 : 0)
    var branches: [ParallelReLUNetwork.Branch] = []
    for (j, b) in m.branches.enumerated() {
      let rows = b.firstLayer
      guard rows.count == width, rows.allSatisfy({ $0.count == b.secondLayer.count }), !b.secondLayer.isEmpty else {
        throw .invalidParameter("\(file): branches[\(j)]: first_layer must be \(width)×m with m = second_layer's length ≥ 1")
      }
      guard b.output.isFinite, b.secondLayer.allSatisfy(\.isFinite), rows.allSatisfy({ $0.allSatisfy(\.isFinite) }) else {
        throw .invalidParameter("\(file): branches[\(j)] has non-finite weights")
      }
      let w1 = Matrix(rows: width, columns: b.secondLayer.count, columnMajor: (0..<b.secondLayer.count).flatMap { c in rows.map { $0[c] } })
      branches.append(.init(firstLayer: w1, secondLayer: b.secondLayer, output: b.output))
    }
    self.init(configuration: .init(
      loss: m.loss, beta: m.beta, standardize: m.preprocessing.standardize, bias: m.preprocessing.bias,
      solver: ConvexSolverOptions(tolerance: m.solver.tolerance)))
    let report = ConvexSolverReport(
      iterations: m.solver.iterations, outerIterations: m.solver.outerIterations, seconds: m.solver.seconds,
      stopReason: m.solver.stopReason, objective: m.solver.objective, lowerBound: m.solver.lowerBound,
      constraintViolation: m.solver.constraintViolation)
    let network = ParallelReLUNetwork(inputDimension: width, branches: branches)
    fitted = Fitted(
      means: m.preprocessing.means, scales: m.preprocessing.scales, network: network, deepNetwork: DeepParallelReLUNetwork(network),
      report: report, boundScope: m.solver.boundScope, firstLayerPatterns: m.patterns.firstLayer,
      hiddenLayerPatterns: [m.patterns.secondLayer], columns: m.columns.map { .init(features: $0.features, targets: $0.targets) })
  }

  /// Reads a model file written by `save`.
  public static func load(from path: String) throws -> ParallelReLUEstimator {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ConvexReLUError.invalidParameter("cannot read the model file \(path) (missing or unreadable)")
    }
    return try ParallelReLUEstimator(modelFile: try ParallelModelFile.decode(data, file: path), file: path)
  }
}
