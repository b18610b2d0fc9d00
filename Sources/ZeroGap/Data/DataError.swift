/// A problem with input data: a file that cannot be read or parsed, a bad cell, an impossible
/// request (unknown target column, split fraction out of range, …).
///
/// The description is a single line that says where (file, 1-based line and column when they
/// exist), what is wrong, and what to do, e.g.
///
///     data.csv, line 4, column 2 ("bmi"): non-numeric value "abc"; every data cell must be a number
///
/// CSV lines count from 1 with the header on line 1; columns count from 1 (the first field).
public struct DataError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The category of the problem (stable, for programs and tests).
  public enum Kind: String, Sendable, Codable {
    /// The file does not exist or cannot be read.
    case unreadableFile
    /// No header, no data rows, or a 0-sized array.
    case emptyData
    /// A CSV row whose number of fields differs from the header's.
    case raggedRow
    /// A cell that is not a number (including an empty cell).
    case nonNumeric
    /// A NaN or ±∞ value.
    case nonFinite
    /// A `--target` that names no column, or selects every column.
    case unknownTargetColumn
    /// A CSV syntax error (unterminated quote, text after a closing quote, blank line inside the data).
    case malformedCSV
    /// A `.npy` file whose magic string, version or header dictionary is wrong.
    case invalidNPYHeader
    /// A `.npy` feature this reader does not handle (complex or structured dtypes, 3-D arrays, …).
    case unsupportedNPY
    /// A value that cannot be stored in the requested `.npy` dtype (fraction in an integer type, out of range).
    case unrepresentableValue
    /// A `.npy` payload shorter or longer than its header says.
    case truncatedData
    /// A built-in dataset name that does not exist.
    case unknownDataset
    /// A weight file (.safetensors, .npz) that is corrupt: bad header, offsets outside the file, a broken archive.
    case invalidWeightFile
    /// A weight file feature this reader does not handle (an 8-bit float dtype, an encrypted or bzip2 archive member).
    case unsupportedWeightFile
    /// A tensor the network layout needs is not in the weight file, or has the wrong shape.
    case missingTensor
    /// An argument outside its domain (split fraction, sample counts, noise level, shapes that do not match).
    case invalidArgument
  }

  public var kind: Kind
  /// File name (as given by the caller, usually the path), or nil for in-memory data.
  public var file: String?
  /// 1-based line number (CSV), or nil.
  public var line: Int?
  /// 1-based column (field) number, or nil.
  public var column: Int?
  /// The column's header name, when known.
  public var columnName: String?
  /// What is wrong and what to do (one line, no location prefix).
  public var message: String

  public init(_ kind: Kind, file: String? = nil, line: Int? = nil, column: Int? = nil, columnName: String? = nil, _ message: String) {
    self.kind = kind
    self.file = file
    self.line = line
    self.column = column
    self.columnName = columnName
    self.message = message
  }

  /// `file, line L, column C ("name")`, or the parts of it that are known ("" when none is).
  public var location: String {
    var parts: [String] = []
    if let file { parts.append(file) }
    if let line { parts.append("line \(line)") }
    if let column {
      parts.append("column \(column)" + (columnName.map { " (\"\($0)\")" } ?? ""))
    } else if let columnName {
      parts.append("column \"\(columnName)\"")
    }
    return parts.joined(separator: ", ")
  }

  public var description: String {
    let loc = location
    let text = loc.isEmpty ? message : "\(loc): \(message)"
    // Keep it on one line whatever the message contains (cells may hold newlines inside quotes).
    return text.replacingNewlines()
  }
}

extension String {
  /// The string with CR/LF replaced by the visible escapes `\r`, `\n` (for one-line messages).
  func replacingNewlines() -> String {
    var out = ""
    for ch in unicodeScalars {
      switch ch {
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      default: out.unicodeScalars.append(ch)
      }
    }
    return out
  }

  /// A short quoted excerpt for error messages (at most 40 characters).
  func quotedExcerpt() -> String {
    let cut = count > 40 ? String(prefix(37)) + "…" : self
    return "\"" + cut.replacingNewlines() + "\""
  }
}
