/// A lenient look at a data file: its shape, statistics of every column over the valid cells,
/// and every problem found (rather than stopping at the first, as the loaders do).
///
/// CSV problems: ragged rows (skipped), non-numeric and empty cells, NaN/±∞, no data rows.
/// `.npy` problems: non-finite elements. Syntax errors that make the file unreadable (bad `.npy`
/// header, unterminated CSV quote, missing file) are thrown instead.
public struct DataInspection: Sendable {
  /// The file as given.
  public var file: String
  /// "csv" or "npy".
  public var format: String
  /// Data rows (CSV records after the header, or the array's first dimension).
  public var rows: Int
  /// Columns (header fields, or the array's second dimension, 1 for a 1-D array).
  public var columns: Int
  /// Per-column statistics over the finite numeric cells.
  public var columnStatistics: [ColumnStatistics]
  /// The first `maxProblems` problems, in file order.
  public var problems: [DataError]
  /// The total number of problems (may exceed `problems.count`).
  public var problemCount: Int
  /// Extra facts for `.npy` files ("dtype <f8, fortran_order True"), empty for CSV.
  public var details: String

  /// Inspects the file at `path`: `.npy` when its extension is `.npy` or it starts with the NPY
  /// magic string, CSV otherwise.
  ///
  /// - Throws: `DataError` when the file cannot be read or parsed at all.
  public static func inspect(path: String, maxProblems: Int = 20) throws(DataError) -> DataInspection {
    let bytes = try CSVReader.readBytes(path: path)
    if path.lowercased().hasSuffix(".npy") || bytes.starts(with: NPY.magic) {
      return try inspectNPY(bytes, file: path, maxProblems: maxProblems)
    }
    return try inspectCSV(String(decoding: bytes, as: UTF8.self), file: path, maxProblems: maxProblems)
  }

  /// Inspects CSV text (see `inspect(path:maxProblems:)`).
  public static func inspectCSV(_ text: String, file: String, maxProblems: Int = 20) throws(DataError) -> DataInspection {
    let table = try CSVReader.parse(text, file: file)
    let d = table.header.count
    var values = [[Double]](repeating: [], count: d)
    var problems: [DataError] = []
    var count = 0
    func note(_ e: DataError) {
      count += 1
      if problems.count < maxProblems { problems.append(e) }
    }
    if table.records.isEmpty {
      note(DataError(.emptyData, file: file, line: 2, "no data rows after the header; add at least one row of numbers"))
    }
    for record in table.records {
      if let ragged = CSVReader.raggedProblem(record, table: table) {
        note(ragged)
        continue
      }
      for j in 0..<d {
        switch CSVReader.cellValue(record, j, table: table) {
        case .success(let v): values[j].append(v)
        case .failure(let e): note(e)
        }
      }
    }
    let stats = (0..<d).map { ColumnStatistics(name: table.header[$0], values: values[$0]) }
    return DataInspection(
      file: file, format: "csv", rows: table.records.count, columns: d, columnStatistics: stats, problems: problems,
      problemCount: count, details: "")
  }

  /// Inspects the bytes of a `.npy` file.
  public static func inspectNPY(_ bytes: [UInt8], file: String, maxProblems: Int = 20) throws(DataError) -> DataInspection {
    let array = try NPY.decode(bytes, file: file, allowNonFinite: true)
    let m = array.matrix
    var problems: [DataError] = []
    var count = 0
    var stats: [ColumnStatistics] = []
    for j in 0..<m.columns {
      let col = m.column(j)
      for (i, v) in col.enumerated() where !v.isFinite {
        count += 1
        if problems.count < maxProblems {
          problems.append(DataError(
            .nonFinite, file: file, column: j + 1,
            "element in row \(i + 1) is \(v); values must be finite: remove or impute it"))
        }
      }
      stats.append(ColumnStatistics(name: String(j), values: col.filter(\.isFinite)))
    }
    return DataInspection(
      file: file, format: "npy", rows: m.rows, columns: m.columns, columnStatistics: stats, problems: problems,
      problemCount: count,
      details: "dtype \(array.descr), fortran_order \(array.fortranOrder ? "True" : "False"), shape \(array.shape)")
  }

  /// `{"file", "format", "rows", "columns", "details"?, "columns_stats": [...], "problem_count", "problems": [...]}`.
  public var json: JSON {
    var pairs: [(String, JSON)] = [
      ("file", .string(file)), ("format", .string(format)), ("rows", .number(Double(rows))),
      ("columns", .number(Double(columns))),
    ]
    if !details.isEmpty { pairs.append(("details", .string(details))) }
    pairs += [
      ("column_stats", .array(columnStatistics.map(\.json))),
      ("problem_count", .number(Double(problemCount))),
      ("problems", .array(problems.map { p in
        var o: [(String, JSON)] = [("kind", .string(p.kind.rawValue))]
        if let l = p.line { o.append(("line", .number(Double(l)))) }
        if let c = p.column { o.append(("column", .number(Double(c)))) }
        o.append(("message", .string(p.description)))
        return .object(o)
      })),
    ]
    return .object(pairs)
  }

  /// Human-readable report lines.
  public var lines: [String] {
    var out = ["\(file): \(format), \(rows) rows × \(columns) columns" + (details.isEmpty ? "" : " (\(details))")]
    out += columnStatisticsTable(columnStatistics)
    if problemCount == 0 {
      out.append("no problems found")
    } else {
      out.append("\(problemCount) problem\(problemCount == 1 ? "" : "s") found:")
      out += problems.map { "  " + $0.description }
      if problemCount > problems.count { out.append("  … and \(problemCount - problems.count) more") }
    }
    return out
  }
}
