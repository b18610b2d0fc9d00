/// An index of distinct 0/1 patterns of length n (the diagonals of MATH.md §3.2's D_i, or the columns of §4.3's D₂),
/// each with an index (its column in a mask matrix, or its insertion order). It answers "which stored pattern is
/// 1[h ≥ 0]?" for a pattern given as a bit function, without allocating: the repairs of the certificates
/// (`ReLUBlockProgram.repair`, `ParallelReLUBlocks.repair`) ask it once per block, at every check of a solve.
///
/// Patterns are packed into 64-bit words (`wordCount` = ⌈n/64⌉ per pattern) and found by open addressing over a
/// power-of-two slot array at most half full. A lookup reads the bit function twice (once to hash, once to compare
/// with the stored words of the candidates whose hash matches).
struct PatternTable: Sendable {
  /// Length of every pattern.
  let n: Int
  /// Words per pattern, ⌈n/64⌉.
  let wordCount: Int
  /// The stored patterns, `wordCount` words each, in insertion order.
  private var words: [UInt64] = []
  /// Each stored pattern's hash and index.
  private var hashes: [UInt64] = []
  private var values: [Int] = []
  /// Slot → stored pattern (insertion order), −1 when empty.
  private var slots: [Int32]

  /// Number of distinct patterns stored.
  var count: Int { hashes.count }

  /// An empty table for patterns of length n.
  init(n: Int) {
    self.n = n
    wordCount = Swift.max(1, (n + 63) / 64)
    slots = [Int32](repeating: -1, count: 16)
  }

  /// The columns of a 0/1 matrix (nonzero entries are ones), each at its column index; a repeated column keeps its
  /// first index.
  init(columnsOf masks: Matrix) {
    self.init(n: masks.rows)
    masks.withUnsafeBufferPointer { m in
      for l in 0..<masks.columns {
        let base = l * masks.rows
        insert(value: l) { m[base + $0] != 0 }
      }
    }
  }

  /// Adds the pattern `bit(0), …, bit(n − 1)` with index `value` (default: the number stored before it) unless it
  /// is stored; the stored pattern's index, and whether it was new.
  @discardableResult
  mutating func insert(value: Int? = nil, _ bit: (Int) -> Bool) -> (index: Int, inserted: Bool) {
    let h = hash(bit)
    if let found = find(hash: h, bit) { return (values[found], false) }
    let index = hashes.count
    hashes.append(h)
    values.append(value ?? index)
    for w in 0..<wordCount { words.append(word(w, bit)) }
    if 2 * hashes.count > slots.count { rehash(capacity: 2 * slots.count) } else { place(index, hash: h) }
    return (index, true)
  }

  /// The index of the stored pattern `bit(0), …, bit(n − 1)`, nil when it is not stored. Allocation-free.
  func index(of bit: (Int) -> Bool) -> Int? { find(hash: hash(bit), bit).map { values[$0] } }

  /// The stored pattern's position in insertion order.
  private func find(hash h: UInt64, _ bit: (Int) -> Bool) -> Int? {
    let mask = slots.count - 1
    var s = Int(truncatingIfNeeded: h) & mask
    while true {
      let e = Int(slots[s])
      if e < 0 { return nil }
      if hashes[e] == h && matches(e, bit) { return e }
      s = (s + 1) & mask
    }
  }

  private func matches(_ e: Int, _ bit: (Int) -> Bool) -> Bool {
    for w in 0..<wordCount where words[e * wordCount + w] != word(w, bit) { return false }
    return true
  }

  /// Word w of the pattern: bits 64w ..< min(64w + 64, n).
  private func word(_ w: Int, _ bit: (Int) -> Bool) -> UInt64 {
    var v: UInt64 = 0
    for j in (64 * w)..<Swift.min(64 * w + 64, n) where bit(j) { v |= 1 << UInt64(j & 63) }
    return v
  }

  private func hash(_ bit: (Int) -> Bool) -> UInt64 {
    var h: UInt64 = 0x243F_6A88_85A3_08D3
    for w in 0..<wordCount {
      h = (h ^ word(w, bit)) &* 0x9E37_79B9_7F4A_7C15
      h ^= h >> 31
    }
    return h ^ (h >> 29)
  }

  private mutating func place(_ index: Int, hash h: UInt64) {
    let mask = slots.count - 1
    var s = Int(truncatingIfNeeded: h) & mask
    while slots[s] >= 0 { s = (s + 1) & mask }
    slots[s] = Int32(index)
  }

  private mutating func rehash(capacity: Int) {
    slots = [Int32](repeating: -1, count: capacity)
    for e in 0..<hashes.count { place(e, hash: hashes[e]) }
  }
}
