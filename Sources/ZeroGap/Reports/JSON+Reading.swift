import Foundation

/// Reading JSON text into a `JSON` value through Foundation's `JSONDecoder`, which round-trips every finite Double
/// bit-for-bit on this toolchain (what `JSONSerialization` on Linux does not) and refuses nesting deeper than 512
/// and numbers beyond the Double range. Object keys come back in no particular order.
extension JSON: Decodable {
  public init(from decoder: any Decoder) throws {
    if let keyed = try? decoder.container(keyedBy: AnyKey.self) {
      self = .object(try keyed.allKeys.map { ($0.stringValue, try keyed.decode(JSON.self, forKey: $0)) })
      return
    }
    if var list = try? decoder.unkeyedContainer() {
      var items: [JSON] = []
      while !list.isAtEnd { items.append(try list.decode(JSON.self)) }
      self = .array(items)
      return
    }
    let single = try decoder.singleValueContainer()
    if single.decodeNil() {
      self = .null
    } else if let b = try? single.decode(Bool.self) {
      self = .bool(b)
    } else if let x = try? single.decode(Double.self) {
      self = .number(x)
    } else {
      self = .string(try single.decode(String.self))
    }
  }

  private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  /// Parses JSON text (RFC 8259).
  /// - Throws: `DecodingError` for text that is not JSON.
  public static func parse(_ text: String) throws -> JSON {
    try JSONDecoder().decode(JSON.self, from: Data(text.utf8))
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
