/// Text helpers of the SVG pieces: XML escaping, and numbers printed without Foundation (never "nan" or "inf" into
/// a coordinate: callers drop non-finite points first, and `coordinate` refuses them).
public enum SVGText {
  /// `&`, `<`, `>`, `"` and `'` escaped for XML text and attribute values.
  public static func escape(_ s: String) -> String {
    var out = ""
    for c in s {
      switch c {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default: out.append(c)
      }
    }
    return out
  }

  /// A pixel coordinate with two decimals.
  /// - Precondition: `x` is finite (a non-finite coordinate is a bug in the caller).
  static func coordinate(_ x: Double) -> String {
    precondition(x.isFinite, "non-finite SVG coordinate")
    return fixed(x, 2)
  }

  /// `x` with at most `digits` significant decimals, trailing zeros removed.
  public static func number(_ x: Double, digits: Int) -> String {
    guard x.isFinite else { return x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }
    var s = fixed(x, digits)
    if s.contains(".") {
      while s.hasSuffix("0") { s.removeLast() }
      if s.hasSuffix(".") { s.removeLast() }
    }
    return s == "-0" ? "0" : s
  }

  static func fixed(_ x: Double, _ digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let r = (abs(x) * scale).rounded()
    guard r < 9e15 else { return String(describing: x) }
    let whole = Int64(r / scale), frac = Int64(r - Double(whole) * scale)
    let fracText = String(frac)
    let padded = String(repeating: "0", count: Swift.max(0, digits - fracText.count)) + fracText
    let sign = x < 0 && r != 0 ? "-" : ""
    return digits > 0 ? "\(sign)\(whole).\(padded)" : "\(sign)\(whole)"
  }
}
