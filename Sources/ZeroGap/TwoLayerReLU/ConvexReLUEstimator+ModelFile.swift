import Foundation

/// The model file of a fitted `ConvexReLUEstimator` (`zerogap fit --output`), one versioned schema through
/// Foundation's `JSONEncoder`/`JSONDecoder`, which round-trip every finite Double bit-for-bit on this toolchain
/// (checked on 200 000 random bit patterns and the extremes 5e-324, 2.2e-308, 1.8e308). Matrices are arrays of
/// rows; optional entries may be absent or `null`.
public struct ModelFile: Codable, Sendable, Equatable {
  public static let formatName = "zerogap-two-layer-relu"
  /// The version this build writes and reads; other versions are refused.
  public static let currentVersion = 1

  public var format: String
  public var version: Int
  public var model: ConvexReLUModel
  public var loss: ConvexLoss
  public var beta: Double
  /// [negative, positive]: the labels the program saw as −1 and +1 (classification only).
  public var classes: [Double]?
  public var columns: Columns?
  public var preprocessing: Preprocessing
  public var patterns: Patterns
  public var network: Network
  public var solver: Solver

  public struct Columns: Codable, Sendable, Equatable {
    public var features: [String]
    public var targets: [String]
  }

  public struct Preprocessing: Codable, Sendable, Equatable {
    public var standardize: Bool
    public var bias: Bool
    public var means: [Double]
    public var scales: [Double]
  }

  public struct Patterns: Codable, Sendable, Equatable {
    public var origin: ActivationPatterns.Origin
    public var count: Int
    /// d'×P, as rows.
    public var gates: [[Double]]
  }

  public struct Network: Codable, Sendable, Equatable {
    /// d'×m, as rows.
    public var firstLayer: [[Double]]
    /// m×k, as rows.
    public var outputWeights: [[Double]]
    /// d'×m gates of a gated-ReLU network, as rows.
    public var networkGates: [[Double]]?
    public var outputBias: [Double]?

    enum CodingKeys: String, CodingKey {
      case firstLayer = "first_layer", outputWeights = "output_weights", networkGates = "network_gates", outputBias = "output_bias"
    }
  }

  public struct Solver: Codable, Sendable, Equatable {
    public var objective: Double
    public var lowerBound: Double
    public var gap: Double
    public var boundScope: BoundScope
    public var iterations: Int
    public var outerIterations: Int
    public var seconds: Double
    public var stopReason: StopReason
    public var constraintViolation: Double
    public var tolerance: Double

    enum CodingKeys: String, CodingKey {
      case objective, gap, iterations, seconds, tolerance
      case lowerBound = "lower_bound", boundScope = "bound_scope", outerIterations = "outer_iterations"
      case stopReason = "stop_reason", constraintViolation = "constraint_violation"
    }
  }

  /// The file's bytes (keys sorted, so that the same model gives the same file).
  public func encoded() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return try encoder.encode(self)
  }

  /// Decodes a model file, refusing another format or version before reading the rest.
  /// - Throws: `ConvexReLUError.invalidParameter` naming `file` and the first problem (a missing or mistyped
  ///   entry by its path in the file, e.g. `network.first_layer[2]`).
  public static func decode(_ data: Data, file: String) throws(ConvexReLUError) -> ModelFile {
    struct Header: Decodable {
      var format: String?
      var version: Int?
    }
    let decoder = JSONDecoder()
    do {
      let header = try decoder.decode(Header.self, from: data)
      guard header.format == formatName else {
        throw ConvexReLUError.invalidParameter("\(file): missing \"format\": \"\(formatName)\"; is this a model file written by `zerogap fit`?")
      }
      guard header.version == currentVersion else {
        throw ConvexReLUError.invalidParameter("\(file): model-file version \(header.version.map(String.init) ?? "missing"); this zerogap (\(ZeroGapVersion.string)) reads version \(currentVersion) — refit the model with this version")
      }
      return try decoder.decode(ModelFile.self, from: data)
    } catch let e as ConvexReLUError {
      throw e
    } catch let e as DecodingError {
      throw .invalidParameter("\(file): \(describe(e, data: data)); is this a model file written by `zerogap fit`?")
    } catch {
      throw .invalidParameter("\(file): \(error)")
    }
  }

  /// One line for a decoding error: what is wrong, at which path of the file (for text that is not JSON, the
  /// reason `JSONSerialization` gives, which says where; `JSONDecoder` does not).
  static func describe(_ error: DecodingError, data: Data) -> String {
    func path(_ keys: [any CodingKey]) -> String {
      var out = ""
      for k in keys {
        if let i = k.intValue { out += "[\(i)]" } else { out += (out.isEmpty ? "" : ".") + k.stringValue }
      }
      return out.isEmpty ? "the top level" : out
    }
    switch error {
    case .keyNotFound(let key, let context): return "missing \"\(path(context.codingPath + [key]))\""
    case .valueNotFound(let type, let context): return "\"\(path(context.codingPath))\" is null (expected \(type))"
    case .typeMismatch(let type, let context): return "\"\(path(context.codingPath))\" is not of the expected type (\(type))"
    case .dataCorrupted(let context):
      if context.codingPath.isEmpty {
        var reason = context.debugDescription
        do { _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) } catch {
          reason = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? reason
        }
        return "not valid JSON (\(reason))"
      }
      return "\"\(path(context.codingPath))\": \(context.debugDescription)"
    @unknown default: return "\(error)"
    }
  }
}
