import Foundation
import Testing
@testable import ZeroGap

/// K processes simulated by K threads of this test process: collectives through shared memory (a barrier per
/// operation), so the library's data-parallel path (`RowReduction`) is checked without MPI.
final class ThreadRing: @unchecked Sendable {
  let size: Int
  private let condition = NSCondition()
  private var buffer: [Double] = [], completed: [Double] = []
  private var arrived = 0, generation = 0

  init(size: Int) { self.size = size }

  /// Runs `body(rank)` on `k` threads at once (all must be live together to meet in the collectives, which
  /// `concurrentPerform` does not promise on fewer cores) and waits for them.
  static func run(_ k: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let done = DispatchGroup()
    for r in 0..<k {
      done.enter()
      let t = Thread {
        body(r)
        done.leave()
      }
      t.stackSize = 8 << 20
      t.start()
    }
    done.wait()
  }

  /// Combines every member's values with `op` (all must call with the same length); returns the combined values.
  func combine(_ values: [Double], _ op: (Double, Double) -> Double) -> [Double] {
    condition.lock()
    defer { condition.unlock() }
    let gen = generation
    if arrived == 0 { buffer = values } else { for k in values.indices { buffer[k] = op(buffer[k], values[k]) } }
    arrived += 1
    if arrived == size {
      // The result lives apart from `buffer`: the next operation may start before every member has read it.
      completed = buffer
      arrived = 0
      generation += 1
      condition.broadcast()
    } else {
      while generation == gen { condition.wait() }
    }
    return completed
  }

  struct Member: Communicator {
    let ring: ThreadRing
    let rank: Int
    var size: Int { ring.size }
    func allreduceSum(_ values: inout [Double]) throws(CommunicatorError) { values = ring.combine(values, +) }
    func allreduceMax(_ values: inout [Double]) throws(CommunicatorError) { values = ring.combine(values, Swift.max) }
    func broadcast(_ values: inout [Double], root: Int) throws(CommunicatorError) {
      values = ring.combine(rank == root ? values : values.map { _ in -Double.infinity }, Swift.max)
    }
    func broadcast(bytes: inout [UInt8], root: Int) throws(CommunicatorError) {
      var v = bytes.map(Double.init)
      try broadcast(&v, root: root)
      bytes = v.map { UInt8($0) }
    }
    func barrier() throws(CommunicatorError) { _ = ring.combine([0], +) }
  }
}

/// The data-parallel fit (`ConvexReLUEstimator.rows`) against the one-process fit on all the rows: the same
/// standardisation, the same de-duplicated patterns, the same certified optimum (both within 1e-8 of it: the iterates
/// differ only by the order of the additions), at K = 2 and 3 threads with unequal row blocks.
@Suite struct DataParallelFitTests {
  static func data() -> (Matrix, [Double]) {
    var g = SeededGenerator(seed: 41)
    let n = 301, d = 4
    let x = g.normalMatrix(rows: n, columns: d)
    let w = g.normalVector(d)
    var y = [Double](repeating: 0, count: n)
    for j in 0..<n {
      var s = 0.0
      for c in 0..<d { s += x[j, c] * w[c] }
      y[j] = Swift.max(0, s) + 0.1 * g.nextNormal()
    }
    return (x, y)
  }

  static func configuration(_ loss: ConvexLoss) -> ConvexReLUEstimator.Configuration {
    .init(model: .gatedReLU, loss: loss, beta: 2, patterns: .sampled(count: 60, seed: 7), solver: ConvexSolverOptions(tolerance: 1e-8))
  }

  /// The fits of K threads as processes, each on its block of the rows of (x, y), by rank (a failed fit is absent).
  static func fitsOverThreads(_ k: Int, x: Matrix, y: [Double], configuration: ConvexReLUEstimator.Configuration) -> [Int: ConvexReLUEstimator.Fitted] {
    let ring = ThreadRing(size: k)
    let results = Locked<[Int: ConvexReLUEstimator.Fitted]>([:])
    ThreadRing.run(k) { r in
      let member = ThreadRing.Member(ring: ring, rank: r)
      let rows = member.rowBlock(of: x.rows)
      var est = ConvexReLUEstimator(configuration: configuration)
      est.rows = .over(member)
      try? est.fit(data: x.rows(rows), targets: Array(y[rows]))
      if let f = est.fitted { results.update { $0[r] = f } }
    }
    return results.value
  }

  /// Squared loss at K = 2 and 3; logistic loss with 0/1 labels at K = 2 (the classes found over all processes).
  @Test(arguments: [(2, ConvexLoss.squared), (3, .squared), (2, .logistic)])
  func sameCertifiedOptimumAsOneProcess(processes k: Int, loss: ConvexLoss) throws {
    let (x, raw) = Self.data()
    let y = loss == .logistic ? raw.map { $0 > 0.5 ? 1.0 : 0 } : raw
    var single = ConvexReLUEstimator(configuration: Self.configuration(loss))
    try single.fit(data: x, targets: y)
    let reference = try #require(single.fitted)
    #expect(reference.report.isCertified(tolerance: 1e-8))

    let fits = Self.fitsOverThreads(k, x: x, y: y, configuration: Self.configuration(loss))
    #expect(fits.count == k)
    for (_, f) in fits {
      #expect(f.report.isCertified(tolerance: 1e-8))
      #expect(f.gates == reference.gates)
      #expect(f.classes == reference.classes)
      #expect(zip(f.means, reference.means).allSatisfy { abs($0 - $1) <= 1e-12 })
      #expect(zip(f.scales, reference.scales).allSatisfy { abs($0 - $1) <= 1e-12 })
      // Both are certified to 1e-8 of the same optimum.
      #expect(abs(f.report.objective - reference.report.objective) <= 2e-8 * reference.report.objective)
      #expect(f.report.lowerBound <= reference.report.objective * (1 + 1e-12))
      #expect(reference.report.lowerBound <= f.report.objective * (1 + 1e-12))
    }
    // Every process holds the same network.
    let first = try #require(fits[0])
    for (_, f) in fits { #expect(f.network.firstLayer == first.network.firstLayer) }
  }

  /// De-duplication sees whole masks: two gates that agree on one process's rows but not on another's stay two
  /// patterns, as on one process.
  @Test func patternsDeduplicateOverAllRows() throws {
    // Rows 0–1 on process 0, rows 2–3 on process 1; gates g1, g2 agree on rows 0–1 only, g1 and g3 agree everywhere.
    let x = Matrix([[1, 0], [0, 1], [1, -1], [-1, 1]])
    let gates = Matrix([[1, 1, 2], [1, 3, 2]])
    let local = try ActivationPatterns.fromGates(gates, data: x)
    let ring = ThreadRing(size: 2)
    let counts = Locked<[Int]>([])
    ThreadRing.run(2) { r in
      let m = ThreadRing.Member(ring: ring, rank: r)
      let p = try? ActivationPatterns.fromGates(gates, data: x.rows(m.rowBlock(of: 4)), rows: .over(m))
      counts.update { $0.append(p?.count ?? -1) }
    }
    #expect(counts.value == [local.count, local.count])
    #expect(local.count == 2)
  }

  /// The hinge loss, the exact program with an unregularised output bias and enumeration are refused in a
  /// data-parallel fit (one line each), before any collective.
  @Test func refusesWhatIsNotDistributed() throws {
    let (x, y) = Self.data()
    let ring = ThreadRing(size: 1)
    let refused: [ConvexReLUEstimator.Configuration] = [
      .init(model: .relu, loss: .hinge, beta: 2, patterns: .sampled(count: 10, seed: 1)),
      .init(model: .relu, loss: .squared, beta: 2, patterns: .sampled(count: 10, seed: 1), unregularizedBias: true),
      .init(model: .gatedReLU, loss: .squared, beta: 2, patterns: .enumerate),
    ]
    for configuration in refused {
      var est = ConvexReLUEstimator(configuration: configuration)
      est.rows = RowReduction(communicator: ThreadRing.Member(ring: ring, rank: 0))
      #expect(throws: ConvexReLUError.self) { try est.fit(data: x, targets: y.map { $0 > 0.5 ? 1 : -1 }) }
    }
  }
}

/// A value shared between the threads of a test.
final class Locked<Value>: @unchecked Sendable {
  private let lock = NSLock()
  private var stored: Value
  init(_ value: Value) { stored = value }
  var value: Value { lock.withLock { stored } }
  func update(_ body: (inout Value) -> Void) { lock.withLock { body(&stored) } }
}
