import Foundation

/// Which column(s) of a CSV file are targets: by header name or by 0-based index.
public enum TargetColumn: Sendable, Equatable, CustomStringConvertible {
  /// The column whose header is exactly this name. If no header matches and the text is a
  /// non-negative integer, it is taken as a 0-based index (so `--target 3` works on any file).
  case name(String)
  /// The column at this 0-based position.
  case index(Int)

  public var description: String {
    switch self {
    case .name(let s): return "\"\(s)\""
    case .index(let i): return "index \(i)"
    }
  }
}

/// One CSV record: its fields and the 1-based line on which each field starts.
public struct CSVRecord: Sendable, Equatable {
  /// 1-based line where the record starts.
  public var line: Int
  /// Field texts (quotes removed, `""` unescaped, surrounding spaces of unquoted fields trimmed).
  public var fields: [String]
  /// 1-based line of each field (differs from `line` only after a quoted field containing newlines).
  public var fieldLines: [Int]
}

/// A parsed CSV file: a header row and the data records, not yet converted to numbers.
public struct CSVTable: Sendable, Equatable {
  /// The file name used in error messages.
  public var file: String
  /// Column names from the header row (line 1).
  public var header: [String]
  /// Data records (lines 2…), blank trailing lines removed.
  public var records: [CSVRecord]
}

/// A strict reader of numeric CSV files with a header row.
///
/// Syntax: comma-separated fields, RFC 4180 quoting (`"a, b"`, `"say ""hi"""`, quoted fields may
/// span lines), LF or CRLF line ends, an optional UTF-8 byte-order mark, blank lines only at the
/// end. Every data cell must parse as a finite `Double`. Errors name the file, the 1-based line
/// (header = line 1) and the 1-based column, and say what to do.
public enum CSVReader {
  /// Splits CSV text into a header and records (no numeric conversion).
  ///
  /// - Throws: `DataError.emptyData` (no header), `.malformedCSV` (unterminated quote, text after a
  ///   closing quote, a quote inside an unquoted field, a blank line before more data).
  public static func parse(_ text: String, file: String = "<csv>") throws(DataError) -> CSVTable {
    var bytes = Array(text.utf8)
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
    var records: [CSVRecord] = []
    var blankLines: [Int] = []

    var fields: [String] = []
    var fieldLines: [Int] = []
    var field: [UInt8] = []
    var quoted = false, inQuotes = false, afterQuote = false, quotedRecordField = false
    var line = 1, recordLine = 1, fieldLine = 1, quoteLine = 1

    func endField() {
      var s = String(decoding: field, as: UTF8.self)
      if !quoted { s = s.trimmingCharacters(in: .whitespaces) }
      fields.append(s)
      fieldLines.append(fieldLine)
      field.removeAll(keepingCapacity: true)
      quoted = false
      afterQuote = false
    }
    func endRecord() throws(DataError) {
      endField()
      if fields.count == 1 && fields[0].isEmpty && !quotedRecordField {
        blankLines.append(recordLine)
      } else {
        if let blank = blankLines.first {
          throw DataError(
            .malformedCSV, file: file, line: blank,
            blank == 1 ? "blank line before the header; the first line must be the header row" :
              "blank line inside the data; remove it (blank lines are allowed only at the end)")
        }
        records.append(CSVRecord(line: recordLine, fields: fields, fieldLines: fieldLines))
      }
      fields.removeAll(keepingCapacity: true)
      fieldLines.removeAll(keepingCapacity: true)
      quotedRecordField = false
    }

    let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
    var i = 0
    while i < bytes.count {
      let b = bytes[i]
      if inQuotes {
        if b == quote {
          if i + 1 < bytes.count && bytes[i + 1] == quote {
            field.append(quote)
            i += 1
          } else {
            inQuotes = false
            afterQuote = true
          }
        } else {
          if b == lf { line += 1 }
          field.append(b)
        }
      } else if b == comma {
        endField()
        fieldLine = line
      } else if b == lf || b == cr {
        if b == cr && i + 1 < bytes.count && bytes[i + 1] == lf { i += 1 }
        try endRecord()
        line += 1
        recordLine = line
        fieldLine = line
      } else if b == quote {
        guard field.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) && !afterQuote else {
          throw DataError(
            .malformedCSV, file: file, line: line, column: fields.count + 1,
            "a quote (\") inside an unquoted field; quote the whole field and double inner quotes (\"\")")
        }
        field.removeAll(keepingCapacity: true)
        inQuotes = true
        quoted = true
        quotedRecordField = true
        quoteLine = line
      } else if afterQuote {
        guard b == 0x20 || b == 0x09 else {
          throw DataError(
            .malformedCSV, file: file, line: line, column: fields.count + 1,
            "text after the closing quote of a quoted field; put a comma after the closing quote")
        }
      } else {
        field.append(b)
      }
      i += 1
    }
    if inQuotes {
      throw DataError(
        .malformedCSV, file: file, line: quoteLine, column: fields.count + 1,
        "unterminated quoted field (the quote opened here is never closed); close it with \"")
    }
    if !field.isEmpty || !fields.isEmpty || quoted { try endRecord() }

    guard let headerRecord = records.first else {
      throw DataError(.emptyData, file: file, line: 1, "the file is empty; a CSV file needs a header row and at least one data row")
    }
    return CSVTable(file: file, header: headerRecord.fields, records: Array(records.dropFirst()))
  }

  /// Reads and parses the CSV file at `path`.
  ///
  /// - Throws: `DataError.unreadableFile` if the file cannot be read, plus those of `parse`.
  public static func read(path: String) throws(DataError) -> CSVTable {
    try parse(readText(path: path), file: path)
  }

  /// Loads a dataset from the CSV file at `path`: the `targets` columns become Y (in the order
  /// given), the others X (in file order). With no targets the last column is the target.
  ///
  /// - Throws: `DataError` with file, line and column for every problem (see `dataset(from:targets:name:)`).
  public static func loadDataset(path: String, targets: [TargetColumn] = [], name: String? = nil) throws(DataError) -> Dataset {
    try dataset(from: read(path: path), targets: targets, name: name ?? fileName(path))
  }

  /// A dataset from CSV text (see `loadDataset(path:targets:name:)`).
  public static func dataset(csv text: String, file: String = "<csv>", targets: [TargetColumn] = []) throws(DataError) -> Dataset {
    try dataset(from: parse(text, file: file), targets: targets, name: file)
  }

  /// Converts a parsed table into a `Dataset`.
  ///
  /// - Throws: `.unknownTargetColumn` (no such name/index, duplicates, or no feature column left),
  ///   `.emptyData` (no data rows), `.raggedRow`, `.nonNumeric`, `.nonFinite`; the first problem found.
  public static func dataset(from table: CSVTable, targets: [TargetColumn] = [], name: String) throws(DataError) -> Dataset {
    try checkHeader(table)
    let targetIndices = try resolveTargets(targets, in: table)
    let d = table.header.count
    let all = try matrix(from: table, columns: Array(0..<d))
    let featureIndices = (0..<d).filter { !targetIndices.contains($0) }
    return try Dataset(
      name: name, features: all.columns(featureIndices), targets: all.columns(targetIndices),
      featureNames: featureIndices.map { table.header[$0] }, targetNames: targetIndices.map { table.header[$0] })
  }

  /// The named columns of the table's data rows as an n×k matrix, in the order given (each cell checked as in
  /// `dataset(from:)`).
  /// - Throws: `.unknownTargetColumn` for a name the header lacks (or has twice), and the cell errors of `dataset`.
  public static func matrix(from table: CSVTable, names: [String]) throws(DataError) -> Matrix {
    var indices: [Int] = []
    for name in names {
      let matches = table.header.indices.filter { table.header[$0] == name }
      guard matches.count == 1 else {
        throw DataError(.unknownTargetColumn, file: table.file, line: 1, matches.isEmpty ? "no column \"\(name)\" in the header" : "column \"\(name)\" appears \(matches.count) times in the header")
      }
      indices.append(matches[0])
    }
    return try matrix(from: table, columns: indices)
  }

  /// The columns at `indices` of the table's data rows (n×k).
  static func matrix(from table: CSVTable, columns indices: [Int]) throws(DataError) -> Matrix {
    try checkHeader(table)
    guard !table.records.isEmpty else {
      throw DataError(.emptyData, file: table.file, line: 2, "no data rows after the header; add at least one row of numbers")
    }
    let n = table.records.count
    var values = [Double](repeating: 0, count: n * indices.count)  // column-major n×k
    for (r, record) in table.records.enumerated() {
      if let problem = raggedProblem(record, table: table) { throw problem }
      for (c, j) in indices.enumerated() {
        switch cellValue(record, j, table: table) {
        case .success(let v): values[r + c * n] = v
        case .failure(let e): throw e
        }
      }
    }
    return Matrix(rows: n, columns: indices.count, columnMajor: values)
  }

  /// Refuses a first line that is data rather than a header (every field a number: a headerless file would
  /// silently lose its first row), and a single column whose name holds another delimiter (';' or a tab).
  static func checkHeader(_ table: CSVTable) throws(DataError) {
    if !table.header.isEmpty, table.header.allSatisfy({ Double($0.trimmingCharacters(in: .whitespaces)) != nil }) {
      throw DataError(
        .malformedCSV, file: table.file, line: 1,
        "the first line (\(table.header.prefix(4).joined(separator: ","))\(table.header.count > 4 ? ",…" : "")) is numbers, not column names; ZeroGap reads CSV files with a header row — add one (e.g. x0,x1,…,y)")
    }
    if let j = table.header.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
      throw DataError(
        .malformedCSV, file: table.file, line: 1, column: j + 1,
        "column \(j + 1) has no name; give every column a name in the header row (names pick columns when a model is used later)")
    }
    var seen: [String: Int] = [:]
    for (j, name) in table.header.enumerated() {
      if let first = seen[name] {
        throw DataError(
          .malformedCSV, file: table.file, line: 1, column: j + 1,
          "the header names column \(first + 1) and column \(j + 1) both \"\(name)\"; give each column its own name")
      }
      seen[name] = j
    }
    if table.header.count == 1, let sep = [";", "\t", "|"].first(where: { table.header[0].contains($0) }) {
      throw DataError(
        .malformedCSV, file: table.file, line: 1,
        "the header is one column containing '\(sep == "\t" ? "\\t" : sep)'; ZeroGap reads comma-separated files — convert the separators to commas (and decimal commas to points)")
    }
  }

  /// The 0-based column indices selected by `targets` (the last column when `targets` is empty).
  public static func resolveTargets(_ targets: [TargetColumn], in table: CSVTable) throws(DataError) -> [Int] {
    let d = table.header.count
    let available = table.header.enumerated().map { "\($0.offset):\($0.element)" }.joined(separator: ", ")
    var out: [Int] = []
    for t in targets.isEmpty ? [.index(d - 1)] : targets {
      var index: Int?
      switch t {
      case .index(let i): index = (0..<d).contains(i) ? i : nil
      case .name(let s):
        let matches = table.header.indices.filter { table.header[$0] == s }
        if matches.count > 1 {
          throw DataError(
            .unknownTargetColumn, file: table.file, line: 1,
            "target column \"\(s)\" is ambiguous: the header has it at indices \(matches.map(String.init).joined(separator: ", ")); pick one by 0-based index")
        }
        index = matches.first ?? Int(s).flatMap { (0..<d).contains($0) ? $0 : nil }
      }
      guard let index else {
        throw DataError(
          .unknownTargetColumn, file: table.file, line: 1,
          "unknown target column \(t); the header has \(d) columns (0-based index:name) \(available)")
      }
      guard !out.contains(index) else {
        throw DataError(.unknownTargetColumn, file: table.file, line: 1, "target column \(t) is selected twice; list each target once")
      }
      out.append(index)
    }
    guard out.count < d else {
      throw DataError(
        .unknownTargetColumn, file: table.file, line: 1,
        "all \(d) columns are targets, leaving no feature column; select fewer targets")
    }
    return out
  }

  /// The ragged-row error for `record`, or nil if it has as many fields as the header.
  static func raggedProblem(_ record: CSVRecord, table: CSVTable) -> DataError? {
    let d = table.header.count
    guard record.fields.count != d else { return nil }
    let column = min(record.fields.count, d) + 1
    let what = record.fields.count < d ? "too few fields" : "too many fields"
    return DataError(
      .raggedRow, file: table.file, line: record.line, column: column,
      "ragged row: \(what) (\(record.fields.count) instead of the header's \(d)); every row needs one value per header column")
  }

  /// Cell `j` of `record` as a finite number, or the error that says why it is not one.
  static func cellValue(_ record: CSVRecord, _ j: Int, table: CSVTable) -> Result<Double, DataError> {
    let text = record.fields[j]
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    let name = j < table.header.count ? table.header[j] : nil
    guard !trimmed.isEmpty else {
      return .failure(DataError(
        .nonNumeric, file: table.file, line: record.fieldLines[j], column: j + 1, columnName: name,
        "empty cell; every data cell must be a number (missing values are not supported: remove or impute the row)"))
    }
    guard !trimmed.utf8.contains(0), let v = Double(trimmed) else {
      return .failure(DataError(
        .nonNumeric, file: table.file, line: record.fieldLines[j], column: j + 1, columnName: name,
        "non-numeric value \(text.quotedExcerpt()); every data cell must be a number like 3, -0.5 or 1e-3 (use '.' as decimal point)"))
    }
    guard v.isFinite else {
      let what = v.isNaN ? "NaN" : "infinite value"
      return .failure(DataError(
        .nonFinite, file: table.file, line: record.fieldLines[j], column: j + 1, columnName: name,
        "\(what) \(text.quotedExcerpt()) (values must be finite); remove or impute it"))
    }
    return .success(v)
  }

  /// The text of the file at `path`, or `DataError.unreadableFile`.
  static func readText(path: String) throws(DataError) -> String {
    let data = try readBytes(path: path)
    return String(decoding: data, as: UTF8.self)
  }

  /// The bytes of the file at `path`, or `DataError.unreadableFile`.
  static func readBytes(path: String) throws(DataError) -> [UInt8] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw DataError(.unreadableFile, file: path, "no such file; check the path")
    }
    guard !isDirectory.boolValue else {
      throw DataError(.unreadableFile, file: path, "is a directory, not a data file")
    }
    guard let data = FileManager.default.contents(atPath: path) else {
      throw DataError(.unreadableFile, file: path, "cannot be read; check its permissions")
    }
    return [UInt8](data)
  }

  /// The last path component, without extension ("data/x.csv" → "x").
  static func fileName(_ path: String) -> String {
    let url = URL(fileURLWithPath: path)
    return url.deletingPathExtension().lastPathComponent
  }
}
