import Testing
@testable import ZeroGap

/// `ParallelChunks.forEach` covers 0..<count exactly once, in contiguous chunks of at least the grain (one chunk
/// below it), whatever the core count; with more chunks than cores, a multiple of the cores (equal shares).
@Suite struct ParallelChunksTests {
  @Test(arguments: [(0, 4), (1, 4), (7, 4), (100, 8), (1000, 7), (4096, 512)])
  func coversEveryItemOnce(count: Int, grain: Int) {
    var hits = [Int](repeating: 0, count: Swift.max(count, 1))
    let chunks = ParallelChunks.count(count, grain: grain)
    var sizes = [Int](repeating: 0, count: chunks)
    hits.withUnsafeMutableBufferPointer { hp in
      sizes.withUnsafeMutableBufferPointer { sp in
        let h = SharedPointer(hp), s = SharedPointer(sp)
        ParallelChunks.forEach(count, grain: grain) { chunk, range in
          s[chunk] = range.count
          for i in range { h[i] += 1 }
        }
      }
    }
    #expect(hits.prefix(count).allSatisfy { $0 == 1 })
    #expect(sizes.reduce(0, +) == count)
    #expect(chunks >= 1 && chunks <= 4 * ParallelChunks.cores)
    if chunks > 1 { #expect(sizes.allSatisfy { $0 >= grain }) }
    if chunks > ParallelChunks.cores { #expect(chunks % ParallelChunks.cores == 0) }
  }

  /// Five grains of items on two cores make four chunks (two each), not five (three and two).
  @Test func chunkCountsAreMultiplesOfTheCores() {
    let cores = ParallelChunks.cores
    guard cores > 1 else { return }
    for units in 1...(6 * cores) {
      let chunks = ParallelChunks.count(units * 100, grain: 100)
      #expect(chunks == (units <= cores ? units : Swift.min(4 * cores, units - units % cores)))
    }
  }
}
