import Foundation

/// Summary statistics of one data column: count, mean, population standard deviation
/// `sqrt((1/n) Σ (x_i − mean)²)`, minimum, maximum and number of distinct values.
public struct ColumnStatistics: Sendable, Equatable {
  /// The column's name (CSV header, dataset name, or its 0-based index for `.npy`).
  public var name: String
  /// "feature", "target", or "" when unknown (inspection of a file).
  public var role: String
  /// Number of values summarised (the valid, finite cells).
  public var count: Int
  /// Mean (nil when count = 0).
  public var mean: Double?
  /// Population standard deviation (nil when count = 0).
  public var standardDeviation: Double?
  public var minimum: Double?
  public var maximum: Double?
  /// Number of distinct values (2 for a binary label column, 1 for a constant column).
  public var distinctCount: Int

  /// Statistics of `values` (non-finite values must have been removed by the caller).
  public init(name: String, role: String = "", values: some Collection<Double>) {
    self.name = name
    self.role = role
    count = values.count
    distinctCount = Set(values).count
    guard !values.isEmpty else { return }
    let n = Double(values.count)
    let m = values.reduce(0, +) / n
    mean = m
    standardDeviation = (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / n).squareRoot()
    minimum = values.min()
    maximum = values.max()
  }

  /// `{"name", "role", "count", "mean", "std", "min", "max", "distinct"}`.
  public var json: JSON {
    var pairs: [(String, JSON)] = [("name", .string(name))]
    if !role.isEmpty { pairs.append(("role", .string(role))) }
    pairs += [
      ("count", .number(Double(count))), ("mean", .number(mean)), ("std", .number(standardDeviation)),
      ("min", .number(minimum)), ("max", .number(maximum)), ("distinct", .number(Double(distinctCount))),
    ]
    return .object(pairs)
  }
}

/// A table of column statistics as aligned text lines (for the CLI).
public func columnStatisticsTable(_ columns: [ColumnStatistics]) -> [String] {
  func f(_ x: Double?) -> String {
    guard let x else { return "-" }
    return String(format: "%.6g", x)
  }
  let header = ["column", "role", "count", "mean", "std", "min", "max", "distinct"]
  let rows = columns.map { c in
    [c.name, c.role.isEmpty ? "-" : c.role, String(c.count), f(c.mean), f(c.standardDeviation), f(c.minimum), f(c.maximum), String(c.distinctCount)]
  }
  var widths = header.map(\.count)
  for r in rows { for (k, cell) in r.enumerated() { widths[k] = max(widths[k], cell.count) } }
  func line(_ cells: [String]) -> String {
    cells.enumerated().map { k, cell in
      k == 0 ? cell.padding(to: widths[k]) : String(repeating: " ", count: widths[k] - cell.count) + cell
    }.joined(separator: "  ")
  }
  return [line(header)] + rows.map(line)
}

extension String {
  fileprivate func padding(to width: Int) -> String {
    count >= width ? self : self + String(repeating: " ", count: width - count)
  }
}
