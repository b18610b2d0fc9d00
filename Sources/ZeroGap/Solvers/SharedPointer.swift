import Dispatch
import Foundation

/// A mutable pointer handed to the workers of `DispatchQueue.concurrentPerform`, each of which writes only its own
/// disjoint part of the buffer (the caller's contract; the buffer outlives the parallel loop).
struct SharedPointer<Element>: @unchecked Sendable {
  let base: UnsafeMutablePointer<Element>
  init(_ base: UnsafeMutablePointer<Element>) { self.base = base }
  /// The base of a non-empty buffer.
  init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.base = buffer.baseAddress! }
  /// The base of a non-empty buffer that the parallel loop only reads.
  init(reading buffer: UnsafeBufferPointer<Element>) { self.base = UnsafeMutablePointer(mutating: buffer.baseAddress!) }
}

extension SharedPointer {
  subscript(_ i: Int) -> Element {
    get { base[i] }
    nonmutating set { base[i] = newValue }
  }
}

/// Parallel loops over items whose work is independent (blocks of a program): `forEach` splits 0..<count into
/// contiguous chunks run on all cores by the spinning `WorkerPool` (or `DispatchQueue.concurrentPerform` when the
/// pool is busy with another loop); the calling thread takes chunks too, so a core that is busy elsewhere slows the
/// loop down but never stalls it. Below the grain it runs one call.
enum ParallelChunks {
  /// The workers of a loop: `ThreadPlan.threads` (all cores unless the caller chose fewer).
  static var cores: Int { ThreadPlan.threads }

  /// The number of chunks of `count` items with at least `grain` per chunk (at most four per core): a multiple of
  /// the cores when there are more chunks than cores, so that every core gets the same share (five chunks on two
  /// cores would leave one core three fifths of the loop).
  static func count(_ count: Int, grain: Int) -> Int {
    let cores = Self.cores
    guard cores > 1 else { return 1 }
    let chunks = Swift.max(1, Swift.min(4 * cores, count / Swift.max(1, grain)))
    return chunks > cores ? chunks - chunks % cores : chunks
  }

  /// Runs `body(chunk, range)` over the chunks of 0..<count.
  static func forEach(_ count: Int, grain: Int, _ body: @Sendable (_ chunk: Int, _ range: Range<Int>) -> Void) {
    let chunks = Self.count(count, grain: grain)
    if chunks == 1 { return body(0, 0..<count) }
    if #available(macOS 15.0, *),
      WorkerPool.shared.run(chunks: chunks, participants: Swift.min(cores, chunks), { c in body(c, (c * count / chunks)..<((c + 1) * count / chunks)) })
    {
      return
    }
    DispatchQueue.concurrentPerform(iterations: chunks) { c in body(c, (c * count / chunks)..<((c + 1) * count / chunks)) }
  }

  /// Runs `body` over the rows 0..<n of a pass touching `width` entries per row: at once when the pass is small
  /// (n·width < 2¹⁷), otherwise in row chunks of at least 512 rows on the workers.
  static func overRows(_ n: Int, width: Int, _ body: @Sendable (_ rows: Range<Int>) -> Void) {
    guard n * width >= 1 << 17 else { return body(0..<n) }
    forEach(n, grain: Swift.max(512, (1 << 15) / Swift.max(1, width))) { _, rows in body(rows) }
  }

  /// Runs `body(chunk, item, scratch)` for every item of 0..<count, chunked as `forEach`, with `scratch` Doubles of
  /// workspace per chunk (uninitialised).
  static func forEachItem(
    _ count: Int, grain: Int, scratch: Int,
    _ body: @Sendable (_ chunk: Int, _ item: Int, _ scratch: UnsafeMutablePointer<Double>) -> Void
  ) {
    forEach(count, grain: grain) { chunk, range in
      withUnsafeTemporaryAllocation(of: Double.self, capacity: Swift.max(1, scratch)) { tmp in
        for item in range { body(chunk, item, tmp.baseAddress!) }
      }
    }
  }
}

/// Read-only shared pointers to the storage of arrays for the duration of `body` (the arrays must not be mutated
/// meanwhile; an empty array gets a valid pointer that must not be read).
@inline(__always)
func withPointers<R>(_ a: [Double], _ b: [Double], _ body: (SharedPointer<Double>, SharedPointer<Double>) throws -> R) rethrows -> R {
  try a.withUnsafeBufferPointer { ap in
    try b.withUnsafeBufferPointer { bp in try body(SharedPointer(readingAny: ap), SharedPointer(readingAny: bp)) }
  }
}

/// One read-only shared pointer, as `withPointers(_:_:_:)`.
@inline(__always)
func withPointers<R>(_ a: [Double], _ body: (SharedPointer<Double>) throws -> R) rethrows -> R {
  try a.withUnsafeBufferPointer { ap in try body(SharedPointer(readingAny: ap)) }
}

/// Three read-only shared pointers, as `withPointers(_:_:_:)`.
@inline(__always)
func withPointers<R>(
  _ a: [Double], _ b: [Double], _ c: [Double], _ body: (SharedPointer<Double>, SharedPointer<Double>, SharedPointer<Double>) throws -> R
) rethrows -> R {
  try withPointers(a, b) { pa, pb in try withPointers(c) { pc in try body(pa, pb, pc) } }
}

/// Four read-only shared pointers, as `withPointers(_:_:_:)`.
@inline(__always)
func withPointers<R>(
  _ a: [Double], _ b: [Double], _ c: [Double], _ d: [Double],
  _ body: (SharedPointer<Double>, SharedPointer<Double>, SharedPointer<Double>, SharedPointer<Double>) throws -> R
) rethrows -> R {
  try withPointers(a, b) { pa, pb in try withPointers(c, d) { pc, pd in try body(pa, pb, pc, pd) } }
}

/// Shared pointers to the storage of arrays the parallel loops of `body` write (distinct arrays, non-empty).
@inline(__always)
func withMutablePointers<R>(_ a: inout [Double], _ body: (SharedPointer<Double>) throws -> R) rethrows -> R {
  try a.withUnsafeMutableBufferPointer { ap in try body(SharedPointer(ap)) }
}

/// Four mutable shared pointers, as `withMutablePointers(_:_:)`.
@inline(__always)
func withMutablePointers<R>(
  _ a: inout [Double], _ b: inout [Double], _ c: inout [Double], _ d: inout [Double],
  _ body: (SharedPointer<Double>, SharedPointer<Double>, SharedPointer<Double>, SharedPointer<Double>) throws -> R
) rethrows -> R {
  try withMutablePointers(&a) { pa in
    try withMutablePointers(&b) { pb in try withMutablePointers(&c) { pc in try withMutablePointers(&d) { pd in try body(pa, pb, pc, pd) } } }
  }
}

extension SharedPointer where Element == Double {
  /// The base of a buffer the parallel loop only reads; for an empty buffer a one-element placeholder.
  init(readingAny buffer: UnsafeBufferPointer<Double>) {
    self.base = UnsafeMutablePointer(mutating: buffer.baseAddress ?? UnsafePointer(emptyPlaceholder))
  }
}

nonisolated(unsafe) private let emptyPlaceholder = UnsafeMutablePointer<Double>.allocate(capacity: 1)
