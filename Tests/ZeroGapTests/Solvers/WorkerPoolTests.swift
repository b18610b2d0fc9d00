import Dispatch
import Foundation
import Testing
@testable import ZeroGap

/// The spinning `WorkerPool` behind `ParallelChunks`: every chunk runs exactly once, on more than one thread when
/// there are workers; a loop started while the pool is busy (from inside a loop body, or from other threads at the
/// same time) is refused and run by the caller another way, with the same results.
///
/// The first two tests use a pool of their own (the solvers in other suites keep the shared one busy), one test at a
/// time: the cases of one parameterized test would otherwise hold it for each other.
@Suite(.serialized) struct WorkerPoolTests {
  @available(macOS 15.0, *)
  static let pool = WorkerPool(workers: Swift.max(1, ThreadPlan.cores - 1))

  @Test(arguments: [1, 2, 3, 8, 64, 1000])
  func runsEveryChunkOnce(chunks: Int) throws {
    guard #available(macOS 15.0, *) else { return }
    let pool = Self.pool
    var hits = [Int](repeating: 0, count: chunks)
    // Repeated, so that the workers are met spinning, asleep and in between.
    var runs = 0
    for round in 0..<200 {
      let ran = hits.withUnsafeMutableBufferPointer { hp in
        let h = SharedPointer(hp)
        return pool.run(chunks: chunks, participants: 2) { c in h[c] += 1 }
      }
      if ran { runs += 1 }
      if round % 50 == 49 { usleep(2000) }  // long enough for the workers to fall asleep
    }
    #expect(runs == 200)
    #expect(hits.allSatisfy { $0 == runs })
  }

  @Test func refusesNestedLoopsAndOutOfRangeRequests() {
    guard #available(macOS 15.0, *) else { return }
    let pool = Self.pool
    #expect(!pool.run(chunks: 0, participants: 2) { _ in })
    #expect(!pool.run(chunks: 4, participants: 1) { _ in })
    #expect(!pool.run(chunks: 4, participants: pool.workers + 2) { _ in })
    var nested = [Bool](repeating: true, count: 4)
    let ran = nested.withUnsafeMutableBufferPointer { np in
      let out = SharedPointer(np)
      return pool.run(chunks: 4, participants: 2) { c in out[c] = pool.run(chunks: 2, participants: 2) { _ in } }
    }
    #expect(ran)
    #expect(nested.allSatisfy { !$0 })
  }

  /// ParallelChunks from several threads at once (one gets the pool, the others fall back) and nested inside its own
  /// bodies: the sums equal the serial ones.
  @Test func concurrentAndNestedLoopsGiveTheSerialResults() {
    let count = 5000
    let expected = (0..<count).reduce(0) { $0 + $1 * $1 }
    var totals = [Int](repeating: 0, count: 4)
    totals.withUnsafeMutableBufferPointer { tp in
      let t = SharedPointer(tp)
      DispatchQueue.concurrentPerform(iterations: 4) { caller in
        for _ in 0..<50 {
          var partial = [Int](repeating: 0, count: 4 * ParallelChunks.cores)
          partial.withUnsafeMutableBufferPointer { pp in
            let p = SharedPointer(pp)
            ParallelChunks.forEach(count, grain: 100) { chunk, range in
              var inner = [Int](repeating: 0, count: 4 * ParallelChunks.cores)
              inner.withUnsafeMutableBufferPointer { ip in
                let q = SharedPointer(ip)
                ParallelChunks.forEach(range.count, grain: 10) { c, r in for i in r { q[c] += (range.lowerBound + i) * (range.lowerBound + i) } }
              }
              p[chunk] = inner.reduce(0, +)
            }
          }
          t[caller] = partial.reduce(0, +)
          if t[caller] != expected { return }
        }
      }
    }
    #expect(totals.allSatisfy { $0 == expected })
  }
}
