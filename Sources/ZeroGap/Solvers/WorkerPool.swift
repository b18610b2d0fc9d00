import Foundation
import Synchronization

/// Persistent worker threads for the short parallel loops of the solvers (`ParallelChunks`): a loop of a few tens of
/// microseconds per step, run hundreds of times a second, as the interior-point method's per-block passes.
///
/// `DispatchQueue.concurrentPerform` wakes its workers from sleep on every call, which costs 50–100 µs on these
/// machines (measured: two halves of 114 µs of work took 132 µs, one core alone 114 µs), so such loops gained nothing
/// from a second core. These workers instead *spin* for a short while (about 0.1 ms) after each loop, waiting
/// for the next one, and only then sleep: a loop handed to them starts within a microsecond while a solve is running,
/// and an idle process keeps no core busy.
///
/// One loop at a time: a call made while the pool is busy (from another thread, or from inside a loop body) returns
/// false and the caller runs its loop another way. The chunks are claimed through one atomic word holding the loop's
/// generation, its worker count, its chunk count and the next chunk, so a worker only ever reads the loop it claimed a
/// chunk of.
@available(macOS 15.0, *)
final class WorkerPool: @unchecked Sendable {
  /// The pool of the process: one worker per core beyond the calling thread's (none on one core).
  static let shared = WorkerPool(workers: ThreadPlan.cores - 1)

  /// The worker threads (the caller of `run` is the last participant).
  let workers: Int

  /// generation (16 bits) | participants (8) | chunks (20) | next chunk (20).
  private let state = Atomic<UInt64>(0)
  /// Chunks claimed but not finished, and chunks not yet claimed, of the current loop.
  private let remaining = Atomic<Int>(0)
  private let busy = Atomic<Bool>(false)
  /// The current loop's body (valid while `remaining > 0`, read only after claiming one of its chunks).
  nonisolated(unsafe) private var body: UnsafeRawPointer? = nil
  private let sleep = NSCondition()
  nonisolated(unsafe) private var sleepers = 0

  /// Spins of a waiting worker before it sleeps (about 0.1 ms: OpenBLAS's own threads need the core in the products
  /// between loops), and how often a spinning thread yields its core: a spinner that shares a core with the thread it
  /// waits for (the scheduler puts them together now and then) would otherwise take half its time. Measured on the
  /// n = 5 interior-point bench, 16 runs: without yielding 5 ran at 26–33 ms instead of 13–18 ms; yielding every 4096
  /// spins, none.
  static let spinLimit = 1 << 16
  static let yieldInterval = 4096
  static let maxChunks = (1 << 20) - 1

  /// A pool of `workers` threads (at most 254); the solvers use `shared`, tests their own.
  init(workers: Int) {
    self.workers = Swift.max(0, Swift.min(workers, 254))
    for index in 0..<self.workers {
      let thread = Thread { [unowned self] in self.work(index: index) }
      thread.stackSize = 8 << 20
      thread.name = "zerogap-worker-\(index)"
      thread.start()
    }
  }

  private typealias Body = (Int) -> Void

  private static func fields(_ s: UInt64) -> (generation: UInt64, participants: Int, chunks: Int, next: Int) {
    (s >> 48, Int((s >> 40) & 0xFF), Int((s >> 20) & 0xFFFFF), Int(s & 0xFFFFF))
  }

  /// Runs `body(chunk)` for every chunk of 0..<chunks on `participants − 1` workers and the calling thread; false
  /// (nothing run) when the pool is busy, has too few workers or `chunks` is out of range.
  func run(chunks: Int, participants: Int, _ body: (Int) -> Void) -> Bool {
    guard chunks > 0, chunks <= Self.maxChunks, participants >= 2, participants - 1 <= workers else { return false }
    guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
    defer { busy.store(false, ordering: .releasing) }
    withoutActuallyEscaping(body) { escaping in
      var box: Body = escaping
      withUnsafePointer(to: &box) { pointer in
        self.body = UnsafeRawPointer(pointer)
        remaining.store(chunks, ordering: .relaxed)
        let generation = (Self.fields(state.load(ordering: .relaxed)).generation + 1) & 0xFFFF
        state.store(generation << 48 | UInt64(participants) << 40 | UInt64(chunks) << 20, ordering: .releasing)
        sleep.lock()
        if sleepers > 0 { sleep.broadcast() }
        sleep.unlock()
        claimChunks(generation: generation)
        var spins = 0
        while remaining.load(ordering: .acquiring) > 0 {
          spins += 1
          if spins % Self.yieldInterval == 0 { sched_yield() }
        }
        self.body = nil
      }
    }
    return true
  }

  /// Claims and runs chunks of the loop `generation` until none is left (or a newer loop has started).
  private func claimChunks(generation: UInt64) {
    var s = state.load(ordering: .acquiring)
    while true {
      let f = Self.fields(s)
      guard f.generation == generation, f.next < f.chunks else { return }
      let (exchanged, original) = state.compareExchange(expected: s, desired: s + 1, successOrdering: .acquiringAndReleasing, failureOrdering: .acquiring)
      guard exchanged else {
        s = original
        continue
      }
      body!.assumingMemoryBound(to: Body.self).pointee(f.next)
      remaining.subtract(1, ordering: .releasing)
      s = state.load(ordering: .acquiring)
    }
  }

  private func work(index: Int) {
    var seen = Self.fields(state.load(ordering: .acquiring)).generation
    while true {
      var spins = 0, s = state.load(ordering: .acquiring)
      while Self.fields(s).generation == seen {
        spins += 1
        if spins % Self.yieldInterval == 0 { sched_yield() }
        if spins >= Self.spinLimit {
          sleep.lock()
          sleepers += 1
          while Self.fields(state.load(ordering: .acquiring)).generation == seen { sleep.wait() }
          sleepers -= 1
          sleep.unlock()
          spins = 0
        }
        s = state.load(ordering: .acquiring)
      }
      let f = Self.fields(s)
      seen = f.generation
      if index < f.participants - 1 { claimChunks(generation: f.generation) }
    }
  }
}
