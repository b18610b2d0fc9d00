extension ActivationPatterns {
  /// These patterns completed so that every sample is active in one (MATH.md §4.3): a sample inactive in all of them
  /// has h_j = 0 in every branch of a parallel three-layer program built on them, so its second-layer rows are
  /// identically zero and that program has no interior (`ParallelReLUProgram`'s interior point declines it). For each
  /// such sample in turn the pattern of the gate x_j is added (x_jᵀx_j > 0 puts sample j in it); a zero row stays
  /// uncovered. Every pattern here is kept, so a bound over the result covers at least what one over these did.
  ///
  /// - Parameter z: the n×d data the patterns were made from (preprocessed as the program sees it).
  /// - Throws: what `fromGates` throws for the completed gates.
  public func coveringEverySample(data z: Matrix) throws(ConvexReLUError) -> ActivationPatterns {
    let d = z.columns
    var covered = (0..<z.rows).map { covers(sample: $0) }
    var added: [Double] = []
    while let j = covered.firstIndex(of: false) {
      covered[j] = true
      let g = z.row(j)
      guard g.contains(where: { $0 != 0 }) else { continue }
      added += g
      for (i, v) in z.multiply(g).enumerated() where v >= 0 { covered[i] = true }
    }
    guard !added.isEmpty else { return self }
    let all = try ActivationPatterns.fromGates(gates.appendingColumns(Matrix(rows: d, columns: added.count / d, columnMajor: added)), data: z)
    return ActivationPatterns(masks: all.masks, gates: all.gates, origin: origin)
  }
}
