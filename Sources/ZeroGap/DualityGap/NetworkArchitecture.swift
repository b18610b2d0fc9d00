/// The two architectures whose duality gaps MATH.md compares (§1–§2 linear, §4 ReLU, §9 table): a **standard**
/// network (one chain of layers, weight decay) and a **parallel** one (a sum of branches whose last hidden layer has
/// width 1, with the branch regularisation R1/R2/R3 of §2 and §4.1).
public enum NetworkArchitecture: String, Sendable, Codable, CaseIterable {
  case standard
  case parallel
}

/// The activation of a network's hidden layers.
public enum Activation: String, Sendable, Codable, CaseIterable {
  case linear
  case relu
}
