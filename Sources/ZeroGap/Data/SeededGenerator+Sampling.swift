extension SeededGenerator {
  /// A uniform integer in `0..<bound` (Lemire's multiply-and-reject, so exactly uniform).
  ///
  /// Implemented here rather than through `Int.random(in:using:)` so the stream of draws is fixed
  /// by ZeroGap, not by the standard library version: splits stay reproducible from `--seed`.
  public mutating func nextIndex(below bound: Int) -> Int {
    precondition(bound > 0, "nextIndex(below:) needs a positive bound")
    let b = UInt64(bound)
    var m = next().multipliedFullWidth(by: b)
    if m.low < b {
      let threshold = (0 &- b) % b
      while m.low < threshold { m = next().multipliedFullWidth(by: b) }
    }
    return Int(m.high)
  }

  /// A uniformly random permutation of `0..<count` (Fisher–Yates).
  public mutating func shuffledIndices(count: Int) -> [Int] {
    var p = Array(0..<count)
    var i = count - 1
    while i > 0 {
      let j = nextIndex(below: i + 1)
      p.swapAt(i, j)
      i -= 1
    }
    return p
  }
}
