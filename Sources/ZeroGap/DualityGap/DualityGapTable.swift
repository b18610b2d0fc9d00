/// The zero/non-zero duality-gap table of MATH.md §9, computed cell by cell with `GapMeasurement`: linear and ReLU
/// activations, standard and parallel architectures, depths 2, 3, 4. Every number is measured on an instance (the
/// embedded defaults are MATH.md's worked examples; or the user's data), never asserted; a cell that cannot be
/// measured says why.
public struct DualityGapTable: Sendable {
  /// One cell: its coordinates, and either the measurement or the reason there is none.
  public struct Entry: Sendable {
    public var activation: Activation
    public var architecture: NetworkArchitecture
    public var depth: Int
    public var cell: GapCell?
    public var note: String?
  }

  /// The data of one activation's cells.
  public struct Instance: Sendable {
    public var x: Matrix
    public var y: Matrix
    public var beta: Double?
    public var description: String

    public init(x: Matrix, y: Matrix, beta: Double?, description: String) {
      self.x = x
      self.y = y
      self.beta = beta
      self.description = description
    }

    /// Linear cells by default: X = I₂, Y = diag(3, 1), minimum-norm interpolation (MATH.md §1.4).
    public static let linearDefault = Instance(
      x: LinearCase.diag31.matrices.x, y: LinearCase.diag31.matrices.y, beta: nil, description: LinearCase.diag31.summary)
    /// ReLU cells by default: X = (1, −1)ᵀ, Y = (1, −1), minimum-norm interpolation (MATH.md §4.5).
    public static let reluDefault = Instance(
      x: ReLUCase.rank1Opposite.matrices.x, y: ReLUCase.rank1Opposite.matrices.y, beta: nil, description: ReLUCase.rank1Opposite.summary)
  }

  public var entries: [Entry]
  public var linearInstance: Instance
  public var reluInstance: Instance

  /// Measures every cell (depths 2, 3, 4 by default).
  /// - Parameter progress: called before each cell with its name (for a progress line).
  public static func compute(
    linear: Instance = .linearDefault, relu: Instance = .reluDefault, depths: [Int] = [2, 3, 4],
    options: GapMeasurement.Options = GapMeasurement.Options(), progress: ((String) -> Void)? = nil
  ) -> DualityGapTable {
    var entries: [Entry] = []
    for activation in Activation.allCases {
      let instance = activation == .linear ? linear : relu
      for architecture in NetworkArchitecture.allCases {
        for depth in depths {
          progress?("\(activation.rawValue) \(architecture.rawValue) depth \(depth)")
          var entry = Entry(activation: activation, architecture: architecture, depth: depth)
          do {
            entry.cell = try GapMeasurement.measure(
              activation: activation, architecture: architecture, depth: depth, x: instance.x, y: instance.y,
              beta: instance.beta, instance: instance.description, options: options)
          } catch {
            entry.note = error.message
          }
          entries.append(entry)
        }
      }
    }
    return DualityGapTable(entries: entries, linearInstance: linear, reluInstance: relu)
  }

  /// `{"cells": [{"activation", "architecture", "depth", "primal", "dual", "gap", "verdict", "tolerance",
  /// "primal_method", "dual_method", "instance", "beta"} | {…, "primal": null, …, "verdict": null, "note"}]}`.
  public var json: JSON {
    .object([
      "cells": .array(entries.map { e in
        if let c = e.cell { return c.json }
        let instance = e.activation == .linear ? linearInstance : reluInstance
        return .object([
          "activation": .string(e.activation.rawValue), "architecture": .string(e.architecture.rawValue),
          "depth": .number(Double(e.depth)), "beta": .number(instance.beta), "primal": .null, "dual": .null, "gap": .null,
          "verdict": .null, "instance": .string(instance.description), "note": .string(e.note ?? ""),
        ])
      })
    ])
  }

  /// A plain-text table (fixed-width columns) followed by the instances and the notes of unmeasured cells.
  public var text: String {
    func pad(_ s: String, _ w: Int, right: Bool = false) -> String {
      let fill = String(repeating: " ", count: Swift.max(0, w - s.count))
      return right ? fill + s : s + fill
    }
    var out = "Duality gaps (MATH.md §9): primal = an attained value, dual = a certified lower bound, gap = primal − dual\n"
    out += pad("activation", 12) + pad("architecture", 14) + pad("depth", 5, right: true)
    out += ["primal", "dual", "gap"].map { pad($0, 16, right: true) }.joined() + "  verdict\n"
    var notes: [String] = []
    for e in entries {
      out += pad(e.activation.rawValue, 12) + pad(e.architecture.rawValue, 14) + pad(String(e.depth), 5, right: true)
      if let c = e.cell {
        out += [c.primal, c.dual, c.gap].map { pad(tableCell($0, width: 15), 16, right: true) }.joined()
        out += "  " + c.verdict.rawValue + "\n"
      } else {
        notes.append(e.note ?? "")
        out += [String](repeating: pad("—", 16, right: true), count: 3).joined() + "  not measured [\(notes.count)]\n"
      }
    }
    out += "linear cells: \(Self.problem(linearInstance))\nrelu cells: \(Self.problem(reluInstance))\n"
    out += "verdict: zero when gap ≤ tolerance·max(1, |primal|) (1e-6 for closed-form and convex primals, 1e-4 for trained ones); methods per cell with --json\n"
    for (k, n) in notes.enumerated() { out += "[\(k + 1)] \(n)\n" }
    return out
  }

  /// A Markdown table (one row per cell, with the methods) for reports and READMEs.
  public var markdown: String {
    var out = "| activation | architecture | depth | primal | dual | gap | verdict | primal method | dual method |\n"
    out += "|---|---|---|---|---|---|---|---|---|\n"
    for e in entries {
      if let c = e.cell {
        out += "| \(e.activation.rawValue) | \(e.architecture.rawValue) | \(e.depth) | \(tableCell(c.primal, width: 15)) | \(tableCell(c.dual, width: 15)) | \(tableCell(c.gap, width: 15)) | \(c.verdict.rawValue) | \(c.primalMethod) | \(c.dualMethod) |\n"
      } else {
        out += "| \(e.activation.rawValue) | \(e.architecture.rawValue) | \(e.depth) | — | — | — | not measured | \(e.note ?? "") | |\n"
      }
    }
    out += "\nlinear cells: \(Self.problem(linearInstance)); relu cells: \(Self.problem(reluInstance)).\n"
    return out
  }

  static func problem(_ i: Instance) -> String {
    i.description + ", " + (i.beta.map { "regularised squared loss, β = \(shortNumber($0))" } ?? "minimum-norm interpolation")
  }
}
