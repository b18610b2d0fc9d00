import Foundation

/// A `.safetensors` file (Hugging Face's format, written by `safetensors.torch.save_file`), read defensively.
///
/// Layout: an 8-byte little-endian header length N, N bytes of JSON
/// `{"name": {"dtype": "F32", "shape": [m, d], "data_offsets": [begin, end]}, …, "__metadata__": {…}}`,
/// then the byte buffer (offsets relative to its start, little-endian, row-major). Every entry is checked when
/// the file is opened: header length within the file (and ≤ 100 MB), known dtype, shape product without overflow,
/// `end − begin = product × size`, offsets inside the buffer. F64, F32, F16, BF16 and the integer/bool types
/// decode exactly to `Double`.
public struct SafeTensors: WeightArchive {
  /// The element types of the format and their sizes in bytes.
  public enum DType: String, Sendable, CaseIterable, Codable {
    case F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, BOOL
    case F8_E4M3, F8_E5M2
    public var size: Int {
      switch self {
      case .F64, .I64, .U64: 8
      case .F32, .I32, .U32: 4
      case .F16, .BF16, .I16, .U16: 2
      case .I8, .U8, .BOOL, .F8_E4M3, .F8_E5M2: 1
      }
    }
  }

  /// A header entry.
  struct Entry: Codable {
    var dtype: String
    var shape: [Int]
    var data_offsets: [Int]
  }

  /// The header object: one `Entry` per tensor name, and the optional `"__metadata__"` string map.
  struct Header: Decodable {
    struct Key: CodingKey {
      var stringValue: String
      var intValue: Int? { nil }
      init(stringValue: String) { self.stringValue = stringValue }
      init?(intValue: Int) { nil }
    }
    var tensors: [(String, Entry)] = []
    var metadata: [String: String] = [:]
    init(from decoder: any Decoder) throws {
      let c = try decoder.container(keyedBy: Key.self)
      for key in c.allKeys {
        if key.stringValue == "__metadata__" {
          metadata = try c.decode([String: String].self, forKey: key)
        } else {
          tensors.append((key.stringValue, try c.decode(Entry.self, forKey: key)))
        }
      }
    }
  }

  static func path(_ context: DecodingError.Context) -> String {
    context.codingPath.map { "\"\($0.stringValue)\"" }.joined(separator: ".")
  }

  /// The largest header accepted (the format's own limit).
  static let maximumHeaderLength = 100_000_000

  public let file: String
  private let bytes: [UInt8]
  private let bufferStart: Int
  /// Name → (dtype, shape, byte range in the file), in header order.
  private let entries: [(name: String, dtype: DType, shape: [Int], range: Range<Int>)]
  /// The `__metadata__` strings.
  public let metadata: [String: String]

  public var tensorNames: [String] { entries.map(\.name) }

  public init(bytes: [UInt8], file: String) throws(DataError) {
    func corrupt(_ message: String) -> DataError { DataError(.invalidWeightFile, file: file, message) }
    self.file = file
    self.bytes = bytes
    guard bytes.count >= 8 else { throw corrupt("\(bytes.count) bytes is too short for a safetensors file (8-byte header length first); it is truncated or not safetensors") }
    var n: UInt64 = 0
    for k in 0..<8 { n |= UInt64(bytes[k]) << (8 * UInt64(k)) }
    guard n <= UInt64(Self.maximumHeaderLength) else {
      throw corrupt("the header length \(n) exceeds the format's 100 MB limit; the file is corrupt or not safetensors")
    }
    guard 8 + Int(n) <= bytes.count else { throw corrupt("the header claims \(n) bytes but only \(bytes.count - 8) follow; the file is truncated") }
    bufferStart = 8 + Int(n)
    let bufferSize = bytes.count - bufferStart
    // Decode the header as JSON (Codable): tensor entries and the optional string map "__metadata__".
    let header: Header
    do {
      header = try JSONDecoder().decode(Header.self, from: Data(bytes[8..<bufferStart]))
    } catch let DecodingError.typeMismatch(_, context) {
      throw corrupt("the header entry \(Self.path(context)) has the wrong type (tensor entries need \"dtype\" (string), \"shape\" and \"data_offsets\" (integers below 2⁶³); \"__metadata__\" holds strings)")
    } catch let DecodingError.keyNotFound(key, context) {
      throw corrupt("the header entry \(Self.path(context)) has no \"\(key.stringValue)\"")
    } catch let DecodingError.dataCorrupted(context) {
      throw corrupt(context.codingPath.isEmpty ? "the header is not a JSON object; the file is corrupt or not safetensors" : "the header entry \(Self.path(context)) is invalid (\(context.debugDescription.replacingOccurrences(of: "\n", with: " ")))")
    } catch {
      throw corrupt("the header is not valid JSON; the file is corrupt or not safetensors")
    }
    var entries: [(name: String, dtype: DType, shape: [Int], range: Range<Int>)] = []
    for (name, entry) in header.tensors {
      guard let dtype = DType(rawValue: entry.dtype) else {
        throw DataError(.unsupportedWeightFile, file: file, "tensor \"\(name)\" has dtype \"\(entry.dtype)\"; supported: \(DType.allCases.map(\.rawValue).joined(separator: ", "))")
      }
      guard entry.shape.allSatisfy({ $0 >= 0 }) else { throw corrupt("tensor \"\(name)\" has a negative dimension in shape \(entry.shape)") }
      var count = 1
      for s in entry.shape {
        let (p, o) = count.multipliedReportingOverflow(by: s)
        guard !o else { throw corrupt("tensor \"\(name)\": shape \(entry.shape) has more elements than this machine can address; the header is corrupt") }
        count = p
      }
      let (byteCount, o) = count.multipliedReportingOverflow(by: dtype.size)
      guard !o else { throw corrupt("tensor \"\(name)\": shape \(entry.shape) of \(dtype.rawValue) overflows the addressable size; the header is corrupt") }
      guard entry.data_offsets.count == 2, entry.data_offsets[0] >= 0, entry.data_offsets[0] <= entry.data_offsets[1] else {
        throw corrupt("tensor \"\(name)\": data_offsets \(entry.data_offsets) must be [begin, end] with 0 ≤ begin ≤ end")
      }
      let (b, e) = (entry.data_offsets[0], entry.data_offsets[1])
      guard e <= bufferSize else {
        throw corrupt("tensor \"\(name)\": data_offsets [\(b), \(e)] reach past the \(bufferSize)-byte data buffer; the file is truncated")
      }
      guard e - b == byteCount else {
        throw corrupt("tensor \"\(name)\": data_offsets span \(e - b) bytes but shape \(entry.shape) of \(dtype.rawValue) needs \(byteCount)")
      }
      entries.append((name, dtype, entry.shape, (bufferStart + b)..<(bufferStart + e)))
    }
    self.entries = entries.sorted { $0.range.lowerBound < $1.range.lowerBound }
    self.metadata = header.metadata
  }

  public func tensor(named name: String) throws(DataError) -> WeightTensor {
    guard let e = entries.first(where: { $0.name == name }) else {
      throw DataError(.missingTensor, file: file, "no tensor \"\(name)\" in the file (it has: \(tensorNames.joined(separator: ", ")))")
    }
    guard e.dtype != .F8_E4M3, e.dtype != .F8_E5M2 else {
      throw DataError(.unsupportedWeightFile, file: file, "tensor \"\(name)\" is stored as \(e.dtype.rawValue), which is not decoded; save it as float32 or float64")
    }
    let count = e.range.count / e.dtype.size
    guard count <= 1 << 27 else {
      throw DataError(.unsupportedWeightFile, file: file, "tensor \"\(name)\" has shape \(e.shape), more than the 2²⁷ elements a weight tensor may have here")
    }
    var values = [Double](repeating: 0, count: count)
    bytes.withUnsafeBytes { raw in
      for k in 0..<count { values[k] = Self.element(raw, at: e.range.lowerBound + k * e.dtype.size, dtype: e.dtype) }
    }
    return WeightTensor(name: name, shape: e.shape, dtype: e.dtype.rawValue, values: values)
  }

  static func element(_ raw: UnsafeRawBufferPointer, at offset: Int, dtype: DType) -> Double {
    @inline(__always) func load<T: FixedWidthInteger>(_: T.Type) -> T { T(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: T.self)) }
    switch dtype {
    case .F64: return Double(bitPattern: load(UInt64.self))
    case .F32: return Double(Float(bitPattern: load(UInt32.self)))
    case .BF16: return Double(Float(bitPattern: UInt32(load(UInt16.self)) << 16))
    case .F16: return halfToDouble(load(UInt16.self))
    case .I64: return Double(load(Int64.self))
    case .I32: return Double(load(Int32.self))
    case .I16: return Double(load(Int16.self))
    case .I8: return Double(load(Int8.self))
    case .U64: return Double(load(UInt64.self))
    case .U32: return Double(load(UInt32.self))
    case .U16: return Double(load(UInt16.self))
    case .U8: return Double(load(UInt8.self))
    case .BOOL: return load(UInt8.self) != 0 ? 1 : 0
    case .F8_E4M3, .F8_E5M2: return .nan
    }
  }

  /// IEEE binary16 → binary64, exactly (sign, 5-bit exponent, 10-bit fraction).
  static func halfToDouble(_ h: UInt16) -> Double {
    let sign: Double = h & 0x8000 != 0 ? -1 : 1
    let exponent = Int((h >> 10) & 0x1F)
    let fraction = Double(h & 0x3FF)
    switch exponent {
    case 0: return sign * fraction * 0x1p-24
    case 31: return fraction == 0 ? sign * .infinity : .nan
    default: return sign * (1 + fraction / 1024) * Double(sign: .plus, exponent: exponent - 15, significand: 1)
    }
  }

  // MARK: - Writing

  /// The bytes of a safetensors file holding `tensors` as F64 (little-endian, row-major), with string metadata.
  /// The header is padded with spaces to a multiple of 8 bytes, as the reference writer does.
  public static func encode(_ tensors: [WeightTensor], metadata: [String: String] = [:]) -> [UInt8] {
    var header: [String: Any] = [:]
    var offset = 0
    for t in tensors {
      header[t.name] = ["dtype": "F64", "shape": t.shape, "data_offsets": [offset, offset + 8 * t.values.count]] as [String: Any]
      offset += 8 * t.values.count
    }
    if !metadata.isEmpty { header["__metadata__"] = metadata }
    var json = [UInt8]((try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])) ?? Data("{}".utf8))
    while json.count % 8 != 0 { json.append(0x20) }
    var out: [UInt8] = []
    out.reserveCapacity(8 + json.count + offset)
    withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
    out.append(contentsOf: json)
    for t in tensors {
      for v in t.values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
    }
    return out
  }
}
