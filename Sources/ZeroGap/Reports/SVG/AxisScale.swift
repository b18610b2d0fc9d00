import RealModule

/// One axis of a plot: its data range, linear or log₁₀, "nice" ticks (1, 2, 5 × 10ᵏ steps on linear axes, powers of
/// ten on log axes) and the map from data to pixels.
public struct AxisScale: Sendable, Equatable {
  public enum Kind: Sendable, Equatable {
    case linear
    case log10
  }

  public var kind: Kind
  /// The data range shown (after padding to ticks).
  public private(set) var lower: Double
  public private(set) var upper: Double
  /// Tick positions (data units).
  public private(set) var ticks: [Double]

  /// The axis over `values` (non-finite values, and non-positive ones on a log axis, are ignored; an empty or
  /// single-valued range is widened).
  public init(covering values: [Double], kind: Kind = .linear, targetTicks: Int = 5) {
    self.kind = kind
    let usable = values.filter { $0.isFinite && (kind == .linear || $0 > 0) }
    var lo = usable.min() ?? (kind == .linear ? 0 : 1), hi = usable.max() ?? (kind == .linear ? 1 : 10)
    switch kind {
    case .linear:
      if hi - lo <= Swift.max(abs(hi), abs(lo), 1e-300) * 1e-12 {
        let pad = Swift.max(abs(lo) * 0.1, 1)
        lo -= pad
        hi += pad
      }
      let step = Self.niceStep((hi - lo) / Double(Swift.max(1, targetTicks)))
      let first = (lo / step).rounded(.down) * step, last = (hi / step).rounded(.up) * step
      lower = first
      upper = last
      let count = Int(((last - first) / step).rounded()) + 1
      ticks = (0..<Swift.min(count, 50)).map { first + Double($0) * step }.map { abs($0) < step * 1e-9 ? 0 : $0 }
    case .log10:
      var a = Double.log10(lo).rounded(.down), b = Double.log10(hi).rounded(.up)
      if a == b { b = a + 1 }
      if b - a > 40 { a = b - 40 }
      lower = Double.pow(10, a)
      upper = Double.pow(10, b)
      let stride = Swift.max(1, Int(((b - a) / Double(Swift.max(1, targetTicks))).rounded(.up)))
      ticks = Swift.stride(from: Int(a), through: Int(b), by: stride).map { Double.pow(10, Double($0)) }
    }
  }

  /// 1, 2 or 5 × 10ᵏ nearest above `raw` (> 0).
  static func niceStep(_ raw: Double) -> Double {
    guard raw > 0, raw.isFinite else { return 1 }
    let e = Double.pow(10, Double.log10(raw).rounded(.down))
    let f = raw / e
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * e
  }

  /// The fraction 0…1 of the axis at `value` (nil for a value the axis cannot show: non-finite, ≤ 0 on a log axis).
  public func fraction(_ value: Double) -> Double? {
    guard value.isFinite else { return nil }
    switch kind {
    case .linear:
      return (value - lower) / (upper - lower)
    case .log10:
      guard value > 0 else { return nil }
      return (Double.log10(value) - Double.log10(lower)) / (Double.log10(upper) - Double.log10(lower))
    }
  }

  /// A tick label: plain for moderate numbers, 10^k on log axes, scientific for very large or small ones.
  public func label(_ value: Double) -> String {
    if kind == .log10 { return "1e" + String(Int(Double.log10(value).rounded())) }
    if value == 0 { return "0" }
    let a = abs(value)
    if a >= 1e5 || a < 1e-3 {
      let e = Int(Double.log10(a).rounded(.down))
      let m = value / Double.pow(10, Double(e))
      return SVGText.number(m, digits: 2) + "e" + String(e)
    }
    return SVGText.number(value, digits: 6)
  }
}
