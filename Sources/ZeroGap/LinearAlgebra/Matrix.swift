/// A dense matrix of `Double`, stored column-major with leading dimension `rows`.
///
/// `Matrix` is a value type with copy-on-write storage (a Swift `Array`), so its buffer is
/// handed to BLAS/LAPACK without copies (`withUnsafeBufferPointer`). Shapes are written
/// `rows×columns` throughout the documentation; MATH.md's convention is that row `i` of a data
/// matrix `X` (n×d) is sample `x_i`.
///
/// Element `(i, j)` lives at `storage[i + j * rows]`.
public struct Matrix: Sendable, Equatable, Hashable {
  /// Number of rows (m).
  public private(set) var rows: Int
  /// Number of columns (n).
  public private(set) var columns: Int
  /// Column-major elements; `storage.count == rows * columns`.
  public internal(set) var storage: [Double]

  /// A `rows×columns` matrix filled with `value`.
  public init(rows: Int, columns: Int, repeating value: Double = 0) {
    precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative")
    self.rows = rows
    self.columns = columns
    self.storage = Array(repeating: value, count: rows * columns)
  }

  /// A `rows×columns` matrix from column-major elements.
  public init(rows: Int, columns: Int, columnMajor: [Double]) {
    precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative")
    precondition(
      columnMajor.count == rows * columns,
      "Matrix(rows: \(rows), columns: \(columns)) needs \(rows * columns) elements, got \(columnMajor.count)")
    self.rows = rows
    self.columns = columns
    self.storage = columnMajor
  }

  /// A `rows×columns` matrix from row-major elements (the layout of C arrays and CSV files).
  public init(rows: Int, columns: Int, rowMajor: [Double]) {
    precondition(rowMajor.count == rows * columns, "Matrix needs \(rows * columns) elements, got \(rowMajor.count)")
    self.init(rows: rows, columns: columns)
    for i in 0..<rows {
      for j in 0..<columns { storage[i + j * rows] = rowMajor[i * columns + j] }
    }
  }

  /// A matrix from a list of rows, e.g. `Matrix([[1, 0], [0, 1], [1, 1]])` is 3×2.
  ///
  /// All rows must have the same length (a programmer error otherwise).
  public init(_ rowList: [[Double]]) {
    let m = rowList.count
    let n = rowList.first?.count ?? 0
    precondition(rowList.allSatisfy { $0.count == n }, "Matrix rows must all have the same length")
    self.init(rows: m, columns: n)
    for i in 0..<m {
      for j in 0..<n { storage[i + j * m] = rowList[i][j] }
    }
  }

  /// An m×1 column vector.
  public init(column: [Double]) {
    self.init(rows: column.count, columns: 1, columnMajor: column)
  }

  /// The n×n identity.
  public static func identity(_ n: Int) -> Matrix {
    var m = Matrix(rows: n, columns: n)
    for i in 0..<n { m.storage[i + i * n] = 1 }
    return m
  }

  /// An n×n diagonal matrix, or an m×n rectangular one when `rows`/`columns` are given.
  public static func diagonal(_ d: [Double], rows: Int? = nil, columns: Int? = nil) -> Matrix {
    let m = rows ?? d.count
    let n = columns ?? d.count
    precondition(d.count <= min(m, n), "diagonal has more entries than fit in \(m)×\(n)")
    var a = Matrix(rows: m, columns: n)
    for i in 0..<d.count { a.storage[i + i * m] = d[i] }
    return a
  }

  /// `(rows, columns)`.
  public var shape: (rows: Int, columns: Int) { (rows, columns) }

  /// Number of elements, `rows * columns`.
  public var count: Int { storage.count }

  /// True when every element is finite (no NaN or ±∞).
  public var isFinite: Bool { storage.allSatisfy { $0.isFinite } }

  /// Element `(i, j)`, zero-based.

  public subscript(i: Int, j: Int) -> Double {
    get {
      precondition(i >= 0 && i < rows && j >= 0 && j < columns, "Matrix index (\(i), \(j)) out of range \(rows)×\(columns)")
      return storage[i + j * rows]
    }
    set {
      precondition(i >= 0 && i < rows && j >= 0 && j < columns, "Matrix index (\(i), \(j)) out of range \(rows)×\(columns)")
      storage[i + j * rows] = newValue
    }
  }

  /// Column `j` as an array (length `rows`).
  public func column(_ j: Int) -> [Double] {
    precondition(j >= 0 && j < columns, "column \(j) out of range 0..<\(columns)")
    return Array(storage[(j * rows)..<((j + 1) * rows)])
  }

  /// Row `i` as an array (length `columns`).
  public func row(_ i: Int) -> [Double] {
    precondition(i >= 0 && i < rows, "row \(i) out of range 0..<\(rows)")
    return (0..<columns).map { storage[i + $0 * rows] }
  }

  /// The rows as nested arrays (row-major), e.g. for JSON output.
  public var rowArrays: [[Double]] { (0..<rows).map { row($0) } }

  /// Replaces column `j`.
  public mutating func setColumn(_ j: Int, _ values: [Double]) {
    precondition(values.count == rows, "column needs \(rows) values, got \(values.count)")
    storage.replaceSubrange((j * rows)..<((j + 1) * rows), with: values)
  }

  /// The submatrix of the given columns (in order).
  public func columns(_ indices: some Sequence<Int>) -> Matrix {
    var out: [Double] = []
    var n = 0
    for j in indices {
      precondition(j >= 0 && j < columns, "column \(j) out of range 0..<\(columns)")
      out.append(contentsOf: storage[(j * rows)..<((j + 1) * rows)])
      n += 1
    }
    return Matrix(rows: rows, columns: n, columnMajor: out)
  }

  /// The submatrix of the given rows (in order).
  public func rows(_ indices: some Sequence<Int>) -> Matrix {
    let idx = Array(indices)
    var out = Matrix(rows: idx.count, columns: columns)
    for j in 0..<columns {
      for (r, i) in idx.enumerated() {
        precondition(i >= 0 && i < rows, "row \(i) out of range 0..<\(rows)")
        out.storage[r + j * idx.count] = storage[i + j * rows]
      }
    }
    return out
  }

  /// `[self, other]`: columns of `other` appended (same row count).
  public func appendingColumns(_ other: Matrix) -> Matrix {
    precondition(other.rows == rows, "appendingColumns: row counts differ (\(rows) vs \(other.rows))")
    return Matrix(rows: rows, columns: columns + other.columns, columnMajor: storage + other.storage)
  }

  /// `[self; other]`: rows of `other` appended below (same column count).
  public func appendingRows(_ other: Matrix) -> Matrix {
    precondition(other.columns == columns, "appendingRows: column counts differ (\(columns) vs \(other.columns))")
    var out = Matrix(rows: rows + other.rows, columns: columns)
    for j in 0..<columns {
      for i in 0..<rows { out.storage[i + j * out.rows] = storage[i + j * rows] }
      for i in 0..<other.rows { out.storage[rows + i + j * out.rows] = other.storage[i + j * other.rows] }
    }
    return out
  }

  /// The transpose (columns×rows). O(mn) copy; BLAS calls take transposes as flags instead.
  public var transposed: Matrix {
    var t = Matrix(rows: columns, columns: rows)
    storage.withUnsafeBufferPointer { src in
      t.storage.withUnsafeMutableBufferPointer { dst in
        for j in 0..<columns {
          for i in 0..<rows { dst[j + i * columns] = src[i + j * rows] }
        }
      }
    }
    return t
  }

  /// The main diagonal (length `min(rows, columns)`).
  public var diagonal: [Double] { (0..<min(rows, columns)).map { storage[$0 + $0 * rows] } }

  /// Sum of the diagonal.
  public var trace: Double { diagonal.reduce(0, +) }

  /// Applies `f` to every element.
  public func map(_ f: (Double) throws -> Double) rethrows -> Matrix {
    Matrix(rows: rows, columns: columns, columnMajor: try storage.map(f))
  }

  /// Read access to the column-major buffer (for BLAS/LAPACK and hot loops).

  public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Double>) throws -> R) rethrows -> R {
    try storage.withUnsafeBufferPointer(body)
  }

  /// Write access to the column-major buffer (for BLAS/LAPACK and hot loops).

  public mutating func withUnsafeMutableBufferPointer<R>(
    _ body: (inout UnsafeMutableBufferPointer<Double>) throws -> R
  ) rethrows -> R {
    try storage.withUnsafeMutableBufferPointer(body)
  }
}

// MARK: - Element-wise arithmetic

extension Matrix {
  public static func + (a: Matrix, b: Matrix) -> Matrix {
    precondition(a.rows == b.rows && a.columns == b.columns, "Matrix +: shapes \(a.rows)×\(a.columns) and \(b.rows)×\(b.columns) differ")
    var c = a
    c.add(b)
    return c
  }

  public static func - (a: Matrix, b: Matrix) -> Matrix {
    precondition(a.rows == b.rows && a.columns == b.columns, "Matrix -: shapes \(a.rows)×\(a.columns) and \(b.rows)×\(b.columns) differ")
    var c = a
    c.add(b, scaledBy: -1)
    return c
  }

  public static prefix func - (a: Matrix) -> Matrix { a * -1 }

  public static func * (s: Double, a: Matrix) -> Matrix { a * s }

  public static func * (a: Matrix, s: Double) -> Matrix {
    var c = a
    c.scale(by: s)
    return c
  }

  public static func / (a: Matrix, s: Double) -> Matrix { a * (1 / s) }

  public static func += (a: inout Matrix, b: Matrix) { a.add(b) }
  public static func -= (a: inout Matrix, b: Matrix) { a.add(b, scaledBy: -1) }

  /// Hadamard (element-wise) product.
  public func hadamard(_ b: Matrix) -> Matrix {
    precondition(rows == b.rows && columns == b.columns, "hadamard: shapes differ")
    var c = self
    for k in 0..<storage.count { c.storage[k] *= b.storage[k] }
    return c
  }

  /// Largest absolute element, `max_ij |a_ij|` (0 for an empty matrix).
  public var maxAbs: Double { storage.reduce(0) { Swift.max($0, Swift.abs($1)) } }
}

extension Matrix: CustomStringConvertible {
  public var description: String {
    var s = "Matrix \(rows)×\(columns)"
    let shown = Swift.min(rows, 8)
    for i in 0..<shown {
      let cols = (0..<Swift.min(columns, 8)).map { j in
        let v = self[i, j]
        return v.magnitude >= 1e-4 && v.magnitude < 1e6 || v == 0
          ? String(format6: v) : String(describing: v)
      }
      s += "\n  [" + cols.joined(separator: ", ") + (columns > 8 ? ", …" : "") + "]"
    }
    if rows > shown { s += "\n  …" }
    return s
  }
}

extension String {
  /// `v` with up to 6 significant decimals, without Foundation.
  init(format6 v: Double) {
    let scaled = (v * 1e6).rounded() / 1e6
    self = String(describing: scaled)
  }
}
