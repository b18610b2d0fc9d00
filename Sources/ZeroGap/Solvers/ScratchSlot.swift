import Synchronization

/// One reusable set of buffers shared by the copies of a value type whose methods are not `mutating` (a program's
/// cone repair runs inside `repair(_:products:)` at every certificate check): `take` hands the buffers out, `put`
/// returns them. A call that finds them taken (another thread's repair of the same program) builds its own, so the
/// slot never blocks, and the usual single-threaded call allocates nothing once the buffers have grown.
final class ScratchSlot<Buffers: Sendable>: Sendable {
  private let slot = Mutex<Buffers?>(nil)

  init() {}

  /// The stored buffers, or nil when none are stored or another caller has them.
  func take() -> Buffers? { slot.withLock { stored in stored.take() } }

  /// Stores buffers for the next `take`.
  func put(_ buffers: Buffers) { slot.withLock { $0 = buffers } }
}
