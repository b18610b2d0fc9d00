/// A JSON value with ordered object keys, for the CLI's `--json` output and report files.
///
/// Non-finite numbers serialise as `null` (JSON has no NaN/∞), so output is always valid JSON.
public indirect enum JSON: Sendable, Equatable {
  case null
  case bool(Bool)
  case number(Double)
  case string(String)
  case array([JSON])
  case object([(String, JSON)])

  /// An object from ordered key–value pairs: `JSON.object(["a": .number(1), "b": .null])`.
  public static func object(_ pairs: KeyValuePairs<String, JSON>) -> JSON {
    .object(pairs.map { ($0.key, $0.value) })
  }

  /// A number, or `null` when `x` is nil or not finite.
  public static func number(_ x: Double?) -> JSON {
    guard let x, x.isFinite else { return .null }
    return .number(x)
  }

  /// An array of numbers.
  public static func numbers(_ xs: [Double]) -> JSON { .array(xs.map { JSON.number($0) }) }

  public static func == (a: JSON, b: JSON) -> Bool { a.serialized() == b.serialized() }

  /// Compact serialisation (one line). Numbers use Swift's shortest round-trip representation.
  public func serialized() -> String {
    var out = ""
    write(to: &out)
    return out
  }

  private func write(to out: inout String) {
    switch self {
    case .null: out += "null"
    case .bool(let b): out += b ? "true" : "false"
    case .number(let x):
      if !x.isFinite {
        out += "null"
      } else if x == x.rounded(), abs(x) < 1e15 {
        out += String(Int64(x))
      } else {
        out += String(describing: x)
      }
    case .string(let s): JSON.writeString(s, to: &out)
    case .array(let xs):
      out += "["
      for (i, x) in xs.enumerated() {
        if i > 0 { out += "," }
        x.write(to: &out)
      }
      out += "]"
    case .object(let pairs):
      out += "{"
      for (i, (k, v)) in pairs.enumerated() {
        if i > 0 { out += "," }
        JSON.writeString(k, to: &out)
        out += ":"
        v.write(to: &out)
      }
      out += "}"
    }
  }

  private static func writeString(_ s: String, to out: inout String) {
    out += "\""
    for u in s.unicodeScalars {
      switch u {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if u.value < 0x20 {
          let hex = String(u.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(u)
        }
      }
    }
    out += "\""
  }
}
