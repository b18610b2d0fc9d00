import Foundation
import Testing
@testable import ZeroGap

/// Row partitions of a data-parallel run and the `.npy` row-block reader against full reads.
struct RowBlockTests {
  @Test func blocksPartitionTheRowsInOrder() {
    for n in [0, 1, 7, 10, 101] {
      for k in 1...6 {
        let blocks = (0..<k).map { RowBlocks.block($0, of: n, parts: k) }
        #expect(blocks.first?.lowerBound == 0 && blocks.last?.upperBound == n)
        for r in 1..<k { #expect(blocks[r].lowerBound == blocks[r - 1].upperBound) }
        let sizes = blocks.map(\.count)
        #expect((sizes.max() ?? 0) - (sizes.min() ?? 0) <= 1, "n \(n), K \(k): \(sizes)")
      }
    }
    let one = SingleProcess()
    #expect(one.rowBlock(of: 9) == 0..<9 && one.isRoot)
  }

  /// Every fixture (C and Fortran order, 1-D, big-endian, version 2, several dtypes): the row blocks of K = 1…4
  /// processes, stacked, are the full array.
  @Test(arguments: ["f8_c", "f4_c", "f8_fortran", "f4_fortran", "i4_fortran", "f8_1d", "f8_bigendian", "f8_v2", "i8_c", "u1_1d"])
  func blocksEqualTheFullRead(_ name: String) throws {
    let path = try #require(Bundle.module.url(forResource: name, withExtension: "npy", subdirectory: "Fixtures/npy")).path
    let full = try NPY.read(path: path)
    let n = full.matrix.rows
    for k in 1...4 where k <= n {
      var stacked: [[Double]] = []
      for r in 0..<k {
        let block = try NPY.readRows(path: path, rows: RowBlocks.block(r, of: n, parts: k))
        #expect(block.dtype == full.dtype && block.matrix.columns == full.matrix.columns)
        stacked += block.matrix.rowArrays
      }
      #expect(stacked == full.matrix.rowArrays, "\(name), K = \(k)")
    }
    let header = try NPY.header(path: path)
    #expect(header.shape == full.shape && header.fortranOrder == full.fortranOrder)
  }

  @Test func badRangesAndTruncatedFilesAreErrors() throws {
    let path = try #require(Bundle.module.url(forResource: "f8_c", withExtension: "npy", subdirectory: "Fixtures/npy")).path
    let n = try NPY.read(path: path).matrix.rows
    #expect(throws: DataError.self) { try NPY.readRows(path: path, rows: 0..<(n + 1)) }
    let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    let cut = try scratchDirectory().appendingPathComponent("cut.npy")
    try bytes.prefix(bytes.count - 8).write(to: cut)
    let e = #expect(throws: DataError.self) { try NPY.readRows(path: cut.path, rows: 0..<1) }
    #expect(e?.kind == .truncatedData)
  }
}
