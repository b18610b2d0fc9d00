import RealModule

/// A first-order update rule in the optax shape: explicit state in, explicit state out.
///
/// `step` overwrites θ in place with the next iterate given the gradient at θ.
public protocol Optimizer: Sendable {
  associatedtype State: Sendable
  /// Fresh state for a parameter vector of length `count`.
  func initialState(count: Int) -> State
  /// θ ← update(θ, ∇f(θ)); mutates `state`.
  func step(_ parameters: inout [Double], gradient: [Double], state: inout State)
}

/// Plain gradient descent `θ ← θ − η ∇f(θ)`.
public struct GradientDescent: Optimizer {
  /// Step size η > 0.
  public var learningRate: Double
  public init(learningRate: Double) { self.learningRate = learningRate }
  public func initialState(count: Int) {}
  public func step(_ parameters: inout [Double], gradient: [Double], state: inout Void) {
    parameters.axpy(-learningRate, gradient)
  }
}

/// Adam (Kingma & Ba 2015) with bias correction.
///
///     m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,  θ ← θ − η·m̂/(√v̂ + ε)
public struct Adam: Optimizer {
  public var learningRate: Double
  public var beta1: Double
  public var beta2: Double
  public var epsilon: Double

  public struct State: Sendable {
    var m: [Double]
    var v: [Double]
    var t: Int
  }

  public init(learningRate: Double = 1e-2, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-12) {
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
  }

  public func initialState(count: Int) -> State {
    State(m: [Double](repeating: 0, count: count), v: [Double](repeating: 0, count: count), t: 0)
  }

  public func step(_ parameters: inout [Double], gradient: [Double], state: inout State) {
    state.t += 1
    let c1 = 1 - Double.pow(beta1, Double(state.t))
    let c2 = 1 - Double.pow(beta2, Double(state.t))
    for i in 0..<parameters.count {
      let g = gradient[i]
      state.m[i] = beta1 * state.m[i] + (1 - beta1) * g
      state.v[i] = beta2 * state.v[i] + (1 - beta2) * g * g
      let mHat = state.m[i] / c1
      let vHat = state.v[i] / c2
      parameters[i] -= learningRate * mHat / (vHat.squareRoot() + epsilon)
    }
  }
}
