/// One named array of a weight file, converted to `Double` in row-major (C) order.
public struct WeightTensor: Sendable, Equatable {
  public var name: String
  /// The shape as stored (`[]` for a scalar).
  public var shape: [Int]
  /// The stored element type, in the file's own spelling (`F32`, `BF16`, `<f8`, …).
  public var dtype: String
  /// The elements, row-major, exactly converted to `Double` (every supported dtype embeds in binary64).
  public var values: [Double]

  public init(name: String, shape: [Int], dtype: String, values: [Double]) {
    self.name = name
    self.shape = shape
    self.dtype = dtype
    self.values = values
  }

  /// The tensor as a matrix: a 2-D tensor as is, a 1-D tensor of length n as an n×1 column.
  /// - Throws: `.missingTensor` for other ranks.
  public func matrix(file: String) throws(DataError) -> Matrix {
    switch shape.count {
    case 2: return Matrix(rows: shape[0], columns: shape[1], rowMajor: values)
    case 1: return Matrix(rows: shape[0], columns: 1, columnMajor: values)
    default:
      throw DataError(.missingTensor, file: file, "tensor \"\(name)\" has shape \(shape); a weight matrix or bias vector (1-D or 2-D) was expected")
    }
  }
}

/// A file of named tensors: PyTorch's `.safetensors` or NumPy's `.npz`.
public protocol WeightArchive {
  /// The path, used in error messages.
  var file: String { get }
  /// The tensor names, in file order.
  var tensorNames: [String] { get }
  /// Decodes one tensor.
  /// - Throws: `DataError` (`.missingTensor` when absent, `.unsupportedWeightFile` for an undecodable dtype).
  func tensor(named name: String) throws(DataError) -> WeightTensor
}

/// Opens weight files by their content (not their extension).
public enum WeightFiles {
  /// Reads `path` as a ZIP archive (`.npz`, magic `PK`) or a safetensors file (anything else).
  /// - Throws: `DataError` naming the file and what is wrong.
  public static func open(path: String) throws(DataError) -> any WeightArchive {
    let bytes = try CSVReader.readBytes(path: path)
    if bytes.count >= 4, bytes[0] == 0x50, bytes[1] == 0x4B { return try NPZ(bytes: bytes, file: path) }
    return try SafeTensors(bytes: bytes, file: path)
  }
}
