import RealModule

/// A small, fast, seedable random number generator (xoshiro256**, seeded through SplitMix64).
///
/// Everything in ZeroGap that samples (pattern gates, initialisations, splits, synthetic data)
/// takes one of these, so a run is reproducible from its `--seed`. Not cryptographic.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
  private var s: (UInt64, UInt64, UInt64, UInt64)
  /// Cached second Box–Muller variate.
  private var spareNormal: Double?

  /// A generator whose stream is fully determined by `seed`.
  public init(seed: UInt64) {
    var x = seed
    func splitmix() -> UInt64 {
      x &+= 0x9E37_79B9_7F4A_7C15
      var z = x
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    s = (splitmix(), splitmix(), splitmix(), splitmix())
  }

  public mutating func next() -> UInt64 {
    let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
    let t = s.1 << 17
    s.2 ^= s.0
    s.3 ^= s.1
    s.1 ^= s.2
    s.0 ^= s.3
    s.2 ^= t
    s.3 = (s.3 << 45) | (s.3 >> 19)
    return result
  }

  /// A uniform draw from [0, 1).
  public mutating func nextUniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

  /// A standard normal draw N(0, 1) (Box–Muller).
  public mutating func nextNormal() -> Double {
    if let z = spareNormal {
      spareNormal = nil
      return z
    }
    var u1 = nextUniform()
    while u1 <= 0 { u1 = nextUniform() }
    let u2 = nextUniform()
    let r = (-2 * Double.log(u1)).squareRoot()
    spareNormal = r * Double.sin(2 * .pi * u2)
    return r * Double.cos(2 * .pi * u2)
  }

  /// A rows×columns matrix of i.i.d. N(0, scale²) entries.
  public mutating func normalMatrix(rows: Int, columns: Int, scale: Double = 1) -> Matrix {
    var m = Matrix(rows: rows, columns: columns)
    for k in 0..<(rows * columns) { m.storage[k] = scale * nextNormal() }
    return m
  }

  /// A vector of i.i.d. N(0, scale²) entries.
  public mutating func normalVector(_ count: Int, scale: Double = 1) -> [Double] {
    (0..<count).map { _ in scale * nextNormal() }
  }
}
