import CZeroGapZlib

/// The one door to zlib (Debian's `zlib1g-dev`): raw-deflate inflation and CRC-32, as the members of a ZIP
/// archive (NumPy's `.npz`) need them.
enum Zlib {
  /// Inflates a raw deflate stream (no zlib or gzip wrapper, RFC 1951) that must expand to exactly
  /// `expectedSize` bytes.
  /// - Throws: `DataError.invalidWeightFile` when the stream is corrupt, ends early or expands to another size.
  static func inflateRaw(_ input: ArraySlice<UInt8>, expectedSize: Int, file: String, member: String) throws(DataError) -> [UInt8] {
    var output = [UInt8](repeating: 0, count: expectedSize)
    var stream = z_stream()
    // windowBits −15: raw deflate, the encoding of ZIP's method 8.
    guard inflateInit2_(&stream, -MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
      throw DataError(.invalidWeightFile, file: file, "member \"\(member)\": zlib could not start inflating (out of memory?)")
    }
    defer { inflateEnd(&stream) }
    let status: Int32 = input.withUnsafeBufferPointer { inp in
      output.withUnsafeMutableBufferPointer { out in
        stream.next_in = UnsafeMutablePointer(mutating: inp.baseAddress)
        stream.avail_in = uInt(inp.count)
        stream.next_out = out.baseAddress
        stream.avail_out = uInt(out.count)
        return inflate(&stream, Z_FINISH)
      }
    }
    guard status == Z_STREAM_END, Int(stream.total_out) == expectedSize else {
      let what = status == Z_STREAM_END
        ? "expands to \(stream.total_out) bytes, not the \(expectedSize) its directory entry says"
        : status == Z_BUF_ERROR ? "expands beyond the \(expectedSize) bytes its directory entry says, or is cut short"
        : "is not a valid deflate stream (zlib status \(status))"
      throw DataError(.invalidWeightFile, file: file, "member \"\(member)\" \(what); the archive is corrupt")
    }
    return output
  }

  /// CRC-32 (ISO 3309, as in ZIP) of `bytes`.
  static func crc32(_ bytes: [UInt8]) -> UInt32 {
    bytes.withUnsafeBufferPointer { p in
      UInt32(truncatingIfNeeded: CZeroGapZlib.crc32(0, p.baseAddress, uInt(p.count)))
    }
  }
}
