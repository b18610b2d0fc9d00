/// A JSON text that could not be parsed: the 1-based byte offset and what was expected.
public struct JSONParseError: Error, Equatable, Sendable, CustomStringConvertible {
  public var offset: Int
  public var message: String
  public var description: String { "JSON parse error at byte \(offset): \(message)" }
}

extension JSON {
  /// Parses JSON text (RFC 8259). Numbers are read with Swift's correctly rounded `Double(String)`, so a value
  /// written by `serialized()` reads back bit-for-bit (Foundation's `JSONSerialization` on Linux does not).
  /// Numbers beyond the Double range (e.g. `1e999`) and nesting deeper than `maximumDepth` are refused.
  /// - Throws: `JSONParseError` with the offset of the problem.
  public static func parse(_ text: String) throws(JSONParseError) -> JSON {
    var p = JSONTextParser(bytes: Array(text.utf8))
    p.skipSpace()
    let v = try p.value()
    p.skipSpace()
    guard p.i == p.bytes.count else { throw p.error("unexpected text after the JSON value") }
    return v
  }

  /// The value for `key` of an object (nil for other cases or a missing key).
  public subscript(key: String) -> JSON? {
    guard case .object(let pairs) = self else { return nil }
    return pairs.first { $0.0 == key }?.1
  }

  /// The number, if this is one.
  public var doubleValue: Double? { if case .number(let x) = self { return x } else { return nil } }
  /// The string, if this is one.
  public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
  /// The Boolean, if this is one.
  public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
  /// The elements, if this is an array.
  public var arrayValue: [JSON]? { if case .array(let a) = self { return a } else { return nil } }
}

struct JSONTextParser {
  /// Deepest nesting of arrays and objects accepted (the parser recurses once per level).
  static let maximumDepth = 512
  let bytes: [UInt8]
  var i = 0
  var depth = 0

  func error(_ message: String) -> JSONParseError { JSONParseError(offset: i + 1, message: message) }

  mutating func skipSpace() {
    while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
  }

  mutating func literal(_ word: String, _ v: JSON) throws(JSONParseError) -> JSON {
    let w = Array(word.utf8)
    guard i + w.count <= bytes.count, Array(bytes[i..<(i + w.count)]) == w else { throw error("expected \(word)") }
    i += w.count
    return v
  }

  mutating func value() throws(JSONParseError) -> JSON {
    guard i < bytes.count else { throw error("unexpected end of text") }
    let nests = bytes[i] == UInt8(ascii: "{") || bytes[i] == UInt8(ascii: "[")
    if nests {
      guard depth < Self.maximumDepth else { throw error("arrays and objects nested more than \(Self.maximumDepth) deep") }
      depth += 1
    }
    defer { if nests { depth -= 1 } }
    switch bytes[i] {
    case UInt8(ascii: "{"):
      i += 1
      var pairs: [(String, JSON)] = []
      skipSpace()
      if i < bytes.count, bytes[i] == UInt8(ascii: "}") {
        i += 1
        return .object(pairs)
      }
      while true {
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw error("expected a string key") }
        let key = try string()
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw error("expected ':'") }
        i += 1
        skipSpace()
        pairs.append((key, try value()))
        skipSpace()
        guard i < bytes.count else { throw error("unterminated object") }
        if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
        if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(pairs) }
        throw error("expected ',' or '}'")
      }
    case UInt8(ascii: "["):
      i += 1
      var items: [JSON] = []
      skipSpace()
      if i < bytes.count, bytes[i] == UInt8(ascii: "]") {
        i += 1
        return .array(items)
      }
      while true {
        skipSpace()
        items.append(try value())
        skipSpace()
        guard i < bytes.count else { throw error("unterminated array") }
        if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
        if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
        throw error("expected ',' or ']'")
      }
    case UInt8(ascii: "\""):
      return .string(try string())
    case UInt8(ascii: "t"): return try literal("true", .bool(true))
    case UInt8(ascii: "f"): return try literal("false", .bool(false))
    case UInt8(ascii: "n"): return try literal("null", .null)
    default:
      let start = i
      while i < bytes.count, "+-0123456789.eE".utf8.contains(bytes[i]) { i += 1 }
      guard i > start, let x = Double(String(decoding: bytes[start..<i], as: UTF8.self)) else {
        i = start
        throw error("expected a value")
      }
      guard x.isFinite else {
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        i = start
        throw error("the number \(text) is beyond the range of a Double")
      }
      return .number(x)
    }
  }

  mutating func string() throws(JSONParseError) -> String {
    i += 1  // opening quote
    var out: [UInt8] = []
    while i < bytes.count {
      let c = bytes[i]
      if c == UInt8(ascii: "\"") {
        i += 1
        return String(decoding: out, as: UTF8.self)
      }
      if c == UInt8(ascii: "\\") {
        guard i + 1 < bytes.count else { break }
        let e = bytes[i + 1]
        i += 2
        switch e {
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "u"):
          guard i + 4 <= bytes.count, let code = UInt32(String(decoding: bytes[i..<(i + 4)], as: UTF8.self), radix: 16) else {
            throw error("bad \\u escape")
          }
          i += 4
          var scalarValue = code
          if (0xD800..<0xDC00).contains(code), i + 6 <= bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u"),
            let low = UInt32(String(decoding: bytes[(i + 2)..<(i + 6)], as: UTF8.self), radix: 16)
          {
            scalarValue = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            i += 6
          }
          out.append(contentsOf: Array(String(Character(Unicode.Scalar(scalarValue) ?? "\u{FFFD}")).utf8))
        default: out.append(e)
        }
        continue
      }
      out.append(c)
      i += 1
    }
    throw error("unterminated string")
  }
}
