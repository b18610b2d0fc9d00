/// A mutable pointer handed to the workers of `DispatchQueue.concurrentPerform`, each of which writes only its own
/// disjoint part of the buffer (the caller's contract; the buffer outlives the parallel loop).
struct SharedPointer<Element>: @unchecked Sendable {
  let base: UnsafeMutablePointer<Element>
  init(_ base: UnsafeMutablePointer<Element>) { self.base = base }
}
