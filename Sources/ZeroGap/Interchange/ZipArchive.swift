/// The members of a ZIP archive (PKWARE APPNOTE 6.3), read defensively: the container of NumPy's `.npz`.
///
/// Stored (method 0) and deflate (method 8) members, ZIP64 sizes and offsets; every size and offset is checked
/// against the file before use, and each member's CRC-32 is verified. Encrypted members and other compression
/// methods are refused with a one-line error.
struct ZipArchive {
  struct Member {
    var name: String
    var method: UInt16
    var crc: UInt32
    var compressedSize: Int
    var size: Int
    var localHeaderOffset: Int
  }

  /// The largest member this reader inflates (1 GiB, below zlib's 32-bit counts): above it the archive is refused
  /// rather than allocated.
  static let maximumMemberSize = 1 << 30

  let bytes: [UInt8]
  let file: String
  /// The members in directory order.
  let members: [Member]

  init(bytes: [UInt8], file: String) throws(DataError) {
    self.bytes = bytes
    self.file = file
    members = try Self.readDirectory(bytes, file: file)
  }

  /// The uncompressed bytes of `member`, CRC-checked.
  func contents(of member: Member) throws(DataError) -> [UInt8] {
    let r = Reader(bytes: bytes, file: file)
    let local = member.localHeaderOffset
    guard try r.u32(local) == 0x0403_4B50 else { throw corrupt("member \"\(member.name)\" has no local header at offset \(local)") }
    let start = local + 30 + Int(try r.u16(local + 26)) + Int(try r.u16(local + 28))
    guard start <= bytes.count, member.compressedSize <= bytes.count - start else {
      throw corrupt("member \"\(member.name)\" claims \(member.compressedSize) bytes at offset \(start), past the end of the \(bytes.count)-byte file; it is truncated")
    }
    let raw = bytes[start..<(start + member.compressedSize)]
    let out: [UInt8]
    switch member.method {
    case 0:
      guard member.compressedSize == member.size else { throw corrupt("stored member \"\(member.name)\" has different compressed and uncompressed sizes") }
      out = Array(raw)
    case 8:
      // Deflate expands at most ~1032:1; a larger claim is a corrupt (or hostile) directory entry.
      guard member.size <= 1032 * member.compressedSize + 1024 else {
        throw corrupt("member \"\(member.name)\" claims \(member.size) bytes from \(member.compressedSize) compressed bytes, more than deflate can produce")
      }
      out = try Zlib.inflateRaw(raw, expectedSize: member.size, file: file, member: member.name)
    default:
      throw DataError(.unsupportedWeightFile, file: file, "member \"\(member.name)\" uses ZIP compression method \(member.method); only stored and deflate (numpy.savez, numpy.savez_compressed) are read")
    }
    guard Zlib.crc32(out) == member.crc else { throw corrupt("member \"\(member.name)\" fails its CRC-32 check; the archive is corrupt") }
    return out
  }

  private func corrupt(_ message: String) -> DataError { DataError(.invalidWeightFile, file: file, message) }

  /// Bounds-checked little-endian reads.
  private struct Reader {
    let bytes: [UInt8]
    let file: String
    func check(_ offset: Int, _ size: Int) throws(DataError) {
      guard offset >= 0, offset <= bytes.count - size else {
        throw DataError(.invalidWeightFile, file: file, "the archive ends at byte \(bytes.count) where a \(size)-byte field at offset \(offset) was expected; it is truncated or not a ZIP file")
      }
    }
    func u16(_ o: Int) throws(DataError) -> UInt16 {
      try check(o, 2)
      return UInt16(bytes[o]) | UInt16(bytes[o + 1]) << 8
    }
    func u32(_ o: Int) throws(DataError) -> UInt32 {
      try check(o, 4)
      var v: UInt32 = 0
      for k in 0..<4 { v |= UInt32(bytes[o + k]) << (8 * UInt32(k)) }
      return v
    }
    func u64(_ o: Int) throws(DataError) -> UInt64 {
      try check(o, 8)
      var v: UInt64 = 0
      for k in 0..<8 { v |= UInt64(bytes[o + k]) << (8 * UInt64(k)) }
      return v
    }
  }

  private static func readDirectory(_ bytes: [UInt8], file: String) throws(DataError) -> [Member] {
    func corrupt(_ message: String) -> DataError { DataError(.invalidWeightFile, file: file, message) }
    let r = Reader(bytes: bytes, file: file)
    // End of central directory: 22 bytes plus a comment of at most 65 535 bytes, at the end of the file.
    guard bytes.count >= 22 else { throw corrupt("\(bytes.count) bytes is too short for a ZIP archive (.npz); the file is truncated or not an archive") }
    var eocd = -1
    var o = bytes.count - 22
    while o >= Swift.max(0, bytes.count - 22 - 65_535) {
      if bytes[o] == 0x50, bytes[o + 1] == 0x4B, bytes[o + 2] == 0x05, bytes[o + 3] == 0x06 { eocd = o; break }
      o -= 1
    }
    guard eocd >= 0 else { throw corrupt("no ZIP end-of-directory record; the file is truncated or not an .npz archive") }
    var count = UInt64(try r.u16(eocd + 10))
    var directorySize = UInt64(try r.u32(eocd + 12))
    var directoryOffset = UInt64(try r.u32(eocd + 16))
    if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
      // ZIP64: the locator sits just before the end record and points at the ZIP64 end record.
      let locator = eocd - 20
      guard locator >= 0, try r.u32(locator) == 0x0706_4B50 else { throw corrupt("the archive needs a ZIP64 locator but has none; it is corrupt") }
      let record64 = try r.u64(locator + 8)
      guard record64 <= UInt64(bytes.count), try r.u32(Int(record64)) == 0x0606_4B50 else { throw corrupt("the ZIP64 end record is missing or outside the file") }
      count = try r.u64(Int(record64) + 32)
      directorySize = try r.u64(Int(record64) + 40)
      directoryOffset = try r.u64(Int(record64) + 48)
    }
    guard directoryOffset <= UInt64(bytes.count), directorySize <= UInt64(bytes.count) - directoryOffset else {
      throw corrupt("the central directory (\(directorySize) bytes at offset \(directoryOffset)) lies outside the \(bytes.count)-byte file; it is truncated")
    }
    // Each directory entry takes at least 46 bytes: a larger count is a lie.
    guard count <= directorySize / 46 + 1 else { throw corrupt("the directory claims \(count) members in \(directorySize) bytes; it is corrupt") }
    var members: [Member] = []
    var p = Int(directoryOffset)
    for _ in 0..<Int(count) {
      guard try r.u32(p) == 0x0201_4B50 else { throw corrupt("directory entry \(members.count + 1) at offset \(p) has a bad signature; the archive is corrupt") }
      let flags = try r.u16(p + 8)
      let method = try r.u16(p + 10)
      let crc = try r.u32(p + 16)
      var compressed = UInt64(try r.u32(p + 20))
      var size = UInt64(try r.u32(p + 24))
      let nameLength = Int(try r.u16(p + 28))
      let extraLength = Int(try r.u16(p + 30))
      let commentLength = Int(try r.u16(p + 32))
      var local = UInt64(try r.u32(p + 42))
      try r.check(p + 46, nameLength + extraLength + commentLength)
      let name = String(decoding: bytes[(p + 46)..<(p + 46 + nameLength)], as: UTF8.self)
      guard flags & 1 == 0 else { throw DataError(.unsupportedWeightFile, file: file, "member \"\(name)\" is encrypted; save the archive without a password") }
      // ZIP64 extended information (header 0x0001): the 64-bit values of the fields saturated at 0xFFFFFFFF, in order.
      var e = p + 46 + nameLength
      let extraEnd = e + extraLength
      while e + 4 <= extraEnd {
        let id = try r.u16(e), length = Int(try r.u16(e + 2))
        guard e + 4 + length <= extraEnd else { throw corrupt("member \"\(name)\" has an extra field running past its entry") }
        if id == 0x0001 {
          var q = e + 4
          func next() throws(DataError) -> UInt64 {
            guard q + 8 <= e + 4 + length else { throw corrupt("member \"\(name)\" has a short ZIP64 field") }
            defer { q += 8 }
            return try r.u64(q)
          }
          if size == 0xFFFF_FFFF { size = try next() }
          if compressed == 0xFFFF_FFFF { compressed = try next() }
          if local == 0xFFFF_FFFF { local = try next() }
        }
        e += 4 + length
      }
      guard size <= UInt64(maximumMemberSize), compressed <= UInt64(maximumMemberSize) else {
        throw DataError(.unsupportedWeightFile, file: file, "member \"\(name)\" holds \(max(size, compressed)) bytes, above the \(maximumMemberSize >> 30) GiB this reader accepts")
      }
      guard compressed <= UInt64(bytes.count), local <= UInt64(bytes.count) else {
        throw corrupt("member \"\(name)\" points past the end of the \(bytes.count)-byte file; it is truncated")
      }
      members.append(Member(name: name, method: method, crc: crc, compressedSize: Int(compressed), size: Int(size), localHeaderOffset: Int(local)))
      p += 46 + nameLength + extraLength + commentLength
    }
    return members
  }
}
