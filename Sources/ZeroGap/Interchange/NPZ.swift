/// A NumPy `.npz` archive (`numpy.savez`, stored, or `numpy.savez_compressed`, deflate): a ZIP of `.npy`
/// members named `<key>.npy`. Members are decoded by `NPY.decode` on demand.
public struct NPZ: WeightArchive {
  public let file: String
  private let archive: ZipArchive

  public init(bytes: [UInt8], file: String) throws(DataError) {
    self.file = file
    archive = try ZipArchive(bytes: bytes, file: file)
  }

  /// Keys without the `.npy` suffix, in archive order.
  public var tensorNames: [String] {
    archive.members.map { $0.name.hasSuffix(".npy") ? String($0.name.dropLast(4)) : $0.name }
  }

  public func tensor(named name: String) throws(DataError) -> WeightTensor {
    guard let member = archive.members.first(where: { $0.name == name + ".npy" || $0.name == name }) else {
      throw DataError(.missingTensor, file: file, "no array \"\(name)\" in the archive (it has: \(tensorNames.joined(separator: ", ")))")
    }
    let bytes = try archive.contents(of: member)
    let array: NPY.Array2D
    do throws(DataError) {
      // Decoding allocates 8 bytes per element (and a row-major copy): refuse arrays above 2²⁷ elements (1 GiB of
      // doubles) before allocating — a two-layer network's weights are far smaller.
      let header = try NPY.parseHeader(bytes, file: "\(file)[\(name)]")
      let count = header.shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? .max : $0 * $1 }
      guard count <= 1 << 27 else {
        throw DataError(.unsupportedWeightFile, file: "\(file)[\(name)]", "the array has shape \(header.shape), more than the 2²⁷ elements a weight tensor may have here")
      }
      array = try NPY.decode(bytes, file: "\(file)[\(name)]")
    } catch {
      throw DataError([.unsupportedNPY, .unsupportedWeightFile].contains(error.kind) ? .unsupportedWeightFile : .invalidWeightFile, file: error.file, error.message)
    }
    // NPY.Array2D keeps (rows, columns); return row-major values with the stored shape.
    let m = array.matrix
    var values = [Double](repeating: 0, count: m.rows * m.columns)
    for i in 0..<m.rows { for j in 0..<m.columns { values[i * m.columns + j] = m[i, j] } }
    return WeightTensor(name: name, shape: array.shape, dtype: array.descr, values: values)
  }
}
