import Foundation

/// Reading and writing NumPy `.npy` files (format versions 1.0, 2.0 and 3.0).
///
/// Layout: the magic `\x93NUMPY`, a major and minor version byte, the header length (2 bytes
/// little-endian in version 1, 4 bytes in versions 2 and 3), then a Python-literal dictionary
/// `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }` padded with spaces and a final
/// `\n` so the data starts at a multiple of 64 bytes, then the raw elements.
///
/// Supported element types (`descr`), either byte order (`<`, `>`, `|`, `=`): float64, float32,
/// int8/16/32/64, uint8/16/32/64, bool. Shapes: 1-D `(n,)` (read as an n×1 column) and 2-D
/// `(n, d)`, in C (row-major) or Fortran (column-major) order. Values are converted to `Double`
/// (64-bit integers beyond 2^53 are rounded).
public enum NPY {
  /// An element type this module reads; the ones marked writable can also be written.
  public enum DType: String, Sendable, CaseIterable {
    case float64 = "f8", float32 = "f4"
    case int64 = "i8", int32 = "i4", int16 = "i2", int8 = "i1"
    case uint64 = "u8", uint32 = "u4", uint16 = "u2", uint8 = "u1"
    case bool = "b1"

    /// Bytes per element.
    public var size: Int {
      switch self {
      case .float64, .int64, .uint64: return 8
      case .float32, .int32, .uint32: return 4
      case .int16, .uint16: return 2
      case .int8, .uint8, .bool: return 1
      }
    }

    /// The little-endian `descr` string numpy writes for it (`'<f8'`, `'|u1'`, …).
    public var descr: String { (size == 1 ? "|" : "<") + rawValue }
  }

  /// A decoded `.npy` header.
  public struct Header: Sendable, Equatable {
    /// The element type.
    public var dtype: DType
    /// True for big-endian data (`>`).
    public var bigEndian: Bool
    /// True when elements are stored column-major.
    public var fortranOrder: Bool
    /// The shape, e.g. `[3, 4]` or `[5]`.
    public var shape: [Int]
    /// Offset of the first data byte.
    public var dataOffset: Int
  }

  /// An array read from a `.npy` file: its values as a matrix (1-D arrays become n×1) and its shape.
  public struct Array2D: Sendable, Equatable {
    /// The values; a 1-D array of length n is an n×1 column.
    public var matrix: Matrix
    /// The shape stored in the file (`[n]` or `[n, d]`).
    public var shape: [Int]
    /// The element type stored in the file.
    public var dtype: DType
    /// Whether the file stored the elements in Fortran order.
    public var fortranOrder: Bool
    /// Whether the file stored the elements big-endian (`'>f8'`).
    public var bigEndian: Bool = false

    /// The `descr` of the file as stored (`'<f8'`, `'>f8'`, `'|u1'`).
    public var descr: String { bigEndian && dtype.size > 1 ? ">" + dtype.rawValue : dtype.descr }
  }

  static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

  // MARK: - Reading

  /// Reads the `.npy` file at `path`.
  ///
  /// - Parameter allowNonFinite: when false (the default) a NaN or ±∞ element is an error.
  /// - Throws: `DataError` (`.unreadableFile`, `.invalidNPYHeader`, `.unsupportedNPY`, `.truncatedData`,
  ///   `.emptyData`, `.nonFinite`), naming the file and what to do.
  public static func read(path: String, allowNonFinite: Bool = false) throws(DataError) -> Array2D {
    try decode(CSVReader.readBytes(path: path), file: path, allowNonFinite: allowNonFinite)
  }

  /// Decodes the bytes of a `.npy` file (`file` is used in error messages).
  public static func decode(_ bytes: [UInt8], file: String = "<npy>", allowNonFinite: Bool = false) throws(DataError) -> Array2D {
    let header = try parseHeader(bytes, file: file)
    let shape = header.shape
    let rows = shape[0]
    let columns = shape.count == 2 ? shape[1] : 1
    let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
    let (expected, overflowBytes) = count.multipliedReportingOverflow(by: header.dtype.size)
    guard !overflow && !overflowBytes else {
      throw DataError(.invalidNPYHeader, file: file, "shape \(shape) is too large (more elements than this machine can address); the header is corrupt")
    }
    let available = bytes.count - header.dataOffset
    guard available == expected else {
      throw DataError(
        .truncatedData, file: file,
        "the header promises \(count) elements of \(header.dtype.size) bytes (\(expected) bytes) for shape \(shape) but \(available) data bytes follow; the file is truncated or corrupt")
    }
    guard count > 0 else {
      throw DataError(.emptyData, file: file, "the array has shape \(shape) and holds no values")
    }
    var values = [Double](repeating: 0, count: count)
    bytes.withUnsafeBytes { raw in
      let base = header.dataOffset
      let size = header.dtype.size
      let swap = header.bigEndian
      for k in 0..<count {
        values[k] = element(raw, at: base + k * size, dtype: header.dtype, bigEndian: swap)
      }
    }
    // File element k: C order is (k / columns, k % columns), Fortran order is column-major already.
    let matrix = header.fortranOrder || columns == 1
      ? Matrix(rows: rows, columns: columns, columnMajor: values)
      : Matrix(rows: rows, columns: columns, rowMajor: values)
    if !allowNonFinite, let k = matrix.storage.firstIndex(where: { !$0.isFinite }) {
      let (i, j) = (k % rows, k / rows)
      throw DataError(
        .nonFinite, file: file,
        "element [\(shape.count == 2 ? "\(i), \(j)" : "\(i)")] (row \(i + 1), column \(j + 1)) is \(matrix.storage[k]); values must be finite: remove or impute it")
    }
    return Array2D(matrix: matrix, shape: shape, dtype: header.dtype, fortranOrder: header.fortranOrder, bigEndian: header.bigEndian)
  }

  private static func element(_ raw: UnsafeRawBufferPointer, at offset: Int, dtype: DType, bigEndian: Bool) -> Double {
    @inline(__always) func load<T: FixedWidthInteger>(_: T.Type) -> T {
      let v = raw.loadUnaligned(fromByteOffset: offset, as: T.self)
      return bigEndian ? T(bigEndian: v) : T(littleEndian: v)
    }
    switch dtype {
    case .float64: return Double(bitPattern: load(UInt64.self))
    case .float32: return Double(Float(bitPattern: load(UInt32.self)))
    case .int64: return Double(load(Int64.self))
    case .int32: return Double(load(Int32.self))
    case .int16: return Double(load(Int16.self))
    case .int8: return Double(load(Int8.self))
    case .uint64: return Double(load(UInt64.self))
    case .uint32: return Double(load(UInt32.self))
    case .uint16: return Double(load(UInt16.self))
    case .uint8: return Double(load(UInt8.self))
    case .bool: return load(UInt8.self) != 0 ? 1 : 0
    }
  }

  /// Parses and checks the magic string, version and header dictionary.
  public static func parseHeader(_ bytes: [UInt8], file: String = "<npy>") throws(DataError) -> Header {
    guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
      throw DataError(
        .invalidNPYHeader, file: file,
        "not a .npy file (it does not start with the magic string \\x93NUMPY); write it with numpy.save")
    }
    let major = bytes[6], minor = bytes[7]
    let headerLength: Int
    let start: Int
    switch major {
    case 1:
      headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
      start = 10
    case 2, 3:
      guard bytes.count >= 12 else {
        throw DataError(.invalidNPYHeader, file: file, "the file ends inside the version \(major).\(minor) header length")
      }
      headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
      start = 12
    default:
      throw DataError(
        .invalidNPYHeader, file: file, "unsupported .npy format version \(major).\(minor); versions 1.0, 2.0 and 3.0 are read")
    }
    guard start + headerLength <= bytes.count else {
      throw DataError(
        .invalidNPYHeader, file: file,
        "the header claims \(headerLength) bytes but the file has only \(bytes.count - start) after the preamble; the file is truncated")
    }
    let text = String(decoding: bytes[start..<(start + headerLength)], as: UTF8.self)
    let dict = try PythonLiteral.parseDictionary(text, file: file)

    guard let descrValue = dict["descr"] else { throw missingKey("descr", file: file, text: text) }
    guard case .string(let descr) = descrValue else {
      throw DataError(
        .unsupportedNPY, file: file,
        "structured dtype \(text.trimmingCharacters(in: .whitespacesAndNewlines).quotedExcerpt()) is not supported; save a plain numeric array")
    }
    guard let fortranValue = dict["fortran_order"] else { throw missingKey("fortran_order", file: file, text: text) }
    guard case .bool(let fortranOrder) = fortranValue else {
      throw DataError(.invalidNPYHeader, file: file, "'fortran_order' must be True or False in the header \(text.quotedExcerpt())")
    }
    guard let shapeValue = dict["shape"] else { throw missingKey("shape", file: file, text: text) }
    guard case .tuple(let shape) = shapeValue, shape.allSatisfy({ $0 >= 0 }) else {
      throw DataError(.invalidNPYHeader, file: file, "'shape' must be a tuple of non-negative integers in the header \(text.quotedExcerpt())")
    }
    guard shape.count == 1 || shape.count == 2 else {
      throw DataError(
        .unsupportedNPY, file: file,
        "the array has \(shape.count) dimensions (shape \(shape)); only 1-D and 2-D arrays can be read: reshape it to (n, d)")
    }

    guard descr.count >= 2 else { throw badDescr(descr, file: file) }
    let order = descr.first ?? "<"
    var code = String(descr.dropFirst())
    var bigEndian = false
    switch order {
    case "<", "|": bigEndian = false
    case ">": bigEndian = true
    case "=": bigEndian = false  // native order: this reader runs on little-endian machines only
    default:
      code = descr
    }
    if code == "?" { code = "b1" }
    guard let dtype = DType(rawValue: code) else { throw badDescr(descr, file: file) }
    if dtype.size == 1 { bigEndian = false }
    return Header(dtype: dtype, bigEndian: bigEndian, fortranOrder: fortranOrder, shape: shape, dataOffset: start + headerLength)
  }

  private static func missingKey(_ key: String, file: String, text: String) -> DataError {
    DataError(.invalidNPYHeader, file: file, "the header \(text.quotedExcerpt()) has no '\(key)' entry; write the file with numpy.save")
  }

  private static func badDescr(_ descr: String, file: String) -> DataError {
    DataError(
      .unsupportedNPY, file: file,
      "unsupported dtype '\(descr)'; use float64, float32, (u)int8/16/32/64 or bool, e.g. array.astype('float64')")
  }

  // MARK: - Writing

  /// The bytes of a `.npy` file (version 1.0, or 2.0 if the header needs it) holding `matrix`.
  ///
  /// - Parameters:
  ///   - dtype: the element type; integer and bool types need values that fit exactly.
  ///   - fortranOrder: store column-major (`True`) or row-major (`False`, numpy's default).
  ///   - oneDimensional: write shape `(n,)` instead of `(n, 1)`; needs a single column.
  /// - Throws: `DataError.unrepresentableValue` naming the first element that does not fit the dtype;
  ///   `.invalidArgument` if `oneDimensional` is asked for a matrix with more than one column.
  public static func encode(
    _ matrix: Matrix, dtype: DType = .float64, fortranOrder: Bool = false, oneDimensional: Bool = false
  ) throws(DataError) -> [UInt8] {
    if oneDimensional && matrix.columns != 1 {
      throw DataError(.invalidArgument, "a 1-D .npy needs a single column, the matrix is \(matrix.rows)×\(matrix.columns)")
    }
    let shape = oneDimensional ? "(\(matrix.rows),)" : "(\(matrix.rows), \(matrix.columns))"
    let dict = "{'descr': '\(dtype.descr)', 'fortran_order': \(fortranOrder ? "True" : "False"), 'shape': \(shape), }"
    // numpy pads so that preamble + header (+ final "\n") is a multiple of 64 bytes.
    var version: UInt8 = 1
    var preamble = 10
    var total = preamble + dict.utf8.count + 1
    if total + (64 - total % 64) % 64 - preamble > 65535 {
      version = 2
      preamble = 12
      total = preamble + dict.utf8.count + 1
    }
    let padded = total + (64 - total % 64) % 64
    let headerLength = padded - preamble
    var out = magic + [version, 0]
    out.reserveCapacity(padded + matrix.count * dtype.size)
    if version == 1 {
      out += [UInt8(headerLength & 0xFF), UInt8(headerLength >> 8)]
    } else {
      out += (0..<4).map { UInt8((headerLength >> (8 * $0)) & 0xFF) }
    }
    out += Array(dict.utf8)
    out += [UInt8](repeating: 0x20, count: headerLength - dict.utf8.count - 1)
    out.append(0x0A)

    let (n, d) = (matrix.rows, matrix.columns)
    for k in 0..<matrix.count {
      // k runs over the file's element order.
      let (i, j) = fortranOrder ? (k % max(n, 1), k / max(n, 1)) : (k / max(d, 1), k % max(d, 1))
      let v = matrix.storage[i + j * n]
      try append(v, dtype: dtype, to: &out, row: i, column: j)
    }
    return out
  }

  /// Writes `matrix` to `path` as `.npy` (see `encode`).
  ///
  /// - Throws: the errors of `encode`, and `DataError.unreadableFile` if the file cannot be written.
  public static func write(
    _ matrix: Matrix, to path: String, dtype: DType = .float64, fortranOrder: Bool = false, oneDimensional: Bool = false
  ) throws(DataError) {
    let bytes: [UInt8]
    do {
      bytes = try encode(matrix, dtype: dtype, fortranOrder: fortranOrder, oneDimensional: oneDimensional)
    } catch {
      var e = error
      e.file = path
      throw e
    }
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
      throw DataError(.unreadableFile, file: path, "cannot be written; check that the directory exists and is writable")
    }
  }

  private static func append(_ v: Double, dtype: DType, to out: inout [UInt8], row: Int, column: Int) throws(DataError) {
    func bytes<T: FixedWidthInteger>(_ x: T) {
      withUnsafeBytes(of: x.littleEndian) { out.append(contentsOf: $0) }
    }
    func integer<T: FixedWidthInteger>(_: T.Type) throws(DataError) -> T {
      guard let x = T(exactly: v) else {
        throw DataError(
          .unrepresentableValue,
          "element (row \(row + 1), column \(column + 1)) = \(v) is not representable as \(dtype.descr) (\(T.self)); write float64 instead")
      }
      return x
    }
    switch dtype {
    case .float64: bytes(v.bitPattern)
    case .float32:
      let f = Float(v)
      guard !(v.isFinite && !f.isFinite) else {
        throw DataError(
          .unrepresentableValue,
          "element (row \(row + 1), column \(column + 1)) = \(v) overflows float32; write float64 instead")
      }
      bytes(f.bitPattern)
    case .int64: bytes(try integer(Int64.self))
    case .int32: bytes(try integer(Int32.self))
    case .int16: bytes(try integer(Int16.self))
    case .int8: bytes(try integer(Int8.self))
    case .uint64: bytes(try integer(UInt64.self))
    case .uint32: bytes(try integer(UInt32.self))
    case .uint16: bytes(try integer(UInt16.self))
    case .uint8: bytes(try integer(UInt8.self))
    case .bool:
      guard v == 0 || v == 1 else {
        throw DataError(
          .unrepresentableValue,
          "element (row \(row + 1), column \(column + 1)) = \(v) is not a boolean (0 or 1); write float64 instead")
      }
      out.append(v == 1 ? 1 : 0)
    }
  }

  // MARK: - Datasets

  /// A dataset from a features file (n×d or n) and a targets file (n×k or n).
  public static func loadDataset(featuresPath: String, targetsPath: String, name: String? = nil) throws(DataError) -> Dataset {
    let x = try read(path: featuresPath)
    let y = try read(path: targetsPath)
    guard x.matrix.rows == y.matrix.rows else {
      throw DataError(
        .invalidArgument, file: targetsPath,
        "has \(y.matrix.rows) rows but the features file \(featuresPath) has \(x.matrix.rows); they need one row per sample")
    }
    return try Dataset(name: name ?? CSVReader.fileName(featuresPath), features: x.matrix, targets: y.matrix)
  }
}

/// The subset of Python literal syntax used by `.npy` headers: a dict of string keys whose values
/// are strings, `True`/`False`, tuples of integers, or anything else (kept as `.other`).
enum PythonLiteral: Equatable {
  case string(String)
  case bool(Bool)
  case tuple([Int])
  case other

  static func parseDictionary(_ text: String, file: String) throws(DataError) -> [String: PythonLiteral] {
    var p = Parser(chars: Array(text.unicodeScalars), file: file, text: text)
    return try p.dictionary()
  }

  private struct Parser {
    var chars: [Unicode.Scalar]
    var i = 0
    let file: String
    let text: String

    func fail(_ what: String) -> DataError {
      DataError(
        .invalidNPYHeader, file: file,
        "malformed header dictionary (\(what) at character \(i + 1)) in \(text.trimmingCharacters(in: .whitespacesAndNewlines).quotedExcerpt()); write the file with numpy.save")
    }

    mutating func skipSpace() {
      while i < chars.count, chars[i].properties.isWhitespace { i += 1 }
    }

    mutating func expect(_ c: Unicode.Scalar) throws(DataError) {
      skipSpace()
      guard i < chars.count, chars[i] == c else { throw fail("expected '\(c)'") }
      i += 1
    }

    mutating func peek() -> Unicode.Scalar? {
      skipSpace()
      return i < chars.count ? chars[i] : nil
    }

    mutating func dictionary() throws(DataError) -> [String: PythonLiteral] {
      try expect("{")
      var out: [String: PythonLiteral] = [:]
      while peek() != "}" {
        guard case .string(let key) = try value() else { throw fail("expected a quoted key") }
        try expect(":")
        out[key] = try value()
        if peek() == "," { i += 1 } else if peek() != "}" { throw fail("expected ',' or '}'") }
      }
      i += 1
      skipSpace()
      guard i == chars.count else { throw fail("unexpected text after the closing '}'") }
      return out
    }

    mutating func value() throws(DataError) -> PythonLiteral {
      guard let c = peek() else { throw fail("unexpected end") }
      if c == "'" || c == "\"" {
        i += 1
        var s = ""
        while i < chars.count, chars[i] != c {
          s.unicodeScalars.append(chars[i])
          i += 1
        }
        guard i < chars.count else { throw fail("unterminated string") }
        i += 1
        return .string(s)
      }
      if c == "(" {
        i += 1
        var items: [Int] = []
        while peek() != ")" {
          var digits = ""
          while i < chars.count, ("0"..."9").contains(chars[i]) {
            digits.unicodeScalars.append(chars[i])
            i += 1
          }
          if i < chars.count, chars[i] == "L" { i += 1 }  // Python 2 long suffix
          guard let v = Int(digits) else { throw fail("expected an integer in the shape tuple") }
          items.append(v)
          if peek() == "," { i += 1 } else if peek() != ")" { throw fail("expected ',' or ')'") }
        }
        i += 1
        return .tuple(items)
      }
      if c == "[" || c == "{" {
        // A list (structured dtype) or nested dict: skip it, balanced.
        var depth = 0
        repeat {
          guard i < chars.count else { throw fail("unbalanced brackets") }
          if chars[i] == "[" || chars[i] == "{" || chars[i] == "(" { depth += 1 }
          if chars[i] == "]" || chars[i] == "}" || chars[i] == ")" { depth -= 1 }
          i += 1
        } while depth > 0
        return .other
      }
      var word = ""
      while i < chars.count, chars[i].properties.isAlphabetic || ("0"..."9").contains(chars[i]) {
        word.unicodeScalars.append(chars[i])
        i += 1
      }
      switch word {
      case "True": return .bool(true)
      case "False": return .bool(false)
      case "": throw fail("unexpected character '\(c)'")
      default: return .other
      }
    }
  }
}
