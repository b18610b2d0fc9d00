import Foundation

extension NPY {
  /// The shape, dtype and order of a `.npy` file, from its header only (a few kilobytes read).
  /// - Throws: as `read`.
  public static func header(path: String) throws(DataError) -> Header {
    guard let handle = FileHandle(forReadingAtPath: path) else {
      _ = try CSVReader.readBytes(path: path)  // the precise reason (missing, directory, permissions)
      throw DataError(.unreadableFile, file: path, "cannot be read")
    }
    defer { try? handle.close() }
    // Version 1 headers are < 64 KiB, versions 2/3 state a 4-byte length: read the preamble, then the header.
    let preamble = [UInt8]((try? handle.read(upToCount: 12)) ?? Data())
    guard preamble.count >= 10 else { return try parseHeader(preamble, file: path) }
    let length = preamble[6] == 1 ? Int(preamble[8]) | Int(preamble[9]) << 8
      : preamble.count >= 12 ? Int(preamble[8]) | Int(preamble[9]) << 8 | Int(preamble[10]) << 16 | Int(preamble[11]) << 24 : 0
    guard length <= 1 << 26 else { return try parseHeader(preamble, file: path) }
    let rest = [UInt8]((try? handle.read(upToCount: length + 12 - preamble.count)) ?? Data())
    return try parseHeader(preamble + rest, file: path)
  }

  /// Rows `rows` of the `.npy` file at `path` (1-D: entries), reading only those bytes: one contiguous read in C
  /// order, one per column in Fortran order — what each process of a data-parallel run reads of its row block.
  /// - Throws: as `read`, and `.invalidArgument` when the range lies outside the array.
  public static func readRows(path: String, rows: Range<Int>, allowNonFinite: Bool = false) throws(DataError) -> Array2D {
    let h = try header(path: path)
    let n = h.shape[0], d = h.shape.count == 2 ? h.shape[1] : 1
    guard rows.lowerBound >= 0, rows.upperBound <= n else {
      throw DataError(.invalidArgument, file: path, "rows \(rows.lowerBound)..<\(rows.upperBound) lie outside the array's \(n) rows")
    }
    let size = h.dtype.size
    let (total, o1) = n.multipliedReportingOverflow(by: d)
    let (bytes, o2) = total.multipliedReportingOverflow(by: size)
    guard !o1, !o2 else { throw DataError(.invalidNPYHeader, file: path, "shape \(h.shape) is too large; the header is corrupt") }
    let fileSize = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? -1
    guard fileSize == h.dataOffset + bytes else {
      throw DataError(.truncatedData, file: path, "the header promises \(bytes) data bytes for shape \(h.shape) but the file has \(max(0, fileSize - h.dataOffset)); it is truncated or corrupt")
    }
    guard let handle = FileHandle(forReadingAtPath: path) else { throw DataError(.unreadableFile, file: path, "cannot be read") }
    defer { try? handle.close() }
    func read(at offset: Int, count: Int) throws(DataError) -> [UInt8] {
      do {
        try handle.seek(toOffset: UInt64(offset))
        let data = try handle.read(upToCount: count) ?? Data()
        guard data.count == count else { throw DataError(.truncatedData, file: path, "the file ends inside the rows requested") }
        return [UInt8](data)
      } catch let e as DataError {
        throw e
      } catch {
        throw DataError(.unreadableFile, file: path, "read failed: \(error.localizedDescription)")
      }
    }
    let m = rows.count
    var payload: [UInt8] = []
    if h.fortranOrder && d > 1 {
      // Column j's rows are contiguous: d reads, concatenated column-major (a Fortran-order m×d block).
      for j in 0..<d { payload += try read(at: h.dataOffset + (j * n + rows.lowerBound) * size, count: m * size) }
    } else {
      payload = try read(at: h.dataOffset + rows.lowerBound * d * size, count: m * d * size)
    }
    // Decode the block as a .npy of shape (m, d) in the same dtype and order.
    let descr = h.bigEndian && size > 1 ? ">" + h.dtype.rawValue : h.dtype.descr
    let dims = h.shape.count == 2 ? "(\(m), \(d))" : "(\(m),)"
    var text = "{'descr': '\(descr)', 'fortran_order': \(h.fortranOrder && d > 1 ? "True" : "False"), 'shape': \(dims), }"
    while (10 + text.utf8.count + 1) % 64 != 0 { text += " " }
    text += "\n"
    let headerBytes = magic + [1, 0, UInt8(text.utf8.count & 0xFF), UInt8(text.utf8.count >> 8)] + Array(text.utf8)
    return try decode(headerBytes + payload, file: "\(path) (rows \(rows.lowerBound)..<\(rows.upperBound))", allowNonFinite: allowNonFinite)
  }
}
